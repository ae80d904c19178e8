"""The case settings pages (parse → access → service → respond): download the category list
or the holiday calendar as a file, change it in any editor, upload it back. An upload is all
or nothing; every error names the entry and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import requires
from shequ.accounts.roles import Perm
from shequ.cases.categories import (
    LoadSummary,
    calendar_export,
    calendar_import,
    category_export,
    category_import,
)
from shequ.cases.models import CalendarDay, Category
from shequ.core.errors import ServiceError
from shequ.core.forms import StyledForm

MAX_FILE_BYTES = 2 * 1024 * 1024


class DataFileForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("File (JSON)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(gettext_lazy("The file is larger than 2 MB."))
        return upload


def _page(
    request: HttpRequest, errors: dict[str, list[dict[str, str]]], status: int = 200
) -> HttpResponse:
    categories = list(Category.objects.select_related("parent").order_by("ordering", "code"))
    top = [c for c in categories if c.parent_id is None]
    children: dict[int, list[Category]] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    tree = [(c, children.get(c.pk, [])) for c in top]
    today = timezone.localdate()
    days = CalendarDay.objects.filter(day__gte=today.replace(month=1, day=1)).order_by("day")
    return render(
        request,
        "cases/settings.html",
        {
            "tree": tree,
            "category_count": len(categories),
            "days": days,
            "category_form": DataFileForm(prefix="categories"),
            "calendar_form": DataFileForm(prefix="calendar"),
            "errors": errors,
        },
        status=status,
    )


@requires(Perm.CASE_CONFIGURE)
def settings_home(request: HttpRequest) -> HttpResponse:
    return _page(request, {})


def _download(data: dict[str, Any], name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.json"'
    return response


@requires(Perm.CASE_CONFIGURE)
def categories_download(request: HttpRequest) -> HttpResponse:
    return _download(category_export(), "categories")


@requires(Perm.CASE_CONFIGURE)
def calendar_download(request: HttpRequest) -> HttpResponse:
    return _download(calendar_export(), "calendar")


def _upload(
    request: HttpRequest,
    prefix: str,
    service: Callable[..., LoadSummary],
) -> HttpResponse:
    form = DataFileForm(request.POST, request.FILES, prefix=prefix)
    if not form.is_valid():
        errors = [
            {"field": "file", "message": str(message)}
            for messages_ in form.errors.values()
            for message in messages_
        ]
        return _page(request, {prefix: errors}, status=400)
    try:
        summary = service(actor=request.user, payload=form.cleaned_data["file"].read())
    except ServiceError as exc:
        return _page(request, {prefix: [e.as_dict() for e in exc.errors]}, status=400)
    messages.success(
        request,
        _("Loaded: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.")
        % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
    )
    return redirect("cases_config:home")


@requires(Perm.CASE_CONFIGURE)
@require_POST
def categories_upload(request: HttpRequest) -> HttpResponse:
    return _upload(request, "categories", category_import)


@requires(Perm.CASE_CONFIGURE)
@require_POST
def calendar_upload(request: HttpRequest) -> HttpResponse:
    return _upload(request, "calendar", calendar_import)
