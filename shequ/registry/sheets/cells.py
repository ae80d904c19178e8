"""Turning one cell into a value of its column's kind, or a message saying what is wrong.

Excel gives numbers as floats (a room 101 arrives as 101.0), dates as dates when the cell is
formatted as one and as text when it was typed into a text cell, and an 18-digit ID number
typed into a number cell as a float that has already lost its last digits."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from shequ.registry.sheets.columns import (
    BY_KEY,
    CHOICES,
    FALSE_WORDS,
    TAG_SEPARATORS,
    TRUE_WORDS,
    normalise_header,
)
from shequ.registry.sheets.reader import Cell

_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+\d+")
_WHOLE = re.compile(r"[+-]?\d{1,6}")


class CellError(ValueError):
    """The cell cannot be read as its column's kind; the message says why."""


def text(cell: Cell) -> str:
    """The cell as text, whitespace collapsed as the services do."""
    if isinstance(cell, str):
        return " ".join(cell.split())
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return " ".join(str(cell).split())


def id_text(cell: Cell) -> str:
    """An ID number; a number cell of 16 digits or more has lost digits in Excel already."""
    if isinstance(cell, float | int) and not isinstance(cell, bool) and abs(cell) >= 1e15:
        raise CellError(
            _(
                "Excel stored the ID number as a number and has lost its last digits: format "
                "the column as text and type the number again"
            )
        )
    value = text(cell)
    if _SCIENTIFIC.fullmatch(value):
        raise CellError(
            _(
                "the ID number was saved in scientific notation (%(value)s) and has lost its "
                "last digits: format the column as text and type the number again"
            )
            % {"value": value}
        )
    return value


def whole(cell: Cell) -> int | None:
    if cell == "" or cell is None:
        return None
    if isinstance(cell, bool):
        raise CellError(_("is not a whole number"))
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if cell.is_integer():
            return int(cell)
        raise CellError(_("is not a whole number"))
    value = text(cell)
    if not value:
        return None
    if _WHOLE.fullmatch(value):
        return int(value)
    raise CellError(_("is not a whole number"))


def decimal(cell: Cell) -> Decimal | None:
    if cell == "" or cell is None:
        return None
    if isinstance(cell, bool):
        raise CellError(_("is not a number"))
    value = repr(cell) if isinstance(cell, float) else text(cell)
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise CellError(_("is not a number")) from None
    if not number.is_finite():
        raise CellError(_("is not a number"))
    return number


_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def date(cell: Cell) -> dt.date | None:
    """A real Excel date, or text such as 1990-01-02, 1990/1/2, 1990.1.2, 1990年1月2日,
    19900102 (also a number cell holding 19900102)."""
    if cell == "" or cell is None:
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        value = text(cell)
    elif isinstance(cell, str):
        value = "".join(cell.split())
    else:
        raise CellError(_("is not a date: write it as 1990-01-02"))
    if not value:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(_("%(value)s is not a real date") % {"value": value}) from None
    # "1990-01-02 00:00:00": a date typed with a time of midnight
    head = value[:10]
    if len(value) > 10 and value[10:].strip(" T0:") == "":
        return date(head)
    raise CellError(_("%(value)s is not a date: write it as 1990-01-02") % {"value": value})


def choice(key: str, cell: Cell) -> str:
    """The code value of a choice column, from a Chinese label, an English code or the code
    itself; "" when empty."""
    value = text(cell)
    if not value:
        return ""
    words = CHOICES[key]
    code = words.get(value) or words.get(normalise_header(value))
    if code is None:
        allowed = "、".join(names[0] for names in (BY_KEY[key].labels or {}).values())
        raise CellError(
            _("%(value)s is not one of %(choices)s") % {"value": value, "choices": allowed}
        )
    return code


def flag(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    value = normalise_header(text(cell))
    if not value or value in FALSE_WORDS:
        return False
    if value in TRUE_WORDS:
        return True
    raise CellError(_("write 是 or 否, not %(value)s") % {"value": text(cell)})


def tags(cell: Cell) -> tuple[tuple[str, ...], list[str]]:
    """(the care-tag codes, the words that are no known tag)."""
    found: list[str] = []
    unknown: list[str] = []
    words = CHOICES["care_tags"]
    value = text(cell)
    if not value:
        return (), []
    for part in TAG_SEPARATORS.split(value):
        if not part:
            continue
        code = words.get(part) or words.get(normalise_header(part))
        if code is None:
            unknown.append(part)
        else:
            found.append(code)
    return tuple(dict.fromkeys(found)), unknown
