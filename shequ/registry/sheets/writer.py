"""Writing the checked rows, inside the commit's one transaction: the same rows a sequence
of ``building_create``, ``house_create``, ``household_create`` and ``resident_add`` calls
would leave, written in bulk (``shequ.registry.bulk``).

A 100,000-resident sheet makes about a million rows (residents, their stays, the name grams
that search uses), so they go in as plain tuples (``shequ.core.bulk``: COPY on PostgreSQL)
rather than model instances. Primary keys are taken beforehand (``shequ.core.bulk.take_ids``)
so that the stays and grams can point at residents in the same pass, and a household's head
can be set as it is inserted (the foreign keys are deferred to the commit); a head that comes
in a later chunk is set in ``finish``. The houses new to the register are written last, in
``finish``, with their final colour, derived in memory (the import wrote everything that
lives in them; their households point at them meanwhile, the foreign keys being checked
at the commit); the houses of the register that got people are coloured again from the
database (``recolour``); the rollup counts are applied once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from shequ.core.bulk import take_ids
from shequ.registry import stats
from shequ.registry.bulk import RegisterRows
from shequ.registry.colours import PRECEDENCE
from shequ.registry.models import (
    Building,
    Colour,
    House,
    Household,
    HouseUse,
    Relation,
    Residency,
    Resident,
    ResidentCare,
    Unit,
)
from shequ.registry.sheets.checker import NEW, CheckedRow, Checker
from shequ.registry.sheets.protect import phones

HEAD = Relation.HEAD.value


@dataclass
class Counts:
    buildings: int = 0
    houses: int = 0
    households: int = 0
    residents: int = 0
    present_residents: int = 0
    rows_without_person: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "buildings": self.buildings,
            "houses": self.houses,
            "households": self.households,
            "residents": self.residents,
            "residents_present": self.present_residents,
            "rows_without_person": self.rows_without_person,
        }


# --- colours in bulk ------------------------------------------------------------------------------


def colour_from(use: str, has_care: bool, units: list[bool], residencies: set[str]) -> str:
    """``colours.colour_of`` for a house whose facts were read in bulk (a test holds the two
    equal on every house an import touches)."""
    if has_care:
        return Colour.CARE.value
    if use == HouseUse.BUSINESS or any(units):
        return Colour.BUSINESS.value
    if use == HouseUse.OFFICE or (units and not any(units)):
        return Colour.OFFICE.value
    if Residency.NON_LOCAL in residencies:
        return Colour.NON_LOCAL.value
    if residencies:
        return Colour.REGISTERED.value
    return Colour.VACANT.value


assert PRECEDENCE[0] == Colour.CARE


def recolour(house_ids: Iterable[int], counts: dict[str, Counter[stats.Key]]) -> int:
    """Derive the colour (and the colour without care) of each house again, update those
    that changed, and move their counts between colours in ``counts``. The number of houses
    whose colour changed."""
    ids = sorted(set(house_ids))
    changed_total = 0
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        care = set(
            ResidentCare.objects.filter(
                resident__household__house_id__in=part, resident__moved_out_on__isnull=True
            )
            .values_list("resident__household__house_id", flat=True)
            .distinct()
        )
        units: dict[int, list[bool]] = {}
        for house_id, is_business in Unit.objects.filter(house_id__in=part).values_list(
            "house_id", "is_business"
        ):
            units.setdefault(house_id, []).append(is_business)
        residencies: dict[int, set[str]] = {}
        for house_id, residency in (
            Resident.objects.filter(household__house_id__in=part, moved_out_on__isnull=True)
            .values_list("household__house_id", "residency")
            .distinct()
        ):
            residencies.setdefault(house_id, set()).add(residency)
        changes: dict[tuple[str, str], list[int]] = {}
        for pk, use, colour, without_care, path in House.objects.filter(pk__in=part).values_list(
            "pk", "use", "colour", "colour_without_care", "area_path"
        ):
            base = colour_from(use, False, units.get(pk, []), residencies.get(pk, set()))
            new = Colour.CARE.value if pk in care else base
            if (new, base) != (colour, without_care):
                changes.setdefault((new, base), []).append(pk)
            if new != colour:
                counter = counts.setdefault(path, Counter())
                counter[("colour", colour)] -= 1
                counter[("colour", new)] += 1
                changed_total += 1
        for (colour, without_care), pks in changes.items():
            House.objects.filter(pk__in=pks).update(colour=colour, colour_without_care=without_care)
    return changed_total


# --- the writer -----------------------------------------------------------------------------------


class Writer:
    """Writes chunks of checked rows; ``finish`` recolours the touched houses and applies
    the counts once."""

    def __init__(self, checker: Checker, today: dt.date) -> None:
        self.checker = checker
        self.today = today
        self.phones = phones()
        self.register = RegisterRows(timezone.now())
        self.summary = Counts()
        self.touched_houses: set[int] = set()  # houses of the register that got people
        # houses new to the register, written in ``finish`` with the colour derived in
        # memory (they have no units, no earlier residents): id -> [building id, area path,
        # entrance, floor, room, floor area, use, has care, the residencies of their people]
        # (a list: a million-resident sheet has ~350,000 of them, held to the end)
        self.new_houses: dict[int, list[Any]] = {}
        self.top_house_id = 0  # the highest house key taken (SQLite: take_ids)
        self.heads_later: dict[int, int] = {}  # household id -> resident id

    def write(self, rows: list[CheckedRow]) -> None:
        """Write the (valid) ``rows``: what is new of their buildings, houses and households,
        then their people."""
        checker = self.checker
        register = self.register
        people = [r for r in rows if r.status == NEW and r.person is not None]
        self.summary.present_residents += sum(1 for r in rows if r.status != NEW and r.person)
        self.summary.rows_without_person += sum(1 for r in rows if r.person is None)
        # keys first, so that everything in this chunk can point at everything else
        pending_b = [r for r in rows if r.building and checker.buildings[r.building].id is None]
        ids = iter(take_ids(Building, len({r.building for r in pending_b})))
        for row in pending_b:
            ref = checker.buildings[row.building]  # type: ignore[index]
            if ref.id is None:
                ref.id = next(ids)
                register.building(ref.id, **row.building_fields)
        pending_h = [r for r in rows if r.house and checker.houses[r.house].id is None]
        house_ids = take_ids(House, len({r.house for r in pending_h}), above=self.top_house_id)
        self.top_house_id = max(house_ids, default=self.top_house_id)
        ids = iter(house_ids)
        for row in pending_h:
            ref_h = checker.houses[row.house]  # type: ignore[index]
            if ref_h.id is None:
                ref_h.id = next(ids)
                building = checker.buildings[row.house[0]]  # type: ignore[index]
                assert building.id is not None
                f = row.house_fields
                self.new_houses[ref_h.id] = [
                    building.id,
                    ref_h.area_path,
                    f["entrance"],
                    f["floor"],
                    f["room"],
                    f["floor_area"],
                    f["use"],
                    False,
                    (),
                ]
        resident_ids = take_ids(Resident, len(people))
        heads: dict[tuple[Any, ...], int] = {}
        for row, resident_id in zip(people, resident_ids, strict=True):
            assert row.person is not None
            if row.person.relation == HEAD and row.household not in heads:
                heads[row.household] = resident_id  # type: ignore[index]
        pending_hh = [r for r in rows if r.household and checker.households[r.household].id is None]
        ids = iter(take_ids(Household, len({r.household for r in pending_hh})))
        for row in pending_hh:
            ref_hh = checker.households[row.household]  # type: ignore[index]
            if ref_hh.id is None:
                ref_hh.id = next(ids)
                ref_hh.head_id = heads.get(row.household)  # type: ignore[arg-type]
                house_id = checker.houses[row.household[0]].id  # type: ignore[index]
                assert house_id is not None
                register.household(
                    ref_hh.id,
                    house_id=house_id,
                    area_path=ref_hh.area_path,
                    head_id=ref_hh.head_id,
                    external_ref=row.household[1],  # type: ignore[index]
                    moved_in=self.today,
                )
        for key, resident_id in heads.items():
            ref_hh = checker.households[key]
            if ref_hh.head_id is None:  # an existing household, or a head in a later chunk
                ref_hh.head_id = resident_id
                assert ref_hh.id is not None
                self.heads_later[ref_hh.id] = resident_id
        for row, resident_id in zip(people, resident_ids, strict=True):
            d = row.person
            assert d is not None
            household = checker.households[row.household]  # type: ignore[index]
            assert household.id is not None
            register.resident(
                resident_id,
                household_id=household.id,
                area_path=household.area_path,
                person=d,
                id_number=row.id_protected or checker.ids.protect(d.id_number, row.id_index),
                phone=row.phone_protected or self.phones.protect(d.phone),
                moved_in=self.today,
            )
            house_id = checker.houses[row.household[0]].id  # type: ignore[index]
            assert house_id is not None
            fresh = self.new_houses.get(house_id)
            if fresh is None:
                self.touched_houses.add(house_id)
            else:
                if d.residency not in fresh[8]:
                    fresh[8] += (d.residency,)
                if d.care_tags:
                    fresh[7] = True
        inserted = register.insert()
        self.summary.buildings += inserted[Building]
        self.summary.households += inserted[Household]
        self.summary.residents += inserted[Resident]

    def finish(self) -> None:
        """Heads found after their household was written, the houses' colours, and the
        counts, applied once."""
        if self.heads_later:
            items = sorted(self.heads_later.items())
            for start in range(0, len(items), 500):
                part = items[start : start + 500]
                Household.objects.bulk_update(
                    [Household(pk=pk, head_id=head) for pk, head in part], ["head"]
                )
        register = self.register
        for pk, fresh in self.new_houses.items():
            building_id, path, entrance, floor, room, floor_area, use, care, residencies = fresh
            register.house(
                pk,
                building_id=building_id,
                area_path=path,
                entrance=entrance,
                floor=floor,
                room=room,
                floor_area=floor_area,
                use=use,
                colour=colour_from(use, care, [], set(residencies)),
                colour_without_care=colour_from(use, False, [], set(residencies)),
            )
        self.new_houses = {}
        self.summary.houses += register.insert()[House]
        recolour(self.touched_houses, register.counts())
        self.register.apply_counts()
