"""The demo register: valid and unique ID numbers, phones and credit codes, the planned
counts per community, rows as the services leave them (colours, heads, stays, grams,
rollups), buildings inside their areas, idempotent and deterministic. The database tests
write ~1 % of the planned households; the full targets are checked on the plan and a pure
(no database) run at 20 %."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from shapely.geometry import Point, shape

from shequ.areas.models import Area, Level
from shequ.core.crypto import decrypt
from shequ.core.validators import check_id_number, check_phone, check_uscc
from shequ.demo import (
    MAX_SCALE,
    IdNumbers,
    credit_code,
    generate,
    house_colour,
    iter_register,
    mobile_phone,
    plan_digest,
    plan_street,
    register_digest,
    register_size,
)
from shequ.demo.numbers import ID_REGIONS, STREETS_PER_REGION
from shequ.demo.register import REFERENCE, apportion, household_sizes
from shequ.registry import stats
from shequ.registry.colours import colour_of, colours_of
from shequ.registry.grams import grams
from shequ.registry.models import (
    Building,
    Colour,
    House,
    Household,
    HouseholdStay,
    HouseUse,
    NameGram,
    RegisterStat,
    Relation,
    Residency,
    Resident,
    ResidentCare,
    Stay,
    Unit,
)
from shequ.registry.personal import ID_NUMBER, PHONE, UNIT_PHONE, id_number_index, phone_index

SMALL = 0.01
MOBILE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture
def seeded(db: Any) -> Any:
    return generate(register=SMALL)


def _age(birth: dt.date, on: dt.date = REFERENCE) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- numbers ------------------------------------------------------------------------------------


def test_every_id_number_is_valid_unique_and_agrees_with_the_resident(seeded: Any) -> None:
    residents = list(Resident.objects.all())
    assert len(residents) == seeded.register["residents"] > 300
    numbers = []
    for r in residents:
        number = decrypt(r.id_number_enc, purpose=ID_NUMBER)
        check = check_id_number(number)
        assert check.errors == []
        assert check.warnings == []  # a known region code
        assert number.startswith("530114")
        assert (check.birth_date, check.gender) == (r.birth_date, r.gender)
        assert r.birth_date < REFERENCE
        assert r.id_number_bidx == id_number_index(number)
        assert r.id_number_mask == f"{number[:6]}********{number[-4:]}"
        numbers.append(number)
    assert len(set(numbers)) == len(numbers)
    assert len({n[14:17] for n in numbers}) > 100  # sequences do not all look alike


def test_phones_are_valid_mobile_numbers_unique_and_most_adults_have_one(seeded: Any) -> None:
    phones = []
    residents = list(Resident.objects.all())
    for r in residents:
        if not r.phone_enc:
            assert r.phone_bidx == r.phone_mask == ""
            continue
        phone = decrypt(r.phone_enc, purpose=PHONE)
        check = check_phone(phone)
        assert check.errors == []
        assert check.kind == "mobile"
        assert MOBILE.fullmatch(phone)
        assert r.phone_bidx == phone_index(phone)
        assert r.phone_mask == f"{phone[:3]}****{phone[-4:]}"
        assert _age(r.birth_date) >= 14
        phones.append(phone)
    for unit in Unit.objects.all():
        phones.append(decrypt(unit.phone_enc, purpose=UNIT_PHONE))
        assert MOBILE.fullmatch(phones[-1])
    assert len(set(phones)) == len(phones)
    assert 0.55 < sum(bool(r.phone_enc) for r in residents) / len(residents) < 0.85


def test_units_have_valid_unique_credit_codes_and_sit_in_business_or_office_houses(
    seeded: Any,
) -> None:
    units = list(Unit.objects.select_related("house"))
    assert units
    codes = [u.credit_code for u in units]
    assert len(set(codes)) == len(codes)
    for unit in units:
        assert check_uscc(unit.credit_code).errors == []
        assert unit.credit_code[2:8] == "530114"
        assert unit.credit_code[:2] == ("92" if unit.is_business else "91")
        assert unit.house.use == (HouseUse.BUSINESS if unit.is_business else HouseUse.OFFICE)
        assert unit.area_path == unit.house.area_path
        assert unit.name
        assert unit.contact


def test_id_numbers_phones_and_credit_codes_never_repeat_across_streets() -> None:
    streets = (0, 1, 2, 249, 250, 251, 999, 5_000, MAX_SCALE - 1)
    ids: set[str] = set()
    days = [dt.date(1980, 5, 17), dt.date(2024, 12, 31), dt.date(1931, 2, 28)]
    for street in streets:
        numbers = IdNumbers(street, REFERENCE)
        for day in days:
            for _ in range(6):  # three days' worth: the birth date moves
                for male in (True, False):
                    number = numbers.issue(day, male)
                    check = check_id_number(number)
                    assert (check.errors, check.warnings) == ([], [])
                    assert check.gender == ("male" if male else "female")
                    assert check.birth_date is not None
                    assert check.birth_date < REFERENCE
                    assert abs((check.birth_date - day).days) <= 2  # moved a day or two at most
                    ids.add(number)
    assert len(ids) == len(streets) * len(days) * 12
    assert len(ID_REGIONS) == len(set(ID_REGIONS))
    assert len(ID_REGIONS) * STREETS_PER_REGION >= MAX_SCALE
    phones = {mobile_phone(s, n) for s in streets for n in (0, 1, 2, 77_777, 99_999)}
    assert len(phones) == len(streets) * 5
    assert all(MOBILE.fullmatch(p) for p in phones)
    codes = {
        credit_code(s, n, "530114", business=b)
        for s in streets
        for n in (0, 1, 4_999)
        for b in (True, False)
    }
    assert len(codes) == len(streets) * 6
    assert all(check_uscc(c).errors == [] for c in codes)


# --- counts, heads, history -----------------------------------------------------------------------


def test_each_community_gets_its_planned_share_exactly(seeded: Any) -> None:
    plan = plan_street(0)
    for community in plan.communities:
        path = Area.objects.get(code=community.code).area_path
        households, residents = register_size(community, SMALL)
        assert households == round(community.households * SMALL)
        assert Household.objects.filter(area_path__startswith=path).count() == households
        assert Resident.objects.filter(area_path__startswith=path).count() == residents
        written = next(c for c in seeded.communities if c.code == community.code).register
        assert (written["households"], written["residents"]) == (households, residents)
    assert (
        Household.objects.count(),
        Resident.objects.count(),
        Building.objects.count(),
        House.objects.count(),
    ) == (
        seeded.register["households"],
        seeded.register["residents"],
        seeded.register["buildings"],
        seeded.register["houses"],
    )


def test_the_full_targets_are_the_plans() -> None:
    plan = plan_street(0)
    hongkang = plan.communities[0]
    assert register_size(hongkang) == (9_700, 20_500)
    for community in plan.communities:
        assert register_size(community) == (community.households, community.residents)
    sizes = household_sizes(random.Random(1), 9_700, 20_500)
    assert (len(sizes), sum(sizes)) == (9_700, 20_500)
    assert set(sizes) <= set(range(1, 7))
    assert apportion(9_700, [3.0, 1.0, 2.0]) == [4_850, 1_617, 3_233]
    assert sum(apportion(97, [0.3, 0.3, 0.4])) == 97


def test_households_rows_and_history_are_as_the_services_leave_them(seeded: Any) -> None:
    households = list(Household.objects.select_related("house", "head"))
    members: dict[int, list[Resident]] = defaultdict(list)
    for r in Resident.objects.all():
        members[r.household_id or 0].append(r)
    refs = Counter(h.external_ref for h in households)
    for household in households:
        assert household.house is not None
        assert household.house.use in (HouseUse.OWNER_OCCUPIED, HouseUse.RENTED)
        assert household.area_path == household.house.area_path
        assert re.fullmatch(r"H\d{7}", household.external_ref)
        assert re.fullmatch(r"[0-9a-f]{16}", household.code_nonce)
        assert household.head is not None
        assert household.head.household_id == household.pk
        assert household.head.relation == Relation.HEAD
        assert [m.relation for m in members[household.pk]].count(Relation.HEAD) == 1
        assert all(m.area_path == household.area_path for m in members[household.pk])
        stay = HouseholdStay.objects.get(household=household)
        assert (stay.house_id, stay.valid_to, stay.area_path) == (
            household.house_id,
            None,
            household.area_path,
        )
        assert dt.date(1985, 1, 1) < stay.valid_from < REFERENCE
    assert max(refs.values()) <= 4  # one numbering per community
    assert Household.objects.filter(is_party_center=True, head__is_party_member=False).count() == 0
    for house in House.objects.exclude(use__in=(HouseUse.OWNER_OCCUPIED, HouseUse.RENTED)):
        assert not house.households.exists()
    stays = {s.resident_id: s for s in Stay.objects.all()}
    for r in Resident.objects.all():
        stay = stays[r.pk]
        assert (stay.household_id, stay.relation, stay.valid_to) == (
            r.household_id,
            r.relation,
            None,
        )
        assert stay.valid_from >= r.birth_date
        assert stay.area_path == r.area_path
        assert sorted(NameGram.objects.filter(resident=r).values_list("gram", flat=True)) == sorted(
            grams(r.name)
        )
    assert Stay.objects.count() == Resident.objects.count()
    assert NameGram.objects.exclude(area_path__startswith="/530100/").count() == 0
    assert ResidentCare.objects.count() == seeded.register["care_tags"] > 0


def test_buildings_stand_inside_their_smallest_area_with_heads_living_there(seeded: Any) -> None:
    buildings = list(Building.objects.select_related("area", "head__household__house"))
    with_head = 0
    for building in buildings:
        area = building.area
        assert area.level == Level.SUBGRID
        assert building.area_path == area.area_path
        assert building.lon is not None
        assert building.lat is not None
        assert shape(area.boundary).contains(Point(building.lon, building.lat)), building
        assert 1 <= building.entrances <= 3
        assert building.floors in (2, 3) or 6 <= building.floors <= 18
        assert building.address.startswith("呈贡区")
        assert re.fullmatch(r"\d+栋|.*\d+号", building.number)
        if building.head is not None:
            with_head += 1
            house = building.head.household.house
            assert house.building_id == building.pk
            assert 25 <= _age(building.head.birth_date) <= 72
    assert with_head >= len(buildings) // 2
    for house in House.objects.select_related("building")[:300]:
        assert house.room == f"{house.floor}{int(house.room[-2:]):02d}"
        assert 1 <= house.floor <= house.building.floors
        assert 1 <= house.entrance <= house.building.entrances
        assert house.floor_area is not None
        assert 45 <= house.floor_area <= 160
        assert house.property_right


def test_colours_follow_the_registers_precedence(seeded: Any) -> None:
    houses = list(House.objects.all())
    assert len(houses) > 150
    for house in houses:
        assert house.colour == colour_of(house), (house.pk, house.use)
        assert (house.colour, house.colour_without_care) == colours_of(house), house.pk
    found = {h.colour for h in houses}
    assert {Colour.CARE, Colour.BUSINESS, Colour.REGISTERED, Colour.VACANT} <= found


def test_rollups_equal_a_rebuild(seeded: Any) -> None:
    def rows() -> list[tuple[str, str, str, int]]:
        return sorted(RegisterStat.objects.values_list("area_path", "measure", "key", "count"))

    written = rows()
    assert len(written) > 500
    stats.rebuild()
    assert rows() == written
    street = Area.objects.get(level=Level.STREET).area_path
    counts = stats.counts_for(street)
    assert counts[("residents", "")] == Resident.objects.count()
    assert counts[("households", "")] == Household.objects.count()
    assert counts[("houses", "")] == House.objects.count()


def test_a_second_run_adds_no_register_rows(seeded: Any) -> None:
    models = (Building, House, Household, Resident, Stay, NameGram, Unit, RegisterStat)
    before = [m.objects.count() for m in models]
    again = generate(register=SMALL)
    assert not again.created
    assert [m.objects.count() for m in models] == before


def test_no_register_when_the_factor_is_zero(db: Any) -> None:
    summary = generate(register=0)
    assert summary.created
    assert not Building.objects.exists()
    assert not RegisterStat.objects.exists()
    with pytest.raises(ValueError, match="register"):
        generate(register=1.5)


# --- the plan (no database) -----------------------------------------------------------------------


def test_the_register_is_deterministic_and_leaves_the_rest_of_the_plan_alone() -> None:
    plan = plan_street(0)
    before = plan_digest(plan)
    first = register_digest(plan, SMALL)
    assert register_digest(plan_street(0), SMALL) == first
    assert register_digest(plan_street(0, seed=7), SMALL) != first
    assert plan_digest(plan) == before
    # a street's register does not depend on how many streets are planned
    assert register_digest(plan_street(3, scale=4), SMALL) == register_digest(
        plan_street(3, scale=40), SMALL
    )


def test_the_register_is_plausible() -> None:
    """At 20 % of the demo street (~3,200 households): the shares the generator aims at."""
    plan = plan_street(0)
    uses: Counter[str] = Counter()
    colours: Counter[str] = Counter()
    people = party = phones = non_local_tenants = tenants = 0
    households = 0
    care_houses = 0
    ethnicities: Counter[str] = Counter()
    for building in iter_register(plan, 0.2):
        for house in building.houses:
            uses[house.use] += 1
            colours[house_colour(house)] += 1
            household = house.household
            if household is None:
                continue
            households += 1
            head = household.members[0]
            assert head.relation == Relation.HEAD
            care_houses += any(m.care_tags for m in household.members)
            for m in household.members:
                people += 1
                party += m.is_party_member
                phones += bool(m.phone)
                ethnicities[m.ethnicity] += 1
                if house.use == HouseUse.RENTED:
                    tenants += 1
                    non_local_tenants += m.residency == Residency.NON_LOCAL
                gap = _age(head.birth_date) - _age(m.birth_date)
                if m.relation == Relation.CHILD:
                    assert gap >= 19, (head, m)
                elif m.relation == Relation.PARENT:
                    assert gap <= -21, (head, m)
                elif m.relation == Relation.GRANDCHILD:
                    assert gap >= 38, (head, m)
                elif m.relation == Relation.SPOUSE:
                    assert abs(gap) <= 8
                assert m.moved_in >= m.birth_date
                assert m.moved_in >= household.moved_in
    total = sum(uses.values())
    share = {use: n / total for use, n in uses.items()}
    assert share[HouseUse.OWNER_OCCUPIED] == pytest.approx(0.70, abs=0.04)
    assert share[HouseUse.RENTED] == pytest.approx(0.15, abs=0.02)
    assert share[HouseUse.VACANT] == pytest.approx(0.09, abs=0.03)  # small areas: more
    assert share[HouseUse.OFFICE] == pytest.approx(0.03, abs=0.01)
    assert share[HouseUse.BUSINESS] == pytest.approx(0.04, abs=0.01)
    assert 2.0 <= people / households <= 2.2
    assert 0.06 <= party / people <= 0.10
    assert 0.62 <= phones / people <= 0.78
    assert non_local_tenants / tenants > 0.6
    assert 0.04 <= care_houses / total <= 0.16
    assert ethnicities.most_common(1)[0][0] == "汉族"
    assert {"彝族", "白族", "回族", "哈尼族"} <= set(ethnicities)
    assert colours[Colour.NON_LOCAL] > 0
