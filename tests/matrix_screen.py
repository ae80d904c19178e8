"""The command screen, the map and the monthly reports in the role × endpoint matrix
(decision 0028): the screen and the map of an area are for those who see its cases — the
street, the community, the grid's chief and workers — a department gets its own ranking line,
reports are read where their area's cases are seen (or by their own department)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.test_scoping_matrix import Endpoint, ok

CASE_VIEW_HOLDERS = {
    "dispatcher",
    "community_staff",
    "grid_chief",
    "grid_worker",
    "other_grid_worker",
}
CASE_VIEWERS_OF_GRID_A = {"dispatcher", "community_staff", "grid_chief", "grid_worker"}
READERS_OF_COMMUNITY_A_REPORT = {"dispatcher", "community_staff"}


def _case(t: Any) -> None:
    """A case in grid A, registered by the system (the matrix's tree has no case world)."""
    from shequ.cases.categories import seed_defaults  # noqa: PLC0415
    from shequ.cases.models import Category  # noqa: PLC0415
    from shequ.cases.services import case_register  # noqa: PLC0415
    from shequ.core.actors import SYSTEM  # noqa: PLC0415

    seed_defaults()
    t.case = case_register(
        actor=SYSTEM,
        channel="patrol",
        category=Category.objects.get(code="0301"),
        level="routine",
        title="路灯不亮",
        description="洛龙路路灯连续三晚不亮",
        area=t.grid_a,
    ).case


def _report(t: Any) -> None:
    from shequ.dashboards import period, reports  # noqa: PLC0415
    from shequ.dashboards.models import MonthlyReport  # noqa: PLC0415

    reports.generate(period.this_month(timezone.now()))
    t.report = MonthlyReport.objects.get(area=t.community_a)


def _grid_a(name: str) -> Endpoint:
    return Endpoint(
        name,
        lambda t, p: reverse(name, args=[t.grid_a.pk]),
        ok(CASE_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    )


SCREEN_ENDPOINTS = [
    Endpoint(
        "dashboards:index", lambda t, p: reverse("dashboards:index"), ok(CASE_VIEW_HOLDERS, 302)
    ),
    _grid_a("dashboards:screen"),
    _grid_a("dashboards:screen_data"),
    _grid_a("dashboards:map"),
    _grid_a("dashboards:map_areas"),
    _grid_a("dashboards:map_buildings"),
    _grid_a("dashboards:area_panel"),
    Endpoint(
        "dashboards:map_cases",
        lambda t, p: (
            reverse("dashboards:map_cases", args=[t.grid_a.pk]) + "?bbox=102.5,24.5,102.9,24.9"
        ),
        ok(CASE_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "dashboards:case_panel",
        lambda t, p: reverse("dashboards:case_panel", args=[t.case.pk]),
        ok(CASE_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
        setup=_case,
    ),
    Endpoint(
        "dashboards:department",
        lambda t, p: reverse("dashboards:department"),
        ok({"department_handler"}),
    ),
    Endpoint(
        "dashboards:reports",
        lambda t, p: reverse("dashboards:reports"),
        ok(CASE_VIEW_HOLDERS | {"department_handler"}),
    ),
    Endpoint(
        "dashboards:report",
        lambda t, p: reverse("dashboards:report", args=[t.report.pk]),
        ok(READERS_OF_COMMUNITY_A_REPORT),
        forbidden=404,
        setup=_report,
    ),
    Endpoint(
        "dashboards:report_xlsx",
        lambda t, p: reverse("dashboards:report_xlsx", args=[t.report.pk]),
        ok(READERS_OF_COMMUNITY_A_REPORT),
        forbidden=404,
        setup=_report,
    ),
]
