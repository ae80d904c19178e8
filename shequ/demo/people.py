"""People: the demo logins, and everyone a street plan binds to its areas, departments and
organizations (generated on demand, one street at a time)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from shequ.accounts.roles import NINE_SPECIALISTS, GridDuty, Role
from shequ.demo.codes import _rng
from shequ.demo.names import SPECIALIST_TITLES, NameGenerator

if TYPE_CHECKING:
    from shequ.demo.plan import GridPlan, StreetPlan

DEMO_PASSWORD: Final = "Shequ-demo-2026"  # noqa: S105 - documented demo password


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    where: str  # in words; the exact area is in the table ``demo_seed`` prints


DEMO_LOGINS: Final = (
    DemoLogin("admin", "赵建国", Role.ADMINISTRATOR, "district 呈贡区"),
    DemoLogin("security", "钱安宁", Role.SECURITY_ADMIN, "district 呈贡区"),
    DemoLogin("auditor", "孙明德", Role.AUDITOR, "district 呈贡区"),
    DemoLogin("dispatcher", "李晓雯", Role.STREET_DISPATCHER, "street 龙湖街道"),
    DemoLogin("community", "周丽华", Role.COMMUNITY_STAFF, "community 龙湖社区"),
    DemoLogin("gridchief", "吴志刚", Role.GRID_CHIEF, "龙湖社区 第一网格 (chief)"),
    DemoLogin("gridworker", "郑雪梅", Role.GRID_WORKER, "龙湖社区 第一网格 (community worker)"),
    DemoLogin("gridworker2", "王海燕", Role.GRID_WORKER, "龙湖社区 第二网格 (community worker)"),
    DemoLogin(
        "department", "冯德福", Role.DEPARTMENT_HANDLER, "department 城管执法中队 of 龙湖街道"
    ),
    DemoLogin("mediator", "陈秀兰", Role.MEDIATOR, "community 龙湖社区"),
    DemoLogin("buildinghead", "褚永兴", Role.BUILDING_HEAD, "龙湖社区 第一网格 (other)"),
    DemoLogin("resident", "卫欣怡", Role.RESIDENT, "community 龙湖社区"),
)
_DEMO: Final = {login.username: login for login in DEMO_LOGINS}
DEMO_USERNAMES: Final = tuple(_DEMO)


BindingKind = Literal["area", "department", "organization"]


@dataclass(frozen=True)
class MembershipPlan:
    role: Role
    kind: BindingKind
    key: str  # an area code, a DepartmentPlan.key or an OrganizationPlan.key
    grid_duty: str = ""
    title: str = ""


@dataclass(frozen=True)
class PersonPlan:
    username: str
    full_name: str
    memberships: tuple[MembershipPlan, ...]

    @property
    def is_demo_login(self) -> bool:
        return self.username in _DEMO


def _street_people(plan: StreetPlan) -> Iterator[PersonPlan]:
    """Everyone bound to the street and below, in a fixed order. On the demo street the demo
    logins take the first posts of their kind instead of generated staff."""
    names = NameGenerator(_rng(plan.seed, plan.index, "people"))
    demo = plan.index == 0

    def person(username: str, *memberships: MembershipPlan) -> PersonPlan:
        login = _DEMO.get(username)
        return PersonPlan(username, login.full_name if login else names.full_name(), memberships)

    def pick(generated: str, demo_username: str, when: bool) -> str:
        return demo_username if demo and when else generated

    s = plan.code
    yield person(
        pick(f"s{s}-1", "dispatcher", True),
        MembershipPlan(Role.STREET_DISPATCHER, "area", s, title="指挥中心值班员"),
    )
    yield person(
        f"s{s}-2", MembershipPlan(Role.STREET_DISPATCHER, "area", s, title="指挥中心值班员")
    )
    yield person(
        f"s{s}-3", MembershipPlan(Role.MEDIATOR, "area", s, title="街道人民调解委员会调解员")
    )
    for d, dept in enumerate(plan.departments, start=1):
        for n in (1, 2):
            username = pick(f"d{s}-{d}-{n}", "department", d == 1 and n == 1)
            yield person(
                username,
                MembershipPlan(
                    Role.DEPARTMENT_HANDLER,
                    "department",
                    dept.key,
                    title=f"{dept.short_name}联络员",
                ),
            )
    for ci, community in enumerate(plan.communities):
        c, first = community.code, ci == 0
        for n in range(1, names.rng.randint(3, 5) + 1):
            roles = [
                MembershipPlan(
                    Role.COMMUNITY_STAFF, "area", c, title="社区书记" if n == 1 else "社区工作者"
                )
            ]
            if n == 1:  # the community secretary also leads the community party committee
                roles.append(
                    MembershipPlan(
                        Role.COMMUNITY_STAFF, "organization", f"party:{c}", title="党委书记"
                    )
                )
            yield person(pick(f"c{c}-{n}", "community", first and n == 1), *roles)
        yield person(
            pick(f"c{c}-m1", "mediator", first),
            MembershipPlan(Role.MEDIATOR, "area", c, title="人民调解员"),
        )
        for n in (1, 2, 3):
            yield person(
                pick(f"c{c}-r{n}", "resident", first and n == 1),
                MembershipPlan(Role.RESIDENT, "area", c),
            )
        for gi, grid in enumerate(community.grids):
            yield from _grid_people(
                grid, person, pick, first_community=first, grid_index=gi, rng=names.rng
            )


def _grid_people(
    grid: GridPlan,
    person: Callable[..., PersonPlan],
    pick: Callable[[str, str, bool], str],
    *,
    first_community: bool,
    grid_index: int,
    rng: random.Random,
) -> Iterator[PersonPlan]:
    """ "1+9+X": a chief (who also leads the grid's first party branch), the nine specialist
    posts and 1–3 others; and a building head for each subgrid."""
    g = grid.area.code
    first_grid = first_community and grid_index == 0
    yield person(
        pick(f"g{g}-1", "gridchief", first_grid),
        MembershipPlan(Role.GRID_CHIEF, "area", g, GridDuty.CHIEF, "网格长"),
        MembershipPlan(Role.GRID_CHIEF, "organization", f"branch:{g}:1", title="支部书记"),
    )
    n = 1
    for duty in NINE_SPECIALISTS:
        n += 1
        is_worker = duty == GridDuty.COMMUNITY_WORKER
        username = pick(f"g{g}-{n}", "gridworker", first_grid and is_worker)
        username = pick(username, "gridworker2", first_community and grid_index == 1 and is_worker)
        yield person(
            username,
            MembershipPlan(Role.GRID_WORKER, "area", g, duty, SPECIALIST_TITLES.get(duty, "")),
        )
    for x in range(rng.randint(1, 3)):
        n += 1
        demo_head = first_grid and x == 0
        role = Role.BUILDING_HEAD if demo_head or rng.random() < 0.5 else Role.GRID_WORKER
        title = "楼栋长" if role == Role.BUILDING_HEAD else "网格协管员"
        yield person(
            pick(f"g{g}-{n}", "buildinghead", demo_head),
            MembershipPlan(role, "area", g, GridDuty.OTHER, title),
        )
    for subgrid in grid.subgrids:
        yield person(
            f"g{subgrid.code}-1",
            MembershipPlan(Role.BUILDING_HEAD, "area", subgrid.code, GridDuty.OTHER, "党员楼栋长"),
        )


@dataclass(frozen=True)
class DemoLoginRow:
    username: str
    password: str
    role: Role
    where: str


def demo_login_table(plan: StreetPlan) -> list[DemoLoginRow]:
    """The demo logins as planned on the demo street (index 0), with where each is bound."""
    names = {
        a.code: f"{a.name} ({a.code})" for a in (plan.city, plan.district.area, *plan.iter_areas())
    }
    for community in plan.communities:
        for grid in community.grids:
            names[grid.area.code] = f"{community.name}{grid.area.name} ({grid.area.code})"
    areas = {a.code: a.name for a in (plan.district.area, plan.area)}
    names |= {
        d.key: f"{d.name} · {areas[d.area_code]}"
        for d in (*plan.district.departments, *plan.departments)
    }
    rows: list[DemoLoginRow] = []
    for person in itertools.chain(plan.district.people, plan.iter_people()):
        if person.is_demo_login:
            member = person.memberships[0]
            where = names.get(member.key, member.key)
            if member.grid_duty:
                where = f"{where} · {member.grid_duty}"
            rows.append(DemoLoginRow(person.username, DEMO_PASSWORD, member.role, where))
    order = {name: n for n, name in enumerate(DEMO_USERNAMES)}
    return sorted(rows, key=lambda row: order[row.username])
