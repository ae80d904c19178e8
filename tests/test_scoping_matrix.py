"""The role × endpoint matrix (design guide §4): every page and API endpoint, every persona.
A persona outside an object's area gets the same 404 as for a missing object; a persona
without the permission gets 403; nothing changes on any refused request.

A new page or endpoint is added to ENDPOINTS in the same commit (test_access_rules makes
sure it declares an access rule; test_matrix_covers_every_url makes sure it is here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.models import Membership, User
from shequ.areas.models import Area, Department, Organization
from shequ.cases.models import CaseMeasure, CaseMeasureMonth
from shequ.cases.models_notify import Notification, Webhook, WebhookDelivery
from shequ.core.actors import SYSTEM
from shequ.core.models import AuditRecord
from shequ.core.testing import PASSWORD, Personas, Tree
from shequ.registry.models import Building, House, Household, ImportJob, Resident, Stay, Unit, Visit
from shequ.registry.services import household_move_out, resident_move_out
from shequ.registry.testing import LI_ID
from tests import matrix_pages
from tests.matrix_portal import portal_endpoints, portal_state
from tests.test_access_rules import _walk

ALL = (
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
AREA_VIEWERS_OF_GRID_A = {
    "administrator",
    "dispatcher",
    "community_staff",
    "grid_chief",
    "grid_worker",
    "department_handler",
}
AREA_VIEW_HOLDERS = AREA_VIEWERS_OF_GRID_A | {"other_grid_worker"}
USER_VIEWERS = {"administrator", "security_admin", "dispatcher", "community_staff", "grid_chief"}
# The register of grid A: seen by the street and the community and grid A; kept (edited,
# revealed) by the community and grid A's staff; the worker of grid B holds the same
# permissions but not there.
REGISTER_VIEWERS_OF_GRID_A = {"dispatcher", "community_staff", "grid_chief", "grid_worker"}
REGISTER_KEEPERS_OF_GRID_A = {"community_staff", "grid_chief", "grid_worker"}
REGISTER_VIEW_HOLDERS = REGISTER_VIEWERS_OF_GRID_A | {"other_grid_worker"}
# Who may open worker_b's account (bound to grid B): USER_VIEW over grid B.
VIEWERS_OF_WORKER_B = {"administrator", "security_admin", "dispatcher", "community_staff"}


@dataclass
class Endpoint:
    name: str  # the URL name, as in urls.py
    url: Callable[[Tree, Personas], str]
    allowed: dict[str, int]  # persona -> status when allowed
    forbidden: int = 403  # status for everyone else who is logged in (404 for objects)
    scoped_out: set[str] = field(default_factory=set)  # hold the permission but not here: 404
    method: str = "get"
    data: Callable[[Tree, Personas], Any] | None = None
    content_type: str | None = None
    anonymous: int = 302  # pages send anonymous users to the login page; the API says 403
    setup: Callable[[Any], None] | None = None  # run first as the system, with the register


def ok(personas: set[str] | tuple[str, ...], status: int = 200) -> dict[str, int]:
    return dict.fromkeys(personas, status)


def _geojson(tree: Tree, _: Personas) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": None,
                    "properties": {
                        "code": "530114001002009",
                        "name": "新网格",
                        "level": "grid",
                        "parent_code": tree.community_b.code,
                    },
                }
            ],
        }
    )


def _sheet(t: Any) -> bytes:
    from shequ.registry.tests.test_sheets import base_row, make_xlsx  # noqa: PLC0415

    return make_xlsx([base_row(t.grid_a.code, 姓名="陈小明", 户编号="H900")])


def _sheet_upload(t: Any) -> Any:
    return _upload_named("register.xlsx", _sheet(t))


def _checked_job(t: Any) -> None:
    """An import of community A by its staff, uploaded and checked, waiting to be committed."""
    from shequ.registry.sheets import pipeline  # noqa: PLC0415

    staff = User.objects.get(username="staff")
    t.job = pipeline.import_upload(
        actor=staff, area=t.community_a, upload=_upload_named("register.xlsx", _sheet(t))
    )
    pipeline.run_validation(t.job.pk)


def _upload_named(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, data)


ENDPOINTS = [
    Endpoint("home", lambda t, p: reverse("home"), ok(ALL)),
    Endpoint("audit", lambda t, p: reverse("audit"), ok({"auditor"})),
    Endpoint("areas:index", lambda t, p: reverse("areas:index"), {**ok(AREA_VIEW_HOLDERS, 302)}),
    Endpoint(
        "areas:detail",
        lambda t, p: reverse("areas:detail", args=[t.grid_a.pk]),
        ok(AREA_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "areas:map",
        lambda t, p: reverse("areas:map", args=[t.grid_a.pk]),
        ok(AREA_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "areas:staff",
        lambda t, p: reverse("areas:staff", args=[t.grid_a.pk]),
        ok(AREA_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "areas:export",
        lambda t, p: reverse("areas:export", args=[t.grid_a.pk]),
        ok(AREA_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "areas:retire",
        lambda t, p: reverse("areas:retire", args=[t.grid_a.pk]),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"on": "2099-01-01"},
    ),
    Endpoint(
        "areas:department_new",
        lambda t, p: reverse("areas:department_new", args=[t.street.pk]),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"name": "派出所", "short_name": "派出所"},
    ),
    Endpoint(
        "areas:organization_new",
        lambda t, p: reverse("areas:organization_new", args=[t.grid_a.pk]),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"kind": "party_branch", "name": "第一网格党支部"},
    ),
    Endpoint("areas:import", lambda t, p: reverse("areas:import"), ok({"administrator"})),
    Endpoint(
        "areas:import",
        lambda t, p: reverse("areas:import"),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"file": _upload(_geojson(t, p))},
    ),
    Endpoint("accounts:users", lambda t, p: reverse("accounts:users"), ok(USER_VIEWERS)),
    Endpoint("accounts:user_new", lambda t, p: reverse("accounts:user_new"), ok({"administrator"})),
    Endpoint(
        "accounts:user_new",
        lambda t, p: reverse("accounts:user_new"),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {
            "username": "newbie",
            "full_name": "新人",
            "password": "Long-enough-pass-1",
        },
    ),
    Endpoint(
        "accounts:user",
        lambda t, p: reverse("accounts:user", args=[p.other_grid_worker.pk]),
        ok(VIEWERS_OF_WORKER_B),
        scoped_out={"grid_chief"},
    ),
    Endpoint(
        "accounts:user",
        lambda t, p: reverse("accounts:user", args=[p.other_grid_worker.pk]),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"role": "building_head", "area": t.grid_b.pk},
        scoped_out={"grid_chief"},
    ),
    Endpoint(
        "accounts:membership_end",
        lambda t, p: reverse(
            "accounts:membership_end",
            args=[p.other_grid_worker.pk, p.other_grid_worker.memberships.get().pk],
        ),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {},
    ),
    Endpoint(
        "accounts:user_active",
        lambda t, p: reverse("accounts:user_active", args=[p.other_grid_worker.pk]),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"active": "0"},
    ),
    Endpoint(
        "accounts:user_password",
        lambda t, p: reverse("accounts:user_password", args=[p.other_grid_worker.pk]),
        ok({"administrator"}, 302),
        method="post",
        data=lambda t, p: {"password": "Another-long-pass-2"},
    ),
    Endpoint(
        "accounts:user_unlock",
        lambda t, p: reverse("accounts:user_unlock", args=[p.other_grid_worker.pk]),
        ok({"security_admin"}, 302),
        method="post",
        data=lambda t, p: {},
    ),
    Endpoint(
        "accounts:user_otp_reset",
        lambda t, p: reverse("accounts:user_otp_reset", args=[p.other_grid_worker.pk]),
        ok({"security_admin"}, 302),
        method="post",
        data=lambda t, p: {},
    ),
    Endpoint("accounts:password", lambda t, p: reverse("accounts:password"), ok(ALL)),
    Endpoint("accounts:otp", lambda t, p: reverse("accounts:otp"), ok(ALL)),
    # The register.
    Endpoint("registry:home", lambda t, p: reverse("registry:home"), ok(REGISTER_VIEW_HOLDERS)),
    Endpoint(
        "registry:residents", lambda t, p: reverse("registry:residents"), ok(REGISTER_VIEW_HOLDERS)
    ),
    Endpoint(
        "registry:resident",
        lambda t, p: reverse("registry:resident", args=[t.reg.zhang.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:reveal",
        lambda t, p: reverse("registry:reveal", args=[t.reg.zhang.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A),
        method="post",
        data=lambda t, p: {"field": "id_number", "reason": "上门核实身份"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:resident_phone",
        lambda t, p: reverse("registry:resident_phone", args=[t.reg.zhang.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"phone": "13900001111"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:resident_move_out",
        lambda t, p: reverse("registry:resident_move_out", args=[t.reg.li.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"note": "外出务工"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:household_rejoin",
        lambda t, p: reverse("registry:household_rejoin", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"id_number": LI_ID, "relation": "spouse"},
        scoped_out={"other_grid_worker"},
        setup=lambda t: resident_move_out(actor=SYSTEM, resident=t.reg.li) and None,
    ),
    Endpoint(
        "registry:building_new",
        lambda t, p: reverse("registry:building_new", args=[t.grid_a.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {
            "number": "9栋",
            "address": "呈贡区龙城路9号",
            "floors": 5,
            "entrances": 1,
        },
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:house_new",
        lambda t, p: reverse("registry:house_new", args=[t.reg.building.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"entrance": 2, "floor": 3, "room": "302", "use": "rented"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:household_new",
        lambda t, p: reverse("registry:household_new", args=[t.reg.empty_house.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:unit_new",
        lambda t, p: reverse("registry:unit_new", args=[t.reg.empty_house.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"name": "龙城便利店", "is_business": "on"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:resident_edit",
        lambda t, p: reverse("registry:resident_edit", args=[t.reg.zhang.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"relation": "head", "residency": "non_local"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:building_head",
        lambda t, p: reverse("registry:building_head", args=[t.reg.building.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"head": t.reg.zhang.pk},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:party_center",
        lambda t, p: reverse("registry:party_center", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"value": "1"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:building",
        lambda t, p: reverse("registry:building", args=[t.reg.building.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:labels",
        lambda t, p: reverse("registry:labels", args=[t.reg.building.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:house",
        lambda t, p: reverse("registry:house", args=[t.reg.house.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:household",
        lambda t, p: reverse("registry:household", args=[t.reg.household.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:household",
        lambda t, p: reverse("registry:household", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {
            "member-name": "张小明",
            "member-relation": "child",
            "member-residency": "registered",
        },
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:household_move_out",
        lambda t, p: reverse("registry:household_move_out", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"note": "搬迁"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:household_move_in",
        lambda t, p: reverse("registry:household_move_in", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"house": t.reg.empty_house.pk},
        scoped_out={"other_grid_worker"},
        setup=lambda t: household_move_out(actor=SYSTEM, household=t.reg.household) and None,
    ),
    Endpoint(
        "registry:visit_new",
        lambda t, p: reverse("registry:visit_new", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {"note": "走访，老人身体状况良好"},
        scoped_out={"other_grid_worker"},
    ),
    Endpoint(
        "registry:code_renew",
        lambda t, p: reverse("registry:code_renew", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 302),
        method="post",
        data=lambda t, p: {},
        scoped_out={"other_grid_worker"},
    ),
    # Register sheets in and out: import is for community staff, export for community staff and grid chiefs.
    Endpoint(
        "registry_import:new", lambda t, p: reverse("registry_import:new"), ok({"community_staff"})
    ),
    Endpoint(
        "registry_import:new",
        lambda t, p: reverse("registry_import:new"),
        ok({"community_staff"}, 302),
        method="post",
        data=lambda t, p: {"area": t.community_a.pk, "file": _sheet_upload(t)},
    ),
    Endpoint(
        "registry_import:template",
        lambda t, p: reverse("registry_import:template", args=["xlsx"]),
        ok({"community_staff"}),
    ),
    Endpoint(
        "registry_import:job",
        lambda t, p: reverse("registry_import:job", args=[t.job.pk]),
        ok({"community_staff"}),
        setup=_checked_job,
    ),
    Endpoint(
        "registry_import:commit",
        lambda t, p: reverse("registry_import:commit", args=[t.job.pk]),
        ok({"community_staff"}, 302),
        method="post",
        data=lambda t, p: {},
        setup=_checked_job,
    ),
    Endpoint(
        "registry_import:cancel",
        lambda t, p: reverse("registry_import:cancel", args=[t.job.pk]),
        ok({"community_staff"}, 302),
        method="post",
        data=lambda t, p: {},
        setup=_checked_job,
    ),
    Endpoint(
        "registry_import:export",
        lambda t, p: reverse("registry_import:export"),
        ok({"community_staff", "grid_chief"}),
    ),
    # The API: the same rules; anonymous callers get 403 instead of a redirect.
    Endpoint(
        "api:residents",
        lambda t, p: reverse("api:residents"),
        ok(REGISTER_VIEW_HOLDERS),
        anonymous=403,
    ),
    Endpoint(
        "api:resident",
        lambda t, p: reverse("api:resident", args=[t.reg.zhang.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:household",
        lambda t, p: reverse("api:household", args=[t.reg.household.pk]),
        ok(REGISTER_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:household_member_new",
        lambda t, p: reverse("api:household_member_new", args=[t.reg.household.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A, 201),
        method="post",
        data=lambda t, p: {"name": "张小红", "relation": "child"},
        content_type="application/json",
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:resident_phone",
        lambda t, p: reverse("api:resident_phone", args=[t.reg.zhang.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A),
        method="post",
        data=lambda t, p: {"phone": "13600001111"},
        content_type="application/json",
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:resident_move_out",
        lambda t, p: reverse("api:resident_move_out", args=[t.reg.li.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A),
        method="post",
        data=lambda t, p: {"note": "迁往外地"},
        content_type="application/json",
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:resident_reveal",
        lambda t, p: reverse("api:resident_reveal", args=[t.reg.zhang.pk]),
        ok(REGISTER_KEEPERS_OF_GRID_A),
        method="post",
        data=lambda t, p: {"field": "phone", "reason": "电话回访核实"},
        content_type="application/json",
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint("api:me", lambda t, p: reverse("api:me"), ok(ALL), anonymous=403),
    Endpoint("api:areas", lambda t, p: reverse("api:areas"), ok(AREA_VIEW_HOLDERS), anonymous=403),
    Endpoint(
        "api:area",
        lambda t, p: reverse("api:area", args=[t.grid_a.pk]),
        ok(AREA_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:area_staff",
        lambda t, p: reverse("api:area_staff", args=[t.grid_a.pk]),
        ok(AREA_VIEWERS_OF_GRID_A),
        scoped_out={"other_grid_worker"},
        anonymous=403,
    ),
    Endpoint(
        "api:departments",
        lambda t, p: reverse("api:departments"),
        ok(AREA_VIEW_HOLDERS),
        anonymous=403,
    ),
    Endpoint(
        "api:organizations",
        lambda t, p: reverse("api:organizations"),
        ok(AREA_VIEW_HOLDERS),
        anonymous=403,
    ),
    Endpoint(
        "api:area_import",
        lambda t, p: reverse("api:area_import"),
        ok({"administrator"}),
        method="post",
        data=_geojson,
        content_type="application/json",
        anonymous=403,
    ),
]
# Each part of the product keeps its endpoints in a module of its own (they need Endpoint,
# defined above, so they are imported here).
from tests import (  # noqa: E402
    matrix_api,
    matrix_measures,
    matrix_notify,
    matrix_screen,
)

ENDPOINTS += portal_endpoints()
ENDPOINTS += matrix_pages.endpoints()
ENDPOINTS += matrix_api.API_ENDPOINTS
ENDPOINTS += matrix_notify.NOTIFY_ENDPOINTS
ENDPOINTS += matrix_screen.SCREEN_ENDPOINTS
ENDPOINTS += matrix_measures.endpoints()

from tests.matrix_schema import endpoints as schema_endpoints  # noqa: E402 - needs Endpoint

ENDPOINTS += schema_endpoints()


def _upload(text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile("areas.geojson", text.encode(), content_type="application/geo+json")


def _state() -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    return (
        sorted(Membership.objects.values_list("id", "role", "area_id", "valid_to")),
        sorted(User.objects.values_list("id", "username", "is_active", "password")),
        sorted(Area.objects.values_list("id", "code", "name", "valid_to")),
        sorted(Department.objects.values_list("id", "name")),
        sorted(Organization.objects.values_list("id", "name")),
        AuditRecord.objects.count(),
        sorted(Resident.objects.values_list("id", "phone_bidx", "moved_out_on", "household_id")),
        sorted(Household.objects.values_list("id", "house_id", "code_nonce", "is_party_center")),
        sorted(Resident.objects.values_list("id", "residency", "relation")),
        sorted(Building.objects.values_list("id", "head_id")),
        sorted(House.objects.values_list("id", "room", "colour")),
        Unit.objects.count(),
        sorted(ImportJob.objects.values_list("id", "status")),
        Visit.objects.count(),
        Stay.objects.count(),
        *portal_state(),
        *_case_state(),
    )


def _case_state() -> tuple[Any, ...]:
    from shequ.cases.models import (  # noqa: PLC0415
        Assignment,
        CalendarDay,
        Case,
        CaseEvent,
        CasePhoto,
        Category,
        IdempotencyKey,
    )

    return (
        sorted(Case.objects.values_list("id", "state", "version", "area_id")),
        CaseEvent.objects.count(),
        sorted(Assignment.objects.values_list("id", "state")),
        CasePhoto.objects.count(),
        IdempotencyKey.objects.count(),
        sorted(Category.objects.values_list("code", "name", "is_active")),
        sorted(CalendarDay.objects.values_list("day", "kind")),
        sorted(Notification.objects.values_list("id", "read_at")),
        sorted(Webhook.objects.values_list("id", "is_active")),
        WebhookDelivery.objects.count(),
        sorted(CaseMeasure.objects.values_list("id", "received", "closed", "due_open")),
        sorted(CaseMeasureMonth.objects.values_list("id", "received", "closed")),
    )


def _expected(endpoint: Endpoint, persona: str) -> int:
    if persona in endpoint.allowed:
        return endpoint.allowed[persona]
    if persona in endpoint.scoped_out:
        return 404
    return endpoint.forbidden


def _request(client: Client, endpoint: Endpoint, tree: Tree, personas: Personas) -> Any:
    url = endpoint.url(tree, personas)
    if endpoint.method == "get":
        return client.get(url)
    data = endpoint.data(tree, personas) if endpoint.data else {}
    if endpoint.content_type:
        return client.post(url, data=data, content_type=endpoint.content_type)
    return client.post(url, data=data)


CASES = [(e, persona) for e in ENDPOINTS for persona in ALL]


@pytest.fixture
def world(tree: Tree, register: Any) -> Tree:
    """The tree with the register on it (``t.reg``), for the register's endpoints."""
    tree.reg = register  # type: ignore[attr-defined]
    return tree


@pytest.mark.parametrize(
    ("endpoint", "persona"), CASES, ids=[f"{e.method}:{e.name}-{p}" for e, p in CASES]
)
def test_matrix(
    endpoint: Endpoint, persona: str, world: Tree, personas: Personas, client: Client
) -> None:
    tree = world
    if endpoint.setup:
        endpoint.setup(tree)
    client.force_login(getattr(personas, persona))
    expected = _expected(endpoint, persona)
    before = _state()
    response = _request(client, endpoint, tree, personas)
    assert response.status_code == expected, (
        f"{persona} {endpoint.method.upper()} {endpoint.name}: {response.status_code}"
    )
    if expected >= 400:
        assert _state() == before, "a refused request changed something"
    elif endpoint.method == "post":
        assert _state() != before, "an allowed change changed nothing"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.method}:{e.name}" for e in ENDPOINTS])
def test_anonymous(endpoint: Endpoint, world: Tree, personas: Personas, client: Client) -> None:
    tree = world
    if endpoint.setup:
        endpoint.setup(tree)
    before = _state()
    response = _request(client, endpoint, tree, personas)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
    assert _state() == before


def _named_routes(patterns: list[Any], namespace: str = "") -> dict[str, Any]:
    """``{"namespace:name": callback}`` for every named URL pattern."""
    from django.urls import URLPattern, URLResolver  # noqa: PLC0415

    found: dict[str, Any] = {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _named_routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            found[f"{namespace}{entry.name}"] = entry.callback
    return found


def test_matrix_covers_every_url() -> None:
    from django.urls import get_resolver  # noqa: PLC0415

    from tests.test_access_rules import _rule  # noqa: PLC0415

    in_matrix = {e.name for e in ENDPOINTS}
    routes = _named_routes(get_resolver().url_patterns)
    missing = sorted(
        name
        for name, callback in routes.items()
        if _rule(callback) != "public" and name not in in_matrix
    )
    assert missing == [], f"add these to ENDPOINTS: {missing}"
    assert len(routes) == len(_walk(get_resolver().url_patterns)), "every URL pattern needs a name"


def test_grid_worker_list_shows_only_own_grid(
    tree: Tree, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    codes = {row["code"] for row in client.get(reverse("api:areas")).json()["results"]}
    assert codes == {tree.grid_a.code, tree.subgrid_a.code}


def test_user_without_membership_sees_nothing(
    tree: Tree, personas: Personas, client: Client
) -> None:
    client.force_login(personas.nobody)
    assert client.get(reverse("api:me")).json()["memberships"] == []
    assert client.get(reverse("api:areas")).status_code == 403
    assert Area.objects.visible_to(personas.nobody).count() == 0
    assert Membership.objects.visible_to(personas.nobody).count() == 0


def test_persona_logs_in_through_the_page(personas: Personas, client: Client) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "worker_a", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("api:me")).json()["username"] == "worker_a"
