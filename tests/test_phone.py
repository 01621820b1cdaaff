"""Phone numbers: one stored form for every way a clerk or a roster writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin_desktop.domain.phone import PhoneError, is_mobile, is_national_length, normalize_phone


@pytest.mark.parametrize(
    "text",
    ["+86 138 1234 5678", "0086-13812345678", "86 13812345678", "+8613812345678", "8613812345678",
     "13812345678", "138-1234-5678", "138 1234 5678", "(+86)138-1234-5678", "（+86）13812345678",
     "１３８１２３４５６７８", "＋８６　１３８　１２３４　５６７８", "138.1234.5678", " 13812345678\u200b ",
     "0086 138 1234 5678", "+86-138-1234-5678"],
)
def test_mobile_numbers_are_stored_as_11_digits(text: str) -> None:
    assert normalize_phone(text) == "13812345678"


@pytest.mark.parametrize(
    ("text", "stored"),
    [("0839-1234567", "0839-1234567"), ("08391234567", "0839-1234567"), ("(0839)1234567", "0839-1234567"),
     ("0839 123 4567", "0839-1234567"), ("+86 839 1234567", "0839-1234567"), ("086-0839-1234567", None),
     ("010-12345678", "010-12345678"), ("01012345678", "010-12345678"), ("+86 10 1234 5678", "010-12345678"),
     ("028-87654321", "028-87654321"), ("0839-12345678", "0839-12345678"), ("7201234", "7201234"),
     ("87201234", "87201234")],
)
def test_landlines_keep_their_normal_form(text: str, stored: str | None) -> None:
    if stored is None:
        with pytest.raises(PhoneError):
            normalize_phone(text)
    else:
        assert normalize_phone(text) == stored
        assert normalize_phone(stored) == stored  # the stored form is a fixed point


@pytest.mark.parametrize(
    ("text", "says"),
    [("1381234567", "应为11位，录入了10位"), ("138123456789", "应为11位，录入了12位"),
     ("12812345678", "第二位为3-9"), ("13812345678/13987654321", "多个号码"),
     ("13812345678，0839-1234567", "多个号码"), ("138abc45678", "含有“a”"), ("+1 415 555 1234", "+86"),
     ("0839-12345", "区号3-4位"), ("12345", "应为11位"), ("电话", "含有“电”"), ("", "为空")],
)
def test_bad_numbers_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize_phone(text)
    assert says in str(caught.value)


def test_national_length() -> None:
    assert is_mobile("13812345678") and not is_mobile("0839-1234567")
    assert is_national_length("13812345678") and is_national_length("0839-1234567")
    assert is_national_length("010-12345678")
    assert not is_national_length("7201234") and not is_national_length("1381234567")
    assert not is_national_length("")


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "86 ", "(+86)", "＋８６"])


@given(mobiles, prefixes, st.lists(st.sampled_from([" ", "-", "\u3000", "\u200b"]), max_size=3),
       st.booleans())
def test_any_written_mobile_comes_back_as_its_11_digits(number: str, prefix: str, noise: list[str],
                                                        wide: bool) -> None:
    body = number[:3] + "".join(noise) + number[3:7] + "".join(noise) + number[7:]
    if wide:
        body = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in body)
    assert normalize_phone(prefix + body) == number


@given(st.text(max_size=30))
def test_any_text_is_a_stored_form_or_a_chinese_reason(text: str) -> None:
    import re

    try:
        stored = normalize_phone(text)
    except PhoneError as exc:
        assert str(exc) and not str(exc).isascii()
    else:
        assert re.fullmatch(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}|[2-9]\d{6,7}", stored), stored
        assert normalize_phone(stored) == stored
