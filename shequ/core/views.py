"""Home, health, and the auditor's search of the audit log."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from shequ.accounts.decorators import public, requires, signed_in
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.selectors import memberships_with_targets, top_areas
from shequ.core.audit import audit
from shequ.core.forms import AuditFilterForm, valid_filters
from shequ.core.models import AuditAction, AuditRecord
from shequ.core.paths import within

AUDIT_PAGE = 50


@public
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that matches nothing: under /api/ the API's one error shape (a client reads JSON,
    not the HTML page), elsewhere Django's page (templates/404.html)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"field": "id", "message": _("Not found.")}]}, status=404)
    return defaults.page_not_found(request, exception)


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships_with_targets(request.user),
            "top_areas": top_areas(request.user),
        },
    )


@requires(Perm.AUDIT_VIEW)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor searches; nothing here (or anywhere) changes a record."""
    records = AuditRecord.objects.filter(
        # Records that belong to no area (logins, accounts) are every auditor's.
        within("area_path", scope_of(request.user).paths_with(Perm.AUDIT_VIEW)) | Q(area_path="")
    )
    form = AuditFilterForm(request.GET or None)
    filters = valid_filters(form)
    if filters.get("who"):
        records = records.filter(actor_name__icontains=filters["who"])
    if filters.get("action"):
        records = records.filter(action=filters["action"])
    if filters.get("object_type"):
        records = records.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        records = records.filter(object_id=filters["object_id"])
    tz = timezone.get_current_timezone()
    if filters.get("since"):
        records = records.filter(at__gte=dt.datetime.combine(filters["since"], dt.time.min, tz))
    if filters.get("until"):
        records = records.filter(
            at__lt=dt.datetime.combine(filters["until"] + dt.timedelta(days=1), dt.time.min, tz)
        )
    before = request.GET.get("before", "")
    if before.isdigit():
        records = records.filter(pk__lt=int(before))
    # the auditor's own searches are part of the record (等保: auditors are audited too)
    audit(
        actor=request.user,
        action=AuditAction.SEARCH,
        object_type="core.auditrecord",
        # what was asked for, as typed (a bad value too: it was asked for)
        changes={
            key: request.GET[key].strip() for key in form.fields if request.GET.get(key, "").strip()
        },
    )
    page = list(records.order_by("-pk")[: AUDIT_PAGE + 1])
    more = len(page) > AUDIT_PAGE
    page = page[:AUDIT_PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "records": page,
            "form": form,
            "next_before": page[-1].pk if more and page else None,
            "query": query.urlencode(),
        },
    )
