"""残疾人证 numbers (20 characters), placeholders, person keys and GB/T 2260 address codes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin_desktop.domain import divisions
from fupin_desktop.domain.idnumber import (
    DISABILITY_CARD,
    ID_CARD,
    PROVINCE_CODES,
    address_warning,
    check_id,
    id_type_for,
    make_disability_number,
    make_id,
    mask_id,
    person_key,
    placeholder_reason,
    same_person_numbers,
)

FAR_FUTURE = date(2199, 12, 31)
ID = make_id("510822", date(1990, 1, 1), 123)  # 青川县, 男
CARD = ID + "42"  # 肢体残疾 二级


def test_valid_disability_number_derives_birth_sex_type_category_grade() -> None:
    result = check_id(CARD)
    assert result.valid, result.error
    assert result.normalized == CARD
    assert result.person_key == ID
    assert result.id_type == DISABILITY_CARD
    assert (result.birth_date, result.sex) == (date(1990, 1, 1), "男")
    assert (result.disability_category, result.disability_grade) == ("肢体残疾", "二级")


def test_disability_number_typed_with_spaces_full_width_and_lower_x() -> None:
    number = make_id("110105", date(1949, 12, 31), 2) + "71"  # ends in X
    assert number[17] == "X"
    noisy = " " + "".join(chr(ord(c) + 0xFEE0) for c in number[:9]) + "\u3000" + number[9:].lower()
    result = check_id(noisy)
    assert result.valid and result.normalized == number and result.sex == "女"


def test_type_follows_length() -> None:
    assert id_type_for(ID) == ID_CARD == check_id(ID).id_type
    assert id_type_for(CARD) == DISABILITY_CARD
    assert id_type_for("510822900101123") == ID_CARD
    assert id_type_for("123") is None


@pytest.mark.parametrize("category", "089")
def test_bad_category_names_the_19th_digit(category: str) -> None:
    result = check_id(ID + category + "2")
    assert not result.valid
    assert result.error.startswith("第19位残疾类别应为1-7")
    assert f"录入的是“{category}”" in result.error and "4肢体残疾" in result.error
    assert result.error_position == 19
    assert result.id_type == DISABILITY_CARD


@pytest.mark.parametrize("grade", "05789")
def test_bad_grade_names_the_20th_digit(grade: str) -> None:
    result = check_id(ID + "4" + grade)
    assert not result.valid
    assert result.error.startswith("第20位残疾等级应为1-4")
    assert f"录入的是“{grade}”" in result.error
    assert result.error_position == 20


def test_bad_check_character_in_disability_number_gives_expected_value() -> None:
    wrong = "3" if ID[17] != "3" else "4"
    result = check_id(ID[:17] + wrong + "42")
    assert not result.valid
    assert result.error == (f"残疾人证号码的前18位是持证人的身份证号码：第18位校验码应为“{ID[17]}”，"
                            f"录入的是“{wrong}”，请核对证件号码")
    assert result.error_position == 18 and result.expected_check == ID[17]


def test_letter_in_category_or_grade() -> None:
    result = check_id(ID + "4X")
    assert result.error_position == 20 and "第20位“X”不是数字" in result.error


def test_fifteen_digits_plus_two_is_not_a_disability_number() -> None:
    result = check_id("510822900101123" + "42")  # 17 characters
    assert not result.valid and "录入了17位" in result.error


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("999999999999999999", "全部是“9”"),
        ("99999999999999999999", "全部是“9”"),
        ("510822199999999999", "连续11个“9”"),
        ("510822999999999999", "连续12个“9”"),
        ("510822000000000000", "连续12个“0”"),
        ("123456789012345678", "顺序数字“123456789”"),
        ("111111111111111111", "全部是“1”"),
        ("510822900101999", None),  # 15 digits, a run of 3 is real
    ],
)
def test_placeholders(number: str, reason: str | None) -> None:
    assert placeholder_reason(number) == reason
    if reason:
        result = check_id(number)
        assert not result.valid and "占位号码" in result.error and reason in result.error


def test_real_numbers_with_long_runs_are_not_placeholders() -> None:
    # Day 29, sequence 999 and a check character 9 give five 9s in a row; 2011-11-11 gives many 1s.
    for seq in range(990, 1000):
        number = make_id("510822", date(1999, 9, 29), seq)
        assert placeholder_reason(number) is None
        assert check_id(number).valid
    assert check_id(make_id("110105", date(2011, 11, 11), 111)).valid


def test_person_key_and_same_person_numbers() -> None:
    assert person_key(CARD) == person_key(ID) == ID
    assert person_key("510822900101123") == make_id("510822", date(1990, 1, 1), 123)
    numbers = same_person_numbers(CARD)
    assert len(numbers) == 29 and numbers[0] == ID and CARD in numbers and ID + "74" in numbers
    assert same_person_numbers("garbage") == ("garbage",)


def test_mask_hides_birth_date_and_disability_digits() -> None:
    assert mask_id(ID) == "510822********" + ID[-4:]
    assert mask_id(CARD) == mask_id(ID)  # a notice does not tell a 残疾人证 by its length
    assert mask_id(CARD.lower() + " ") == mask_id(ID)


def test_address_codes_of_every_edition_are_known() -> None:
    assert divisions.place_name("510822") == "四川省广元市青川县"
    assert divisions.division("511028")[2] == 2017  # 隆昌县 became 隆昌市 (511083): old IDs keep 511028
    assert divisions.division("653228") is not None  # 和康县, 2024
    assert divisions.division("110225") is not None  # 房山县, 1980s
    assert len(divisions.known_codes()) > 7000
    assert address_warning(ID) is None
    assert address_warning(make_id("511028", date(1960, 5, 1), 11)) is None


def test_unknown_address_code_is_a_warning_not_an_error() -> None:
    number = make_id("519999", date(1980, 1, 1), 11)
    result = check_id(number)
    assert result.valid  # never an error
    warning = address_warning(number)
    assert warning and "“519999”" in warning and "GB/T 2260" in warning
    assert address_warning(number + "42") == warning
    assert address_warning("12") is None


# -- properties ---------------------------------------------------------------------------------
addresses = st.builds(lambda province, rest: province + rest, st.sampled_from(sorted(PROVINCE_CODES)),
                      st.text(alphabet="0123456789", min_size=4, max_size=4))
births = st.dates(min_value=date(1900, 1, 1), max_value=FAR_FUTURE)
seqs = st.integers(min_value=0, max_value=999)
categories = st.integers(min_value=1, max_value=7)
grades = st.integers(min_value=1, max_value=4)


@given(addresses, births, seqs, categories, grades)
def test_generated_disability_numbers_are_accepted(address: str, birth: date, seq: int, category: int,
                                                   grade: int) -> None:
    number = make_disability_number(make_id(address, birth, seq), category, grade)
    result = check_id(number, today=FAR_FUTURE)
    assert result.valid, result.error
    assert (result.birth_date, result.sex) == (birth, "男" if seq % 2 else "女")
    assert result.person_key == number[:18] and result.id_type == DISABILITY_CARD
    assert mask_id(number) == number[:6] + "*" * 8 + number[14:18]


@given(addresses, births, seqs, categories, grades, st.integers(min_value=0, max_value=19),
       st.integers(min_value=1, max_value=10))
def test_any_single_character_change_of_a_disability_number_is_caught(
        address: str, birth: date, seq: int, category: int, grade: int, index: int, shift: int) -> None:
    number = make_disability_number(make_id(address, birth, seq), category, grade)
    alphabet = "0123456789X" if index == 17 else "0123456789"
    current = alphabet.index(number[index])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[index]:
        replacement = alphabet[(current + 1) % len(alphabet)]
    mutated = number[:index] + replacement + number[index + 1:]
    if index == 18 and replacement in "1234567" or index == 19 and replacement in "1234":
        # Another category or grade is another valid card of the same person.
        assert check_id(mutated, today=FAR_FUTURE).person_key == number[:18]
        return
    result = check_id(mutated, today=FAR_FUTURE)
    assert not result.valid and result.error and result.error_position is not None
    if index >= 18:
        assert result.error_position == index + 1


@given(st.text(alphabet="0123456789Xx \u3000", max_size=24))
def test_check_id_never_crashes_and_valid_means_derivable(text: str) -> None:
    result = check_id(text, today=FAR_FUTURE)
    if result.valid:
        assert result.birth_date is not None and result.sex in ("男", "女")
        assert result.person_key is not None and len(result.person_key) == 18
        assert len(result.normalized) in (18, 20)
    else:
        assert result.error
