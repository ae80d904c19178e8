"""Reading a large .xlsx sheet a row at a time, in bounded memory (decision 0013).

python-calamine (0.9, the pinned version) parses the whole sheet into memory before the first
row: about 1.8 KB a row of the register, 1.9 GB for a million rows. This reader inflates the
sheet's XML from the zip a megabyte at a time and turns each ``<row>`` into the same Python
values calamine gives (text, floats, booleans, dates as ``date``/``datetime``/``time``/
``timedelta`` by the cell's number format, "" for an error or an empty cell), keeping only
the shared strings (compactly: UTF-8 in one buffer) and the set of date styles.

Most cells are read with one regular expression that accepts only the plain forms Excel,
LibreOffice and xlsxwriter write (``<c r="B2" s="1" t="s"><v>7</v></c>``); a row holding
anything else (a formula, rich text, other attributes) is parsed with ElementTree instead,
so nothing is read by guesswork. Formulas are noted as they come (``formulas``), merged
regions when the sheet's end is reached (``merged``)."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from array import array
from collections.abc import Iterator
from typing import IO, Any
from xml.etree import ElementTree as ET

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_M = "{" + _NS_MAIN + "}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_CELL = re.compile(
    r'<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    r"(?:/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>)?</c>)"
)
_ROW_NUMBER = re.compile(r'<row\b[^>]*?\br="([0-9]+)"')
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
_MERGE = re.compile(r'<mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
_SI = re.compile(r"<si>(?:<t>([^<]*)</t>|<t xml:space=\"preserve\">([^<]*)</t>)</si>")
_NAMESPACES = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')
# number formats: quoted text, [colour] and the like, escaped and padding characters
_FORMAT_NOISE = re.compile(r'"[^"]*"|\[(?![hms]+\])[^\]]*\]|\\.|_.|\*.', re.IGNORECASE)
_BUILTIN_DATES = frozenset((*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)))
_DURATION = "duration"
_DATE = "date"
# a sheet's dates are naive: the day and time written, in no time zone
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # noqa: DTZ001
_EPOCH_1904 = dt.datetime(1904, 1, 1)  # noqa: DTZ001
_MB = 1 << 20


def column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _text(value: str) -> str:
    return html.unescape(value) if "&" in value else value


class SharedStrings:
    """The workbook's shared strings, as UTF-8 in one buffer: a million rows of the register
    hold a few million distinct strings, which as Python strings would take ~250 MB."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._data += text.encode()
        self._ends.append(len(self._data))

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode()

    def __len__(self) -> int:
        return len(self._ends)


def _is_date_format(code: str) -> str:
    cleaned = _FORMAT_NOISE.sub("", code).lower()
    if re.search(r"\[[hms]+\]", cleaned):
        return _DURATION
    return _DATE if any(c in cleaned for c in "ymdhs") else ""


class XlsxReader:
    """One worksheet of an .xlsx, its rows read as they are inflated."""

    def __init__(self, source: str | IO[bytes]) -> None:
        self.archive = zipfile.ZipFile(source)
        names = set(self.archive.namelist())
        workbook = ET.fromstring(self.archive.read("xl/workbook.xml"))  # noqa: S314
        rels = ET.fromstring(self.archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
        targets = {
            r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")
        }
        types = {r.get("Id"): r.get("Type", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
        self.parts: dict[str, str] = {}  # sheet name -> part
        for sheet in workbook.iter(f"{_M}sheet"):
            target = targets.get(sheet.get(f"{_NS_REL}id"), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part in names and part.startswith("xl/worksheets/"):
                self.parts[sheet.get("name", "")] = part
        properties = workbook.find(f"{_M}workbookPr")
        self.epoch = (
            _EPOCH_1904
            if properties is not None and properties.get("date1904") in ("1", "true")
            else _EPOCH_1900
        )
        self.sheet_names = list(self.parts)
        self.strings = SharedStrings()
        self.styles: dict[int, str] = {}  # style index -> _DATE or _DURATION
        for rel_id, kind in types.items():
            target = targets[rel_id]
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part not in names:
                continue
            if kind.endswith("/sharedStrings"):
                self._load_strings(part)
            elif kind.endswith("/styles"):
                self._load_styles(part)
        self.formulas: dict[int, set[int]] = {}
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def close(self) -> None:
        self.archive.close()

    def plain(self, name: str) -> bool:
        """Whether the sheet's elements are written without a prefix (``<row>``, not
        ``<x:row>``), as this reader expects."""
        with self.archive.open(self.parts[name]) as stream:
            head = stream.read(1 << 16)
        return b"<sheetData" in head

    # --- the workbook's parts ------------------------------------------------------------------

    def _load_strings(self, part: str) -> None:
        strings = self.strings
        with self.archive.open(part) as stream:
            tail = b""
            while chunk := stream.read(_MB):
                data = tail + chunk
                cut = data.rfind(b"</si>") + 5  # never inside a character: </si> is ASCII
                if cut < 5:
                    tail = data
                    continue
                body, tail = data[:cut].decode(), data[cut:]
                for piece in body.split("</si>")[:-1]:
                    start = piece.find("<si")
                    item = piece[start:] + "</si>"
                    match = _SI.fullmatch(item)
                    if match:
                        value = match.group(1)
                        strings.append(_text(value if value is not None else match.group(2)))
                    else:
                        strings.append(_rich(item))

    def _load_styles(self, part: str) -> None:
        root = ET.fromstring(self.archive.read(part))  # noqa: S314
        custom = {
            int(f.get("numFmtId", "0")): _is_date_format(f.get("formatCode", ""))
            for f in root.iter(f"{_M}numFmt")
        }
        xfs = root.find(f"{_M}cellXfs")
        for index, xf in enumerate(xfs if xfs is not None else ()):
            number = int(xf.get("numFmtId", "0"))
            kind = custom.get(number) or (_DATE if number in _BUILTIN_DATES else "")
            if number in (46,):
                kind = _DURATION
            if kind:
                self.styles[index] = kind

    # --- rows --------------------------------------------------------------------------------

    def rows(self, name: str) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cells from column A) for every row from the first to the last with
        a value; the rows between without one come as []."""
        part = self.parts[name]
        last = 0
        wrapper = ""
        with self.archive.open(part) as stream:
            tail = b""
            while True:
                chunk = stream.read(_MB)
                data = tail + chunk
                cut = data.rfind(b"</row>") + 6 if chunk else len(data)
                if cut < 6:
                    tail = data
                    continue
                body, tail = data[:cut].decode(), data[cut:]
                if not wrapper:
                    wrapper = _wrapper(body)
                pieces = body.split("</row>")
                end = pieces.pop()  # after the last row: the sheet's end, or nothing
                for piece in pieces:
                    start = piece.rfind("<row")
                    number_match = _ROW_NUMBER.match(piece, start)
                    number = int(number_match.group(1)) if number_match else last + 1
                    cells = self._cells(piece, start, number, wrapper)
                    if cells is None:
                        continue  # no value in it
                    while last and last + 1 < number:  # blank rows after the first
                        last += 1
                        yield last, []
                    last = number
                    yield number, cells
                if not chunk:
                    self.merged = [
                        ((r1 - 1, column_index(c1)), (r2 - 1, column_index(c2)))
                        for c1, r1, c2, r2 in (
                            (*_split(a), *_split(b)) for a, b in _MERGE.findall(end)
                        )
                    ]
                    return

    def _cells(self, piece: str, start: int, number: int, wrapper: str) -> list[Any] | None:
        found = _CELL.findall(piece, start)
        if len(found) != piece.count("<c ", start) + piece.count("<c>", start):
            return self._cells_parsed(piece[start:] + "</row>", number, wrapper)
        cells: list[Any] = []
        styles = self.styles
        for letters, style, kind, value, inline in found:
            if kind == "inlineStr":
                cell: Any = _text(inline)
            elif not value:
                continue
            elif not kind or kind == "n":
                cell = float(value)
                if style and int(style) in styles:
                    cell = self._date(cell, styles[int(style)])
            elif kind == "s":
                cell = self.strings[int(value)]
            elif kind == "b":
                cell = value == "1"
            elif kind == "e":
                continue
            else:  # "str", "d"
                cell = _text(value)
            index = column_index(letters)
            width = len(cells)
            if index > width:
                cells.extend([""] * (index - width))
            cells.append(cell)
        return cells if any(c != "" for c in cells) else None

    def _cells_parsed(self, xml: str, number: int, wrapper: str) -> list[Any] | None:
        """A row with more than the plain forms, parsed as XML."""
        row = ET.fromstring(wrapper.replace("ROW", xml))[0]  # noqa: S314
        cells: list[Any] = []
        position = -1
        for c in row.iter(f"{_M}c"):
            ref = _CELL_REF.fullmatch(c.get("r", ""))
            position = column_index(ref.group(1)) if ref else position + 1
            if c.find(f"{_M}f") is not None:
                self.formulas.setdefault(number, set()).add(position)
            kind = c.get("t", "n")
            v = c.find(f"{_M}v")
            raw = (v.text or "") if v is not None else ""
            cell: Any
            if kind == "inlineStr":
                inline = c.find(f"{_M}is")
                cell = _element_text(inline) if inline is not None else ""
            elif not raw or kind == "e":
                cell = ""
            elif kind == "n":
                cell = float(raw)
                style = int(c.get("s", "0"))
                if style in self.styles:
                    cell = self._date(cell, self.styles[style])
            elif kind == "s":
                cell = self.strings[int(raw)]
            elif kind == "b":
                cell = raw == "1"
            else:
                cell = raw
            width = len(cells)
            if position > width:
                cells.extend([""] * (position - width))
            if position < width:
                cells[position] = cell
            else:
                cells.append(cell)
        return cells if any(c != "" for c in cells) else None

    def _date(self, serial: float, kind: str) -> Any:
        """A date-formatted number as calamine gives it."""
        if kind == _DURATION:
            return dt.timedelta(days=serial)
        days = serial
        if self.epoch is _EPOCH_1900 and 1 <= serial < 60:
            days += 1
        moment = self.epoch + dt.timedelta(days=days)
        moment = moment.replace(microsecond=0) + dt.timedelta(
            seconds=round(moment.microsecond / 1e6)
        )
        if 0 <= serial < 1:
            return moment.time()
        if moment.time() == dt.time():
            return moment.date()
        return moment


def _split(ref: str) -> tuple[str, int]:
    match = _CELL_REF.fullmatch(ref)
    assert match is not None
    return match.group(1), int(match.group(2))


def _wrapper(body: str) -> str:
    """An element declaring the worksheet's namespaces, to parse one row with."""
    start = body.find("<worksheet")
    head = body[start : body.find(">", start)] if start >= 0 else ""
    declared = "".join(_NAMESPACES.findall(head)) or f' xmlns="{_NS_MAIN}"'
    return f"<rows{declared}>ROW</rows>"


def _element_text(element: ET.Element) -> str:
    """The text of a string item: its <t>, or its runs' <t>, without the phonetic runs."""
    parts = [t.text or "" for t in element.findall(f"{_M}t")]
    parts += [t.text or "" for r in element.findall(f"{_M}r") for t in r.findall(f"{_M}t")]
    return "".join(parts)


def _rich(item: str) -> str:
    element = ET.fromstring(item.replace("<si", f'<si xmlns="{_NS_MAIN}"', 1))  # noqa: S314
    return _element_text(element)
