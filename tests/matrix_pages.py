"""The case pages in the role × endpoint matrix (tests/test_scoping_matrix.py adds these).

A case registered in grid A is seen by the street, the community, grid A's chief and worker,
and — once whistled to 城管 — by that department's handler; grid B's worker holds the same
permissions elsewhere and gets 404; a case not whistled to 城管 is a 404 for its handler."""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse

CASE_VIEWERS_OF_GRID_A = {"dispatcher", "community_staff", "grid_chief", "grid_worker"}
CASE_PAGE_USERS = CASE_VIEWERS_OF_GRID_A | {"other_grid_worker", "department_handler"}
CASE_INTAKE_OF_GRID_A = {"dispatcher", "community_staff", "grid_chief", "grid_worker"}
REVEALERS_OF_GRID_A = {"community_staff", "grid_chief", "grid_worker"}
ACCEPTERS_OF_GRID_A = {"dispatcher", "community_staff", "grid_chief"}


def _jpeg() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def _registered(t: Any) -> None:
    """A case in grid A, registered by the community, with a photo; not whistled."""
    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.cases.categories import seed_defaults  # noqa: PLC0415
    from shequ.cases.models import Category  # noqa: PLC0415
    from shequ.cases.services import case_register  # noqa: PLC0415

    seed_defaults()
    t.case = case_register(
        actor=User.objects.get(username="staff"),
        channel="hotline_12345",
        category=Category.objects.get(code="0301"),
        title="洛龙路路灯不亮",
        description="第三盏路灯连续三晚不亮",
        reporter_name="王秀英",
        reporter_phone="13812345678",
        area=t.grid_a,
        photos=[_jpeg()],
    ).case
    t.photo = t.case.photos.get()


def _whistled(t: Any) -> None:
    """The case whistled by the street to 城管 (the department handler's department)."""
    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.cases.services import case_act  # noqa: PLC0415

    _registered(t)
    staff = User.objects.get(username="staff")
    case = case_act(actor=staff, case=t.case, action="accept")
    case = case_act(actor=staff, case=case, action="escalate", reason="需要城管处置")
    t.case = case_act(
        actor=User.objects.get(username="dispatcher"),
        case=case,
        action="whistle",
        lead_department=t.department,
    )


def _intake(t: Any, _: Any) -> dict[str, Any]:
    from shequ.cases.models import Category  # noqa: PLC0415

    return {
        "form_token": "matrix-token",
        "channel": "hotline_12345",
        "category": Category.objects.get(code="0301").pk,
        "level": "routine",
        "title": "井盖缺失",
        "description": "小区门口井盖缺失",
        "area": t.grid_a.pk,
    }


def endpoints() -> list[Any]:
    from tests.test_scoping_matrix import Endpoint, ok  # noqa: PLC0415

    return [
        Endpoint("cases:list", lambda t, p: reverse("cases:list"), ok(CASE_PAGE_USERS)),
        Endpoint("cases:work", lambda t, p: reverse("cases:work"), ok(CASE_PAGE_USERS)),
        Endpoint("cases:board", lambda t, p: reverse("cases:board"), ok({"department_handler"})),
        Endpoint(
            "cases:export",
            lambda t, p: reverse("cases:export"),
            ok({"dispatcher", "community_staff", "grid_chief"}),
            setup=_registered,
        ),
        Endpoint(
            "cases:new",
            lambda t, p: reverse("cases:new"),
            ok(CASE_INTAKE_OF_GRID_A | {"other_grid_worker"}),
        ),
        Endpoint(
            "cases:new",
            lambda t, p: reverse("cases:new"),
            # grid B's worker may register cases, but not in grid A: the field is refused
            {**ok(CASE_INTAKE_OF_GRID_A, 302), "other_grid_worker": 400},
            method="post",
            data=_intake,
        ),
        Endpoint(
            "cases:detail",
            lambda t, p: reverse("cases:detail", args=[t.case.pk]),
            ok(CASE_VIEWERS_OF_GRID_A | {"department_handler"}),
            scoped_out={"other_grid_worker"},
            setup=_whistled,
        ),
        Endpoint(
            "cases:detail",
            lambda t, p: reverse("cases:detail", args=[t.case.pk]),
            ok(CASE_VIEWERS_OF_GRID_A),
            # not whistled to the handler's department: not theirs to see
            scoped_out={"other_grid_worker", "department_handler"},
            setup=_registered,
        ),
        Endpoint(
            "cases:photo",
            lambda t, p: reverse("cases:photo", args=[t.photo.pk]),
            ok(CASE_VIEWERS_OF_GRID_A | {"department_handler"}),
            scoped_out={"other_grid_worker"},
            setup=_whistled,
        ),
        Endpoint(
            "cases:reveal",
            lambda t, p: reverse("cases:reveal", args=[t.case.pk]),
            ok(REVEALERS_OF_GRID_A),
            method="post",
            data=lambda t, p: {"field": "reporter_phone", "reason": "回访核实办理结果"},
            scoped_out={"other_grid_worker"},
            setup=_registered,
        ),
        Endpoint(
            "cases:act",
            lambda t, p: reverse("cases:act", args=[t.case.pk, "check_in"]),
            ok({"department_handler"}),
            scoped_out={"other_grid_worker"},
            setup=_whistled,
        ),
        Endpoint(
            "cases:act",
            lambda t, p: reverse("cases:act", args=[t.case.pk, "check_in"]),
            ok({"department_handler"}, 302),
            method="post",
            data=lambda t, p: {"act-version": t.case.version, "act-note": "已报到"},
            scoped_out={"other_grid_worker"},
            setup=_whistled,
        ),
        Endpoint(
            "cases:act",
            lambda t, p: reverse("cases:act", args=[t.case.pk, "accept"]),
            ok(ACCEPTERS_OF_GRID_A, 302),
            method="post",
            data=lambda t, p: {"act-version": t.case.version},
            scoped_out={"other_grid_worker", "department_handler"},
            setup=_registered,
        ),
    ]
