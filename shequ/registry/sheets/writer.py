"""Writing the checked rows, inside the commit's one transaction: the same rows a sequence
of ``building_create``, ``house_create``, ``household_create`` and ``resident_add`` calls
would leave, written in bulk.

Rows go in with multi-row inserts of plain tuples (COPY on PostgreSQL) rather than
``bulk_create``: a 100,000-resident sheet makes about a million rows (residents, their stays,
the name grams that search uses), and building a model instance for each costs more than
everything else together. Primary keys are taken beforehand (the sequence on PostgreSQL, the
table's high-water mark on SQLite, where the transaction holds the write lock) so that the
stays and grams can point at residents in the same pass, and a household's head can be set as
it is inserted (the foreign keys are deferred to the commit)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

from shequ.registry import stats
from shequ.registry.colours import PRECEDENCE
from shequ.registry.grams import grams
from shequ.registry.models import (
    Building,
    Colour,
    House,
    Household,
    HouseholdStay,
    HouseUse,
    NameGram,
    Relation,
    Residency,
    Resident,
    ResidentCare,
    Stay,
    Unit,
)
from shequ.registry.sheets.checker import NEW, CheckedRow, Checker
from shequ.registry.sheets.protect import phones

BATCH = 2000
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


# --- plain inserts -----------------------------------------------------------------------------


class Table:
    """Inserts of tuples into one model's table: the named fields in order; every other
    concrete field gets its default (timestamps: now), so a field added to the model later
    with a default needs no change here."""

    def __init__(self, model: type[models.Model], names: Sequence[str], now: dt.datetime) -> None:
        self.model = model
        meta = model._meta
        self.fields: list[Any] = [meta.get_field(n) for n in names]
        given = {f.name for f in self.fields}
        self.extra: list[tuple[str, Any]] = []
        for f in meta.concrete_fields:
            if f.name in given or (f.primary_key and f.name not in given):
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: Any = now
            else:
                value = f.get_default()  # "" for a text field without a default
                if value is None and not f.null:
                    msg = f"{meta.label}.{f.name} needs a value"
                    raise ValueError(msg)
            self.extra.append((cast(str, f.column), self._adapt(f, value)))
        self.columns = [cast(Any, f).column for f in self.fields] + [c for c, _v in self.extra]
        self.tail = tuple(v for _c, v in self.extra)
        self.dates = [
            i
            for i, f in enumerate(self.fields)
            if isinstance(f, models.DateField | models.DateTimeField | models.DecimalField)
        ]

    @staticmethod
    def _adapt(field: Any, value: Any) -> Any:
        if value is None or connection.vendor == "postgresql":
            return value
        return field.get_db_prep_save(value, connection)

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert ``rows`` (one value per named field); the number inserted."""
        table = connection.ops.quote_name(cast(Any, self.model._meta).db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw: Any = cursor.cursor  # psycopg's own cursor: COPY
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + self.tail)
                        count += 1
            return count
        adapt = [(i, self.fields[i]) for i in self.dates]
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names quoted
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for row in rows:
                if adapt:
                    values = list(row)
                    for i, f in adapt:
                        if values[i] is not None:
                            values[i] = f.get_db_prep_save(values[i], connection)
                    row = tuple(values)  # noqa: PLW2901
                batch.append(row + self.tail)
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def take_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` primary keys for rows about to be inserted in this transaction."""
    if n == 0:
        return []
    table = cast(Any, model._meta).db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [r[0] for r in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # The transaction holds SQLite's write lock, so nobody else takes these; starting
            # above the AUTOINCREMENT high-water mark never reuses a deleted row's key.
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            start = max(top, seq[0] if seq else 0) + 1
            return list(range(start, start + n))
    msg = f"taking keys is not implemented for {connection.vendor}"
    raise NotImplementedError(msg)


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
    """Derive the colour of each house again, update those that changed, and move their
    counts between colours in ``counts``. The number of houses whose colour changed."""
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
        changes: dict[str, list[int]] = {}
        for pk, use, colour, path in House.objects.filter(pk__in=part).values_list(
            "pk", "use", "colour", "area_path"
        ):
            new = colour_from(use, pk in care, units.get(pk, []), residencies.get(pk, set()))
            if new != colour:
                changes.setdefault(new, []).append(pk)
                counter = counts.setdefault(path, Counter())
                counter[("colour", colour)] -= 1
                counter[("colour", new)] += 1
        for colour, pks in changes.items():
            House.objects.filter(pk__in=pks).update(colour=colour)
            changed_total += len(pks)
    return changed_total


def empty_colour(use: str) -> str:
    """The colour ``house_create`` gives a house nobody lives in yet."""
    colours = {
        HouseUse.BUSINESS.value: Colour.BUSINESS.value,
        HouseUse.OFFICE.value: Colour.OFFICE.value,
    }
    return colours.get(use, Colour.VACANT.value)


# --- the writer -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Counted:
    """What ``stats.resident_counts`` reads of a resident."""

    residency: str
    birth_date: dt.date | None
    gender: str
    is_party_member: bool


class Writer:
    """Writes chunks of checked rows; ``finish`` recolours the touched houses and applies
    the counts once."""

    def __init__(self, checker: Checker, today: dt.date) -> None:
        self.checker = checker
        self.today = today
        now = timezone.now()
        self.phones = phones()
        self.counts: dict[str, Counter[stats.Key]] = {}
        self.summary = Counts()
        self.touched_houses: set[int] = set()
        self.heads_later: dict[int, int] = {}  # household id -> resident id
        self.kinds: Counter[tuple[Any, ...]] = Counter()
        self.buildings = Table(
            Building,
            ("id", "area", "area_path", "estate", "number", "address", "floors", "entrances"),
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
                "colour",
            ),
            now,
        )
        self.households = Table(
            Household, ("id", "house", "area_path", "code_nonce", "external_ref", "head"), now
        )
        self.household_stays = Table(
            HouseholdStay, ("household", "house", "area_path", "valid_from"), now
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
        self.grams = Table(NameGram, ("resident", "gram", "area_path"), now)
        self.care = Table(ResidentCare, ("resident", "tag", "area_path"), now)

    def _count(self, path: str, counts: Counter[stats.Key]) -> None:
        self.counts.setdefault(path, Counter()).update(counts)

    def write(self, rows: list[CheckedRow]) -> None:
        """Write the (valid) ``rows``: what is new of their buildings, houses and households,
        then their people."""
        checker = self.checker
        new_buildings: list[tuple[Any, ...]] = []
        new_houses: list[tuple[Any, ...]] = []
        new_households: list[tuple[Any, ...]] = []
        household_stays: list[tuple[Any, ...]] = []
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
                f = row.building_fields
                new_buildings.append(
                    (
                        ref.id,
                        f["area_id"],
                        f["area_path"],
                        f["estate"],
                        f["number"],
                        f["address"],
                        f["floors"],
                        f["entrances"],
                    )
                )
        pending_h = [r for r in rows if r.house and checker.houses[r.house].id is None]
        ids = iter(take_ids(House, len({r.house for r in pending_h})))
        for row in pending_h:
            ref_h = checker.houses[row.house]  # type: ignore[index]
            if ref_h.id is None:
                ref_h.id = next(ids)
                f = row.house_fields
                building = checker.buildings[row.house[0]]  # type: ignore[index]
                colour = empty_colour(f["use"])
                new_houses.append(
                    (
                        ref_h.id,
                        building.id,
                        ref_h.area_path,
                        f["entrance"],
                        f["floor"],
                        f["room"],
                        f["floor_area"],
                        f["use"],
                        colour,
                    )
                )
                self._count(ref_h.area_path, stats.house_counts(cast(House, _House(colour))))
                self.touched_houses.add(ref_h.id)
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
                new_households.append(
                    (
                        ref_hh.id,
                        house_id,
                        ref_hh.area_path,
                        secrets.token_hex(8),
                        row.household[1],  # type: ignore[index]
                        ref_hh.head_id,
                    )
                )
                household_stays.append((ref_hh.id, house_id, ref_hh.area_path, self.today))
                self._count(
                    ref_hh.area_path, stats.household_counts(cast(Household, None), counted=True)
                )
        for key, resident_id in heads.items():
            ref_hh = checker.households[key]
            if ref_hh.head_id is None:  # an existing household, or a head in a later chunk
                ref_hh.head_id = resident_id
                assert ref_hh.id is not None
                self.heads_later[ref_hh.id] = resident_id
        self.summary.buildings += self.buildings.insert(new_buildings)
        self.summary.houses += self.houses.insert(new_houses)
        self.summary.households += self.households.insert(new_households)
        self.household_stays.insert(household_stays)
        self._people(people, resident_ids)

    def _people(self, people: list[CheckedRow], resident_ids: list[int]) -> None:
        checker = self.checker
        residents: list[tuple[Any, ...]] = []
        stays: list[tuple[Any, ...]] = []
        name_grams: list[tuple[Any, ...]] = []
        care: list[tuple[Any, ...]] = []
        for row, resident_id in zip(people, resident_ids, strict=True):
            d = row.person
            assert d is not None
            household = checker.households[row.household]  # type: ignore[index]
            path = household.area_path
            id_number = checker.ids.protect(d.id_number, row.id_index)
            phone = self.phones.protect(d.phone)
            residents.append(
                (
                    resident_id,
                    household.id,
                    path,
                    d.relation,
                    d.name,
                    d.gender,
                    d.birth_date,
                    id_number.enc,
                    id_number.bidx,
                    id_number.mask,
                    phone.enc,
                    phone.bidx,
                    phone.mask,
                    d.ethnicity,
                    d.residency,
                    d.workplace,
                    d.is_party_member,
                )
            )
            stays.append((resident_id, household.id, d.relation, self.today, path))
            name_grams.extend((resident_id, g, path) for g in grams(d.name))
            care.extend((resident_id, t, path) for t in d.care_tags)
            # counted per kind of resident, turned into counts once in finish()
            year = d.birth_date.year if d.birth_date else None
            self.kinds[(path, d.residency, year, d.gender, d.is_party_member, d.care_tags)] += 1
            self.touched_houses.add(checker.houses[row.household[0]].id)  # type: ignore[index,arg-type]
        self.summary.residents += self.residents.insert(residents)
        self.stays.insert(stays)
        self.grams.insert(name_grams)
        self.care.insert(care)

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
        for (path, residency, year, gender, party, tags), n in self.kinds.items():
            birth = dt.date(year, 1, 1) if year else None  # only the year is counted
            counts = stats.resident_counts(
                cast(Resident, _Counted(residency, birth, gender, party)), tags, counted=True
            )
            self._count(path, Counter({key: value * n for key, value in counts.items()}))
        self.kinds.clear()
        recolour(self.touched_houses, self.counts)
        stats.apply(list(self.counts.items()))


@dataclass(slots=True)
class _House:
    colour: str
