"""The command screen (一屏观全区), the map (一张图) and the monthly reports: read-only pages
and the JSON they refresh from. Parse → access → selectors → respond."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from shequ.accounts.decorators import requires, signed_in
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Level
from shequ.areas.selectors import breadcrumbs
from shequ.cases.access import access_case
from shequ.cases.models import CaseLevel
from shequ.core.errors import NotAllowed
from shequ.dashboards import period, reports, screen, selectors
from shequ.dashboards.models import MonthlyReport
from shequ.registry.colours import PRECEDENCE

REFRESH_SECONDS = 30
PANEL_OVERDUE = 8  # the map's side panel: the longest overdue; the total is in its heading


def _now() -> dt.datetime:
    return timezone.now()


# --- the command screen ----------------------------------------------------------------------


@requires(Perm.CASE_VIEW)
@require_GET
def screen_index(request: HttpRequest) -> HttpResponse:
    area = selectors.screen_home(request.user)
    if area is None:
        raise NotAllowed(Perm.CASE_VIEW)
    return redirect("dashboards:screen", pk=area.pk)


@requires(Perm.CASE_VIEW)
@require_GET
def screen_page(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_screen_area(request.user, pk)
    data = screen.screen_data(request.user, area, _now())
    return render(
        request,
        "dashboards/screen.html",
        {
            "area": area,
            "data": data,
            "crumbs": breadcrumbs(request.user, area),
            "refresh": REFRESH_SECONDS,
            "data_url": reverse("dashboards:screen_data", args=[area.pk]),
            "levels": CaseLevel.choices,
        },
    )


@requires(Perm.CASE_VIEW)
@require_GET
def screen_data(request: HttpRequest, pk: int) -> JsonResponse:
    area = selectors.access_screen_area(request.user, pk)
    return JsonResponse(screen.screen_data(request.user, area, _now()))


@requires(Perm.CASE_RESPOND)
@require_GET
def department_ranking(request: HttpRequest) -> HttpResponse:
    """A department sees its own line of the ranking, never the others' (decision 0028)."""
    department_ids = scope_of(request.user).department_ids
    rows = period.department_rows(department_ids, period.this_month(_now()))
    return render(request, "dashboards/department.html", {"rows": rows})


# --- the map -----------------------------------------------------------------------------------


@requires(Perm.CASE_VIEW)
@require_GET
def map_page(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_screen_area(request.user, pk)
    return render(
        request,
        "dashboards/map.html",
        {
            "area": area,
            "crumbs": selectors.map_crumbs(request.user, area),
            "legend": [{"key": c.value, "label": c.label} for c in PRECEDENCE],
            "measures": screen.measure_choices(),
            "levels": CaseLevel.choices,
            "urls_json": json.dumps(
                {
                    "areas": reverse("dashboards:map_areas", args=[0]),
                    "buildings": reverse("dashboards:map_buildings", args=[0]),
                    "cases": reverse("dashboards:map_cases", args=[0]),
                    "area_panel": reverse("dashboards:area_panel", args=[0]),
                    "case_panel": reverse("dashboards:case_panel", args=[0]),
                    "page": reverse("dashboards:map", args=[0]),
                    "screen": reverse("dashboards:screen", args=[0]),
                }
            ),
        },
    )


@requires(Perm.CASE_VIEW)
@require_GET
def map_areas(request: HttpRequest, pk: int) -> JsonResponse:
    """The area's parts coloured by a measure, and the area itself (for fitting the view)."""
    area = selectors.access_screen_area(request.user, pk)
    kids = selectors.children(area)
    figures = selectors.figures(area, kids, _now())
    own = figures[0]
    return JsonResponse(
        {
            "area": {
                **own.as_dict(),
                "boundary": area.boundary,
                "parent": area.parent_id
                if area.parent_id
                and scope_of(request.user).allows(Perm.CASE_VIEW, _parent_path(area))
                else None,
                "fine": area.level >= Level.COMMUNITY,
                "buildings": area.level >= selectors.BUILDING_LEVEL,
            },
            "crumbs": selectors.map_crumbs(request.user, area),
            "parts": selectors.area_features(figures[1:]),
        }
    )


def _parent_path(area: Any) -> str:
    return str(area.area_path.rsplit("/", 2)[0] + "/")


@requires(Perm.CASE_VIEW)
@require_GET
def map_buildings(request: HttpRequest, pk: int) -> JsonResponse:
    area = selectors.access_screen_area(request.user, pk)
    if not scope_of(request.user).allows(Perm.REGISTER_VIEW, area.area_path):
        return JsonResponse({"buildings": []})
    show_care = scope_of(request.user).allows(Perm.CARE_VIEW, area.area_path)
    return JsonResponse({"buildings": selectors.buildings(area, show_care=show_care)})


@requires(Perm.CASE_VIEW)
@require_GET
def map_cases(request: HttpRequest, pk: int) -> JsonResponse:
    area = selectors.access_screen_area(request.user, pk)
    bbox = selectors.BBox.parse(request.GET.get("bbox", ""))
    fine = area.level >= Level.COMMUNITY
    return JsonResponse({"markers": selectors.case_clusters(area, bbox, fine=fine), "fine": fine})


@requires(Perm.CASE_VIEW)
@require_GET
def area_panel(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.access_screen_area(request.user, pk)
    now = _now()
    own = selectors.figures(area, [], now)[0]
    return render(
        request,
        "dashboards/_area_panel.html",
        {
            "area": area,
            "f": own.as_dict(),
            "overdue": selectors.overdue_list(area, now, limit=PANEL_OVERDUE),
            "at_risk": selectors.at_risk(area, now),
            "drill": area.level < Level.SUBGRID,
        },
    )


@requires(Perm.CASE_VIEW)
@require_GET
def case_panel(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(request.user, pk)
    now = _now()
    overdue_hours = None
    if case.is_open and case.resolve_by and case.resolve_by < now:
        overdue_hours = int((now - case.resolve_by).total_seconds() // 3600)
    template = "dashboards/_case_panel.html"
    if not request.htmx:  # type: ignore[attr-defined]
        template = "dashboards/case_card.html"
    return render(
        request,
        template,
        {"case": case, "overdue_hours": overdue_hours, "page_url": selectors.case_link(case.pk)},
    )


# --- monthly reports -----------------------------------------------------------------------------


@signed_in
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    if not reports.may_read_reports(request.user):
        raise PermissionDenied
    rows = MonthlyReport.objects.filter(reports.visible_reports(request.user)).select_related(
        "area", "department"
    )[:200]
    return render(request, "dashboards/reports.html", {"reports": rows})


@signed_in
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    report = reports.access_report(request.user, pk)
    return render(
        request,
        "dashboards/report.html",
        {"report": report, "data": report.data},
    )


@signed_in
@require_GET
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = reports.access_report(request.user, pk)
    response = HttpResponse(
        bytes(report.workbook),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(report)}"'
    return response
