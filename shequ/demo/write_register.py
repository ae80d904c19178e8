"""Writing the register of a street: the planned buildings (``shequ.demo.register``) as the
rows a sequence of ``building_create``, ``house_create``, ``household_create``,
``resident_add``, ``unit_add``, ``household_set_head`` and ``building_set_head`` calls would
leave, written in bulk, a batch of ~``batch_size`` houses at a time (``shequ.demo.rows``).

Per batch: buildings (with their head), houses (with their colour), households (with their
head) and their house stays, units, residents (ID number and phone encrypted once each, with
blind index and mask), their stays, care tags and name grams. The rollup counts
(RegisterStat) are summed in memory per area and added once per street with
``shequ.registry.stats.apply``, as the services add theirs."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from typing import Any, cast

from django.db import IntegrityError
from django.utils import timezone

from shequ.areas.models import Area
from shequ.demo.codes import DemoSeedError
from shequ.demo.plan import StreetPlan
from shequ.demo.register import BuildingPlan, house_colour, iter_register
from shequ.demo.rows import Rows, take_ids
from shequ.registry import stats
from shequ.registry.grams import grams
from shequ.registry.models import (
    Building,
    House,
    Household,
    HouseholdStay,
    NameGram,
    Resident,
    ResidentCare,
    Stay,
    Unit,
)
from shequ.registry.personal import UNIT_PHONE, protect_id_number, protect_phone

REGISTER_MEASURES = (
    "buildings",
    "houses",
    "households",
    "residents",
    "units",
    "care_tags",
    "building_heads",
    "party_centers",
)


class RegisterWriter:
    """Writes one street's register; ``counts`` holds what was written per community code
    (``REGISTER_MEASURES``)."""

    def __init__(self, areas: dict[str, Area], batch_size: int) -> None:
        self.areas = areas
        self.batch_size = max(1, batch_size)
        self.counts: dict[str, Counter[str]] = {}
        self.rollup: dict[str, Counter[stats.Key]] = {}
        now = timezone.now()
        self.buildings = Rows(
            Building,
            (
                "id",
                "area",
                "area_path",
                "estate",
                "number",
                "address",
                "floors",
                "entrances",
                "lon",
                "lat",
                "head",
            ),
            now,
        )
        self.houses = Rows(
            House,
            (
                "id",
                "building",
                "area_path",
                "entrance",
                "floor",
                "room",
                "floor_area",
                "use",
                "property_right",
                "colour",
            ),
            now,
        )
        self.households = Rows(
            Household,
            ("id", "house", "head", "area_path", "is_party_center", "code_nonce", "external_ref"),
            now,
        )
        self.house_stays = Rows(
            HouseholdStay, ("household", "house", "area_path", "valid_from"), now
        )
        self.units = Rows(
            Unit,
            (
                "house",
                "area_path",
                "name",
                "credit_code",
                "contact",
                "phone_enc",
                "phone_bidx",
                "phone_mask",
                "is_business",
            ),
            now,
        )
        self.residents = Rows(
            Resident,
            (
                "id",
                "household",
                "area_path",
                "relation",
                "name",
                "gender",
                "birth_date",
                "id_number_enc",
                "id_number_bidx",
                "id_number_mask",
                "phone_enc",
                "phone_bidx",
                "phone_mask",
                "ethnicity",
                "residency",
                "workplace",
                "is_party_member",
            ),
            now,
        )
        self.stays = Rows(
            Stay, ("resident", "household", "relation", "valid_from", "area_path"), now
        )
        self.care = Rows(ResidentCare, ("resident", "tag", "area_path"), now)
        self.grams = Rows(NameGram, ("resident", "gram", "area_path"), now)

    def write_street(self, plan: StreetPlan, factor: float) -> None:
        pending: list[BuildingPlan] = []
        houses = 0
        for building in iter_register(plan, factor):
            pending.append(building)
            houses += len(building.houses)
            if houses >= self.batch_size:
                self._write(pending)
                pending, houses = [], 0
        if pending:
            self._write(pending)
        stats.apply(self.rollup.items())
        self.rollup = {}

    def _count(self, path: str, counts: Counter[stats.Key]) -> None:
        self.rollup.setdefault(path, Counter()).update(counts)

    def _write(self, plans: Sequence[BuildingPlan]) -> None:
        households = [h.household for p in plans for h in p.houses if h.household is not None]
        building_ids = iter(take_ids(Building, len(plans)))
        house_ids = iter(take_ids(House, sum(len(p.houses) for p in plans)))
        household_ids = iter(take_ids(Household, len(households)))
        resident_ids = iter(take_ids(Resident, sum(len(h.members) for h in households)))

        buildings: list[tuple[Any, ...]] = []
        houses: list[tuple[Any, ...]] = []
        household_rows: list[tuple[Any, ...]] = []
        house_stays: list[tuple[Any, ...]] = []
        units: list[tuple[Any, ...]] = []
        residents: list[tuple[Any, ...]] = []
        stays: list[tuple[Any, ...]] = []
        care: list[tuple[Any, ...]] = []
        name_grams: list[tuple[Any, ...]] = []
        for plan in plans:
            area = self.areas[plan.area_code]
            path = area.area_path
            counts = self.counts.setdefault(plan.community_code, Counter())
            counts["buildings"] += 1
            counts["houses"] += len(plan.houses)
            building_id = next(building_ids)
            building_head = None
            for house_index, h in enumerate(plan.houses):
                house_id = next(house_ids)
                houses.append(
                    (
                        house_id,
                        building_id,
                        path,
                        h.entrance,
                        h.floor,
                        h.room,
                        h.floor_area,
                        h.use,
                        h.property_right,
                        house_colour(h),
                    )
                )
                self._count(path, stats.house_counts(cast(Any, h)))
                if h.unit is not None:
                    u = h.unit
                    phone = protect_phone(u.phone, UNIT_PHONE)
                    units.append(
                        (
                            house_id,
                            path,
                            u.name,
                            u.credit_code,
                            u.contact,
                            phone.enc,
                            phone.bidx,
                            phone.mask,
                            u.is_business,
                        )
                    )
                    counts["units"] += 1
                household = h.household
                if household is None:
                    continue
                household_id = next(household_ids)
                member_ids = [next(resident_ids) for _m in household.members]
                household_rows.append(
                    (
                        household_id,
                        house_id,
                        member_ids[0],  # the head, as resident_add sets it
                        path,
                        household.is_party_center,
                        secrets.token_hex(8),
                        household.external_ref,
                    )
                )
                house_stays.append((household_id, house_id, path, household.moved_in))
                self._count(path, stats.household_counts(cast(Any, household), counted=True))
                if plan.head is not None and plan.head[0] == house_index:
                    building_head = member_ids[plan.head[1]]
                for resident_id, m in zip(member_ids, household.members, strict=True):
                    id_number = protect_id_number(m.id_number)  # one encryption per value
                    phone = protect_phone(m.phone)
                    residents.append(
                        (
                            resident_id,
                            household_id,
                            path,
                            m.relation,
                            m.name,
                            m.gender,
                            m.birth_date,
                            id_number.enc,
                            id_number.bidx,
                            id_number.mask,
                            phone.enc,
                            phone.bidx,
                            phone.mask,
                            m.ethnicity,
                            m.residency,
                            m.workplace,
                            m.is_party_member,
                        )
                    )
                    stays.append((resident_id, household_id, m.relation, m.moved_in, path))
                    care += [(resident_id, tag, path) for tag in m.care_tags]
                    name_grams += [(resident_id, g, path) for g in sorted(grams(m.name))]
                    self._count(
                        path, stats.resident_counts(cast(Any, m), m.care_tags, counted=True)
                    )
                counts["households"] += 1
                counts["residents"] += len(household.members)
                counts["care_tags"] += sum(len(m.care_tags) for m in household.members)
                counts["party_centers"] += household.is_party_center
            counts["building_heads"] += building_head is not None
            buildings.append(
                (
                    building_id,
                    area.pk,
                    path,
                    plan.estate,
                    plan.number,
                    plan.address,
                    plan.floors,
                    plan.entrances,
                    plan.lon,
                    plan.lat,
                    building_head,
                )
            )
        for table, rows, what in (
            (self.buildings, buildings, "a building number"),
            (self.houses, houses, "a room"),
            (self.households, household_rows, ""),
            (self.house_stays, house_stays, ""),
            (self.units, units, "a unified social credit code"),
            (self.residents, residents, "an ID number"),
            (self.stays, stays, ""),
            (self.care, care, ""),
            (self.grams, name_grams, ""),
        ):
            try:
                table.insert(rows)
            except IntegrityError as error:
                msg = f"{table.table}: {what or 'a row'} of the demo register is already there ({error})"
                raise DemoSeedError(msg) from error
