"""Checks for resident ID numbers, phone numbers and unified social credit codes.

Each check returns a result holding the normalised value and *all* the problems found,
rather than raising, so an importer can report every error in a spreadsheet row at once.
Errors mean the value must not be saved; warnings are shown but do not block.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import uscc

__all__ = [
    "IdCheck",
    "PhoneCheck",
    "UsccCheck",
    "check_id_number",
    "check_phone",
    "check_uscc",
    "id_check_character",
    "normalise_id_number",
    "normalise_phone",
    "valid_test_id_number",
]

Gender = Literal["male", "female"]
PhoneKind = Literal["mobile", "landline"]

# GB 11643-1999: weight of position i (0-based, left to right) is 2^(17-i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum) mod 11
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


# --- ID numbers (居民身份证号码) -------------------------------------------------------------


@dataclass
class IdCheck:
    value: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    birth_date: dt.date | None = None
    gender: Gender | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


_ID_SEPARATORS = re.compile(r"[\s\-]")


def normalise_id_number(value: str) -> str:
    """An ID number as stored and indexed: full-width characters to ASCII (NFKC), no
    whitespace or dashes, upper-case X."""
    if value.isascii() and value.isalnum():  # the usual case: NFKC and the rest change nothing
        return value.upper()
    text = unicodedata.normalize("NFKC", value)
    return _ID_SEPARATORS.sub("", text).upper()


def id_check_character(first17: str) -> str:
    """The GB 11643 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != len(_ID_WEIGHTS):
        msg = f"17 digits expected, not {len(first17)}"
        raise ValueError(msg)
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK_CHARACTERS[total % 11]


@functools.lru_cache(maxsize=8192)
def _region_known(code: str) -> bool:
    # stdnum's table answers with the province alone for an unknown county code. Cached:
    # an import repeats a few region codes thousands of times.
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def check_id_number(value: str, *, today: dt.date | None = None) -> IdCheck:
    """Check an 18-character resident ID number (GB 11643).

    Errors: wrong length or characters, a wrong check character, a birth date that is not a
    real date, in the future or before 1900. A region code unknown to python-stdnum's table
    is only a warning: a person keeps the number issued under a code that may since have
    been retired or renamed, and the table is not complete.

    ``today`` defaults to the local date (Asia/Shanghai); an importer checking many rows
    passes it once, which also keeps a whole import on one date.
    """
    number = normalise_id_number(value)
    result = IdCheck(value=number)
    if not number:
        result.errors.append(_("enter an ID number"))
        return result
    if len(number) != 18:
        result.errors.append(
            _("an ID number has 18 characters, not %(count)d") % {"count": len(number)}
        )
        return result
    if not (number[:17].isascii() and number[:17].isdigit() and number[17] in "0123456789X"):
        result.errors.append(_("an ID number is 17 digits followed by a digit or X"))
        return result

    expected = id_check_character(number[:17])
    if number[17] != expected:
        result.errors.append(
            _("the check character should be %(expected)s, not %(actual)s")
            % {"expected": expected, "actual": number[17]}
        )

    digits = number[6:14]
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        written = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
        result.errors.append(_("the birth date %(date)s is not a real date") % {"date": written})
    else:
        if birth > (today or timezone.localdate()):
            result.errors.append(
                _("the birth date %(date)s is in the future") % {"date": birth.isoformat()}
            )
        elif birth < _EARLIEST_BIRTH:
            result.errors.append(
                _("the birth date %(date)s is before 1900") % {"date": birth.isoformat()}
            )
        else:
            result.birth_date = birth

    result.gender = "male" if int(number[16]) % 2 else "female"
    if not _region_known(number[:6]):
        result.warnings.append(
            _("the region code %(code)s is not a known region") % {"code": number[:6]}
        )
    return result


def valid_test_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """An ID number with a correct check character, for the demo generator and tests.

    ``region`` is the 6-digit region code, ``sequence`` 0-999 (odd for men, even for women).
    """
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        msg = f"region must be 6 digits, not {region!r}"
        raise ValueError(msg)
    if not 0 <= sequence <= 999:
        msg = f"sequence must be 0-999, not {sequence}"
        raise ValueError(msg)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


# --- phone numbers --------------------------------------------------------------------------


@dataclass
class PhoneCheck:
    value: str
    kind: PhoneKind | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_SPACING = re.compile(r"[\s().]")
_DASHES = re.compile(r"-+")
_PHONE_CHARACTERS = re.compile(r"[0-9-]+")
_MOBILE_START = re.compile(r"1[3-9]")
_AREA_START = re.compile(r"0[1-9]")


def _area_code_length(digits: str) -> int:
    """Beijing (010) and the 02x cities have 3-digit area codes; every other is 4 digits."""
    return 3 if digits[1] in "12" else 4


def _strip_phone(value: str) -> tuple[str, bool]:
    """NFKC, no whitespace, brackets or dots, one dash at most between parts, and no
    +86 / 0086; the flag says whether a country code was removed."""
    if value.isascii() and value.isdigit() and not value.startswith("0086"):
        return value, False  # the usual case: nothing to strip
    text = unicodedata.normalize("NFKC", value)
    text = _PHONE_SPACING.sub("", text)
    text = _DASHES.sub("-", text).strip("-")
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix) :].lstrip("-"), True
    return text, False


def check_phone(value: str) -> PhoneCheck:
    """Check a mainland phone number and give it one written form.

    Mobile: 11 digits starting 13-19, written ``13812345678``. Landline: area code (0 and 2-3
    digits) and 7-8 digits, optionally an extension after ``-`` or ``转``, written
    ``0871-65551234`` or ``0871-65551234-123``. A leading +86 / 0086 is dropped (and the
    trunk 0 that the international form leaves out is put back).
    """
    text, international = _strip_phone(value)
    result = PhoneCheck(value=text)
    if not text:
        result.errors.append(_("enter a phone number"))
        return result
    main, sep, ext = text.partition("转")
    if sep and not (ext.isascii() and ext.isdigit() and len(ext) <= 6):
        result.errors.append(_("an extension after 转 is 1 to 6 digits"))
        return result
    if not _PHONE_CHARACTERS.fullmatch(main):
        result.errors.append(_("a phone number has only digits, spaces and dashes"))
        return result
    if international and not main.startswith("0") and not _MOBILE_START.match(main):
        # The international form leaves out the trunk 0: +86 871 …, +86 10 … (Beijing).
        main = "0" + main

    if main.startswith("1"):
        digits = main.replace("-", "")
        if sep:
            result.errors.append(_("a mobile number has no extension"))
        elif not digits.isdigit() or len(digits) != 11:
            result.errors.append(
                _("a mobile number has 11 digits, not %(count)d") % {"count": len(digits)}
            )
        elif not _MOBILE.fullmatch(digits):
            result.errors.append(
                _("a mobile number starts with 13 to 19, not %(start)s") % {"start": digits[:2]}
            )
        else:
            result.value, result.kind = digits, "mobile"
        return result

    if not _AREA_START.match(main):
        result.errors.append(_("a landline number starts with an area code such as 010 or 0871"))
        return result
    area_length = _area_code_length(main)
    groups = main.split("-")
    if len(groups[0]) in {3, 4}:  # the area code typed apart: 0871-65551234
        area, rest = groups[0], groups[1:]
        if len(area) != area_length:
            result.errors.append(
                _("the area code should be %(count)d digits, not %(area)s")
                % {"count": area_length, "area": area}
            )
            return result
    else:  # run together (087165551234), or in brackets: (0871)65551234
        area, rest = groups[0][:area_length], [groups[0][area_length:], *groups[1:]]
    # A last group is an extension when what comes before it is already a whole number;
    # otherwise the dashes only split the number itself (6555-1234).
    dash_ext = ""
    if len(rest) > 1 and 7 <= len("".join(rest[:-1])) <= 8 and len(rest[-1]) <= 6:
        dash_ext = rest.pop()
    number = "".join(rest)
    if not 7 <= len(number) <= 8:
        result.errors.append(
            _("the number after the area code %(area)s has 7 or 8 digits, not %(count)d")
            % {"area": area, "count": len(number)}
        )
        return result
    if dash_ext and sep:
        result.errors.append(_("give one extension, after - or 转"))
        return result
    extension = dash_ext or ext
    result.value = f"{area}-{number}" + (f"-{extension}" if extension else "")
    result.kind = "landline"
    return result


def normalise_phone(value: str) -> str:
    """A phone number as stored and indexed: the written form :func:`check_phone` gives
    (``13812345678``, ``0871-65551234``), however it was typed -- with spaces, dashes, +86 or
    0086. A number that fails the check comes back with spaces, brackets and a country code
    removed, so even a bad number indexes the same each time."""
    checked = check_phone(value)
    return checked.value


# --- unified social credit codes (统一社会信用代码) --------------------------------------------


@dataclass
class UsccCheck:
    value: str
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


def check_uscc(value: str) -> UsccCheck:
    """Check an 18-character unified social credit code (GB 32100), including its MOD 31
    check character (computed by python-stdnum).

    The first two characters (registering authority, entity type) may be letters, as in
    the N codes of rural collective economic organisations; ``stdnum.cn.uscc.validate``
    wants digits there, so only its check-character function is used.
    """
    code = uscc.compact(unicodedata.normalize("NFKC", value))
    result = UsccCheck(value=code)
    if not code:
        result.errors.append(_("enter a unified social credit code"))
    elif len(code) != 18:
        result.errors.append(
            _("a unified social credit code has 18 characters, not %(count)d")
            % {"count": len(code)}
        )
    elif (
        any(c not in _USCC_ALPHABET for c in code)
        or not code[2:8].isascii()
        or not code[2:8].isdigit()
    ):
        result.errors.append(
            _(
                "a unified social credit code is 18 digits and capital letters (not I, O, S, V "
                "or Z), with a 6-digit region code in places 3 to 8"
            )
        )
    else:
        expected = uscc.calc_check_digit(code[:17])
        if code[17] != expected:
            result.errors.append(
                _("the check character should be %(expected)s, not %(actual)s")
                % {"expected": expected, "actual": code[17]}
            )
    return result
