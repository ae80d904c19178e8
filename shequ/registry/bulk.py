"""The register written in bulk, for writers of many rows in one transaction: the demo's
register (``shequ.demo.write_register``) and the register import
(``shequ.registry.sheets.writer``).

``RegisterRows`` takes the rows that ``building_create``, ``house_create``,
``household_create`` (with its house stay), ``unit_add`` and ``resident_add`` (with the stay,
care tags and name grams) would leave, one call per row, with primary keys the writer took
beforehand (``shequ.core.bulk.take_ids``), so any row can point at any other; ``insert``
writes what was added since the last time with plain inserts (``shequ.core.bulk.Table``).

It sums the rollup counts (RegisterStat) those calls would add in memory, residents per kind
(area, residency, birth year, gender, party membership, care tags) turned into counts once,
and ``apply_counts`` adds them with ``shequ.registry.stats.apply``, as the services add
theirs. A house is counted under the colour it is written with; a writer that changes the
colour afterwards moves the count itself (``shequ.registry.sheets.writer.recolour``)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.db import models

from shequ.core.bulk import Table
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
from shequ.registry.personal import Protected

# (area path, residency, birth year, gender, party member, care tags): what the counts read
Kind = tuple[str, str, int | None, str, bool, tuple[str, ...]]


class Person(Protocol):
    """What a resident's rows are made of (``services.ResidentData``, the demo's
    ``ResidentPlan``); the ID number and phone come encrypted, apart."""

    @property
    def name(self) -> str: ...
    @property
    def gender(self) -> str: ...
    @property
    def birth_date(self) -> dt.date | None: ...
    @property
    def ethnicity(self) -> str: ...
    @property
    def residency(self) -> str: ...
    @property
    def relation(self) -> str: ...
    @property
    def workplace(self) -> str: ...
    @property
    def is_party_member(self) -> bool: ...
    @property
    def care_tags(self) -> tuple[str, ...]: ...


class RegisterRows:
    """Rows of the register, added one at a time and inserted a batch at a time, and the
    counts they add, applied once."""

    def __init__(self, now: dt.datetime) -> None:
        self.buildings = Table(
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
        self.houses = Table(
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
                "colour_without_care",
            ),
            now,
        )
        self.households = Table(
            Household,
            ("id", "house", "head", "area_path", "is_party_center", "code_nonce", "external_ref"),
            now,
        )
        self.household_stays = Table(
            HouseholdStay, ("household", "house", "area_path", "valid_from"), now
        )
        self.units = Table(
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
        self.residents = Table(
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
        self.stays = Table(
            Stay, ("resident", "household", "relation", "valid_from", "area_path"), now
        )
        self.care = Table(ResidentCare, ("resident", "tag", "area_path"), now)
        self.grams = Table(NameGram, ("resident", "gram", "area_path"), now)
        # in the order of insertion
        tables = (
            self.buildings,
            self.houses,
            self.households,
            self.household_stays,
            self.units,
            self.residents,
            self.stays,
            self.care,
            self.grams,
        )
        self._rows: dict[Table, list[tuple[Any, ...]]] = {table: [] for table in tables}
        self._counts: dict[str, Counter[stats.Key]] = {}
        self._kinds: Counter[Kind] = Counter()

    # --- rows ------------------------------------------------------------------------------------

    def building(
        self,
        building_id: int,
        *,
        area_id: int,
        area_path: str,
        estate: str,
        number: str,
        address: str,
        floors: int,
        entrances: int,
        lon: float | None = None,
        lat: float | None = None,
        head_id: int | None = None,
    ) -> None:
        self._rows[self.buildings].append(
            (
                building_id,
                area_id,
                area_path,
                estate,
                number,
                address,
                floors,
                entrances,
                lon,
                lat,
                head_id,
            )
        )

    def house(
        self,
        house_id: int,
        *,
        building_id: int,
        area_path: str,
        entrance: int,
        floor: int,
        room: str,
        floor_area: Any,
        use: str,
        colour: str,
        colour_without_care: str,
        property_right: str = "",
    ) -> None:
        """A house, counted under ``colour``; ``colour_without_care`` as
        ``colours.colours_of`` derives it."""
        self._rows[self.houses].append(
            (
                house_id,
                building_id,
                area_path,
                entrance,
                floor,
                room,
                floor_area,
                use,
                property_right,
                colour,
                colour_without_care,
            )
        )
        self._count(area_path, stats.house_counts(cast(House, _House(colour))))

    def household(
        self,
        household_id: int,
        *,
        house_id: int,
        area_path: str,
        head_id: int | None,
        external_ref: str,
        moved_in: dt.date,
        is_party_center: bool = False,
    ) -> None:
        """A household living in ``house_id`` since ``moved_in`` (its house stay), with a
        new household-code nonce."""
        self._rows[self.households].append(
            (
                household_id,
                house_id,
                head_id,
                area_path,
                is_party_center,
                secrets.token_hex(8),
                external_ref,
            )
        )
        self._rows[self.household_stays].append((household_id, house_id, area_path, moved_in))
        self._count(area_path, stats.household_counts(cast(Household, None), counted=True))

    def unit(
        self,
        *,
        house_id: int,
        area_path: str,
        name: str,
        credit_code: str,
        contact: str,
        phone: Protected,
        is_business: bool,
    ) -> None:
        self._rows[self.units].append(
            (
                house_id,
                area_path,
                name,
                credit_code,
                contact,
                phone.enc,
                phone.bidx,
                phone.mask,
                is_business,
            )
        )

    def resident(
        self,
        resident_id: int,
        *,
        household_id: int,
        area_path: str,
        person: Person,
        id_number: Protected,
        phone: Protected,
        moved_in: dt.date,
    ) -> None:
        """A resident of ``household_id`` since ``moved_in`` (their stay), with their care
        tags and name grams."""
        p = person
        self._rows[self.residents].append(
            (
                resident_id,
                household_id,
                area_path,
                p.relation,
                p.name,
                p.gender,
                p.birth_date,
                id_number.enc,
                id_number.bidx,
                id_number.mask,
                phone.enc,
                phone.bidx,
                phone.mask,
                p.ethnicity,
                p.residency,
                p.workplace,
                p.is_party_member,
            )
        )
        self._rows[self.stays].append((resident_id, household_id, p.relation, moved_in, area_path))
        self._rows[self.care] += [(resident_id, tag, area_path) for tag in p.care_tags]
        self._rows[self.grams] += [(resident_id, g, area_path) for g in sorted(grams(p.name))]
        year = p.birth_date.year if p.birth_date else None
        self._kinds[(area_path, p.residency, year, p.gender, p.is_party_member, p.care_tags)] += 1

    def batches(self) -> list[tuple[Table, list[tuple[Any, ...]]]]:
        """The rows added since the last call, table by table in the order of insertion
        (the tables that have any); the next batch starts empty."""
        taken = [(table, rows) for table, rows in self._rows.items() if rows]
        self._rows = {table: [] for table in self._rows}
        return taken

    def insert(self) -> Counter[type[models.Model]]:
        """Insert the rows added since the last batch; the number inserted per model."""
        return Counter({table.model: table.insert(rows) for table, rows in self.batches()})

    # --- counts ----------------------------------------------------------------------------------

    def _count(self, path: str, counts: Counter[stats.Key]) -> None:
        self._counts.setdefault(path, Counter()).update(counts)

    def counts(self) -> dict[str, Counter[stats.Key]]:
        """The counts summed so far, per area path, for a writer to adjust (a colour that
        changed) before ``apply_counts``."""
        for (path, residency, year, gender, party, tags), n in self._kinds.items():
            birth = dt.date(year, 1, 1) if year else None  # only the year is counted
            counts = stats.resident_counts(
                cast(Resident, _Counted(residency, birth, gender, party)), tags, counted=True
            )
            self._count(path, Counter({key: value * n for key, value in counts.items()}))
        self._kinds.clear()
        return self._counts

    def apply_counts(self) -> None:
        """Add the counts summed so far to RegisterStat, and start again from nothing."""
        stats.apply(list(self.counts().items()))
        self._counts = {}


@dataclass(slots=True)
class _House:
    """What ``stats.house_counts`` reads of a house."""

    colour: str


@dataclass(slots=True)
class _Counted:
    """What ``stats.resident_counts`` reads of a resident."""

    residency: str
    birth_date: dt.date | None
    gender: str
    is_party_member: bool
