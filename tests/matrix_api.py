"""The case API and the case settings pages in the role × endpoint matrix
(tests/test_scoping_matrix.py adds these to ENDPOINTS).

A case in grid A is seen by the street, the community and grid A; the worker of grid B and
a department it was not whistled to hold case permissions but not for it (404); everyone
without a case permission gets 403."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequ.cases.categories import CATEGORY_FORMAT, seed_defaults
from shequ.cases.models import Category
from shequ.cases.services import case_act, case_register
from shequ.core.actors import SYSTEM
from tests.test_scoping_matrix import Endpoint, ok

CASE_READERS = {
    "dispatcher",
    "community_staff",
    "grid_chief",
    "grid_worker",
    "other_grid_worker",
    "department_handler",
}
VIEWERS_OF_CASE_A = {"dispatcher", "community_staff", "grid_chief", "grid_worker"}
# Hold case permissions, but this case is neither in their area nor whistled to them.
OUTSIDERS_OF_CASE_A = {"other_grid_worker", "department_handler"}
KEEPERS_OF_CASE_A = {"dispatcher", "community_staff", "grid_chief"}  # may accept it
ALL_SIGNED_IN = (
    "administrator",
    "security_admin",
    "auditor",
    "dispatcher",
    "community_staff",
    "grid_chief",
    "grid_worker",
    "other_grid_worker",
    "department_handler",
    "resident",
    "nobody",
)


def _case_in_grid_a(t: Any) -> None:
    seed_defaults()
    t.case = case_register(
        actor=SYSTEM,
        channel="hotline_12345",
        category=Category.objects.get(code="0301"),
        title="路灯不亮",
        description="第三盏路灯不亮",
        reporter_name="王秀英",
        reporter_phone="13812345678",
        area=t.grid_a,
    ).case


def _whistled_case(t: Any) -> None:
    _case_in_grid_a(t)
    case_act(actor=SYSTEM, case=t.case, action="accept")
    case_act(actor=SYSTEM, case=t.case, action="whistle", lead_department=t.department)


def _intake(t: Any, _: Any) -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "category": "0301",
        "title": "路灯不亮",
        "description": "第三盏路灯不亮",
        "area": t.grid_a.pk,
    }


def _categories(t: Any, _: Any) -> dict[str, Any]:
    return {"format": CATEGORY_FORMAT, "categories": [{"code": "X77", "name": "新类别"}]}


def _calendar(t: Any, _: Any) -> dict[str, Any]:
    return {"format": "shequ-calendar-1", "holidays": {"新年": ["2031-01-01"]}}


def _file(data: dict[str, Any]) -> Any:
    return SimpleUploadedFile("data.json", json.dumps(data).encode(), "application/json")


def _case_url(name: str, *extra: Any) -> Any:
    return lambda t, p: reverse(name, args=[t.case.pk, *extra])


API_ENDPOINTS = [
    Endpoint(
        "api:cases",
        lambda t, p: reverse("api:cases"),
        ok(CASE_READERS),
        anonymous=403,
        setup=_case_in_grid_a,
    ),
    Endpoint(
        "api:cases",
        lambda t, p: reverse("api:cases"),
        # The worker of grid B may register cases, but not in grid A: the place is refused.
        {**ok(VIEWERS_OF_CASE_A, 201), "other_grid_worker": 400},
        method="post",
        data=_intake,
        content_type="application/json",
        anonymous=403,
        setup=lambda t: seed_defaults(),
    ),
    Endpoint(
        "api:case",
        _case_url("api:case"),
        ok(VIEWERS_OF_CASE_A),
        scoped_out=OUTSIDERS_OF_CASE_A,
        anonymous=403,
        setup=_case_in_grid_a,
    ),
    Endpoint(
        "api:case_events",
        _case_url("api:case_events"),
        ok(VIEWERS_OF_CASE_A),
        scoped_out=OUTSIDERS_OF_CASE_A,
        anonymous=403,
        setup=_case_in_grid_a,
    ),
    Endpoint(
        "api:case_action",
        _case_url("api:case_action", "accept"),
        # The grid's worker sees the case; accepting it is not theirs.
        {**ok(KEEPERS_OF_CASE_A), "grid_worker": 403},
        method="post",
        data=lambda t, p: {"version": 1},
        content_type="application/json",
        scoped_out=OUTSIDERS_OF_CASE_A,
        anonymous=403,
        setup=_case_in_grid_a,
    ),
    Endpoint(
        "api:case_action",
        _case_url("api:case_action", "check_in"),
        # Whistled to the department: now it sees the case, and checking in is its own.
        {**ok({"department_handler"}), **dict.fromkeys(VIEWERS_OF_CASE_A, 403)},
        method="post",
        data=lambda t, p: {},
        content_type="application/json",
        scoped_out={"other_grid_worker"},
        anonymous=403,
        setup=_whistled_case,
    ),
    Endpoint(
        "api:case_reveal",
        _case_url("api:case_reveal"),
        ok({"community_staff", "grid_chief", "grid_worker"}),
        method="post",
        data=lambda t, p: {"field": "reporter_phone", "reason": "回访核实"},
        content_type="application/json",
        scoped_out={"other_grid_worker"},
        anonymous=403,
        setup=_case_in_grid_a,
    ),
    Endpoint(
        "api:case_categories",
        lambda t, p: reverse("api:case_categories"),
        ok(ALL_SIGNED_IN),
        anonymous=403,
    ),
    Endpoint(
        "api:case_categories_export",
        lambda t, p: reverse("api:case_categories_export"),
        ok({"administrator"}),
        anonymous=403,
    ),
    Endpoint(
        "api:case_categories_import",
        lambda t, p: reverse("api:case_categories_import"),
        ok({"administrator"}),
        method="post",
        data=_categories,
        content_type="application/json",
        anonymous=403,
    ),
    Endpoint(
        "api:case_calendar_export",
        lambda t, p: reverse("api:case_calendar_export"),
        ok({"administrator"}),
        anonymous=403,
    ),
    Endpoint(
        "api:case_calendar_import",
        lambda t, p: reverse("api:case_calendar_import"),
        ok({"administrator"}),
        method="post",
        data=_calendar,
        content_type="application/json",
        anonymous=403,
    ),
    # The settings pages.
    Endpoint("cases_config:home", lambda t, p: reverse("cases_config:home"), ok({"administrator"})),
    Endpoint(
        "cases_config:categories_download",
        lambda t, p: reverse("cases_config:categories_download"),
        ok({"administrator"}),
    ),
    Endpoint(
        "cases_config:calendar_download",
        lambda t, p: reverse("cases_config:calendar_download"),
        ok({"administrator"}),
    ),
    Endpoint(
        "cases_config:categories_upload",
        lambda t, p: reverse("cases_config:categories_upload"),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"categories-file": _file(_categories(t, p))},
    ),
    Endpoint(
        "cases_config:calendar_upload",
        lambda t, p: reverse("cases_config:calendar_upload"),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"calendar-file": _file(_calendar(t, p))},
    ),
]
