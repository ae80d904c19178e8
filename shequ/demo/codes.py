"""Where a street falls in the numbering: the city, the districts (the real Chenggong, then
fictional ones), how many streets each holds, and the district and code of street ``index``.
Also what every stage of the generator shares: the default seed, the random streams and the
error."""

from __future__ import annotations

import random
from typing import Final

DEFAULT_SEED: Final = 2026

CITY_CODE, CITY_NAME = "530100", "昆明市"
# The real Chenggong district, then fictional districts for city-scale runs.
DISTRICTS: Final[tuple[tuple[str, str], ...]] = (
    ("530114", "呈贡区"),
    ("530190", "滇池新区"),
    ("530191", "金马新区"),
    ("530192", "碧鸡新区"),
    ("530193", "松华新区"),
    ("530194", "宝象新区"),
    ("530195", "梁王新区"),
    ("530196", "白沙新区"),
    ("530197", "海源新区"),
    ("530198", "果林新区"),
    ("530199", "云岭新区"),
)
FIRST_STREET_NO: Final = 90  # 530114090: far above Chenggong's real township codes
_CAPACITY_FIRST = 1000 - FIRST_STREET_NO
_CAPACITY_OTHER = 999
MAX_SCALE: Final = _CAPACITY_FIRST + _CAPACITY_OTHER * (len(DISTRICTS) - 1)


class DemoSeedError(Exception):
    """The demo cannot be seeded as planned (a username is taken, a plan is inconsistent)."""


def _rng(seed: int, scope: int | str, purpose: str) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs, platforms and PYTHONHASHSEED.
    return random.Random(f"shequ-demo/{seed}/{scope}/{purpose}")


def _district_capacity(district: int) -> int:
    return _CAPACITY_FIRST if district == 0 else _CAPACITY_OTHER


def street_slot(index: int) -> tuple[int, int]:
    """(district index, position in the district) of the street with this index."""
    if not 0 <= index < MAX_SCALE:
        msg = f"street index {index} is outside 0…{MAX_SCALE - 1}"
        raise ValueError(msg)
    if index < _CAPACITY_FIRST:
        return 0, index
    rest = index - _CAPACITY_FIRST
    return 1 + rest // _CAPACITY_OTHER, rest % _CAPACITY_OTHER


def street_code(index: int) -> str:
    district, position = street_slot(index)
    number = FIRST_STREET_NO + position if district == 0 else position + 1
    return f"{DISTRICTS[district][0]}{number:03d}"


def _streets_in_district(district: int, scale: int) -> int:
    before = sum(_district_capacity(d) for d in range(district))
    return max(0, min(_district_capacity(district), scale - before))
