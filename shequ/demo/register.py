"""The population and housing register of a street, planned in pure Python (no database):
buildings in estates, villages and along roads, their houses and uses, the households and
residents living in them, and the units and shops in business and office houses.

``iter_register(plan, factor)`` yields one ``BuildingPlan`` at a time, community by community
and area by area, so a street of ~35,000 residents is never held in memory at once. Each
community draws from its own stream (``_rng(seed, index, "register:<n>")``), so the areas,
people and organizations planned before are the same as without the register. ``factor``
scales the households and residents of every community (tests use ~1 %): a community gets
``round(households × factor)`` households and ``round(residents × factor)`` residents,
exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from shequ.demo.codes import _rng
from shequ.demo.names import (
    COMPANIES,
    COMPANY_WORDS,
    ESTATE_SUFFIXES,
    ESTATE_WORDS,
    ETHNICITIES,
    ETHNICITY_WEIGHTS,
    ROAD_SUFFIXES,
    ROAD_WORDS,
    SHOP_WORDS,
    SHOPS,
    UNIVERSITIES,
    VILLAGE_WORDS,
    WORKPLACES,
    NameGenerator,
)
from shequ.demo.numbers import IdNumbers, credit_code, mobile_phone
from shequ.demo.plan import AreaPlan, CommunityPlan, StreetPlan
from shequ.registry.models import CareTag, Colour, HouseUse, PropertyRight, Relation, Residency

# Ages are counted to this day, and every date of the register lies before it (the demo's
# areas and memberships begin on it: shequ.demo.write.DEMO_START).
REFERENCE: Final = dt.date(2025, 1, 1)
OCCUPIED_SHARE: Final = 0.85  # of houses: 70 % owner-occupied + 15 % rented
RENTED_SHARE: Final = 15 / 85  # of occupied houses
BUSINESS_SHARE, OFFICE_SHARE = 0.04, 0.03  # of houses; the rest of the unoccupied are vacant
MAX_HOUSEHOLD: Final = 6
HOUSEHOLD_SIZE_WEIGHTS: Final = (33.0, 35.0, 20.0, 9.0, 2.5, 0.5)  # sizes 1 … 6
_EDGE = 0.0003  # degrees (~30 m) between a building and its area's outline
_GAP = 0.00035  # degrees (~35 m) between buildings, when there is room

_DWELLING = frozenset({HouseUse.OWNER_OCCUPIED, HouseUse.RENTED})
_ETHNICITY_CUMULATIVE = tuple(itertools.accumulate(ETHNICITY_WEIGHTS))


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResidentPlan:
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    ethnicity: str
    residency: str
    relation: str
    workplace: str
    is_party_member: bool
    care_tags: tuple[str, ...]
    moved_in: dt.date  # the start of their stay in the household


@dataclass(frozen=True, slots=True)
class HouseholdPlan:
    external_ref: str  # 户编号, "H0001234"
    moved_in: dt.date
    is_party_center: bool
    members: tuple[ResidentPlan, ...]  # the head first


@dataclass(frozen=True, slots=True)
class UnitPlan:
    name: str
    credit_code: str
    contact: str
    phone: str
    is_business: bool


@dataclass(frozen=True, slots=True)
class HousePlan:
    entrance: int
    floor: int
    room: str
    floor_area: Decimal
    use: str
    property_right: str
    household: HouseholdPlan | None
    unit: UnitPlan | None

    @property
    def colour(self) -> str:
        return house_colour(self)


@dataclass(frozen=True, slots=True)
class BuildingPlan:
    community_code: str
    area_code: str  # the smallest area: a subgrid, or a grid without subgrids
    estate: str
    number: str
    address: str
    floors: int
    entrances: int
    lon: float
    lat: float
    houses: tuple[HousePlan, ...]
    head: tuple[int, int] | None  # (house, member) of the building head (楼栋长)


def house_colour(house: HousePlan, *, care: bool = True) -> str:
    """The colour ``shequ.registry.colours.colour_of`` gives the house once written: the same
    precedence, computed from the plan. Without ``care``: its colour without care."""
    members = house.household.members if house.household else ()
    if care and any(m.care_tags for m in members):
        return Colour.CARE
    unit = house.unit
    if house.use == HouseUse.BUSINESS or (unit is not None and unit.is_business):
        return Colour.BUSINESS
    if house.use == HouseUse.OFFICE or (unit is not None and not unit.is_business):
        return Colour.OFFICE
    if any(m.residency == Residency.NON_LOCAL for m in members):
        return Colour.NON_LOCAL
    if members:
        return Colour.REGISTERED
    return Colour.VACANT


def register_size(community: CommunityPlan, factor: float = 1.0) -> tuple[int, int]:
    """(households, residents) the register of ``community`` gets at ``factor``."""
    households = round(community.households * factor)
    residents = round(community.residents * factor)
    return households, min(max(residents, households), households * MAX_HOUSEHOLD)


def iter_register(plan: StreetPlan, factor: float = 1.0) -> Iterator[BuildingPlan]:
    """The street's register, one building at a time."""
    if not 0 <= factor <= 1:
        msg = "the register factor is between 0 and 1"
        raise ValueError(msg)
    street = _Street(plan)
    for ci, community in enumerate(plan.communities):
        yield from _Community(plan, community, ci, factor, street).buildings()


def register_digest(plan: StreetPlan, factor: float = 1.0) -> str:
    """A fingerprint of everything the street's register holds."""
    digest = hashlib.sha256()
    for building in iter_register(plan, factor):
        digest.update(json.dumps(_plain(building), default=str, ensure_ascii=False).encode())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


# --- helpers ----------------------------------------------------------------------------------


def household_sizes(rng: random.Random, households: int, residents: int) -> list[int]:
    """``households`` sizes of 1 … MAX_HOUSEHOLD summing to ``residents`` exactly."""
    if households == 0:
        return []
    if not households <= residents <= households * MAX_HOUSEHOLD:
        msg = f"{residents} residents do not fit {households} households"
        raise ValueError(msg)
    sizes = rng.choices(range(1, MAX_HOUSEHOLD + 1), weights=HOUSEHOLD_SIZE_WEIGHTS, k=households)
    missing = residents - sum(sizes)
    while missing:
        i = rng.randrange(households)
        if missing > 0 and sizes[i] < MAX_HOUSEHOLD:
            sizes[i] += 1
            missing -= 1
        elif missing < 0 and sizes[i] > 1:
            sizes[i] -= 1
            missing += 1
    return sizes


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders; sums to ``total``)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _area(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _age(birth: dt.date) -> int:
    years = REFERENCE.year - birth.year
    return years - ((REFERENCE.month, REFERENCE.day) < (birth.month, birth.day))


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return last
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Street:
    """What the communities of one street share: its ID numbers, phones and credit codes."""

    def __init__(self, plan: StreetPlan) -> None:
        self.index = plan.index
        self.district = plan.district.area.name
        self.region = plan.district.area.code
        self.ids = IdNumbers(plan.index, REFERENCE)
        self._phones = 0
        self._units = 0

    def phone(self) -> str:
        number = mobile_phone(self.index, self._phones)
        self._phones += 1
        return number

    def credit_code(self, *, business: bool) -> str:
        code = credit_code(self.index, self._units, self.region, business=business)
        self._units += 1
        return code


class _Placer:
    """Points inside an area's outline (and ~30 m from it), apart from each other when there
    is room."""

    def __init__(self, rng: random.Random, outline: BaseGeometry) -> None:
        inner = outline.buffer(-_EDGE)
        if inner.is_empty or inner.area < outline.area / 5:
            inner = outline.buffer(-_EDGE / 10)
        shapely.prepare(inner)
        self.rng = rng
        self.inner = inner
        self.bounds = inner.bounds
        self.placed: list[tuple[float, float]] = []

    def point(
        self, near: tuple[float, float] | None = None, radius: float = 0.0
    ) -> tuple[float, float]:
        rng, (x0, y0, x1, y1) = self.rng, self.bounds
        for attempt in range(100):
            if near is not None and attempt < 60:
                x, y = (
                    near[0] + rng.uniform(-radius, radius),
                    near[1] + rng.uniform(-radius, radius),
                )
            else:
                x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            x, y = round(x, 6), round(y, 6)
            if not shapely.contains_xy(self.inner, x, y):
                continue
            if attempt < 90 and any(
                abs(x - px) < _GAP and abs(y - py) < _GAP for px, py in self.placed
            ):
                continue
            self.placed.append((x, y))
            return x, y
        point = self.inner.representative_point()
        return round(point.x, 6), round(point.y, 6)


@dataclass(slots=True)
class _Estate:
    name: str
    address: str
    floors: tuple[int, int]
    right: str
    built: int
    centre: tuple[float, float]
    radius: float
    planned: int
    count: int = 0


@dataclass(slots=True)
class _Village:
    name: str
    centre: tuple[float, float]
    number: int


@dataclass(slots=True)
class _Shell:
    """A building before its people: its place, shape and the use of each house."""

    kind: str  # "flat", "shop" or "old"
    estate: str
    number: str
    address: str
    floors: int
    entrances: int
    per_floor: int
    point: tuple[float, float]
    built: int
    right: str
    layouts: tuple[Decimal, ...]  # the floor area of room k on every floor
    uses: list[str] = dataclasses.field(default_factory=list)

    @property
    def capacity(self) -> int:
        return self.floors * self.entrances * self.per_floor

    def spots(self) -> Iterator[tuple[int, int, int]]:
        for entrance in range(1, self.entrances + 1):
            for floor in range(1, self.floors + 1):
                for k in range(1, self.per_floor + 1):
                    yield entrance, floor, k


@dataclass(slots=True)
class _Member:
    relation: str
    age: int
    male: bool
    surname: str


# --- a community ------------------------------------------------------------------------------


class _Community:
    def __init__(
        self, plan: StreetPlan, community: CommunityPlan, ci: int, factor: float, street: _Street
    ) -> None:
        self.rng = rng = _rng(plan.seed, plan.index, f"register:{ci}")
        self.names = NameGenerator(rng)
        self.community = community
        self.street = street
        self.short = community.name.removesuffix("社区")
        households, residents = register_size(community, factor)
        self.sizes = household_sizes(rng, households, residents)
        words = [w for w in ROAD_WORDS if w != self.short]
        self.roads = [f"{self.short}路"] + [
            f"{w}{rng.choice(ROAD_SUFFIXES)}" for w in rng.sample(words, 5)
        ]
        self.road_numbers: dict[str, int] = {}
        self.estate_names = [f"{w}{s}" for w in ESTATE_WORDS for s in ESTATE_SUFFIXES]
        rng.shuffle(self.estate_names)
        self.village_names = [f"{w}{s}" for s in ("村", "新村", "二村") for w in VILLAGE_WORDS]
        self.household_number = 0

    def buildings(self) -> Iterator[BuildingPlan]:
        leaves = [s for g in self.community.grids for s in (g.subgrids or (g.area,))]
        outlines = [shape(a.boundary) for a in leaves]
        shares = apportion(len(self.sizes), [o.area for o in outlines])
        start = 0
        for area, outline, share in zip(leaves, outlines, shares, strict=True):
            yield from self._leaf(area, outline, self.sizes[start : start + share])
            start += share

    # -- buildings ---------------------------------------------------------------------------

    def _leaf(
        self, area: AreaPlan, outline: BaseGeometry, sizes: list[int]
    ) -> Iterator[BuildingPlan]:
        if not sizes:
            return
        rng = self.rng
        placer = _Placer(rng, outline)
        roads = [self.roads[0], *rng.sample(self.roads[1:], 2)]
        needed = math.ceil(len(sizes) / OCCUPIED_SHARE)
        shells: list[_Shell] = []
        capacity = 0
        estate: _Estate | None = None
        village: _Village | None = None
        while capacity < needed:
            roll = rng.random()
            if needed - capacity < 12:  # a small house finishes the area without many empty
                roll = roll * 0.2 if needed - capacity < 6 else 0.1 + roll * 0.1
            if roll < 0.10:
                village = village or self._village(placer)
                shell = self._old_house(village, placer)
            elif roll < 0.20:
                shell = self._shop_house(rng.choice(roads), placer)
            else:
                if estate is None or estate.count >= estate.planned:
                    estate = self._estate(rng.choice(roads), placer)
                shell = self._flat(estate, placer, needed - capacity)
            shells.append(shell)
            capacity += shell.capacity
        self._assign_uses(shells, len(sizes))
        next_size = iter(sizes).__next__
        for shell in shells:
            yield self._building(area, shell, next_size)

    def _road_number(self, road: str) -> int:
        number = self.road_numbers.get(road, self.rng.randint(0, 6)) + self.rng.randint(2, 12)
        self.road_numbers[road] = number
        return number

    def _estate(self, road: str, placer: _Placer) -> _Estate:
        rng = self.rng
        name = self.estate_names.pop() if self.estate_names else f"{self.short}{len(self.roads)}区"
        style = rng.random()
        floors = (6, 7) if style < 0.45 else (9, 13) if style < 0.8 else (15, 18)
        kind = rng.random()
        if kind < 0.72:
            right, built = PropertyRight.COMMODITY, rng.randint(2003, 2021)
        elif kind < 0.92:
            right, built = PropertyRight.RESETTLEMENT, rng.randint(2010, 2020)
        else:
            right, built = PropertyRight.PUBLIC, rng.randint(1995, 2008)
        return _Estate(
            name=name,
            address=f"{self.street.district}{road}{self._road_number(road)}号",
            floors=floors,
            right=right,
            built=built,
            centre=placer.point(),
            radius=rng.uniform(0.0010, 0.0022),
            planned=rng.randint(4, 14),
        )

    def _village(self, placer: _Placer) -> _Village:
        index = self.rng.randrange(len(self.village_names)) if self.village_names else -1
        name = self.village_names.pop(index) if index >= 0 else f"{self.short}村"
        return _Village(name, placer.point(), self.rng.randint(1, 5))

    def _flat(self, estate: _Estate, placer: _Placer, remaining: int) -> _Shell:
        rng = self.rng
        estate.count += 1
        floors = rng.randint(*estate.floors)
        entrances = rng.choice((1, 2, 2, 3))
        per_floor = rng.choice((2, 2, 3, 4))
        while floors * entrances * per_floor > remaining and (
            entrances > 1 or per_floor > 2 or floors > 6
        ):  # the last building of an area is no bigger than it needs
            if entrances > 1:
                entrances -= 1
            elif per_floor > 2:
                per_floor -= 1
            else:
                floors -= 1
        return _Shell(
            kind="flat",
            estate=estate.name,
            number=f"{estate.count}栋",
            address=estate.address,
            floors=floors,
            entrances=entrances,
            per_floor=per_floor,
            point=placer.point(estate.centre, estate.radius),
            built=estate.built,
            right=estate.right,
            layouts=tuple(_area(rng, 55, 145) for _ in range(per_floor)),
        )

    def _shop_house(self, road: str, placer: _Placer) -> _Shell:
        """A 2–3 storey house on a road: shops below, flats or offices above."""
        rng = self.rng
        number = self._road_number(road)
        per_floor = rng.randint(2, 4)
        return _Shell(
            kind="shop",
            estate="",
            number=f"{road}{number}号",
            address=f"{self.street.district}{road}{number}号",
            floors=rng.randint(2, 3),
            entrances=1,
            per_floor=per_floor,
            point=placer.point(),
            built=rng.randint(1995, 2015),
            right=PropertyRight.COMMODITY if rng.random() < 0.6 else PropertyRight.OTHER,
            layouts=tuple(_area(rng, 45, 120) for _ in range(per_floor)),
        )

    def _old_house(self, village: _Village, placer: _Placer) -> _Shell:
        """A self-built house of 2–3 storeys in an urban village (城中村)."""
        rng = self.rng
        village.number += rng.randint(1, 3)
        per_floor = rng.randint(1, 2)
        return _Shell(
            kind="old",
            estate=village.name,
            number=f"{village.number}号",
            address=f"{self.street.district}{village.name}{village.number}号",
            floors=rng.randint(2, 3),
            entrances=1,
            per_floor=per_floor,
            point=placer.point(village.centre, 0.0012),
            built=rng.randint(1985, 2012),
            right=PropertyRight.SELF_BUILT,
            layouts=tuple(_area(rng, 60, 140) for _ in range(per_floor)),
        )

    def _assign_uses(self, shells: list[_Shell], occupied: int) -> None:
        """Exactly ``occupied`` dwellings (70:15 owner-occupied to rented, more rented in
        villages and above shops); of the rest ~4 % of all houses are business premises on
        ground floors, ~3 % offices on low floors, the others vacant."""
        rng = self.rng
        spots = [
            (si, hi, floor)
            for si, shell in enumerate(shells)
            for hi, (_e, floor, _k) in enumerate(shell.spots())
        ]
        for shell in shells:
            shell.uses = [""] * shell.capacity
        spare = len(spots) - occupied
        business = min(round(len(spots) * BUSINESS_SHARE), spare)
        office = min(round(len(spots) * OFFICE_SHARE), spare - business)
        vacant = spare - business - office
        ground = sorted(
            (s for s in spots if s[2] <= 2),
            key=lambda s: (s[2], shells[s[0]].kind != "shop", rng.random()),
        )
        taken: set[tuple[int, int]] = set()

        def take(candidates: Sequence[tuple[int, int, int]], count: int, use: str) -> None:
            for si, hi, _floor in candidates:
                if count == 0:
                    return
                if (si, hi) not in taken:
                    taken.add((si, hi))
                    shells[si].uses[hi] = use
                    count -= 1
            if count:
                msg = f"not enough houses for {count} more of use {use}"
                raise ValueError(msg)

        take(ground, business, HouseUse.BUSINESS)
        low = [s for s in spots if s[2] <= 4]
        rng.shuffle(low)
        take(low, office, HouseUse.OFFICE)
        rest = [s for s in spots if (s[0], s[1]) not in taken]
        rng.shuffle(rest)
        take(rest, vacant, HouseUse.VACANT)
        weight = {"old": 3.0, "shop": 2.0, "flat": 1.0}
        dwellings = sorted(
            (s for s in rest if (s[0], s[1]) not in taken),
            key=lambda s: -(rng.random() ** (1 / weight[shells[s[0]].kind])),
        )
        rented = round(occupied * RENTED_SHARE)
        for n, (si, hi, _floor) in enumerate(dwellings):
            shells[si].uses[hi] = HouseUse.RENTED if n < rented else HouseUse.OWNER_OCCUPIED

    def _building(
        self, area: AreaPlan, shell: _Shell, next_size: Callable[[], int]
    ) -> BuildingPlan:
        rng = self.rng
        houses: list[HousePlan] = []
        for (entrance, floor, k), use in zip(shell.spots(), shell.uses, strict=True):
            household = unit = None
            right = shell.right
            if use in _DWELLING:
                household = self._household(next_size(), shell, rented=use == HouseUse.RENTED)
            elif use == HouseUse.BUSINESS and rng.random() < 0.92:
                unit = self._unit(business=True)
            elif use == HouseUse.OFFICE:
                if rng.random() < 0.95:
                    unit = self._unit(business=False)
                if rng.random() < 0.4:
                    right = PropertyRight.UNIT
            houses.append(
                HousePlan(
                    entrance=entrance,
                    floor=floor,
                    room=f"{floor}{k:02d}",
                    floor_area=shell.layouts[k - 1],
                    use=use,
                    property_right=right,
                    household=household,
                    unit=unit,
                )
            )
        # a party-member central household (党员中心户) in some buildings
        centres = [
            (i, h.household)
            for i, h in enumerate(houses)
            if h.household is not None and h.household.members[0].is_party_member
        ]
        if centres and rng.random() < 0.3:
            i, chosen = rng.choice(centres)
            houses[i] = dataclasses.replace(
                houses[i], household=dataclasses.replace(chosen, is_party_center=True)
            )
        return BuildingPlan(
            community_code=self.community.code,
            area_code=area.code,
            estate=shell.estate,
            number=shell.number,
            address=shell.address,
            floors=shell.floors,
            entrances=shell.entrances,
            lon=shell.point[0],
            lat=shell.point[1],
            houses=tuple(houses),
            head=self._building_head(houses),
        )

    def _building_head(self, houses: list[HousePlan]) -> tuple[int, int] | None:
        """Most buildings have an elected head (楼栋长): an adult of 25–72 with a phone,
        a party member when there is one, more often than not."""
        rng = self.rng
        if rng.random() >= 0.85:
            return None
        candidates = [
            (i, j, member.is_party_member)
            for i, house in enumerate(houses)
            if house.household is not None
            for j, member in enumerate(house.household.members)
            if member.phone and 25 <= _age(member.birth_date) <= 72
        ]
        party = [c for c in candidates if c[2]]
        pool = party if party and rng.random() < 0.7 else candidates
        if not pool:
            return None
        i, j, _party = rng.choice(pool)
        return i, j

    def _unit(self, *, business: bool) -> UnitPlan:
        rng, names = self.rng, self.names
        if business:
            name = rng.choice(SHOPS).format(w=rng.choice(SHOP_WORDS), s=names.surname())
        else:
            name = rng.choice(COMPANIES).format(w=rng.choice(COMPANY_WORDS))
        return UnitPlan(
            name=name,
            credit_code=self.street.credit_code(business=business),
            contact=names.full_name(),
            phone=self.street.phone(),
            is_business=business,
        )

    # -- households ----------------------------------------------------------------------------

    def _person(self, relation: str, age: int, male: bool, surname: str | None = None) -> _Member:
        return _Member(relation, age, male, surname or self.names.surname())

    def _couple(self, low: int, high: int) -> list[_Member]:
        rng = self.rng
        age = rng.randint(low, high)
        male = rng.random() < 0.72
        partner = max(20, age + (rng.randint(-5, 2) if male else rng.randint(-2, 5)))
        return [
            self._person(Relation.HEAD, age, male),
            self._person(Relation.SPOUSE, partner, not male),
        ]

    def _children(
        self, parents: Sequence[_Member], count: int, relation: str = Relation.CHILD
    ) -> list[_Member]:
        rng = self.rng
        young = min(p.age for p in parents)
        surname = next((p.surname for p in parents if p.male), parents[0].surname)
        return [
            _Member(
                relation,
                max(0, young - rng.randint(22, max(22, min(36, young)))),
                rng.random() < 0.51,
                surname,
            )
            for _ in range(count)
        ]

    def _parents(self, head: _Member, count: int) -> list[_Member]:
        rng = self.rng
        members = []
        for i in range(count):
            male = i == 0 if count == 2 else rng.random() < 0.4
            age = min(98, head.age + rng.randint(22, 34) + (2 if male and count == 2 else 0))
            members.append(self._person(Relation.PARENT, age, male, head.surname if male else None))
        return members

    def _grandchildren(self, grandparents: Sequence[_Member], count: int) -> list[_Member]:
        rng = self.rng
        surname = next((p.surname for p in grandparents if p.male), None)
        return [
            self._person(Relation.GRANDCHILD, rng.randint(2, 15), rng.random() < 0.52, surname)
            for _ in range(count)
        ]

    def _three_generations(self, grandchildren: int) -> list[_Member]:
        rng = self.rng
        couple = self._couple(56, 78)
        young = min(m.age for m in couple)
        child = self._person(
            Relation.CHILD,
            young - rng.randint(22, max(22, min(34, young - 22))),
            rng.random() < 0.6,
            next(m.surname for m in couple if m.male),
        )
        in_law = self._person(
            Relation.CHILD_IN_LAW, max(20, child.age + rng.randint(-3, 3)), not child.male
        )
        return [
            *couple,
            child,
            in_law,
            *self._children([child, in_law], grandchildren, Relation.GRANDCHILD),
        ]

    def _family(self, size: int, rented: bool) -> tuple[str, list[_Member]]:
        """The kind of household and its members, the head first."""
        rng = self.rng
        r = rng.random()
        single = self._person
        if rented and size <= 3:
            if size == 1:
                age = rng.randint(19, 45) if r < 0.85 else rng.randint(45, 70)
                return "single", [single(Relation.HEAD, age, rng.random() < 0.55)]
            if r < 0.3:  # flat-sharers
                head = single(Relation.HEAD, rng.randint(19, 35), rng.random() < 0.5)
                others = [
                    single(Relation.TENANT, rng.randint(19, 35), rng.random() < 0.5)
                    for _ in range(size - 1)
                ]
                return "sharing", [head, *others]
            couple = self._couple(22, 45)
            return "family", couple + self._children(couple, size - 2)
        if size == 1:
            if r < 0.38:
                return "single", [single(Relation.HEAD, rng.randint(60, 92), rng.random() < 0.4)]
            age = rng.randint(22, 40) if r < 0.72 else rng.randint(40, 60)
            return "single", [single(Relation.HEAD, age, rng.random() < 0.55)]
        if size == 2:
            if r < 0.62:
                band = rng.random()
                low, high = (24, 38) if band < 0.35 else (38, 60) if band < 0.6 else (60, 88)
                return "couple", self._couple(low, high)
            if r < 0.87:
                head = single(Relation.HEAD, rng.randint(40, 72), rng.random() < 0.35)
                return "single_parent", [head, *self._children([head], 1)]
            if r < 0.92:
                head = single(Relation.HEAD, rng.randint(55, 76), rng.random() < 0.45)
                return "left_behind", [head, *self._grandchildren([head], 1)]
            head = single(Relation.HEAD, rng.randint(22, 45), rng.random() < 0.5)
            age = max(16, head.age + rng.randint(-6, 6))
            return "siblings", [
                head,
                single(Relation.SIBLING, age, rng.random() < 0.5, head.surname),
            ]
        if size == 3:
            if r < 0.72:
                couple = self._couple(26, 58)
                return "family", couple + self._children(couple, 1)
            if r < 0.94:
                couple = self._couple(30, 60)
                return "family", couple + self._parents(couple[0], 1)
            couple = self._couple(55, 76)
            return "left_behind", couple + self._grandchildren(couple, 1)
        if size == 4:
            if r < 0.55:
                couple = self._couple(28, 55)
                return "family", couple + self._children(couple, 2)
            if r < 0.95:
                couple = self._couple(30, 58)
                return "family", couple + self._children(couple, 1) + self._parents(couple[0], 1)
            couple = self._couple(55, 76)
            return "left_behind", couple + self._grandchildren(couple, 2)
        if size == 5:
            if r < 0.5:
                couple = self._couple(30, 55)
                return "family", couple + self._children(couple, 2) + self._parents(couple[0], 1)
            if r < 0.8:
                couple = self._couple(30, 55)
                return "family", couple + self._children(couple, 1) + self._parents(couple[0], 2)
            return "three_generations", self._three_generations(1)
        if r < 0.6:
            couple = self._couple(30, 55)
            members = couple + self._children(couple, 2) + self._parents(couple[0], 2)
            return "family", members[:size]
        return "three_generations", self._three_generations(size - 4)

    def _care(
        self, kind: str, member: _Member, index: int, household: Sequence[_Member]
    ) -> list[str]:
        rng = self.rng
        tags: list[str] = []
        if kind == "single" and member.age >= 60:
            if member.age >= 65 and rng.random() < 0.5:
                tags.append(CareTag.LIVING_ALONE)
            if rng.random() < 0.04:
                tags.append(CareTag.EXTREME_POVERTY)
        if kind == "couple" and all(m.age >= 65 for m in household) and rng.random() < 0.3:
            tags.append(CareTag.EMPTY_NEST)
        if kind == "left_behind" and member.relation == Relation.GRANDCHILD and rng.random() < 0.5:
            tags.append(CareTag.LEFT_BEHIND_CHILD)
        if index == 0 and rng.random() < 0.015:
            tags.append(CareTag.LOW_INCOME)
        if rng.random() < 0.012:
            tags.append(CareTag.DISABLED)
        if member.age >= 40 and rng.random() < 0.006:
            tags.append(CareTag.SERIOUS_ILLNESS)
        if member.male and member.age >= 45 and rng.random() < 0.01:
            tags.append(CareTag.VETERAN)
        return tags

    def _workplace(self, age: int) -> str:
        rng = self.rng
        if 3 <= age <= 5:
            return f"{self.short}幼儿园"
        if 6 <= age <= 11:
            return f"{self.short}小学"
        if 12 <= age <= 17:
            return f"{self.street.district}第{rng.choice('一二三')}中学"
        if 18 <= age <= 22 and rng.random() < 0.6:
            return rng.choice(UNIVERSITIES)
        if 18 <= age <= 60 and rng.random() < 0.6:
            return rng.choice(WORKPLACES).format(d=self.street.district, c=self.short)
        return ""

    def _household(self, size: int, shell: _Shell, *, rented: bool) -> HouseholdPlan:
        rng, names, street = self.rng, self.names, self.street
        kind, members = self._family(size, rented)
        births: list[tuple[dt.date, str]] = []
        for member in members:
            birth = dt.date.fromordinal(
                REFERENCE.toordinal()
                - rng.randint(int(member.age * 365.25) + 1, int((member.age + 1) * 365.25))
            )
            id_number = street.ids.issue(birth, member.male)  # the birth date may move a day
            birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
            births.append((birth, id_number))
        latest = REFERENCE - dt.timedelta(days=20)
        earliest = max(dt.date(shell.built, 7, 1), _years_after(births[0][0], 19))
        if rented:
            earliest = max(earliest, REFERENCE - dt.timedelta(days=4 * 365))
        moved_in = _day_between(rng, earliest, latest)
        non_local = rng.random() < (0.8 if rented else 0.08)
        ethnicity = rng.choices(ETHNICITIES, cum_weights=_ETHNICITY_CUMULATIVE)[0]
        people: list[ResidentPlan] = []
        for index, (member, (birth, id_number)) in enumerate(zip(members, births, strict=True)):
            age = _age(birth)
            if age < 14:
                has_phone = False
            else:
                has_phone = rng.random() < (
                    0.5 if age < 18 else 0.86 if age < 65 else 0.65 if age < 80 else 0.3
                )
            party = age >= 18 and rng.random() < (0.05 if age < 35 else 0.1 if age < 60 else 0.14)
            tenant = member.relation == Relation.TENANT
            people.append(
                ResidentPlan(
                    name=member.surname + names.given_name(),
                    gender="male" if member.male else "female",
                    birth_date=birth,
                    id_number=id_number,
                    phone=street.phone() if has_phone else "",
                    ethnicity=(
                        ethnicity
                        if rng.random() < 0.9
                        else rng.choices(ETHNICITIES, cum_weights=_ETHNICITY_CUMULATIVE)[0]
                    ),
                    residency=(
                        Residency.NON_LOCAL
                        if (rng.random() < 0.8 if tenant else non_local)
                        else Residency.REGISTERED
                    ),
                    relation=member.relation,
                    workplace=self._workplace(age),
                    is_party_member=party,
                    care_tags=tuple(self._care(kind, member, index, members)),
                    moved_in=max(moved_in, birth),
                )
            )
        self.household_number += 1
        return HouseholdPlan(
            external_ref=f"H{self.household_number:07d}",
            moved_in=moved_in,
            is_party_center=False,
            members=tuple(people),
        )
