"""The rows checked for the preview, kept for the commit (decision 0013).

The check before the preview writes every valid row, as it will be written, to a file under
``VAR_DIR/import-staged/``: the keys and fields of its building, house and household, the
person without the ID number and phone in clear (those are kept encrypted, with their blind
index and mask, as the register stores them), a chunk of rows at a time. The commit reads
that file instead of reading and checking the sheet again, and asks the database again only
what may have changed in between: whether the people are in the register by now (one query
per chunk, as the check does).

Everything else the check read from the database — the grids the user may import into and
the buildings, houses and households of the area — is summed up in a fingerprint
(``Checker.fingerprint``) stored with the rows. If the commit finds a different one (someone
added a building or a house meanwhile, the grids changed, the day changed, the encryption
key was rotated) the file is not used: the sheet is read and checked again, as before.

The file is written with ``marshal`` (tuples of plain values: nothing in it can run code),
under a temporary name renamed at the end, so a file that exists is complete. It is deleted
when the job is done, has failed or is cancelled."""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from shequ.registry.personal import Protected
from shequ.registry.services import ResidentData
from shequ.registry.sheets.checker import NEW, NO_PERSON, CheckedRow

VERSION = 1

_BUILDING = ("area_id", "area_path", "estate", "number", "address", "floors", "entrances")
_HOUSE = ("entrance", "floor", "room", "floor_area", "use")


def path(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "import-staged" / f"{job_id}.marshal"


def discard(job_id: int) -> None:
    with contextlib.suppress(OSError):
        path(job_id).unlink()


def _protected(value: Protected | None) -> tuple[str, str, str] | None:
    return (value.enc, value.bidx, value.mask) if value is not None else None


def _row(row: CheckedRow) -> tuple[Any, ...]:
    person = row.person
    building = row.building_fields
    house = row.house_fields
    return (
        row.number,
        row.building,
        tuple(building[k] for k in _BUILDING) if building else None,
        row.house,
        (
            house["entrance"],
            house["floor"],
            house["room"],
            None if house["floor_area"] is None else str(house["floor_area"]),
            house["use"],
        )
        if house
        else None,
        row.household,
        (
            person.name,
            person.gender,
            person.birth_date.toordinal() if person.birth_date else None,
            person.ethnicity,
            person.residency,
            person.relation,
            person.workplace,
            person.is_party_member,
            person.care_tags,
        )
        if person is not None
        else None,
        row.id_index,
        _protected(row.id_protected),
        _protected(row.phone_protected),
    )


def _checked(data: tuple[Any, ...]) -> CheckedRow:
    number, building, building_f, house, house_f, household, person, id_index, ids, tel = data
    row = CheckedRow(number)
    row.building = building
    row.building_fields = dict(zip(_BUILDING, building_f, strict=True)) if building_f else {}
    row.house = house
    if house_f:
        entrance, floor, room, area, use = house_f
        row.house_fields = {
            "entrance": entrance,
            "floor": floor,
            "room": room,
            "floor_area": None if area is None else Decimal(area),
            "use": use,
        }
    row.household = household
    if person is not None:
        name, gender, birth, ethnicity, residency, relation, workplace, party, tags = person
        row.person = ResidentData(
            name=name,
            gender=gender,
            birth_date=dt.date.fromordinal(birth) if birth is not None else None,
            ethnicity=ethnicity,
            residency=residency,
            relation=relation,
            workplace=workplace,
            is_party_member=party,
            care_tags=tags,
        )
        row.status = NEW  # asked again at the commit
    else:
        row.status = NO_PERSON
    row.id_index = id_index
    row.id_protected = Protected(*ids) if ids is not None else None
    row.phone_protected = Protected(*tel) if tel is not None else None
    return row


class Stager:
    """Writes the valid rows of each checked chunk; ``close`` makes the file visible."""

    def __init__(self, job_id: int, *, fingerprint: str, labels: dict[str, str]) -> None:
        self.final = path(job_id)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = self.final.with_suffix(".tmp")
        self.file: IO[bytes] | None = self.temporary.open("wb")
        self._put({"version": VERSION, "fingerprint": fingerprint, "labels": labels})
        self.rows = 0

    def _put(self, value: Any) -> None:
        # length-prefixed: marshal.load on a file reads it a few bytes at a time
        assert self.file is not None
        data = marshal.dumps(value)
        self.file.write(len(data).to_bytes(8, "little") + data)

    def add(self, rows: list[CheckedRow]) -> None:
        assert self.file is not None
        kept = [_row(r) for r in rows if r.ok]
        self.rows += len(kept)
        self._put(kept)

    def close(self) -> None:
        assert self.file is not None
        self._put(None)  # the end
        self.file.close()
        self.file = None
        os.replace(self.temporary, self.final)

    def abandon(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        with contextlib.suppress(OSError):
            self.temporary.unlink()


class Staged:
    """An opened staged file: its header, then its chunks of rows."""

    def __init__(self, file: IO[bytes], header: dict[str, Any]) -> None:
        self.file = file
        self.fingerprint: str = header["fingerprint"]
        self.labels: dict[str, str] = header["labels"]

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def chunks(self) -> Iterator[list[CheckedRow]]:
        while (chunk := _get(self.file)) is not None:
            yield [_checked(data) for data in chunk]

    def close(self) -> None:
        self.file.close()


def _get(file: IO[bytes]) -> Any:
    size = int.from_bytes(file.read(8), "little")
    data = file.read(size)
    if len(data) != size or not data:
        raise EOFError
    return marshal.loads(data)  # noqa: S302 - written by Stager, under VAR_DIR


def open_staged(job_id: int) -> Staged | None:
    """The job's staged rows, or None when there are none to use."""
    try:
        file = path(job_id).open("rb")
    except OSError:
        return None
    try:
        header = _get(file)
    except (EOFError, ValueError, TypeError):
        file.close()
        return None
    if not isinstance(header, dict) or header.get("version") != VERSION:
        file.close()
        return None
    return Staged(file, header)
