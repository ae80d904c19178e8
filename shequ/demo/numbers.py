"""Numbers for the register that must be unique in the whole city: ID numbers, mobile phones
and unified social credit codes. Each is a pure function of the street index and a counter
kept by that street, so a street's numbers never depend on how many streets are generated,
and no two streets can ever give the same number.

ID numbers (GB 11643: region, birth date, 3-digit sequence, check character)
    Every block of ``STREETS_PER_REGION`` streets has its own region code (the demo street
    and its next 249 neighbours: 530114 呈贡区; then other real codes of Yunnan, so that every
    number passes ``check_id_number`` without even a warning). Within a region, a birth date
    and a sex have 500 sequences (odd for men, even for women); street ``i`` owns
    ``SLOTS_PER_STREET`` slots of them, ``i % STREETS_PER_REGION`` apart, and a bijection of
    the 500 slots, different for every day, turns a slot into a sequence (so that the numbers
    do not all end alike). When a street's slots are taken on a day, the birth date moves by a
    day or two (nobody notices, and the resident's birth date follows the number, as the
    services would have it).
Phones
    ``PHONES_PER_STREET`` numbers per street: the global number ``street * PHONES_PER_STREET
    + n`` is spread over the 8 last digits by an invertible affine map and over the 3-digit
    prefix by what is left, so the numbers look random but are distinct.
Unified social credit codes (GB 32100)
    ``92`` (individual business) or ``91`` (company), the street's district code, a 9-character
    organisation code (8 digits from the global unit number, as the phones, and its GB 11714
    check character) and the MOD 31 check character.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from stdnum.cn import uscc

from shequ.core.validators import valid_test_id_number
from shequ.demo.codes import MAX_SCALE, DemoSeedError

# Real county-level codes of Yunnan, current (python-stdnum knows each as a county): Kunming
# with Chenggong first, then Qujing, Yuxi, Baoshan and Zhaotong.
ID_REGIONS: Final = (
    "530114",
    *("530102", "530103", "530111", "530112", "530113", "530115", "530124", "530125"),
    *("530126", "530127", "530128", "530129", "530181"),
    *("530302", "530303", "530304", "530322", "530323", "530324", "530325", "530326", "530381"),
    *("530402", "530403", "530423", "530424", "530425", "530426", "530427", "530428", "530481"),
    *("530502", "530521", "530523", "530524", "530581"),
    *("530602", "530621", "530622", "530623", "530624", "530625", "530626", "530627", "530628"),
    *("530629", "530681"),
)
STREETS_PER_REGION: Final = 250
SLOTS_PER_STREET: Final = 500 // STREETS_PER_REGION  # per birth date and sex
_MAX_SHIFT = 400  # days a birth date may move to find a free sequence

MOBILE_PREFIXES: Final = (
    *("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152"),
    *("153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178"),
    *("180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"),
)
PHONES_PER_STREET: Final = 100_000
UNITS_PER_STREET: Final = 5_000
_LOW = 10**8
_PHONE_MUL, _PHONE_ADD = 48_271_617, 20_260_101  # the multiplier is prime to 10^8
_UNIT_MUL, _UNIT_ADD = 69_069_013, 38_274_651
_SLOT_MUL = 263  # prime to 500: slot -> sequence is a bijection on each day
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class IdNumbers:
    """The ID numbers of one street: ``issue(birth, male)`` gives a new valid number for a
    person born on or near ``birth`` (never on or after ``latest``)."""

    def __init__(self, street_index: int, latest: dt.date) -> None:
        block, self.residue = divmod(street_index, STREETS_PER_REGION)
        if block >= len(ID_REGIONS):
            msg = f"street index {street_index}: no region code left for its ID numbers"
            raise DemoSeedError(msg)
        self.region = ID_REGIONS[block]
        self.latest = latest
        self._used: dict[tuple[int, bool], int] = {}

    def issue(self, birth: dt.date, male: bool) -> str:
        day = birth.toordinal()
        last = self.latest.toordinal() - 1
        for step in range(2 * _MAX_SHIFT + 1):
            shift = (step + 1) // 2 * (1 if step % 2 else -1)  # 0, +1, -1, +2, -2 …
            candidate = day + shift
            if candidate > last:
                continue
            key = (candidate, male)
            taken = self._used.get(key, 0)
            if taken < SLOTS_PER_STREET:
                self._used[key] = taken + 1
                slot = self.residue + STREETS_PER_REGION * taken  # 0 … 499
                sequence = (slot * _SLOT_MUL + candidate * 37) % 500
                return valid_test_id_number(
                    self.region, dt.date.fromordinal(candidate), 2 * sequence + (1 if male else 0)
                )
        msg = f"no free ID number near {birth} for street {self.residue}"
        raise DemoSeedError(msg)


def mobile_phone(street_index: int, n: int) -> str:
    """The ``n``-th mobile number of the street (0 ≤ n < PHONES_PER_STREET)."""
    if not 0 <= n < PHONES_PER_STREET:
        msg = f"street {street_index} needs more than {PHONES_PER_STREET} phone numbers"
        raise DemoSeedError(msg)
    high, low = divmod(street_index * PHONES_PER_STREET + n, _LOW)
    body = (low * _PHONE_MUL + _PHONE_ADD) % _LOW
    prefix = MOBILE_PREFIXES[(high + body // 7) % len(MOBILE_PREFIXES)]
    return f"{prefix}{body:08d}"


def organisation_code(body: str) -> str:
    """An 8-character organisation code body with its GB 11714 check character."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(street_index: int, n: int, region: str, *, business: bool) -> str:
    """The ``n``-th unified social credit code of the street (0 ≤ n < UNITS_PER_STREET):
    an individual business (92…) or a company (91…) registered in ``region``."""
    if not 0 <= n < UNITS_PER_STREET:
        msg = f"street {street_index} needs more than {UNITS_PER_STREET} credit codes"
        raise DemoSeedError(msg)
    number = street_index * UNITS_PER_STREET + n
    body = f"{(number * _UNIT_MUL + _UNIT_ADD) % _LOW:08d}"
    first17 = ("92" if business else "91") + region + organisation_code(body)
    return first17 + uscc.calc_check_digit(first17)


# Every street of the largest city has ID numbers, phones and credit codes of its own.
if len(ID_REGIONS) * STREETS_PER_REGION < MAX_SCALE or MAX_SCALE * UNITS_PER_STREET > _LOW:
    msg = "the register's numbers do not cover MAX_SCALE streets"
    raise DemoSeedError(msg)
if _LOW * len(MOBILE_PREFIXES) < MAX_SCALE * PHONES_PER_STREET:
    msg = "the register's phone numbers do not cover MAX_SCALE streets"
    raise DemoSeedError(msg)
