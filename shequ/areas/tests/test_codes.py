from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequ.areas.codes import code_problem
from shequ.areas.models import CODE_LENGTH, Level


@pytest.mark.parametrize(
    ("level", "code", "parent_level", "parent_code"),
    [
        (Level.CITY, "530100", None, None),
        (Level.DISTRICT, "530114", Level.CITY, "530100"),
        (Level.DISTRICT, "110105", Level.CITY, "110000"),  # a municipality's district
        (Level.STREET, "530114001", Level.DISTRICT, "530114"),
        (Level.COMMUNITY, "530114001001", Level.STREET, "530114001"),
        (Level.GRID, "530114001001001", Level.COMMUNITY, "530114001001"),
        (Level.SUBGRID, "53011400100100101", Level.GRID, "530114001001001"),
        (Level.STREET, "530114001", None, None),  # a street can be the root of a deployment
    ],
)
def test_good_codes(
    level: int, code: str, parent_level: int | None, parent_code: str | None
) -> None:
    assert code_problem(level, code, parent_level, parent_code) is None


@pytest.mark.parametrize(
    ("level", "code", "parent_level", "parent_code", "says"),
    [
        (Level.CITY, "530114", None, None, "00"),
        (Level.DISTRICT, "530100", Level.CITY, "530100", "00"),
        (Level.DISTRICT, "530214", Level.CITY, "530100", "530100"[:4]),
        (Level.STREET, "53011400", Level.DISTRICT, "530114", "9"),
        (Level.COMMUNITY, "530114002001", Level.STREET, "530114001", "530114001"),
        (Level.GRID, "530114001001000", Level.COMMUNITY, "530114001001", "zero"),
        (Level.GRID, "53011400100100a", Level.COMMUNITY, "530114001001", "15"),
        (
            Level.GRID,
            "５３０１１４００１００１００１",
            Level.COMMUNITY,
            "530114001001",
            "15",
        ),  # full-width digits
        (Level.SUBGRID, "53011400100100101", Level.COMMUNITY, "530114001001", "directly"),
    ],
)
def test_bad_codes_say_why(
    level: int, code: str, parent_level: int | None, parent_code: str | None, says: str
) -> None:
    problem = code_problem(level, code, parent_level, parent_code)
    assert problem is not None
    assert says in problem


@given(st.sampled_from([Level.STREET, Level.COMMUNITY, Level.GRID, Level.SUBGRID]), st.data())
def test_a_child_code_is_its_parents_plus_own_digits(level: Level, data: st.DataObject) -> None:
    parent_length = CODE_LENGTH[level - 1]
    own_length = CODE_LENGTH[level] - parent_length
    parent_code = data.draw(st.from_regex(rf"\A[1-9][0-9]{{{parent_length - 1}}}\Z"))
    own = data.draw(st.from_regex(rf"\A[0-9]{{{own_length}}}\Z"))
    problem = code_problem(level, parent_code + own, level - 1, parent_code)
    if set(own) == {"0"}:
        assert problem is not None
    else:
        assert problem is None
    other_parent = str(int(parent_code) + 1).rjust(parent_length, "0")[:parent_length]
    if other_parent != parent_code and len(other_parent) == parent_length:
        assert code_problem(level, other_parent + own, level - 1, parent_code) is not None
