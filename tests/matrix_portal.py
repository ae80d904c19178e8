"""The portal's and Open311's staff pages in the role × endpoint matrix (the public pages
are declared ``public`` and tested for leaks in shequ/portal/tests and shequ/open311/tests).
Imported by tests.test_scoping_matrix, whose Endpoint it uses: hence the import inside."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

# The street's dispatcher, community A's staff and grid A's chief keep grid A's cases.
CASE_MANAGERS_OF_GRID_A = {"dispatcher", "community_staff", "grid_chief"}


def _closed_case(t: Any) -> None:
    """A case of grid A taken through to closed by the system, for publishing."""
    from shequ.cases.categories import seed_defaults  # noqa: PLC0415
    from shequ.cases.models import Category  # noqa: PLC0415
    from shequ.cases.services import case_act, case_register  # noqa: PLC0415
    from shequ.core.actors import SYSTEM  # noqa: PLC0415

    seed_defaults()
    case = case_register(
        actor=SYSTEM,
        channel="resident",
        category=Category.objects.get(code="0301"),
        title="洛龙路路灯不亮",
        description="洛龙路路灯连续三晚不亮",
        area=t.grid_a,
    ).case
    for action, fields in (
        ("accept", {}),
        ("take", {}),
        ("resolve", {"note": "已更换灯泡"}),
        ("verify", {}),
        ("close", {"reason": "居民电话未接通"}),
    ):
        case = case_act(actor=SYSTEM, case=case, action=action, **fields)
    t.case = case


def _published(t: Any) -> None:
    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.portal.models import PublicReply  # noqa: PLC0415

    _closed_case(t)
    t.reply = PublicReply.objects.create(
        case=t.case,
        area=t.case.area,
        area_path=t.case.area_path,
        category=t.case.category,
        title="路灯",
        summary="居民反映路灯不亮",
        reply="已修复",
        published_at=t.case.closed_at,
        published_by=User.objects.get(username="staff"),
    )


def _key(t: Any) -> None:
    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.open311.services import api_key_issue  # noqa: PLC0415

    t.key, _raw = api_key_issue(
        actor=User.objects.get(username="admin"), name="热线平台", channel="hotline_12345"
    )


def portal_endpoints() -> list[Any]:
    from tests.test_scoping_matrix import Endpoint, ok  # noqa: PLC0415

    reply_form = {
        "title": "洛龙路路灯不亮",
        "summary": "居民反映洛龙路路灯不亮",
        "reply": "城管已更换灯泡",
        "department_name": "城管执法中队",
    }
    return [
        Endpoint(
            "portal:staff_replies",
            lambda t, p: reverse("portal:staff_replies"),
            ok(CASE_MANAGERS_OF_GRID_A),
        ),
        Endpoint(
            "portal:staff_reply_edit",
            lambda t, p: reverse("portal:staff_reply_edit", args=[t.case.pk]),
            ok(CASE_MANAGERS_OF_GRID_A),
            setup=_closed_case,
        ),
        Endpoint(
            "portal:staff_reply_edit",
            lambda t, p: reverse("portal:staff_reply_edit", args=[t.case.pk]),
            ok(CASE_MANAGERS_OF_GRID_A, 302),
            method="post",
            data=lambda t, p: reply_form,
            setup=_closed_case,
        ),
        Endpoint(
            "portal:staff_reply_withdraw",
            lambda t, p: reverse("portal:staff_reply_withdraw", args=[t.reply.pk]),
            ok(CASE_MANAGERS_OF_GRID_A, 302),
            method="post",
            data=lambda t, p: {},
            setup=_published,
        ),
        Endpoint("open311:keys", lambda t, p: reverse("open311:keys"), ok({"administrator"})),
        Endpoint(
            "open311:keys",
            lambda t, p: reverse("open311:keys"),
            ok({"administrator"}),
            method="post",
            data=lambda t, p: {"name": "市民App", "channel": "resident"},
        ),
        Endpoint(
            "open311:key_active",
            lambda t, p: reverse("open311:key_active", args=[t.key.pk]),
            ok({"administrator"}, 302),
            method="post",
            data=lambda t, p: {"active": "0"},
            setup=_key,
        ),
    ]


def portal_state() -> tuple[Any, ...]:
    """The portal's own tables, for the matrix's "nothing changed" check (the case tables
    are in the matrix's own snapshot)."""
    from shequ.open311.models import ApiKey  # noqa: PLC0415
    from shequ.portal.models import CaseRating, PublicReply, ResidentAccount  # noqa: PLC0415

    return (
        sorted(PublicReply.objects.values_list("id", "is_published", "title", "reply")),
        sorted(ApiKey.objects.values_list("id", "is_active")),
        CaseRating.objects.count(),
        ResidentAccount.objects.count(),
    )
