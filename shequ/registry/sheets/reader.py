"""Reading an uploaded register sheet: what the file really is (its first bytes, not its
name), its header row, and its rows one at a time.

.xlsx and .xls are read with python-calamine (which gives a formula's cached value, and the
merged regions); .csv with the csv module, in UTF-8 (with or without a BOM) or GB18030, as
many Chinese offices save it. Problems with the file as a whole raise ``FileProblem`` with
every message found; problems with a row are the checker's."""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any
from xml.etree import ElementTree as ET

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from shequ.registry.sheets.columns import (
    COLUMNS,
    HEADERS,
    NOTES_SHEET_NAME,
    SHEET_NAME,
    Column,
    column_letter,
    normalise_header,
)
from shequ.registry.sheets.xlsx import XlsxReader

MAX_BYTES = 50 * 1024 * 1024
EXTENSIONS = (".xlsx", ".xls", ".csv")
HEADER_SEARCH_ROWS = 10  # a title row or two above the headers is common
MAX_LISTED = 10  # merged regions, unknown headers … named in one message
# An .xlsx whose sheet XML is larger is read a row at a time (``xlsx``) rather than by
# calamine, which holds the whole sheet in memory (~1.7 bytes for each byte of the XML).
STREAM_ABOVE = 128 * 1024 * 1024

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<f[\s>/]')
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class FileProblem(Exception):  # noqa: N818 - a verdict on the file, shown as is
    """The file cannot be imported at all; ``messages`` says every reason found."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def sniff(stream: IO[bytes], name: str, size: int) -> str:
    """The kind of file ("xlsx", "xls" or "csv") judged by its content, or FileProblem.
    Cheap: the first bytes and, for a zip, its table of contents."""
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in EXTENSIONS:
        raise FileProblem(
            [
                _("%(name)s is not an .xlsx, .xls or .csv file: save the sheet in one of these")
                % {"name": name}
            ]
        )
    if size > MAX_BYTES:
        raise FileProblem(
            [
                _(
                    "the file is %(size)s MB; the limit is %(limit)s MB: split the sheet into "
                    "several files (by grid, for example)"
                )
                % {"size": _mb(size), "limit": _mb(MAX_BYTES)}
            ]
        )
    if size == 0:
        raise FileProblem([_("the file is empty")])
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(_ZIP):
        try:
            names = set(zipfile.ZipFile(stream).namelist())
        except zipfile.BadZipFile:
            raise FileProblem(
                [_("the file is damaged (an incomplete zip archive): save it again from Excel")]
            ) from None
        finally:
            stream.seek(0)
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            raise FileProblem(
                [
                    _(
                        "this is a Word document (.docx) with another name, not an Excel "
                        "workbook: copy the table into Excel and save it as .xlsx"
                    )
                ]
            )
        raise FileProblem(
            [_("this is a zip archive but not an Excel workbook: save the sheet as .xlsx")]
        )
    if head.startswith(_OLE2):
        return "xls"  # calamine says so if it is really an old Word file
    if suffix == ".csv":
        return "csv"
    raise FileProblem(
        [
            _(
                "the file is not an Excel workbook, whatever its name says: open it in Excel "
                "and save it as .xlsx"
            )
        ]
    )


@dataclass
class Sheet:
    """An opened sheet: its header row found, its rows still to come."""

    kind: str
    header_row: int  # as Excel numbers it
    columns: dict[str, int]  # column key -> index in each row list
    labels: dict[str, str]  # column key -> "O 身份证号", for messages
    formulas: dict[int, set[int]] = field(default_factory=dict)  # row -> indexes
    warnings: list[str] = field(default_factory=list)
    _rows: Iterator[tuple[int, list[Cell]]] = field(default_factory=lambda: iter(()))
    _closers: list[Any] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number as Excel shows it, cells) for each row under the header."""
        return self._rows

    def label(self, key: str) -> str:
        if key in self.labels:
            return self.labels[key]
        from shequ.registry.sheets.columns import BY_KEY  # noqa: PLC0415

        column = BY_KEY.get(key)
        return column.header if column else ""

    def close(self) -> None:
        for closer in self._closers:
            with contextlib.suppress(Exception):  # closing is best effort
                closer()
        self._closers.clear()


def open_sheet(path_or_stream: str | IO[bytes], kind: str) -> Sheet:
    """Open the register sheet of a file ``sniff`` accepted; FileProblem if it cannot be."""
    if kind == "csv":
        stream = (
            open(path_or_stream, "rb")  # noqa: SIM115 - closed by Sheet.close
            if isinstance(path_or_stream, str)
            else path_or_stream
        )
        return _open_csv(stream)
    return _open_workbook(path_or_stream, kind)


# --- workbooks ---------------------------------------------------------------------------------


def _open_workbook(source: str | IO[bytes], kind: str) -> Sheet:
    if kind == "xlsx":
        streamed = _open_streaming(source)
        if streamed is not None:
            return streamed
    try:
        if isinstance(source, str):
            book = CalamineWorkbook.from_path(source)
        else:
            source.seek(0)
            book = CalamineWorkbook.from_filelike(source)
    except Exception:
        raise FileProblem(
            [
                _(
                    "the file cannot be read as an Excel workbook (it may be another kind of "
                    "Office file, damaged, or protected with a password): open it in Excel and "
                    "save it as .xlsx"
                )
            ]
        ) from None
    names = book.sheet_names
    worksheets = [
        m.name for m in book.sheets_metadata if str(m.typ).endswith("WorkSheet") and m.name
    ] or names
    name = (
        SHEET_NAME
        if SHEET_NAME in names
        else next(
            (n for n in worksheets if n != NOTES_SHEET_NAME), worksheets[0] if worksheets else ""
        )
    )
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception:
        raise FileProblem([_("the workbook has no sheet to read")]) from None
    start = sheet.start
    if start is None or sheet.height == 0:
        raise FileProblem([_("the sheet %(name)s is empty") % {"name": name}])
    first_row, first_col = start
    rows: Iterator[tuple[int, list[Cell]]] = (
        (first_row + i + 1, cells) for i, cells in enumerate(sheet.iter_rows())
    )
    opened = _with_header(kind, rows, first_col)
    opened._closers.append(book.close)
    problems = _merged_problems(sheet.merged_cell_ranges or [], opened.header_row)
    if problems:
        opened.close()
        raise FileProblem(problems)
    if kind == "xlsx":
        opened.formulas = _formula_cells(source, name, first_col)
        if opened.formulas:
            opened.warnings.append(_formula_warning(opened.formulas))
    return opened


def _sheet_name(names: list[str]) -> str:
    """The sheet to read: the one named like the template's, else the first but the notes."""
    if SHEET_NAME in names:
        return SHEET_NAME
    return next((n for n in names if n != NOTES_SHEET_NAME), names[0] if names else "")


def _open_streaming(source: str | IO[bytes]) -> Sheet | None:
    """A large .xlsx read a row at a time (``xlsx``); None for a sheet calamine reads (one
    whose XML is under ``STREAM_ABOVE``, or that the streaming reader cannot read)."""
    try:
        archive = zipfile.ZipFile(source)
        name = _sheet_name([n for n in _sheet_names(archive) if _sheet_part(archive, n)])
        part = _sheet_part(archive, name) if name else None
        size = archive.getinfo(part).file_size if part else 0
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        return None
    finally:
        if not isinstance(source, str):
            source.seek(0)
    if size <= STREAM_ABOVE:
        return None
    try:
        book = XlsxReader(source)
        if name not in book.parts or not book.plain(name):
            book.close()
            return None
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError):
        return None
    holder: list[Sheet] = []

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        yield from book.rows(name)
        # merged regions and the formulas' count are known at the sheet's end
        opened = holder[0]
        problems = _merged_problems(book.merged, opened.header_row)
        if problems:
            raise FileProblem(problems)
        if book.formulas:
            opened.warnings.append(_formula_warning(book.formulas))

    opened = _with_header("xlsx", rows(), 0)
    holder.append(opened)
    opened.formulas = book.formulas  # filled in as the rows are read
    opened._closers.append(book.close)
    return opened


def _formula_warning(formulas: dict[int, set[int]]) -> str:
    count = sum(len(c) for c in formulas.values())
    return _(
        "%(n)d cells hold formulas: their calculated values are imported, as Excel last saved them"
    ) % {"n": count}


def _sheet_names(archive: zipfile.ZipFile) -> list[str]:
    book = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    return [s.get("name", "") for s in book.iter(f"{_NS_MAIN}sheet")]


def _merged_problems(
    ranges: list[tuple[tuple[int, int], tuple[int, int]]], header: int
) -> list[str]:
    """Merged cells from the header row down (a merged title above it does no harm):
    calamine gives the value to the top-left cell only, so the others would read as empty."""
    found = sorted(r for r in ranges if r[1][0] + 1 >= header)
    messages = [
        _("merged cells %(range)s in rows %(first)d–%(last)d: unmerge them and fill in every cell")
        % {
            "range": f"{column_letter(a[1])}{a[0] + 1}:{column_letter(b[1])}{b[0] + 1}",
            "first": a[0] + 1,
            "last": b[0] + 1,
        }
        for a, b in found[:MAX_LISTED]
    ]
    if len(found) > MAX_LISTED:
        messages.append(_("and %(n)d more merged regions") % {"n": len(found) - MAX_LISTED})
    return messages


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The path of the worksheet called ``name`` inside an .xlsx."""
    try:
        book = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    except (KeyError, ET.ParseError):
        return None
    rel_id = next(
        (s.get(f"{_NS_REL}id") for s in book.iter(f"{_NS_MAIN}sheet") if s.get("name") == name),
        None,
    )
    target = next(
        (r.get("Target") for r in rels.iter(f"{_NS_PKG_REL}Relationship") if r.get("Id") == rel_id),
        None,
    )
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _formula_cells(source: str | IO[bytes], name: str, first_col: int) -> dict[int, set[int]]:
    """Which cells hold a formula (row -> row-list indexes). calamine reads only the cached
    values, so the sheet's XML is scanned for <f> elements, streaming, a megabyte at a time;
    a chunk without "<f" is skipped with a plain byte search."""
    found: dict[int, set[int]] = {}
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        return found
    with archive:
        part = _sheet_part(archive, name)
        if part is None or part not in archive.namelist():
            return found
        with archive.open(part) as xml:
            tail = b""
            while chunk := xml.read(1 << 20):
                data = tail + chunk
                if b"<f" in data:
                    # a match cut by the chunk boundary is found again in the next round
                    for match in _FORMULA_CELL.finditer(data):
                        row = int(match.group(2))
                        col = _column_index(match.group(1).decode()) - first_col
                        found.setdefault(row, set()).add(col)
                tail = data[-512:]
    if not isinstance(source, str):
        source.seek(0)
    return found


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


# --- CSV -----------------------------------------------------------------------------------------


def _encoding(stream: IO[bytes]) -> str:
    """UTF-8 (BOM or not) if every byte decodes as UTF-8, else GB18030 (a superset of GBK,
    which Excel uses for CSV on Chinese Windows). Checked a megabyte at a time."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)
    return "utf-8-sig"


def _open_csv(stream: IO[bytes]) -> Sheet:
    encoding = _encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="replace")
    try:
        sample = text.read(64 * 1024)
        text.seek(0)
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
        text.seek(0)
    reader = csv.reader(text, dialect)
    rows: Iterator[tuple[int, list[Cell]]] = (
        (i, list(cells)) for i, cells in enumerate(reader, start=1)
    )
    opened = _with_header("csv", rows, 0)
    opened._closers.append(text.close)
    return opened


# --- the header row ------------------------------------------------------------------------------


def _known(cells: list[Cell]) -> int:
    return sum(1 for c in cells if normalise_header(c) in HEADERS)


def _with_header(kind: str, rows: Iterator[tuple[int, list[Cell]]], first_col: int) -> Sheet:
    """Find the header row among the first rows, match the headers to the columns and say
    everything wrong with them at once."""
    seen: list[tuple[int, list[Cell]]] = []
    header: tuple[int, list[Cell]] | None = None
    for number, cells in rows:
        seen.append((number, cells))
        if _known(cells) >= 3:
            header = (number, cells)
            break
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        non_blank = [s for s in seen if any(str(c).strip() for c in s[1])]
        if not non_blank:
            raise FileProblem([_("the sheet is empty")])
        header = non_blank[0]
    number, cells = header
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    twice: list[str] = []
    for index, cell in enumerate(cells):
        text = " ".join(str(cell).split())
        if not text:
            continue
        letter = column_letter(first_col + index)
        column: Column | None = HEADERS.get(normalise_header(text))
        if column is None:
            unknown.append(f"{letter} {text}")
        elif column.key in columns:
            twice.append(f"{letter} {text}")
        else:
            columns[column.key] = index
            labels[column.key] = f"{letter} {column.header}"
    problems: list[str] = []
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        problems.append(
            _("row %(row)d: these columns are missing: %(names)s")
            % {"row": number, "names": "、".join(missing)}
        )
    if unknown:
        problems.append(
            _(
                "row %(row)d: these columns are not register columns: %(names)s — use the "
                "headers of the template (or remove the columns)"
            )
            % {"row": number, "names": "、".join(unknown[:MAX_LISTED])}
        )
    if twice:
        problems.append(
            _("row %(row)d: these columns appear twice: %(names)s")
            % {"row": number, "names": "、".join(twice)}
        )
    if problems:
        raise FileProblem(problems)
    return Sheet(kind=kind, header_row=number, columns=columns, labels=labels, _rows=rows)
