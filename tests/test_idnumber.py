"""Tests for fupin_desktop.domain.idnumber (GB 11643-1999 resident ID numbers)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin_desktop.domain.idnumber import (
    PROVINCE_CODES,
    IdCheck,
    check_char,
    check_id,
    is_valid_id,
    make_id,
    mask_id,
    normalize_id,
    upgrade_15,
)

TODAY = date(2024, 6, 1)
# The worked example of GB 11643-1999 (北京市朝阳区, 1949-12-31, 女).
STANDARD_EXAMPLE = "11010519491231002X"


def reference_check_char(first17: str) -> str:
    """Independent check character: weight of position i (1-based) is 2**(18 - i) mod 11."""
    total = sum(int(d) * pow(2, 18 - i, 11) for i, d in enumerate(first17, start=1))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def reference_id(first17: str) -> str:
    return first17 + reference_check_char(first17)


# ---------------------------------------------------------------- valid numbers


@pytest.mark.parametrize(
    "number",
    [
        STANDARD_EXAMPLE,
        reference_id("51082219900101123"),
        reference_id("65010120000229002"),  # leap day
        reference_id("91000019000101001"),  # 外国人永久居留, earliest allowed year
        reference_id("83000020240601002"),  # born "today"
    ],
)
def test_valid_numbers(number: str) -> None:
    result = check_id(number, today=TODAY)
    assert result == IdCheck(
        input=number,
        valid=True,
        normalized=number,
        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        sex="男" if int(number[16]) % 2 else "女",
        error=None,
        error_position=None,
        expected_check=None,
        upgraded=False,
        id_type="居民身份证",
        person_key=number,
    )
    assert is_valid_id(number)


def test_standard_example_details() -> None:
    result = check_id(STANDARD_EXAMPLE)
    assert result.valid
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"


def test_reference_check_char_matches_standard_example() -> None:
    assert reference_check_char(STANDARD_EXAMPLE[:17]) == "X"


def test_lowercase_x() -> None:
    result = check_id("11010519491231002x")
    assert result.valid
    assert result.normalized == STANDARD_EXAMPLE
    assert result.input == "11010519491231002x"


def test_fullwidth_digits_and_x() -> None:
    text = "１１０１０５１９４９１２３１００２Ｘ"
    result = check_id(text)
    assert result.valid
    assert result.normalized == STANDARD_EXAMPLE
    assert result.input == text
    assert check_id("１１０１０５１９４９１２３１００２ｘ").normalized == STANDARD_EXAMPLE


def test_spaces_and_zero_width_characters() -> None:
    text = " 110105\u30001949 1231\u200b002\u200c\u200dx\ufeff\t"
    result = check_id(text)
    assert result.valid
    assert result.normalized == STANDARD_EXAMPLE


def test_normalize_id_does_not_validate() -> None:
    assert normalize_id(" １２３ x\u200b") == "123X"
    assert normalize_id("abc") == "abc"
    assert normalize_id("") == ""


# ---------------------------------------------------------------- 15-digit upgrade


def test_upgrade_15() -> None:
    assert upgrade_15("110105491231002") == STANDARD_EXAMPLE
    assert upgrade_15("510822900101123") == reference_id("51082219900101123")


@pytest.mark.parametrize("bad", ["11010549123100", "11010549123100X", "1101054912310021"])
def test_upgrade_15_rejects_non_15_digit_input(bad: str) -> None:
    with pytest.raises(ValueError, match="15 digits"):
        upgrade_15(bad)


def test_15_digit_number_is_upgraded_and_valid() -> None:
    result = check_id("110105 491231 002")
    assert result.valid
    assert result.upgraded
    assert result.normalized == STANDARD_EXAMPLE
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"
    assert result.error is None


def test_18_digit_number_is_not_flagged_upgraded() -> None:
    assert check_id(STANDARD_EXAMPLE).upgraded is False


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("text", ["", "   ", "\u3000\u200b", "\ufeff"])
def test_empty(text: str) -> None:
    result = check_id(text)
    assert not result.valid
    assert "证件号码为空" in result.error
    assert result.normalized == ""
    assert result.error_position is None
    assert result.birth_date is None and result.sex is None


@pytest.mark.parametrize("count", [1, 14, 16, 17, 19, 21])
def test_wrong_length(count: int) -> None:
    text = ("1101051949123100" * 2)[:count]
    result = check_id(text)
    assert not result.valid
    assert f"录入了{count}位" in result.error
    assert "18位" in result.error and "15位" in result.error
    assert result.normalized == ""
    assert result.error_position is None


def test_wrong_length_counts_after_normalisation() -> None:
    result = check_id("1101 0519 4912 3100 2")  # 17 digits plus spaces
    assert "录入了17位" in result.error


@pytest.mark.parametrize(
    ("text", "position", "char"),
    [
        ("A1010519491231002X", 1, "A"),
        ("1101O519491231002X", 5, "O"),
        ("110105194912310o2X", 16, "o"),
        ("11010519491231002-", 18, "-"),
        ("110105194912-1002X", 13, "-"),
        ("11010519491231002中", 18, "中"),
    ],
)
def test_non_digit_position(text: str, position: int, char: str) -> None:
    result = check_id(text)
    assert not result.valid
    assert result.error_position == position
    assert f"第{position}位" in result.error
    assert f"“{char}”" in result.error
    assert "不是数字" in result.error
    assert result.normalized == text  # 18 characters, kept for display


def test_non_digit_reports_first_offender() -> None:
    result = check_id("11A1051949B231002X")
    assert result.error_position == 3
    assert "“A”" in result.error


def test_x_only_allowed_last() -> None:
    result = check_id("1101051949123100X2")
    assert not result.valid
    assert result.error_position == 17
    assert "第17位" in result.error
    assert "第18位" in result.error  # tells the clerk where X belongs
    assert "X" in result.error


def test_x_not_allowed_in_15_digit_number() -> None:
    result = check_id("11010549123100X")
    assert not result.valid
    assert result.error_position == 15
    assert "15位" in result.error
    assert result.normalized == ""
    assert not result.upgraded


def test_non_digit_position_counts_normalised_characters() -> None:
    result = check_id("110105 1949 1231 OO2X")
    assert result.error_position == 15
    assert "“O”" in result.error


def test_invisible_characters_are_dropped_and_other_odd_ones_shown_readably() -> None:
    number = reference_id("11010519491231002")
    pasted = number[:14] + "\x00\u202e" + number[14:] + "\U000e0041"
    assert check_id(pasted).valid and check_id(pasted).normalized == number
    result = check_id("11010519491231\u037802X")  # an unassigned code point is no control character
    assert result.error_position == 15
    assert "U+0378" in result.error


@pytest.mark.parametrize(
    "province",
    [f"{n:02d}" for n in (0, 10, 16, 20, 24, 30, 38, 40, 47, 49, 55, 60, 66, 70, 72, 80, 84, 90, 92, 99)],
)
def test_bad_province_code(province: str) -> None:
    number = reference_id(province + "010519491231002")
    result = check_id(number)
    assert not result.valid
    assert f"“{province}”" in result.error
    assert "省份代码" in result.error
    assert result.error_position == 1
    assert result.expected_check is None


def test_province_code_list() -> None:
    expected = {str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))}
    expected |= {str(n) for n in (*range(50, 55), *range(61, 66), 71, 81, 82, 83, 91)}
    assert expected == PROVINCE_CODES


def test_bad_province_code_in_15_digit_number() -> None:
    result = check_id("990105491231002")
    assert not result.valid
    assert result.error_position == 1
    assert "“99”" in result.error


@pytest.mark.parametrize(
    ("date_part", "position", "shown"),
    [
        ("19491331", 11, "1949年13月31日"),
        ("19490015", 11, "1949年00月15日"),
        ("19490230", 13, "1949年02月30日"),
        ("19490229", 13, "1949年02月29日"),  # 1949 is not a leap year
        ("19000229", 13, "1900年02月29日"),  # 1900 is not a leap year either
        ("19490431", 13, "1949年04月31日"),
        ("19490100", 13, "1949年01月00日"),
    ],
)
def test_birth_date_not_a_real_date(date_part: str, position: int, shown: str) -> None:
    number = reference_id("110105" + date_part + "002")
    result = check_id(number, today=TODAY)
    assert not result.valid
    assert "不是有效日期" in result.error
    assert f"“{shown}”" in result.error
    assert "第7-14位" in result.error
    assert result.error_position == position
    assert result.birth_date is None


def test_birth_date_not_a_real_date_in_15_digit_number() -> None:
    result = check_id("110105491301002")
    assert not result.valid
    assert "“1949年13月01日”" in result.error
    assert "第7-12位" in result.error
    assert result.error_position == 9
    assert result.upgraded  # the digits could be upgraded; the date is still wrong


def test_birth_date_in_future() -> None:
    number = reference_id("11010520240602002")
    result = check_id(number, today=TODAY)
    assert not result.valid
    assert "“2024年06月02日”" in result.error
    assert "晚于今天" in result.error
    assert "2024年06月01日" in result.error
    assert result.error_position == 7
    assert check_id(number, today=date(2024, 6, 2)).valid


def test_future_default_today_is_real_today() -> None:
    future = date.today() + timedelta(days=1)
    number = make_id("110105", future, 2)
    assert "晚于今天" in check_id(number).error
    assert not is_valid_id(number)


@pytest.mark.parametrize("date_part", ["18991231", "18000101", "00000101", "00000229"])
def test_birth_date_before_1900(date_part: str) -> None:
    number = reference_id("110105" + date_part + "002")
    result = check_id(number, today=TODAY)
    assert not result.valid
    assert "早于1900年" in result.error
    assert f"“{date_part[:4]}年{date_part[4:6]}月{date_part[6:]}日”" in result.error
    assert result.error_position == 7


def test_standard_second_example_is_before_1900() -> None:
    # GB 11643-1999's other example (广东, 1880) has a correct check character,
    # but this program only accepts birth years from 1900.
    result = check_id("440524188001010014")
    assert result.error is not None and "早于1900年" in result.error
    assert "校验码" not in result.error


def test_wrong_check_character() -> None:
    result = check_id("110105194912310021")
    assert not result.valid
    assert result.error == "第18位校验码应为“X”，录入的是“1”，请核对证件号码"
    assert result.error_position == 18
    assert result.expected_check == "X"
    assert result.normalized == "110105194912310021"
    assert result.birth_date is None and result.sex is None


def test_wrong_check_character_x_typed() -> None:
    good = reference_id("51082219900101123")
    assert good[-1] != "X"
    result = check_id(good[:17] + "x")
    assert result.error == f"第18位校验码应为“{good[-1]}”，录入的是“X”，请核对证件号码"
    assert result.expected_check == good[-1]


def test_expected_check_only_set_for_check_errors() -> None:
    for text in [
        "",
        "123",
        "A1010519491231002X",
        reference_id("00010519491231002"),
        reference_id("11010519491331002"),
    ]:
        assert check_id(text, today=TODAY).expected_check is None


def test_checks_run_in_order() -> None:
    # Bad province, bad date and bad check char at once: the province is reported first.
    result = check_id("001105194913310020")
    assert "省份代码" in result.error
    # Bad date and bad check char: the date is reported.
    result = check_id("110105194913310020")
    assert "不是有效日期" in result.error


def test_none_is_treated_as_empty() -> None:
    result = check_id(None)  # type: ignore[arg-type]
    assert not result.valid
    assert "证件号码为空" in result.error
    assert result.input == ""


# ---------------------------------------------------------------- sex and birth date


@pytest.mark.parametrize(
    ("seq", "sex"), [(1, "男"), (2, "女"), (0, "女"), (999, "男"), (10, "女"), (123, "男")]
)
def test_sex_from_sequence_parity(seq: int, sex: str) -> None:
    number = reference_id(f"51082219900101{seq:03d}")
    result = check_id(number, today=TODAY)
    assert result.valid
    assert result.sex == sex
    assert result.birth_date == date(1990, 1, 1)


def test_sex_from_15_digit_number() -> None:
    assert check_id("510822900101123").sex == "男"
    assert check_id("510822900101124").sex == "女"


# ---------------------------------------------------------------- check_char


def test_check_char_known_values() -> None:
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


def test_check_char_covers_every_result() -> None:
    seen = {check_char(f"11010519900101{seq:03d}") for seq in range(200)}
    assert seen == set("0123456789X")


@pytest.mark.parametrize(
    "bad",
    ["", "1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１００２"],
)
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        check_char(bad)


# ---------------------------------------------------------------- mask_id


def test_mask_id() -> None:
    assert mask_id("510822199001011234") == "510822********1234"
    assert mask_id(STANDARD_EXAMPLE) == "110105********002X"
    assert mask_id("11010519491231002x") == "110105********002X"
    assert mask_id(" 110105 1949 1231 002X ") == "110105********002X"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("", ""),
        ("12345", "*****"),
        ("110105491231002", "*" * 15),  # old numbers are not partly shown
        ("张三", "**"),
        ("11010519491231002XX", "*" * 19),
        ("1101051949123100X2", "*" * 18),
        ("A1010519491231002X", "*" * 18),
    ],
)
def test_mask_id_garbage(text: str, masked: str) -> None:
    assert mask_id(text) == masked


# ---------------------------------------------------------------- make_id


def test_make_id() -> None:
    assert make_id("110105", date(1949, 12, 31), 2) == STANDARD_EXAMPLE
    assert make_id("510822", date(1990, 1, 1), 7) == reference_id("51082219900101007")


@pytest.mark.parametrize(
    ("address", "birth", "seq"),
    [
        ("11010", date(1990, 1, 1), 1),
        ("1101055", date(1990, 1, 1), 1),
        ("11010A", date(1990, 1, 1), 1),
        ("001105", date(1990, 1, 1), 1),
        ("110105", date(1899, 12, 31), 1),
        ("110105", date(1990, 1, 1), -1),
        ("110105", date(1990, 1, 1), 1000),
        ("110105", date(1990, 1, 1), True),
    ],
)
def test_make_id_rejects_impossible_parts(address: str, birth: date, seq: int) -> None:
    with pytest.raises(ValueError):
        make_id(address, birth, seq)


FAR_FUTURE = date(2199, 12, 31)
addresses = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    # A person's address code is a county's (xxyyzz, zz != 00 or a city's own 市辖区 codes): never a
    # province's xx0000, which with a 1900 birth in a 15-digit number would read as a placeholder run.
    st.text(alphabet="0123456789", min_size=4, max_size=4).filter(lambda rest: rest != "0000"),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=FAR_FUTURE)
seqs = st.integers(min_value=0, max_value=999)


@given(addresses, births, seqs)
def test_make_id_round_trip(address: str, birth: date, seq: int) -> None:
    number = make_id(address, birth, seq)
    assert len(number) == 18
    assert number[-1] == reference_check_char(number[:17])
    result = check_id(number, today=FAR_FUTURE)
    assert result.valid, result.error
    assert result.normalized == number
    assert result.birth_date == birth
    assert result.sex == ("男" if seq % 2 else "女")
    assert not result.upgraded
    assert mask_id(number) == number[:6] + "********" + number[-4:]


indexes = st.integers(min_value=0, max_value=17)
shifts = st.integers(min_value=1, max_value=10)


@given(addresses, births, seqs, indexes, shifts)
def test_changing_one_character_invalidates(
    address: str, birth: date, seq: int, index: int, shift: int
) -> None:
    number = make_id(address, birth, seq)
    alphabet = "0123456789X" if index == 17 else "0123456789"
    current = alphabet.index(number[index])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[index]:  # shift == len(alphabet) for the 10-digit alphabet
        replacement = alphabet[(current + 1) % len(alphabet)]
    mutated = number[:index] + replacement + number[index + 1 :]
    assert mutated != number
    result = check_id(mutated, today=FAR_FUTURE)
    assert not result.valid
    assert result.error
    assert result.error_position is not None


@given(addresses, births.filter(lambda d: d.year < 2000), seqs)
def test_15_digit_round_trip(address: str, birth: date, seq: int) -> None:
    number = make_id(address, birth, seq)
    old = number[:6] + number[8:17]
    assert upgrade_15(old) == number
    result = check_id(old, today=FAR_FUTURE)
    assert result.valid and result.upgraded
    assert result.normalized == number
    assert result.birth_date == birth


@given(addresses, births, seqs, st.lists(st.sampled_from([" ", "\u3000", "\u200b", "\ufeff"]), max_size=5))
def test_noise_does_not_change_result(address: str, birth: date, seq: int, noise: list[str]) -> None:
    number = make_id(address, birth, seq)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number)
    noisy = "".join(noise) + wide[:9] + "".join(noise) + wide[9:].lower()
    result = check_id(noisy, today=FAR_FUTURE)
    assert result.valid
    assert result.normalized == number
