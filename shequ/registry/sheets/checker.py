"""Checking every row of a register sheet, a chunk of rows at a time.

The rules are the services' (``building_create``, ``house_create``, ``clean_resident``); what
differs is how the database is asked: one query per chunk for the ID numbers already in the
register, one for the names in households that rows without an ID number join, and the
buildings, houses and households of the import's area read once at the start. The check
runs before the preview (nothing written); its valid rows are staged for the commit
(``staged``), where ``recheck`` asks the register again only about the people. When what the
check read of the area has changed by then (``fingerprint``), the commit checks every row
again inside its transaction, where it sees the buildings, houses and households created by
earlier chunks."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Level
from shequ.core.actors import is_system
from shequ.core.errors import FieldError
from shequ.core.paths import subtree_upper, within
from shequ.core.validators import check_id_number, check_phone
from shequ.registry.models import (
    Building,
    CareTag,
    Gender,
    House,
    Household,
    HouseUse,
    Relation,
    Residency,
    Resident,
)
from shequ.registry.personal import Protected
from shequ.registry.services import ResidentData
from shequ.registry.sheets import cells
from shequ.registry.sheets.columns import (
    BUILDING_KEYS,
    BY_KEY,
    CHOICES,
    FALSE_WORDS,
    HOUSE_KEYS,
    PERSON_KEYS,
    TRUE_WORDS,
    normalise_header,
)
from shequ.registry.sheets.protect import Protector, id_numbers, phones
from shequ.registry.sheets.reader import Cell, Sheet

GENDERS = frozenset(Gender.values)
RESIDENCIES = frozenset(Residency.values)
RELATIONS = frozenset(Relation.values)
CARE_TAGS = frozenset(CareTag.values)
OWNER_OCCUPIED = HouseUse.OWNER_OCCUPIED.value
REGISTERED = Residency.REGISTERED.value
OTHER = Relation.OTHER.value
_EMPTY = (None, "", (), False)
_PERSON = frozenset(PERSON_KEYS)

BuildingKey = tuple[int, str, str]  # grid id, estate, number
HouseKey = tuple[BuildingKey, int, str]  # building, entrance, room
HouseholdKey = tuple[HouseKey, str]  # house, household number


def _too_long(errors: list[FieldError], name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.append(FieldError(name, _("is longer than %(n)d characters") % {"n": limit}))


# --- residents: clean_resident's rules, without the per-row query and the encryption ------------


@dataclass
class PersonCheck:
    data: ResidentData  # cleaned, as clean_resident would return it
    errors: list[FieldError]
    warnings: list[FieldError]


def check_person(data: ResidentData, *, today: dt.date) -> PersonCheck:
    """``clean_resident(data, check_duplicates=False)``'s checks and normalisation, line for
    line, without encrypting (the commit encrypts in bulk) — a test holds the two equal.
    The ID number in the result is the normalised one, the phone the written form."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    name = " ".join(str(data.name or "").split())
    if not name:
        errors.append(FieldError("name", _("is required")))
    _too_long(errors, "name", name, 50)
    gender, birth = data.gender, data.birth_date
    id_clean = ""
    if " ".join(str(data.id_number or "").split()):
        check = check_id_number(data.id_number, today=today)
        errors += [FieldError("id_number", m) for m in check.errors]
        warnings += [FieldError("id_number", m) for m in check.warnings]
        if not check.errors:
            id_clean = check.value
            if birth and check.birth_date and birth != check.birth_date:
                errors.append(
                    FieldError(
                        "birth_date",
                        _("does not match the ID number (%(date)s)") % {"date": check.birth_date},
                    )
                )
            birth = check.birth_date
            if gender and check.gender and gender != check.gender:
                errors.append(FieldError("gender", _("does not match the ID number")))
            gender = check.gender or gender
    phone_clean = ""
    if " ".join(str(data.phone or "").split()):
        phone_check = check_phone(data.phone)
        errors += [FieldError("phone", m) for m in phone_check.errors]
        phone_clean = phone_check.value if not phone_check.errors else ""
    if gender and gender not in GENDERS:
        errors.append(
            FieldError(
                "gender",
                _("is not one of %(choices)s")
                % {"choices": "、".join(str(c.label) for c in Gender)},
            )
        )
    if data.residency not in RESIDENCIES:
        errors.append(
            FieldError(
                "residency",
                _("is not one of %(choices)s")
                % {"choices": "、".join(str(c.label) for c in Residency)},
            )
        )
    if data.relation not in RELATIONS:
        errors.append(FieldError("relation", _("is not a known relation")))
    bad_tags = [t for t in data.care_tags if t not in CARE_TAGS]
    if bad_tags:
        errors.append(
            FieldError("care_tags", _("unknown care tag: %(tags)s") % {"tags": "、".join(bad_tags)})
        )
    if birth and birth > today:
        errors.append(FieldError("birth_date", _("is in the future")))
    ethnicity = " ".join(str(data.ethnicity or "").split())
    workplace = " ".join(str(data.workplace or "").split())
    _too_long(errors, "ethnicity", ethnicity, 20)
    _too_long(errors, "workplace", workplace, 100)
    clean = ResidentData(
        name=name,
        id_number=id_clean,
        phone=phone_clean,
        gender=gender or "",
        birth_date=birth,
        ethnicity=ethnicity,
        residency=data.residency,
        relation=data.relation,
        workplace=workplace,
        is_party_member=data.is_party_member,
        care_tags=tuple(dict.fromkeys(data.care_tags)),
    )
    return PersonCheck(clean, errors, warnings)


def _reader(key: str) -> Callable[[Cell], Any]:
    """How the cells of column ``key`` are read."""
    kind = BY_KEY[key].kind
    if key == "id_number":
        return cells.id_text
    if kind == "choice":
        return functools.partial(cells.choice, key)
    readers: dict[str, Callable[[Cell], Any]] = {
        "text": cells.text,
        "int": cells.whole,
        "decimal": cells.decimal,
        "date": cells.date,
        "bool": cells.flag,
        "tags": cells.tags,
    }
    return readers[kind]


_TEXT = object()
_WHOLE = object()


def _fast(key: str) -> Any:
    """What ``Checker._row`` reads of column ``key`` without calling its reader: text as
    text, a whole number given as a float, or the words of a choice or yes/no column exactly
    as written (their normalised spellings, which ``cells`` would find too)."""
    column = BY_KEY[key]
    if key == "id_number":
        return None
    if column.kind == "text":
        return _TEXT
    if column.kind == "int":
        return _WHOLE
    if column.kind == "choice":
        return dict(CHOICES[key])
    if column.kind == "bool":
        words = {normalise_header(w): True for w in TRUE_WORDS}
        words.update({normalise_header(w): False for w in FALSE_WORDS})
        return words
    return None


def _registered(indexes: list[str]) -> list[tuple[Any, ...]]:
    """(blind index, household id, moved out on, name, area path, masked ID number) of the
    residents with these ID-number indexes. Plain SQL: with 2,000 values, building the query
    through the ORM (and psycopg splitting its 2,000 placeholders) cost more than running it;
    on PostgreSQL the values go as one array."""
    meta: Any = Resident._meta
    quote = connection.ops.quote_name
    names = ("id_number_bidx", "household", "moved_out_on", "name", "area_path", "id_number_mask")
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote('id_number_bidx')}"  # noqa: S608 - quoted names
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{sql} = ANY(%s)", [indexes])
        else:
            cursor.execute(f"{sql} IN ({', '.join(['%s'] * len(indexes))})", indexes)
        return list(cursor.fetchall())


@dataclass(slots=True)
class PersonRead:
    """A row's person as far as its own cells tell: ``check_person``'s outcome and, when it
    found no error, the ID number's blind index and the ID number and phone encrypted (used
    only if the rest of the checks find no error either)."""

    check: PersonCheck
    id_index: str = ""
    id_protected: Protected | None = None
    phone_protected: Protected | None = None


# (row number, values read, the cells' errors, whether the row names a person, the person
# as checked, or None when it does not or a cell of theirs could not be read)
ReadRow = tuple[int, dict[str, Any], list[FieldError], bool, PersonRead | None]
# the same in plain tuples, cheaper to send between processes (``pack``, ``unpack``)
Packed = tuple[int, tuple[Any, ...], list[FieldError], bool, tuple[Any, ...] | None]
_NOT_PERSON = tuple(k for k in BY_KEY if k not in _PERSON)


class RowReader:
    """What a row's own cells give, without the rest of the file or the register: the
    cells read into values (with their errors), and the person checked, indexed and
    encrypted. The part of the check that costs most per row and shares nothing between
    rows, so the import can run it in a worker process (``pipeline``) while the importing
    process reads the sheet and keeps what the rows share."""

    def __init__(
        self, columns: dict[str, int], today: dt.date, ids: Protector, phones: Protector
    ) -> None:
        self.columns = columns
        self.today = today
        self.ids = ids
        self.phones = phones
        self._readers = [(key, index, _reader(key), _fast(key)) for key, index in columns.items()]

    def read_all(self, rows: list[tuple[int, list[Cell]]]) -> list[Packed]:
        """``read`` of every row, packed to be sent to another process."""
        return [pack(self.read(number, row_cells)) for number, row_cells in rows]

    def read(self, number: int, row_cells: list[Cell]) -> ReadRow:
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        width = len(row_cells)
        for key, index, read, fast in self._readers:
            cell = row_cells[index] if index < width else ""
            # the usual cells, without a call: what ``read`` would give them
            if cell.__class__ is str:
                if fast is _TEXT:
                    values[key] = " ".join(cell.split())
                    continue
                if fast.__class__ is dict and cell in fast:  # a choice or 是/否 as written
                    values[key] = fast[cell]
                    continue
            elif cell.__class__ is float and fast is _WHOLE and cell.is_integer():
                values[key] = int(cell)
                continue
            if cell == "" and key != "care_tags":
                values[key] = None if read is not cells.text else ""
                continue
            try:
                values[key] = read(cell)
            except cells.CellError as error:
                errors.append(FieldError(key, str(error)))
                values[key] = None
        tags = values.get("care_tags")
        if tags:
            found, unknown = tags
            values["care_tags"] = found
            if unknown:
                errors.append(
                    FieldError(
                        "care_tags",
                        _("unknown care tag: %(tags)s") % {"tags": "、".join(unknown)},
                    )
                )
        for key in PERSON_KEYS:
            if values.get(key) not in _EMPTY:
                return number, values, errors, True, self._person(values, errors)
        return number, values, errors, False, None  # a row for a house or a household only

    def _person(self, values: dict[str, Any], errors: list[FieldError]) -> PersonRead | None:
        if errors and any(e.field in _PERSON for e in errors):
            return None  # a cell could not be read
        checked = check_person(person_data(values), today=self.today)
        found = PersonRead(checked)
        if not checked.errors:
            person = checked.data
            if person.id_number:
                found.id_index = self.ids.index(person.id_number)
                found.id_protected = self.ids.protect(person.id_number, found.id_index)
            found.phone_protected = self.phones.protect(person.phone)
        return found


def _plain(value: Protected | None) -> tuple[str, str, str] | None:
    return None if value is None else (value.enc, value.bidx, value.mask)


def pack(read: ReadRow) -> Packed:
    """``read`` in plain tuples (pickled ~3× faster than the dataclasses): the values the
    rest of the check reads (not the person's: their check comes along)."""
    number, values, errors, has_person, person = read
    kept = tuple(values.get(k) for k in _NOT_PERSON)
    if person is None:
        return number, kept, errors, has_person, None
    check, d = person.check, person.check.data
    data = (
        d.name,
        d.id_number,
        d.phone,
        d.gender,
        d.birth_date,
        d.ethnicity,
        d.residency,
        d.relation,
        d.workplace,
        d.is_party_member,
        d.care_tags,
    )
    found = (
        data,
        check.errors,
        check.warnings,
        person.id_index,
        _plain(person.id_protected),
        _plain(person.phone_protected),
    )
    return number, kept, errors, has_person, found


def unpack(packed: Packed) -> ReadRow:
    number, kept, errors, has_person, found = packed
    values = dict(zip(_NOT_PERSON, kept, strict=True))
    if found is None:
        return number, values, errors, has_person, None
    data, person_errors, warnings, id_index, id_protected, phone_protected = found
    check = PersonCheck(ResidentData(*data), person_errors, warnings)
    return (
        number,
        values,
        errors,
        has_person,
        PersonRead(
            check,
            id_index,
            None if id_protected is None else Protected(*id_protected),
            None if phone_protected is None else Protected(*phone_protected),
        ),
    )


def person_data(values: dict[str, Any]) -> ResidentData:
    return ResidentData(
        name=values.get("name") or "",
        id_number=values.get("id_number") or "",
        phone=values.get("phone") or "",
        gender=values.get("gender") or "",
        birth_date=values.get("birth_date"),
        ethnicity=values.get("ethnicity") or "",
        residency=values.get("residency") or REGISTERED,
        relation=values.get("relation") or OTHER,
        workplace=values.get("workplace") or "",
        is_party_member=bool(values.get("is_party_member")),
        care_tags=values.get("care_tags") or (),
    )


# --- what is known about the register of the area --------------------------------------------------


@dataclass
class BuildingRef:
    id: int | None  # None: new, not written yet
    area_path: str
    floors: int
    entrances: int
    address: str
    row: int = 0  # the row that defined a new one


@dataclass
class HouseRef:
    id: int | None
    area_path: str
    floor: int
    use: str
    floor_area: Decimal | None
    row: int = 0


@dataclass
class HouseholdRef:
    id: int | None
    area_path: str
    head_id: int | None = None
    row: int = 0


@dataclass(frozen=True)
class Grid:
    id: int
    code: str
    area_path: str


NEW = "new"  # a person to add
PRESENT = "present"  # the person is already in the household: left unchanged
NO_PERSON = "no_person"  # a row for a house or a household only


@dataclass
class CheckedRow:
    number: int
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    grid: Grid | None = None
    building: BuildingKey | None = None
    building_fields: dict[str, Any] = field(default_factory=dict)
    house: HouseKey | None = None
    house_fields: dict[str, Any] = field(default_factory=dict)
    household: HouseholdKey | None = None
    person: ResidentData | None = None
    id_index: str = ""
    status: str = NO_PERSON
    # encrypted before the commit (staged rows); the writer encrypts the others
    id_protected: Protected | None = None
    phone_protected: Protected | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class Checker:
    """Checks chunks of rows against the rules, the rest of the file and the register."""

    def __init__(
        self, *, area: Area, actor: Any, today: dt.date, sheet: Sheet | None = None
    ) -> None:
        self.area = area
        self.actor = actor
        self.today = today
        self.ids: Protector = id_numbers()
        self.grids = self._grids()
        self.buildings: dict[BuildingKey, BuildingRef] = {}
        self.houses: dict[HouseKey, HouseRef] = {}
        self.households: dict[HouseholdKey, HouseholdRef] = {}
        self._load_register()
        self.fingerprint = self._fingerprint()
        self.seen_ids: dict[str, int] = {}  # normalised ID number -> first row
        self.seen_names: dict[tuple[HouseholdKey, str], int] = {}  # rows without an ID number
        self.members: dict[int, set[str]] = {}  # household id -> current members' names
        self._index: dict[str, int] = {}
        self.phones: Protector = phones()
        self.reader = RowReader({}, today, self.ids, self.phones)
        self._formulas: dict[int, set[int]] = {}
        if sheet is not None:
            self.use(sheet)

    def use(self, sheet: Sheet) -> None:
        """Check the rows of ``sheet`` (its columns, its formulas)."""
        self._index = dict(sheet.columns)
        self.reader = RowReader(self._index, self.today, self.ids, self.phones)
        self._formulas = sheet.formulas

    # -- the register of the area, read once ------------------------------------------------------

    def _grids(self) -> dict[str, Grid]:
        scope = scope_of(self.actor)
        found: dict[str, Grid] = {}
        rows = (
            Area.objects.current(self.today)
            .filter(level__in=(Level.GRID, Level.SUBGRID))
            .filter(within("area_path", [self.area.area_path]))
            .values_list("pk", "code", "area_path")
        )
        for pk, code, path in rows:
            if is_system(self.actor) or scope.allows(Perm.REGISTER_IMPORT, path):
                found[code] = Grid(pk, code, path)
        return found

    def _load_register(self) -> None:
        by_id: dict[int, BuildingKey] = {}
        grid_ids = {g.id for g in self.grids.values()}
        prefix = self.area.area_path
        upper = subtree_upper(prefix)
        for pk, area_id, estate, number, path, floors, entrances, address in (
            Building.objects.filter(area_path__gte=prefix, area_path__lt=upper)
            .values_list(
                "pk", "area_id", "estate", "number", "area_path", "floors", "entrances", "address"
            )
            .iterator(chunk_size=5000)
        ):
            if area_id in grid_ids:
                key = (area_id, estate, number)
                by_id[pk] = key
                self.buildings[key] = BuildingRef(pk, path, floors, entrances, address)
        house_keys: dict[int, HouseKey] = {}
        for pk, building_id, entrance, room, path, floor, use, floor_area in (
            House.objects.filter(area_path__gte=prefix, area_path__lt=upper)
            .values_list(
                "pk", "building_id", "entrance", "room", "area_path", "floor", "use", "floor_area"
            )
            .iterator(chunk_size=5000)
        ):
            building_key = by_id.get(building_id)
            if building_key is not None:
                house_key = (building_key, entrance, room)
                house_keys[pk] = house_key
                self.houses[house_key] = HouseRef(pk, path, floor, use, floor_area)
        for pk, house_id, ref, path, head_id in (
            Household.objects.filter(
                area_path__gte=prefix, area_path__lt=upper, house__isnull=False
            )
            .exclude(external_ref="")
            .order_by("pk")
            .values_list("pk", "house_id", "external_ref", "area_path", "head_id")
            .iterator(chunk_size=5000)
        ):
            found = house_keys.get(house_id)
            if found is not None and (found, ref) not in self.households:
                self.households[(found, ref)] = HouseholdRef(pk, path, head_id)

    def _fingerprint(self) -> str:
        """A digest of everything the checks read from the database, other than the people:
        the grids, the buildings, houses and households of the area as loaded, the day and
        the encryption key in use. Equal before the preview and at the commit: the staged
        rows stand, but for the people (``shequ.registry.sheets.staged``)."""
        digest = hashlib.sha256()
        digest.update(repr((self.today.isoformat(), self.ids.key_id)).encode())
        digest.update(repr(sorted(self.grids.items())).encode())
        for refs in (self.buildings, self.houses, self.households):
            digest.update(repr(sorted(refs.items())).encode())
        return digest.hexdigest()

    # -- rows ---------------------------------------------------------------------------------------

    def check(self, rows: Iterable[tuple[int, list[Cell]]]) -> list[CheckedRow]:
        checked = [self._row(number, cells_) for number, cells_ in rows]
        self._against_register(checked)
        return checked

    def recheck(self, rows: list[CheckedRow]) -> list[CheckedRow]:
        """Rows checked before (staged): the buildings, houses and households they make
        known again, and the people asked again against the register."""
        for row in rows:
            if row.building_fields and row.building not in self.buildings:
                f = row.building_fields
                self.buildings[row.building] = BuildingRef(  # type: ignore[index]
                    None, f["area_path"], f["floors"], f["entrances"], f["address"], row.number
                )
            if row.house_fields and row.house not in self.houses:
                f = row.house_fields
                building = self.buildings[row.house[0]]  # type: ignore[index]
                self.houses[row.house] = HouseRef(  # type: ignore[index]
                    None, building.area_path, f["floor"], f["use"], f["floor_area"], row.number
                )
            if row.household is not None and row.household not in self.households:
                house = self.houses[row.household[0]]
                self.households[row.household] = HouseholdRef(
                    None, house.area_path, None, row.number
                )
        self._against_register(rows)
        return rows

    def _row(self, number: int, row_cells: list[Cell]) -> CheckedRow:
        return self._finish(self.reader.read(number, row_cells), row_cells)

    def check_read(
        self, rows: list[tuple[int, list[Cell]]], read: list[Packed]
    ) -> list[CheckedRow]:
        """``check`` of rows whose own cells were read before (``RowReader.read``, in a
        worker process): the rules that need the rest of the file and the register."""
        checked = [
            self._finish(unpack(done), cells_)
            for (_number, cells_), done in zip(rows, read, strict=True)
        ]
        self._against_register(checked)
        return checked

    def _finish(self, read: ReadRow, row_cells: list[Cell]) -> CheckedRow:
        number, values, errors, has_person, person = read
        row = CheckedRow(number, errors)
        self._formula_cells(row, row_cells, number)
        self._building(row, values)
        self._house(row, values)
        if has_person:
            self._person(row, values, person)
        return row

    def _formula_cells(self, row: CheckedRow, row_cells: list[Cell], number: int) -> None:
        indexes = self._formulas.get(number)
        if not indexes:
            return
        keys = {i: k for k, i in self._index.items()}
        for index in sorted(indexes):
            key = keys.get(index)
            if key is None:
                continue
            value = row_cells[index] if index < len(row_cells) else ""
            if value == "":
                row.errors.append(
                    FieldError(
                        key,
                        _(
                            "holds a formula without a saved result: open the file in Excel, "
                            "let it calculate, and save it again (or paste the values)"
                        ),
                    )
                )
            else:
                row.warnings.append(
                    FieldError(
                        key,
                        _("holds a formula: its result %(value)s is imported")
                        % {"value": cells.text(value)},
                    )
                )

    def _building(self, row: CheckedRow, values: dict[str, Any]) -> None:
        """building_create's rules; a building already in the register keeps its values."""
        code = values.get("grid_code") or ""
        errors: list[FieldError] = []
        grid = self.grids.get(code)
        if not code:
            errors.append(FieldError("grid_code", _("is required")))
        elif grid is None:
            errors.append(
                FieldError(
                    "grid_code",
                    _("%(code)s is not a grid or subgrid of %(area)s that you may import into")
                    % {"code": code, "area": self.area.name},
                )
            )
        estate = values.get("estate") or ""
        number = values.get("building_number") or ""
        address = values.get("building_address") or ""
        floors = values.get("floors")
        entrances = values.get("entrances")
        if not number:
            errors.append(FieldError("building_number", _("is required")))
        _too_long(errors, "building_number", number, 20)
        _too_long(errors, "building_address", address, 200)
        _too_long(errors, "estate", estate, 100)
        if floors is not None and not 1 <= floors <= 200:
            errors.append(FieldError("floors", _("must be between 1 and 200")))
        if entrances is not None and not 1 <= entrances <= 50:
            errors.append(FieldError("entrances", _("must be between 1 and 50")))
        row.grid = grid
        if grid is None or errors or any(e.field in BUILDING_KEYS for e in row.errors):
            row.errors += errors
            return
        key = (grid.id, estate, number)
        row.building = key
        known = self.buildings.get(key)
        if known is not None and known.row == 0:
            return  # in the register already: its floors and entrances stand
        if not address:
            errors.append(FieldError("building_address", _("is required")))
        if floors is None:
            errors.append(FieldError("floors", _("is required for a new building")))
        entrances = entrances or 1
        if known is not None and not errors:
            if floors != known.floors:
                errors.append(self._differs("floors", known.floors, known.row))
            if entrances != known.entrances:
                errors.append(self._differs("entrances", known.entrances, known.row))
            if address != known.address:
                errors.append(self._differs("building_address", known.address, known.row))
        row.errors += errors
        if errors:
            row.building = None
            return
        row.building_fields = {
            "area_id": grid.id,
            "area_path": grid.area_path,
            "estate": estate,
            "number": number,
            "address": address,
            "floors": floors,
            "entrances": entrances,
        }
        if known is None:
            assert floors is not None
            self.buildings[key] = BuildingRef(
                None, grid.area_path, floors, entrances, address, row.number
            )

    def _differs(self, key: str, value: Any, first: int) -> FieldError:
        return FieldError(
            key,
            _("differs from row %(row)d (%(value)s) for the same building or house")
            % {"row": first, "value": value if value is not None else ""},
        )

    def _house(self, row: CheckedRow, values: dict[str, Any]) -> None:
        """house_create's rules; a house already in the register keeps its values."""
        errors: list[FieldError] = []
        room = values.get("room") or ""
        entrance = values.get("entrance")
        floor = values.get("floor")
        floor_area = values.get("floor_area")
        use = values.get("use") or OWNER_OCCUPIED
        if not room:
            errors.append(FieldError("room", _("is required")))
        _too_long(errors, "room", room, 10)
        if floor is None and "floor" not in {e.field for e in row.errors}:
            errors.append(FieldError("floor", _("is required")))
        if floor_area is not None and not (0 < floor_area < 100000):
            errors.append(FieldError("floor_area", _("must be a positive area in square metres")))
        entrance = entrance if entrance is not None else 1
        building = self.buildings.get(row.building) if row.building else None
        if building is not None:
            if not 1 <= entrance <= building.entrances:
                errors.append(
                    FieldError(
                        "entrance",
                        _("the building has entrances 1 to %(n)d") % {"n": building.entrances},
                    )
                )
            if floor is not None and (not (-5 <= floor <= building.floors) or floor == 0):
                errors.append(
                    FieldError(
                        "floor",
                        _("the building has floors 1 to %(n)d (basements -1 to -5)")
                        % {"n": building.floors},
                    )
                )
        row.errors += errors
        if row.building is None or errors or any(e.field in HOUSE_KEYS for e in row.errors):
            return
        assert floor is not None
        key = (row.building, entrance, room)
        known = self.houses.get(key)
        row.house = key
        if known is not None and known.row == 0:
            self._household(row, values)
            return
        if known is not None:
            if floor != known.floor:
                errors.append(self._differs("floor", known.floor, known.row))
            if use != known.use:
                errors.append(self._differs("use", known.use, known.row))
            if floor_area != known.floor_area:
                errors.append(self._differs("floor_area", known.floor_area, known.row))
        if errors:
            row.errors += errors
            row.house = None
            return
        row.house_fields = {
            "entrance": entrance,
            "floor": floor,
            "room": room,
            "floor_area": floor_area,
            "use": use,
        }
        if known is None:
            self.houses[key] = HouseRef(
                None, building.area_path if building else "", floor, use, floor_area, row.number
            )
        self._household(row, values)

    def _household(self, row: CheckedRow, values: dict[str, Any]) -> None:
        ref = values.get("household_number") or ""
        errors: list[FieldError] = []
        _too_long(errors, "household_number", ref, 40)
        row.errors += errors
        if not ref or errors or row.house is None:
            return
        key = (row.house, ref)
        row.household = key
        if key not in self.households:
            house = self.houses[row.house]
            self.households[key] = HouseholdRef(None, house.area_path, None, row.number)

    def _person(self, row: CheckedRow, values: dict[str, Any], read: PersonRead | None) -> None:
        """A row that names a person (a row for a house or a household only does not)."""
        if row.errors and any(e.field in _PERSON for e in row.errors):
            return  # a cell could not be read: checked again once it is corrected
        if not values.get("household_number"):
            row.errors.append(FieldError("household_number", _("is needed on a row with a person")))
        # the reader checked the person unless a cell of theirs could not be read, which
        # the test above has seen too
        assert read is not None
        checked = read.check
        row.errors += checked.errors
        row.warnings += checked.warnings
        if checked.errors:
            return
        person = checked.data
        row.person = person
        row.status = NEW
        row.id_protected, row.phone_protected = read.id_protected, read.phone_protected
        if person.id_number:
            first = self.seen_ids.setdefault(person.id_number, row.number)
            if first != row.number:
                row.errors.append(
                    FieldError("id_number", _("the same ID number as row %(row)d") % {"row": first})
                )
                return
            row.id_index = read.id_index
        elif row.household is not None:
            first = self.seen_names.setdefault((row.household, person.name), row.number)
            if first != row.number:
                row.errors.append(
                    FieldError(
                        "name",
                        _(
                            "the same person as row %(row)d (same household, same name, no ID "
                            "number)"
                        )
                        % {"row": first},
                    )
                )

    # -- against the register, one query per chunk ----------------------------------------------

    def _against_register(self, checked: list[CheckedRow]) -> None:
        with_id = [r for r in checked if r.ok and r.person is not None and r.id_index]
        if with_id:
            found = {
                bidx: (household_id, moved_out_on, name, path, mask)
                for bidx, household_id, moved_out_on, name, path, mask in _registered(
                    [r.id_index for r in with_id]
                )
            }
            scope = scope_of(self.actor)
            for row in with_id:
                existing = found.get(row.id_index)
                if existing is None:
                    continue
                household_id, moved_out_on, name, path, mask = existing
                household = self.households.get(row.household) if row.household else None
                if (
                    household is not None
                    and household.id is not None
                    and household.id == household_id
                    and moved_out_on is None
                ):
                    row.status = PRESENT
                    continue
                if is_system(self.actor) or scope.allows(Perm.REGISTER_VIEW, path):
                    message = _(
                        "is already in the register, in another household: %(name)s "
                        "(%(masked)s); move the person in the register instead"
                    ) % {"name": name, "masked": mask}
                else:
                    message = _("is already in the register, outside your areas")
                row.errors.append(FieldError("id_number", message))
        without_id = [
            r
            for r in checked
            if r.ok and r.person is not None and not r.id_index and r.household is not None
        ]
        wanted = {
            ref.id
            for r in without_id
            if (ref := self.households[r.household]).id is not None  # type: ignore[index]
            and ref.id not in self.members
        }
        if wanted:
            for household_id in wanted:
                self.members[household_id] = set()
            for household_id, name in Resident.objects.filter(
                household_id__in=wanted, moved_out_on__isnull=True
            ).values_list("household_id", "name"):
                self.members[household_id].add(name)
        for row in without_id:
            ref = self.households[row.household]  # type: ignore[index]
            if ref.id is not None and row.person and row.person.name in self.members[ref.id]:
                row.status = PRESENT
