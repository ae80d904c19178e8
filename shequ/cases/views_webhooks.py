"""Administrators keep the outgoing webhooks: list, create (the secret is shown once),
deactivate, and see the latest deliveries. Webhooks are not bound to an area: whoever holds
``case.configure`` keeps all of them, like categories and deadlines."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.decorators import requires
from shequ.accounts.roles import Perm
from shequ.cases import webhooks
from shequ.cases.models import Channel
from shequ.cases.models_notify import Webhook, WebhookDelivery
from shequ.core.errors import ServiceError
from shequ.core.forms import StyledForm, add_service_errors

RECENT = 50
capfirst_lazy = lazy(capfirst, str)


class WebhookForm(StyledForm):
    name = forms.CharField(label=capfirst_lazy(gettext_lazy("name")), max_length=60)
    url = forms.CharField(label=gettext_lazy("Address (URL)"), max_length=500)
    channel = forms.ChoiceField(
        label=gettext_lazy("Only cases from channel"),
        choices=[("", gettext_lazy("every channel")), *Channel.choices],
        required=False,
    )


@requires(Perm.CASE_CONFIGURE)
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = webhooks.webhook_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            form = WebhookForm()
    context = {
        "webhooks": Webhook.objects.order_by("-is_active", "name", "id"),
        "form": form,
        "created": created,
    }
    status = 400 if request.method == "POST" and created is None else 200
    return render(request, "cases/webhooks.html", context, status=status)


@requires(Perm.CASE_CONFIGURE)
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    deliveries = (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("event")
        .order_by("-id")[:RECENT]
    )
    return render(
        request, "cases/webhook.html", {"webhook": webhook, "deliveries": list(deliveries)}
    )


@requires(Perm.CASE_CONFIGURE)
@require_POST
def webhook_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    webhooks.webhook_deactivate(actor=request.user, webhook=webhook)
    messages.success(request, _("The webhook is off: nothing more is sent to it."))
    return redirect("webhooks:detail", pk=webhook.pk)
