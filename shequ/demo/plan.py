"""Plans: pure Python, no database. A street's plan holds its areas, departments and
organizations; its people are generated on demand (``shequ.demo.people``)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from shequ.accounts.roles import Role
from shequ.areas.models import Level, OrganizationKind
from shequ.demo.codes import (
    CITY_CODE,
    CITY_NAME,
    DEFAULT_SEED,
    DISTRICTS,
    _rng,
    street_code,
    street_slot,
)
from shequ.demo.geometry import (
    NX,
    NY,
    Geometry,
    Lattice,
    _city_box,
    _district_box,
    _octagon,
    _street_origin,
    split_block,
)
from shequ.demo.names import (
    COMMUNITY_WORDS,
    FIRST_COMMUNITIES,
    MERCHANTS,
    ORDINALS,
    PARTNER_UNITS,
    PROPERTY_WORDS,
    SOCIAL_ORGANIZATIONS,
    NameGenerator,
    _street_name,
)
from shequ.demo.people import _DEMO, MembershipPlan, PersonPlan, _street_people

STREET_DEPARTMENTS: Final = (
    ("城管执法中队", "城管"),
    ("派出所", "派出所"),
    ("消防救援站", "消防"),
    ("住建办", "住建"),
    ("市场监管所", "市场监管"),
    ("司法所", "司法"),
    ("卫生院", "卫健"),
)
DISTRICT_DEPARTMENTS: Final = (("区城管局", "区城管"), ("区住建局", "区住建"))


@dataclass(frozen=True)
class AreaPlan:
    level: int
    code: str
    name: str
    parent_code: str | None
    boundary: Geometry


@dataclass(frozen=True)
class GridPlan:
    area: AreaPlan
    subgrids: tuple[AreaPlan, ...]
    branches: int  # party branches of this grid (1–2)


@dataclass(frozen=True)
class CommunityPlan:
    """One community and the size of the register it will get (households and residents are
    targets: no register rows are generated yet)."""

    area: AreaPlan
    grids: tuple[GridPlan, ...]
    households: int
    residents: int
    large: bool

    @property
    def code(self) -> str:
        return self.area.code

    @property
    def name(self) -> str:
        return self.area.name

    @property
    def subgrid_count(self) -> int:
        return sum(len(grid.subgrids) for grid in self.grids)


@dataclass(frozen=True)
class DepartmentPlan:
    area_code: str
    name: str
    short_name: str
    phone: str

    @property
    def key(self) -> str:
        return f"{self.area_code}:{self.name}"


@dataclass(frozen=True)
class OrganizationPlan:
    key: str
    area_code: str
    kind: str
    name: str
    parent_key: str | None
    contact: str


@dataclass(frozen=True)
class DistrictPlan:
    index: int
    area: AreaPlan
    departments: tuple[DepartmentPlan, ...]
    people: tuple[PersonPlan, ...]


@dataclass(frozen=True)
class StreetPlan:
    """One street: its areas, departments and organizations are held (a few dozen objects);
    its people are generated on demand by ``iter_people``."""

    seed: int
    index: int
    city: AreaPlan
    district: DistrictPlan
    first_in_district: bool
    area: AreaPlan
    communities: tuple[CommunityPlan, ...]
    departments: tuple[DepartmentPlan, ...]
    organizations: tuple[OrganizationPlan, ...]

    @property
    def code(self) -> str:
        return self.area.code

    @property
    def name(self) -> str:
        return self.area.name

    def iter_areas(self) -> Iterator[AreaPlan]:
        """The street and everything under it, parents before children."""
        yield self.area
        yield from (c.area for c in self.communities)
        yield from (g.area for c in self.communities for g in c.grids)
        yield from (s for c in self.communities for g in c.grids for s in g.subgrids)

    def iter_people(self) -> Iterator[PersonPlan]:
        return _street_people(self)


def plan_city(scale: int) -> AreaPlan:
    return AreaPlan(Level.CITY, CITY_CODE, CITY_NAME, None, _octagon(_city_box(scale), 0.1))


def plan_district(district: int, *, seed: int = DEFAULT_SEED, scale: int = 1) -> DistrictPlan:
    code, name = DISTRICTS[district]
    area = AreaPlan(
        Level.DISTRICT, code, name, CITY_CODE, _octagon(_district_box(district, scale), 0.03)
    )
    departments = tuple(
        DepartmentPlan(code, dept, short, f"0871-6{district:03d}{n + 1:04d}")
        for n, (dept, short) in enumerate(DISTRICT_DEPARTMENTS)
    )
    names = NameGenerator(_rng(seed, f"district-{code}", "people"))
    people: list[PersonPlan] = []
    if district == 0:
        for username in ("admin", "security", "auditor"):
            login = _DEMO[username]
            people.append(
                PersonPlan(username, login.full_name, (MembershipPlan(login.role, "area", code),))
            )
    else:
        people.append(
            PersonPlan(
                f"a{code}-1", names.full_name(), (MembershipPlan(Role.ADMINISTRATOR, "area", code),)
            )
        )
    for n, dept in enumerate(departments, start=1):
        member = MembershipPlan(Role.DEPARTMENT_HANDLER, "department", dept.key, title="业务科员")
        people.append(PersonPlan(f"d{code}-{n}-1", names.full_name(), (member,)))
    return DistrictPlan(district, area, departments, tuple(people))


def _grid_shape(rng: random.Random) -> list[int]:
    """Subgrids per grid: 3–4 grids, 6–10 subgrids in all, 2–3 per grid."""
    grids = rng.choice((3, 4))
    total = rng.randint(2 * grids, min(10, 3 * grids))
    counts = [2] * grids
    for i in rng.sample(range(grids), total - 2 * grids):
        counts[i] += 1
    return counts


def plan_street(index: int, *, seed: int = DEFAULT_SEED, scale: int | None = None) -> StreetPlan:
    """The plan of street ``index`` (0 is 龙湖街道). ``scale`` only sizes the district and city
    outlines; the street itself does not depend on it."""
    scale = max(scale or index + 1, index + 1)
    district, position = street_slot(index)
    geo, sizes, words, orgs = (
        _rng(seed, index, purpose) for purpose in ("geo", "sizes", "names", "orgs")
    )
    lattice = Lattice(geo, *_street_origin(index))
    code = street_code(index)
    street = AreaPlan(
        Level.STREET,
        code,
        _street_name(index),
        DISTRICTS[district][0],
        lattice.polygon((0, NX, 0, NY)),
    )
    names = (
        FIRST_COMMUNITIES
        if index == 0
        else tuple(f"{w}社区" for w in words.sample(COMMUNITY_WORDS, 4))
    )
    cut_x, cut_y = geo.randint(8, 10), geo.randint(4, 6)
    blocks = [
        (0, cut_x, cut_y, NY),
        (cut_x, NX, cut_y, NY),
        (0, cut_x, 0, cut_y),
        (cut_x, NX, 0, cut_y),
    ]
    communities: list[CommunityPlan] = []
    for ci, (name, block) in enumerate(zip(names, blocks, strict=True)):
        community_code = f"{code}{ci + 1:03d}"
        large = ci == 0
        if index == 0 and ci == 0:
            shape = [2, 2, 2]  # Hongkang: 3 level-4 and 6 level-5 grids
        elif index == 0 and ci == 1:
            shape = [3, 3, 2, 2]  # Liuhe: 4 and 10
        else:
            shape = _grid_shape(geo)
        grids: list[GridPlan] = []
        for gi, (count, grid_block) in enumerate(
            zip(shape, split_block(block, shape, geo), strict=True)
        ):
            grid_code = f"{community_code}{gi + 1:03d}"
            subgrids = tuple(
                AreaPlan(
                    Level.SUBGRID,
                    f"{grid_code}{si + 1:02d}",
                    f"{ORDINALS[si]}号片区",
                    grid_code,
                    lattice.polygon(b),
                )
                for si, b in enumerate(split_block(grid_block, [1] * count, geo))
            )
            grid = AreaPlan(
                Level.GRID,
                grid_code,
                f"第{ORDINALS[gi]}网格",
                community_code,
                lattice.polygon(grid_block),
            )
            grids.append(GridPlan(grid, subgrids, branches=orgs.choice((1, 1, 2))))
        if large and index == 0:
            households, residents = 9_700, 20_500  # Hongkang
        elif large:
            households = sizes.randint(9_400, 10_000)
            residents = round(households * sizes.uniform(2.05, 2.15))
        else:
            households = sizes.randint(1_500, 3_000)
            residents = round(households * sizes.uniform(2.0, 2.2))
        area = AreaPlan(Level.COMMUNITY, community_code, name, code, lattice.polygon(block))
        communities.append(CommunityPlan(area, tuple(grids), households, residents, large))
    departments = tuple(
        DepartmentPlan(code, name, short, f"0871-6{position % 1000:03d}{n + 1:04d}")
        for n, (name, short) in enumerate(STREET_DEPARTMENTS)
    )
    return StreetPlan(
        seed=seed,
        index=index,
        city=plan_city(scale),
        district=plan_district(district, seed=seed, scale=scale),
        first_in_district=position == 0,
        area=street,
        communities=tuple(communities),
        departments=departments,
        organizations=tuple(_organizations(street, communities, orgs)),
    )


def _organizations(
    street: AreaPlan, communities: Sequence[CommunityPlan], rng: random.Random
) -> Iterator[OrganizationPlan]:
    names = NameGenerator(rng)

    def contact() -> str:
        return f"{names.full_name()} 13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"

    street_party = f"party:{street.code}"
    yield OrganizationPlan(
        street_party,
        street.code,
        OrganizationKind.PARTY_COMMITTEE,
        f"{street.name}党工委",
        None,
        contact(),
    )
    for community in communities:
        c, short = community.code, community.name.removesuffix("社区")
        party = f"party:{c}"
        yield OrganizationPlan(
            party,
            c,
            OrganizationKind.PARTY_COMMITTEE,
            f"{community.name}党委",
            street_party,
            contact(),
        )
        for grid in community.grids:
            for n in range(1, grid.branches + 1):
                suffix = "党支部" if grid.branches == 1 else f"第{ORDINALS[n - 1]}党支部"
                yield OrganizationPlan(
                    f"branch:{grid.area.code}:{n}",
                    grid.area.code,
                    OrganizationKind.PARTY_BRANCH,
                    f"{community.name}{grid.area.name}{suffix}",
                    party,
                    contact(),
                )
        yield OrganizationPlan(
            f"property:{c}",
            c,
            OrganizationKind.PROPERTY_COMPANY,
            f"云南{rng.choice(PROPERTY_WORDS)}物业服务有限公司{short}项目部",
            None,
            contact(),
        )
        for n, pattern in enumerate(rng.sample(PARTNER_UNITS, rng.randint(1, 2)), start=1):
            yield OrganizationPlan(
                f"partner:{c}:{n}",
                c,
                OrganizationKind.PARTNER_UNIT,
                pattern.format(c=short),
                None,
                contact(),
            )
        yield OrganizationPlan(
            f"social:{c}",
            c,
            OrganizationKind.SOCIAL_ORGANIZATION,
            rng.choice(SOCIAL_ORGANIZATIONS).format(c=short),
            None,
            contact(),
        )
        for n, pattern in enumerate(rng.sample(MERCHANTS, 2), start=1):
            yield OrganizationPlan(
                f"merchant:{c}:{n}",
                c,
                OrganizationKind.MERCHANT,
                pattern.format(c=short),
                None,
                contact(),
            )


def iter_street_plans(scale: int = 1, seed: int = DEFAULT_SEED) -> Iterator[StreetPlan]:
    for index in range(scale):
        yield plan_street(index, seed=seed, scale=scale)


def plan_digest(plan: StreetPlan) -> str:
    """A fingerprint of everything a street plan holds, its people included."""
    text = json.dumps(
        {
            "city": plan.city,
            "district": plan.district,
            "street": plan.area,
            "communities": plan.communities,
            "departments": plan.departments,
            "organizations": plan.organizations,
            "people": list(plan.iter_people()),
        },
        default=_plain,
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    msg = f"cannot serialise {type(value).__name__}"
    raise TypeError(msg)
