"""The API twins of the register's place pages (shequ/registry/api_places.py) in the role ×
endpoint matrix (tests/test_scoping_matrix.py adds these to ENDPOINTS). Who may do what is
the same as on the pages: the register of grid A is seen by the street, the community and
grid A, and kept by the community and grid A; the worker of grid B holds the permissions but
not there (404)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shequ.core.actors import SYSTEM
from shequ.registry.services import household_move_out, resident_move_out
from shequ.registry.testing import LI_ID


def endpoints() -> list[Any]:
    from tests.test_scoping_matrix import (  # noqa: PLC0415 - the matrix imports this module
        REGISTER_KEEPERS_OF_GRID_A,
        REGISTER_VIEWERS_OF_GRID_A,
        USER_VIEWERS,
        VIEWERS_OF_WORKER_B,
        Endpoint,
        _checked_job,
        _sheet_upload,
        ok,
    )

    def read(name: str, obj: Any) -> Any:
        return Endpoint(
            name,
            lambda t, p: reverse(name, args=[obj(t).pk]),
            ok(REGISTER_VIEWERS_OF_GRID_A),
            scoped_out={"other_grid_worker"},
            anonymous=403,
        )

    def write(name: str, obj: Any, data: dict[str, Any], status: int = 200, **more: Any) -> Any:
        return Endpoint(
            name,
            lambda t, p: reverse(name, args=[obj(t).pk]),
            ok(REGISTER_KEEPERS_OF_GRID_A, status),
            method="post",
            data=lambda t, p: {
                key: value(t) if callable(value) else value for key, value in data.items()
            },
            content_type="application/json",
            scoped_out={"other_grid_worker"},
            anonymous=403,
            **more,
        )

    def admin(name: str, url: Any, data: dict[str, Any], who: str, status: int = 200) -> Any:
        return Endpoint(
            name,
            url,
            ok({who}, status),
            method="post",
            data=lambda t, p: {
                key: value(t) if callable(value) else value for key, value in data.items()
            },
            content_type="application/json",
            anonymous=403,
        )

    from tests.matrix_notify import ALL, _inbox_for_everyone, _webhook  # noqa: PLC0415
    from tests.matrix_portal import (  # noqa: PLC0415
        CASE_MANAGERS_OF_GRID_A,
        _closed_case,
        _key,
        _published,
    )

    def worker_b(name: str) -> Any:
        return lambda t, p: reverse(name, args=[p.other_grid_worker.pk])

    return [
        # Public replies: kept by the case managers of grid A; Open311 keys by the
        # administrator (as on the pages).
        Endpoint(
            "api:replies",
            lambda t, p: reverse("api:replies"),
            ok(CASE_MANAGERS_OF_GRID_A),
            anonymous=403,
        ),
        Endpoint(
            "api:case_reply",
            lambda t, p: reverse("api:case_reply", args=[t.case.pk]),
            ok(CASE_MANAGERS_OF_GRID_A),
            method="post",
            data=lambda t, p: {
                "title": "路灯修好了",
                "summary": "居民反映路灯不亮",
                "reply": "已更换灯泡",
            },
            content_type="application/json",
            setup=_closed_case,
            anonymous=403,
        ),
        Endpoint(
            "api:reply_withdraw",
            lambda t, p: reverse("api:reply_withdraw", args=[t.reply.pk]),
            ok(CASE_MANAGERS_OF_GRID_A),
            method="post",
            content_type="application/json",
            setup=_published,
            anonymous=403,
        ),
        Endpoint(
            "api:open311_keys",
            lambda t, p: reverse("api:open311_keys"),
            ok({"administrator"}),
            anonymous=403,
        ),
        admin(
            "api:open311_keys",
            lambda t, p: reverse("api:open311_keys"),
            {"name": "市民App", "channel": "resident"},
            "administrator",
            201,
        ),
        Endpoint(
            "api:open311_key_active",
            lambda t, p: reverse("api:open311_key_active", args=[t.key.pk]),
            ok({"administrator"}),
            method="post",
            data=lambda t, p: {"active": False},
            content_type="application/json",
            setup=_key,
            anonymous=403,
        ),
        # The case export: for those with CASE_EXPORT (only the cases they may export).
        Endpoint(
            "api:case_export",
            lambda t, p: reverse("api:case_export"),
            ok({"dispatcher", "community_staff", "grid_chief"}),
            anonymous=403,
        ),
        # The inbox (everyone's own) and the webhooks (the administrator's).
        Endpoint(
            "api:notifications_read_all",
            lambda t, p: reverse("api:notifications_read_all"),
            ok(ALL),
            method="post",
            content_type="application/json",
            setup=_inbox_for_everyone,
            anonymous=403,
        ),
        Endpoint(
            "api:webhooks",
            lambda t, p: reverse("api:webhooks"),
            ok({"administrator"}),
            anonymous=403,
        ),
        admin(
            "api:webhooks",
            lambda t, p: reverse("api:webhooks"),
            {"name": "12345热线", "url": "https://hotline.example.cn/hook"},
            "administrator",
            201,
        ),
        Endpoint(
            "api:webhook",
            lambda t, p: reverse("api:webhook", args=[t.webhook.pk]),
            ok({"administrator"}),
            setup=_webhook,
            anonymous=403,
        ),
        Endpoint(
            "api:webhook_deactivate",
            lambda t, p: reverse("api:webhook_deactivate", args=[t.webhook.pk]),
            ok({"administrator"}),
            method="post",
            content_type="application/json",
            setup=_webhook,
            anonymous=403,
        ),
        # Accounts: seen by those with USER_VIEW over them, managed by the administrator,
        # unlocked and reset by the security administrator (as on the pages).
        Endpoint("api:users", lambda t, p: reverse("api:users"), ok(USER_VIEWERS), anonymous=403),
        admin(
            "api:users",
            lambda t, p: reverse("api:users"),
            {"username": "newbie", "full_name": "新人", "password": "Long-enough-pass-1"},
            "administrator",
            201,
        ),
        Endpoint(
            "api:user",
            worker_b("api:user"),
            ok(VIEWERS_OF_WORKER_B),
            scoped_out={"grid_chief"},
            anonymous=403,
        ),
        admin(
            "api:memberships",
            worker_b("api:memberships"),
            {"role": "building_head", "area": lambda t: t.grid_b.pk},
            "administrator",
            201,
        ),
        admin(
            "api:membership_end",
            lambda t, p: reverse(
                "api:membership_end",
                args=[p.other_grid_worker.pk, p.other_grid_worker.memberships.get().pk],
            ),
            {},
            "administrator",
        ),
        admin("api:user_active", worker_b("api:user_active"), {"active": False}, "administrator"),
        admin(
            "api:user_password",
            worker_b("api:user_password"),
            {"password": "Another-long-pass-2"},
            "administrator",
            204,
        ),
        admin("api:user_unlock", worker_b("api:user_unlock"), {}, "security_admin"),
        admin("api:user_otp_reset", worker_b("api:user_otp_reset"), {}, "security_admin"),
        # Areas: managed by the administrator.
        admin(
            "api:area_retire",
            lambda t, p: reverse("api:area_retire", args=[t.grid_a.pk]),
            {"on": "2099-01-01"},
            "administrator",
        ),
        admin(
            "api:department_new",
            lambda t, p: reverse("api:department_new", args=[t.street.pk]),
            {"name": "派出所", "short_name": "派出所"},
            "administrator",
            201,
        ),
        admin(
            "api:organization_new",
            lambda t, p: reverse("api:organization_new", args=[t.grid_a.pk]),
            {"kind": "party_branch", "name": "第一网格党支部"},
            "administrator",
            201,
        ),
        # The register's places.
        read("api:area_buildings", lambda t: t.grid_a),
        write(
            "api:area_buildings",
            lambda t: t.grid_a,
            {"number": "9栋", "address": "呈贡区龙城路9号", "floors": 5},
            201,
        ),
        read("api:building", lambda t: t.reg.building),
        write("api:building_head", lambda t: t.reg.building, {"head": lambda t: t.reg.zhang.pk}),
        write(
            "api:house_new",
            lambda t: t.reg.building,
            {"entrance": 2, "floor": 3, "room": "302"},
            201,
        ),
        read("api:house", lambda t: t.reg.house),
        write("api:household_new", lambda t: t.reg.empty_house, {}, 201),
        write("api:unit_new", lambda t: t.reg.empty_house, {"name": "龙城便利店"}, 201),
        write("api:household_move_out", lambda t: t.reg.household, {"note": "迁往外地"}),
        write(
            "api:household_move_in",
            lambda t: t.reg.household,
            {"house": lambda t: t.reg.empty_house.pk},
            setup=lambda t: household_move_out(actor=SYSTEM, household=t.reg.household) and None,
        ),
        read("api:visits", lambda t: t.reg.household),
        write("api:visits", lambda t: t.reg.household, {"note": "走访，老人身体状况良好"}, 201),
        write("api:code_renew", lambda t: t.reg.household, {}),
        write("api:party_center", lambda t: t.reg.household, {"value": True}),
        write(
            "api:household_rejoin",
            lambda t: t.reg.household,
            {"id_number": LI_ID, "relation": "spouse"},
            setup=lambda t: resident_move_out(actor=SYSTEM, resident=t.reg.li) and None,
        ),
        write(
            "api:resident_edit",
            lambda t: t.reg.zhang,
            {"residency": "non_local", "is_party_member": True},
        ),
        # Register sheets: imports are for community staff, the export for community staff
        # and grid chiefs, as on the pages.
        Endpoint(
            "api:imports",
            lambda t, p: reverse("api:imports"),
            ok({"community_staff"}),
            anonymous=403,
        ),
        Endpoint(
            "api:imports",
            lambda t, p: reverse("api:imports"),
            ok({"community_staff"}, 201),
            method="post",
            data=lambda t, p: {"area": t.community_a.pk, "file": _sheet_upload(t)},
            anonymous=403,
        ),
        Endpoint(
            "api:import",
            lambda t, p: reverse("api:import", args=[t.job.pk]),
            ok({"community_staff"}),
            setup=_checked_job,
            anonymous=403,
        ),
        Endpoint(
            "api:import_commit",
            lambda t, p: reverse("api:import_commit", args=[t.job.pk]),
            ok({"community_staff"}),
            method="post",
            data=lambda t, p: {"valid_only": False},
            content_type="application/json",
            setup=_checked_job,
            anonymous=403,
        ),
        Endpoint(
            "api:import_cancel",
            lambda t, p: reverse("api:import_cancel", args=[t.job.pk]),
            ok({"community_staff"}),
            method="post",
            setup=_checked_job,
            anonymous=403,
        ),
        Endpoint(
            "api:resident_export",
            lambda t, p: reverse("api:resident_export"),
            ok({"community_staff", "grid_chief"}),
            anonymous=403,
        ),
    ]
