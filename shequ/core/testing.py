"""A small, hand-checkable area tree and the named personas every test suite uses
(design guide §10). Built through the services, so the tests exercise the real paths."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shequ.accounts.models import User
from shequ.accounts.roles import GridDuty, Role
from shequ.accounts.services import membership_grant
from shequ.areas.models import Area, Department, Level, Organization, OrganizationKind
from shequ.areas.services import area_create, department_create, organization_create
from shequ.core.actors import SYSTEM

PASSWORD = "Persona-pass-2026"
PERSONAS_SINCE = dt.date(2020, 1, 1)


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


@dataclass
class Tree:
    city: Area
    district: Area
    street: Area
    community_a: Area
    community_b: Area
    grid_a: Area  # in community A
    grid_b: Area  # in community A, the neighbour of grid A
    grid_c: Area  # in community B
    subgrid_a: Area  # in grid A
    department: Department
    organization: Organization


def build_tree() -> Tree:
    def make(
        level: Level, code: str, name: str, parent: Area | None, box: tuple[float, float, float]
    ) -> Area:
        # In force from the personas' fixed past day, not "today" (area_create's default):
        # tests that travel to a fixed date (the command screen's scene: 2026-12-02) must find
        # the areas in force whatever day the suite runs.
        return area_create(
            actor=SYSTEM,
            level=level,
            code=code,
            name=name,
            parent=parent,
            boundary=square(*box),
            valid_from=PERSONAS_SINCE,
        ).area

    city = make(Level.CITY, "530100", "昆明市", None, (102.0, 24.0, 2.0))
    district = make(Level.DISTRICT, "530114", "呈贡区", city, (102.5, 24.5, 1.0))
    street = make(Level.STREET, "530114001", "龙城街道", district, (102.6, 24.6, 0.4))
    community_a = make(Level.COMMUNITY, "530114001001", "洛龙社区", street, (102.6, 24.6, 0.2))
    community_b = make(Level.COMMUNITY, "530114001002", "七彩社区", street, (102.8, 24.6, 0.2))
    grid_a = make(Level.GRID, "530114001001001", "第一网格", community_a, (102.6, 24.6, 0.1))
    grid_b = make(Level.GRID, "530114001001002", "第二网格", community_a, (102.7, 24.6, 0.1))
    grid_c = make(Level.GRID, "530114001002001", "第一网格", community_b, (102.8, 24.6, 0.1))
    subgrid_a = make(Level.SUBGRID, "53011400100100101", "一号楼片", grid_a, (102.6, 24.6, 0.05))
    department = department_create(
        actor=SYSTEM, area=street, name="城管执法中队", short_name="城管"
    )
    organization = organization_create(
        actor=SYSTEM, area=community_a, kind=OrganizationKind.PARTY_COMMITTEE, name="洛龙社区党委"
    )
    return Tree(
        city,
        district,
        street,
        community_a,
        community_b,
        grid_a,
        grid_b,
        grid_c,
        subgrid_a,
        department,
        organization,
    )


def make_user(
    username: str, role: Role | None = None, *, full_name: str = "", **binding: Any
) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, full_name=full_name or username
    )
    if role is not None:
        # From a fixed past day, not "today": tests that travel to a fixed date (deadlines)
        # must find the personas in office whatever day the suite runs.
        binding.setdefault("valid_from", PERSONAS_SINCE)
        membership_grant(actor=SYSTEM, user=user, role=role, **binding)
    return user


@dataclass
class Personas:
    administrator: User
    security_admin: User
    auditor: User
    dispatcher: User
    community_staff: User
    grid_chief: User
    grid_worker: User  # grid A
    other_grid_worker: User  # grid B, same community
    department_handler: User
    resident: User
    nobody: User  # an account with no membership at all


def build_personas(tree: Tree) -> Personas:
    return Personas(
        administrator=make_user("admin", Role.ADMINISTRATOR, area=tree.district),
        security_admin=make_user("security", Role.SECURITY_ADMIN, area=tree.district),
        auditor=make_user("auditor", Role.AUDITOR, area=tree.district),
        dispatcher=make_user("dispatcher", Role.STREET_DISPATCHER, area=tree.street),
        community_staff=make_user("staff", Role.COMMUNITY_STAFF, area=tree.community_a),
        grid_chief=make_user("chief", Role.GRID_CHIEF, area=tree.grid_a, grid_duty=GridDuty.CHIEF),
        grid_worker=make_user(
            "worker_a", Role.GRID_WORKER, area=tree.grid_a, grid_duty=GridDuty.COMMUNITY_WORKER
        ),
        other_grid_worker=make_user(
            "worker_b", Role.GRID_WORKER, area=tree.grid_b, grid_duty=GridDuty.COMMUNITY_WORKER
        ),
        department_handler=make_user(
            "handler", Role.DEPARTMENT_HANDLER, department=tree.department
        ),
        resident=make_user("resident", Role.RESIDENT, area=tree.community_a),
        nobody=make_user("nobody"),
    )
