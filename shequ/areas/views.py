"""The area browser, its map data, grid staff, and GeoJSON import/export."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.decorators import requires
from shequ.accounts.roles import GridDuty, Perm
from shequ.accounts.scope import scope_of
from shequ.areas import selectors
from shequ.areas.forms import AreaImportForm, DepartmentForm, OrganizationForm
from shequ.areas.models import Level
from shequ.areas.services import (
    area_retire,
    area_tree_import,
    department_create,
    organization_create,
)
from shequ.core.actions import submit
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import ServiceError


@requires(Perm.AREA_VIEW)
def area_index(request: HttpRequest) -> HttpResponse:
    tops = selectors.top_areas(request.user)
    if len(tops) == 1:
        return redirect("areas:detail", pk=tops[0].pk)
    return render(request, "areas/index.html", {"areas": tops})


@requires(Perm.AREA_VIEW)
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_area(request.user, pk)
    on = _parse_day(request.GET.get("on", ""))
    children = selectors.children_with_counts(area, on)
    departments, organizations = selectors.departments_and_organizations(area)
    context = {
        "area": area,
        "on": on,
        "departments": departments,
        "organizations": organizations,
        "crumbs": selectors.breadcrumbs(request.user, area),
        "children": children,
        "level_counts": [
            (Level(level).label, count)
            for level, count in sorted(selectors.subtree_level_counts(area).items())
        ],
        "child_level": Level(area.level + 1).label if area.level < Level.SUBGRID else None,
        "map_data": selectors.map_features(area, children),
        "staff": selectors.grid_staff(area) if area.level >= Level.COMMUNITY else [],
        "can_manage": scope_of(request.user).allows(Perm.AREA_MANAGE, area.area_path),
        "department_form": DepartmentForm()
        if area.level in (Level.DISTRICT, Level.STREET)
        else None,
        "organization_form": OrganizationForm(),
    }
    return render(request, "areas/detail.html", context)


def _parse_day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@requires(Perm.AREA_MANAGE)
@require_POST
def area_retire_view(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_area(request.user, pk, Perm.AREA_MANAGE)
    on = _parse_day(request.POST.get("on", ""))
    try:
        count = area_retire(actor=request.user, area=area, on=on)
    except ServiceError as exc:
        for error in exc.errors:
            messages.error(request, f"{_('Retire on')}: {error.message}")
    else:
        messages.success(request, _("%(count)d areas retired.") % {"count": count})
    return redirect("areas:detail", pk=area.pk)


@requires(Perm.AREA_VIEW)
def area_map(request: HttpRequest, pk: int) -> JsonResponse:
    area = selectors.access_area(request.user, pk)
    children = selectors.children_with_counts(area)
    return JsonResponse(selectors.map_features(area, children))


@requires(Perm.AREA_VIEW)
def area_staff(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_area(request.user, pk)
    staff = selectors.grid_staff(area)
    filled = {m.grid_duty for m in staff}
    posts = [
        (duty, [m for m in staff if m.grid_duty == duty.value])
        for duty in GridDuty
        if duty != GridDuty.OTHER
    ]
    others = [m for m in staff if m.grid_duty in ("", GridDuty.OTHER)]
    return render(
        request,
        "areas/staff.html",
        {
            "area": area,
            "crumbs": selectors.breadcrumbs(request.user, area),
            "posts": posts,
            "others": others,
            "vacant": [d for d in GridDuty if d not in (GridDuty.OTHER,) and d.value not in filled],
        },
    )


@requires(Perm.AREA_VIEW)
def area_export(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_area(request.user, pk)
    data = selectors.export_tree(area)
    audit(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=area,
        changes={"format": "geojson", "features": len(data["features"])},
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/geo+json; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="areas-{area.code}-{stamp}.geojson"'
    return response


@requires(Perm.AREA_MANAGE)
@require_http_methods(["GET", "POST"])
def area_import(request: HttpRequest) -> HttpResponse:
    form = AreaImportForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            summary = area_tree_import(actor=request.user, payload=form.cleaned_data["file"].read())
        except ServiceError as exc:
            errors = [e.as_dict() for e in exc.errors]
        else:
            messages.success(
                request,
                _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                },
            )
            for warning in summary.warnings:
                messages.warning(
                    request, f"{warning.location} · {warning.field}: {warning.message}"
                )
            return redirect("areas:index")
    return render(
        request,
        "areas/import.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )


@requires(Perm.AREA_MANAGE)
@require_POST
def department_new(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_area(request.user, pk, Perm.AREA_MANAGE)
    submit(
        request,
        DepartmentForm(request.POST),
        lambda data: department_create(actor=request.user, area=area, **data),
        _("Department added."),
    )
    return redirect("areas:detail", pk=area.pk)


@requires(Perm.AREA_MANAGE)
@require_POST
def organization_new(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_area(request.user, pk, Perm.AREA_MANAGE)
    submit(
        request,
        OrganizationForm(request.POST),
        lambda data: organization_create(actor=request.user, area=area, **data),
        _("Organization added."),
    )
    return redirect("areas:detail", pk=area.pk)
