"""Area codes: GB/T 2260 for cities and districts, the 12-digit statistical code for
streets and communities, then 3 digits for a grid and 2 for a subgrid."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.areas.models import CODE_LENGTH, Level


def code_problem(
    level: int, code: str, parent_level: int | None, parent_code: str | None
) -> str | None:
    """What is wrong with ``code`` for an area of ``level`` under the given parent, or None."""
    expected = CODE_LENGTH.get(level)
    if expected is None:
        return _("unknown level %(level)s") % {"level": level}
    if not code.isascii() or not code.isdigit() or len(code) != expected:
        return _("must be %(n)d digits for a %(level)s") % {
            "n": expected,
            "level": Level(level).label,
        }
    if level == Level.CITY and not code.endswith("00"):
        return _("a city code (GB/T 2260) ends in 00")
    if level == Level.DISTRICT and code.endswith("00"):
        return _("a district code (GB/T 2260) does not end in 00")
    own_digits = code[CODE_LENGTH[level - 1] :] if level > Level.DISTRICT else ""
    if own_digits and set(own_digits) == {"0"}:
        return _("the last digits of a code below the district cannot all be zero")
    if parent_code is None or parent_level is None:
        return None
    if parent_level != level - 1:
        return _("a %(level)s belongs directly to a %(parent)s") % {
            "level": Level(level).label,
            "parent": Level(level - 1).label,
        }
    prefix = _parent_prefix(parent_level, parent_code)
    if not code.startswith(prefix):
        return _("must start with its parent's code %(prefix)s") % {"prefix": prefix}
    return None


def _parent_prefix(parent_level: int, parent_code: str) -> str:
    if parent_level == Level.CITY:
        # Districts of a municipality (110000) share two digits with it; of a prefecture-level
        # city (530100), four.
        return parent_code[:2] if parent_code.endswith("0000") else parent_code[:4]
    return parent_code
