"""Resident ID numbers (GB 11643), phone numbers and unified social credit codes (GB 32100)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from shequ.core.validators import (
    check_id_number,
    check_phone,
    check_uscc,
    id_check_character,
    normalise_id_number,
    normalise_phone,
    valid_test_id_number,
)

TODAY = dt.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The assertions read the English source text, whatever the catalogue says."""
    with translation.override("en"):
        yield


# --- ID numbers ---------------------------------------------------------------------------


VALID_IDS = [
    "11010519491231002X",  # the GB 11643 example
    "360426199101010071",  # python-stdnum's example
    valid_test_id_number("530102", dt.date(1990, 1, 1), 123),
    valid_test_id_number("440305", dt.date(2000, 2, 29), 2),
    valid_test_id_number("110101", dt.date(1900, 1, 1), 999),
    valid_test_id_number("530102", TODAY, 0),
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers(number: str) -> None:
    check = check_id_number(number, today=TODAY)
    assert check.errors == []
    assert check.warnings == []
    assert check.ok
    assert check.value == number
    assert check.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def test_birth_date_and_gender() -> None:
    woman = check_id_number("11010519491231002X")
    assert woman.birth_date == dt.date(1949, 12, 31)
    assert woman.gender == "female"  # 17th digit 2
    man = check_id_number(valid_test_id_number("530102", dt.date(1985, 7, 4), 13))
    assert man.birth_date == dt.date(1985, 7, 4)
    assert man.gender == "male"  # 17th digit 3


def test_wrong_check_character_names_the_right_one() -> None:
    check = check_id_number("110105194912310025")
    assert check.errors == ["the check character should be X, not 5"]
    assert not check.ok


def test_lowercase_x_and_spaces_are_accepted_and_normalised() -> None:
    check = check_id_number("110105 19491231 002x")
    assert check.ok
    assert check.value == "11010519491231002X"
    assert normalise_id_number("110105-19491231-002x") == "11010519491231002X"
    assert check_id_number("１１０１０５１９４９１２３１００２ｘ").value == "11010519491231002X"


def test_impossible_birth_date() -> None:
    first17 = "53010219900230123"
    number = first17 + id_check_character(first17)
    check = check_id_number(number, today=TODAY)
    assert check.errors == ["the birth date 1990-02-30 is not a real date"]
    assert check.birth_date is None


def test_future_birth_date() -> None:
    number = valid_test_id_number("530102", TODAY + dt.timedelta(days=1), 123)
    check = check_id_number(number, today=TODAY)
    assert check.errors == ["the birth date 2025-06-02 is in the future"]
    assert check.birth_date is None


def test_birth_before_1900() -> None:
    number = valid_test_id_number("530102", dt.date(1899, 12, 31), 123)
    assert check_id_number(number).errors == ["the birth date 1899-12-31 is before 1900"]


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("11010519491231002", "an ID number has 18 characters, not 17"),
        ("110105491231002", "an ID number has 18 characters, not 15"),  # first generation
        ("11010519491231002XX", "an ID number has 18 characters, not 19"),
        ("1101051949123100X2", "an ID number is 17 digits followed by a digit or X"),
        ("11010519491231002Y", "an ID number is 17 digits followed by a digit or X"),
        ("", "enter an ID number"),
    ],
)
def test_malformed_id_numbers(number: str, error: str) -> None:
    check = check_id_number(number)
    assert check.errors == [error]
    assert check.birth_date is None
    assert check.gender is None


def test_unknown_region_is_a_warning_not_an_error() -> None:
    number = valid_test_id_number("990000", dt.date(1990, 1, 1), 123)
    check = check_id_number(number, today=TODAY)
    assert check.errors == []
    assert check.warnings == ["the region code 990000 is not a known region"]
    assert check.birth_date == dt.date(1990, 1, 1)


def test_retired_region_code_is_still_known() -> None:
    # 330103 (Hangzhou's former 下城区) was merged away in 2021; people keep their numbers.
    check = check_id_number(valid_test_id_number("330103", dt.date(1980, 5, 5), 11))
    assert check.ok
    assert check.warnings == []


def test_all_errors_of_a_row_are_reported_together() -> None:
    check = check_id_number("110105199002300021", today=TODAY)
    assert check.errors == [
        "the check character should be 8, not 1",
        "the birth date 1990-02-30 is not a real date",
    ]


def test_valid_test_id_number_refuses_bad_parts() -> None:
    with pytest.raises(ValueError, match="region"):
        valid_test_id_number("5301", dt.date(1990, 1, 1), 1)
    with pytest.raises(ValueError, match="sequence"):
        valid_test_id_number("530102", dt.date(1990, 1, 1), 1000)


regions = st.from_regex(r"[0-9]{6}", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@settings(deadline=None)
@given(region=regions, birth=births, sequence=sequences)
def test_generated_numbers_always_pass(region: str, birth: dt.date, sequence: int) -> None:
    number = valid_test_id_number(region, birth, sequence)
    check = check_id_number(number, today=TODAY)
    assert check.errors == []
    assert check.value == number
    assert check.birth_date == birth
    assert check.gender == ("male" if sequence % 2 else "female")


@settings(deadline=None)
@given(
    region=regions,
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=16),
    shift=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_breaks_the_checksum(
    region: str, birth: dt.date, sequence: int, position: int, shift: int
) -> None:
    number = valid_test_id_number(region, birth, sequence)
    changed = str((int(number[position]) + shift) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    check = check_id_number(typo, today=TODAY)
    assert not check.ok
    assert f"the check character should be {id_check_character(typo[:17])}, not {number[17]}" in (
        check.errors
    )


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value", "kind"),
    [
        ("13812345678", "13812345678", "mobile"),
        ("+86 138 1234 5678", "13812345678", "mobile"),
        ("0086-138-1234-5678", "13812345678", "mobile"),
        ("008613812345678", "13812345678", "mobile"),
        ("１３８ １２３４ ５６７８", "13812345678", "mobile"),
        ("19912345678", "19912345678", "mobile"),
        ("0871-65551234", "0871-65551234", "landline"),
        ("087165551234", "0871-65551234", "landline"),
        ("(0871) 6555 1234", "0871-65551234", "landline"),
        ("0871-6555-1234", "0871-65551234", "landline"),
        ("+86 871 6555 1234", "0871-65551234", "landline"),
        ("010-12345678", "010-12345678", "landline"),
        ("01012345678", "010-12345678", "landline"),
        ("+86 10 1234 5678", "010-12345678", "landline"),
        ("021-1234567", "021-1234567", "landline"),
        ("0871-65551234-123", "0871-65551234-123", "landline"),
        ("0871-65551234转123", "0871-65551234-123", "landline"),
        ("0871 6555 1234 转 8", "0871-65551234-8", "landline"),
    ],
)
def test_valid_phones(typed: str, value: str, kind: str) -> None:
    check = check_phone(typed)
    assert check.errors == []
    assert check.ok
    assert (check.value, check.kind) == (value, kind)
    assert normalise_phone(typed) == value
    assert check_phone(value).value == value  # the written form is stable


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12812345678", "a mobile number starts with 13 to 19, not 12"),
        ("1381234567", "a mobile number has 11 digits, not 10"),
        ("138123456789", "a mobile number has 11 digits, not 12"),
        ("13812345678转1", "a mobile number has no extension"),
        ("0871-6555", "the number after the area code 0871 has 7 or 8 digits, not 4"),
        ("0871-655512345", "the number after the area code 0871 has 7 or 8 digits, not 9"),
        ("0101-2345678", "the area code should be 3 digits, not 0101"),
        ("087-165551234", "the area code should be 4 digits, not 087"),
        ("65551234", "a landline number starts with an area code such as 010 or 0871"),
        ("00871-65551234", "a landline number starts with an area code such as 010 or 0871"),
        ("0871-65551234-12转3", "give one extension, after - or 转"),
        ("0871-65551234转1234567", "an extension after 转 is 1 to 6 digits"),
        ("138 1234 abcd", "a phone number has only digits, spaces and dashes"),
        ("  ", "enter a phone number"),
    ],
)
def test_invalid_phones(typed: str, error: str) -> None:
    check = check_phone(typed)
    assert check.errors == [error]
    assert check.kind is None


# --- unified social credit codes ----------------------------------------------------------


def test_known_valid_uscc() -> None:
    check = check_uscc("91110000600037341L")
    assert check.errors == []
    assert check.ok
    assert check.value == "91110000600037341L"
    assert check_uscc(" 9111 0000 6000 3734 1l ").value == "91110000600037341L"
    assert check_uscc("9111 0000 6000 3734 1l").ok


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize("position", range(18))
def test_any_changed_character_fails(position: int) -> None:
    code = "91110000600037341L"
    allowed = "0123456789" if 2 <= position < 8 else ALPHABET
    replacement = allowed[(allowed.index(code[position]) + 1) % len(allowed)]
    check = check_uscc(code[:position] + replacement + code[position + 1 :])
    assert not check.ok
    assert check.errors[0].startswith("the check character should be ")


def test_letters_allowed_in_the_first_two_places() -> None:
    # Rural collective economic organisations register with authority code N.
    first17 = "N2530102MA1234567"
    code = first17 + uscc.calc_check_digit(first17)
    assert check_uscc(code).ok


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("", "enter a unified social credit code"),
        ("91110000600037341", "a unified social credit code has 18 characters, not 17"),
        ("9111000060003734IL", "a unified social credit code is 18 digits and capital letters"),
        ("911A0000600037341L", "a unified social credit code is 18 digits and capital letters"),
    ],
)
def test_malformed_uscc(code: str, error: str) -> None:
    check = check_uscc(code)
    assert len(check.errors) == 1
    assert check.errors[0].startswith(error)
