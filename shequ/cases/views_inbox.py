"""The inbox: a user's own notifications (list, mark one or all read). Everyone signed in
has one; nobody sees another's (404)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import signed_in
from shequ.cases import notify

PAGE_SIZE = 30


def case_url(case_id: int) -> str | None:
    """The case's page, when the case pages are installed."""
    try:
        return reverse("cases:detail", args=[case_id])
    except NoReverseMatch:
        return None


@signed_in
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notify.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[tuple[Any, str | None]] = [(n, case_url(n.case_id)) for n in page.object_list]
    return render(request, "cases/inbox.html", {"page": page, "rows": rows})


@signed_in
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notify.access_notification(request.user, pk)
    notify.notification_read(actor=request.user, notification=notification)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("inbox:list")


@signed_in
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notify.notifications_read_all(actor=request.user)
    return redirect("inbox:list")
