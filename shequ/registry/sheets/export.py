"""The register sheet out: the empty template (.xlsx with its notes sheet, or .csv) and any
list of residents, in the columns of ``columns``.

A list is written with xlsxwriter in constant-memory mode (each row goes to a temporary file
as it is written, so memory stays flat) into an anonymous temporary file, which the view then
streams with a FileResponse in blocks and which disappears when the response is closed. ID
numbers and phones are masked unless the user may reveal them where that resident lives;
care tags appear only where the user may see them. One audit record says what was exported."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.audit import AuditAction, audit
from shequ.core.crypto import decrypt
from shequ.core.paths import within
from shequ.registry.models import Resident
from shequ.registry.personal import ID_NUMBER, PHONE
from shequ.registry.selectors import ResidentFilter, care_tags_by_resident
from shequ.registry.sheets.columns import (
    COLUMNS,
    NOTES_SHEET_NAME,
    SHEET_NAME,
    column_letter,
    label_of,
)

TEXT_COLUMNS = ("grid_code", "building_number", "room", "household_number", "id_number", "phone")
BATCH = 2000


def _formats(book: Any) -> dict[str, Any]:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#F2E6E6", "border": 1}),
        "text": book.add_format({"num_format": "@"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }


def _header(sheet: Any, formats: dict[str, Any]) -> None:
    for index, column in enumerate(COLUMNS):
        # ID numbers, phones and codes as text, so that Excel keeps every digit
        fmt = formats["text"] if column.key in TEXT_COLUMNS else None
        sheet.set_column(index, index, column.width, fmt)
        sheet.write_string(0, index, column.header, formats["header"])
    sheet.freeze_panes(1, 0)


def _allowed(column_key: str) -> str:
    labels = next(c.labels for c in COLUMNS if c.key == column_key)
    return "、".join(names[0] for names in (labels or {}).values())


def write_template(stream: IO[bytes]) -> None:
    """The empty register sheet: the header row, and a notes sheet that explains each
    column, its allowed values and a sample row."""
    book = xlsxwriter.Workbook(stream, {"in_memory": True})
    formats = _formats(book)
    sheet = book.add_worksheet(SHEET_NAME)
    _header(sheet, formats)
    notes = book.add_worksheet(NOTES_SHEET_NAME)
    titles = [
        _("Column"),
        _("Header"),
        _("Required"),
        _("What goes in it"),
        _("Allowed values"),
        _("Example"),
    ]
    notes.write_row(0, 0, titles, formats["header"])
    for width, index in ((6, 0), (16, 1), (8, 2), (60, 3), (40, 4), (20, 5)):
        notes.set_column(index, index, width)
    for row, column in enumerate(COLUMNS, start=1):
        notes.write_string(row, 0, column_letter(row - 1))
        notes.write_string(row, 1, column.header)
        notes.write_string(row, 2, _("yes") if column.required else "")
        notes.write_string(row, 3, str(column.help), formats["wrap"])
        notes.write_string(row, 4, _allowed(column.key) if column.labels else "", formats["wrap"])
        notes.write_string(row, 5, str(column.sample))
    sample_row = len(COLUMNS) + 2
    notes.write_string(
        sample_row,
        0,
        _(
            "A sample row (copy it to the sheet %(sheet)s and change it; the headers there may "
            "also be the English field names):"
        )
        % {"sheet": SHEET_NAME},
    )
    notes.write_row(sample_row + 1, 0, [c.header for c in COLUMNS], formats["header"])
    notes.write_row(sample_row + 2, 0, [c.sample for c in COLUMNS])
    book.close()


def template_xlsx() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The header row as CSV, UTF-8 with a BOM so that Excel reads the Chinese."""
    text = io.StringIO()
    csv.writer(text).writerow([c.header for c in COLUMNS])
    return text.getvalue().encode("utf-8-sig")


# --- residents ----------------------------------------------------------------------------------


@dataclass
class Exported:
    file: IO[bytes]  # positioned at the start
    rows: int
    revealed: int  # rows with the ID number and phone in full


def _cells(resident: Resident, tags: Iterable[str], reveal: bool) -> list[Any]:
    household = resident.household
    house = household.house if household else None
    building = house.building if house else None
    id_number = resident.id_number_mask
    phone = resident.phone_mask
    if reveal:
        id_number = (
            decrypt(resident.id_number_enc, purpose=ID_NUMBER) if resident.id_number_enc else ""
        )
        phone = decrypt(resident.phone_enc, purpose=PHONE) if resident.phone_enc else ""
    values: dict[str, Any] = {
        "grid_code": building.area.code if building else "",
        "estate": building.estate if building else "",
        "building_number": building.number if building else "",
        "building_address": building.address if building else "",
        "floors": building.floors if building else "",
        "entrances": building.entrances if building else "",
        "entrance": house.entrance if house else "",
        "floor": house.floor if house else "",
        "room": house.room if house else "",
        "floor_area": float(house.floor_area) if house and house.floor_area is not None else "",
        "use": label_of("use", house.use) if house else "",
        "household_number": household.external_ref if household else "",
        "relation": label_of("relation", resident.relation),
        "name": resident.name,
        "id_number": id_number,
        "gender": label_of("gender", resident.gender) if resident.gender else "",
        "birth_date": resident.birth_date or "",
        "ethnicity": resident.ethnicity,
        "phone": phone,
        "residency": label_of("residency", resident.residency),
        "workplace": resident.workplace,
        "is_party_member": "是" if resident.is_party_member else "否",
        "care_tags": "、".join(label_of("care_tags", t) for t in sorted(tags)),
    }
    return [values[c.key] for c in COLUMNS]


def export_residents(
    *, actor: Any, residents: QuerySet[Resident], described: ResidentFilter, reveal_reason: str = ""
) -> Exported:
    """Write ``residents`` (already scoped and filtered for ``actor``) to an .xlsx, keeping
    only those where ``actor`` may export; one audit record for the whole export. ID numbers
    and phones are masked unless a reason is given and the actor may reveal them there."""
    scope = scope_of(actor)
    allowed = scope.paths_with(Perm.REGISTER_EXPORT)
    queryset = (
        residents.filter(within("area_path", allowed))
        .select_related("household__house__building__area")
        .order_by("pk")
    )
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_numbers": False})
    formats = _formats(book)
    sheet = book.add_worksheet(SHEET_NAME)
    _header(sheet, formats)
    date_index = next(i for i, c in enumerate(COLUMNS) if c.key == "birth_date")
    rows = revealed = 0
    batch: list[Resident] = []

    def flush() -> None:
        nonlocal rows, revealed
        tags = care_tags_by_resident([r.pk for r in batch], user=actor)
        for resident in batch:
            reveal = bool(reveal_reason) and scope.allows(Perm.PERSONAL_REVEAL, resident.area_path)
            revealed += reveal
            rows += 1
            for index, value in enumerate(_cells(resident, tags.get(resident.pk, ()), reveal)):
                if value == "":
                    continue
                if index == date_index:
                    sheet.write_datetime(rows, index, value, formats["date"])
                elif isinstance(value, str):
                    sheet.write_string(rows, index, value)
                else:
                    sheet.write_number(rows, index, value)
        batch.clear()

    for resident in queryset.iterator(chunk_size=BATCH):
        batch.append(resident)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    book.close()
    output.seek(0)
    audit(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="registry.resident",
        object_repr=_("register export (%(n)d residents)") % {"n": rows},
        area_path=described.area_path,
        reason=reveal_reason[:500],
        changes={
            # an exact ID number or phone searched for stays out of the log, as on the list page
            "filter": {
                k: ("***" if k == "query" and described.is_personal_search else v)
                for k, v in vars(described).items()
                if v not in ("", False, None)
            },
            "rows": rows,
            "revealed": revealed > 0,
            "revealed_rows": revealed,
            "at": timezone.now().isoformat(),
        },
    )
    return Exported(output, rows, revealed)
