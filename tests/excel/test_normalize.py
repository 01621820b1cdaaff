"""Point 3 of the Excel issue: what Excel and people do to data, cell by cell."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from fupin_desktop.domain.idnumber import make_id, upgrade_15
from fupin_desktop.domain.township import group_number, match_group
from fupin_desktop.excel.normalize import normalize_cell, same_township
from fupin_desktop.formspec import load_form

SPEC = load_form("household")
MEMBER = {f.id: f for f in SPEC.table("members").fields}
ID = make_id("510822", date(1970, 5, 1), 13)


def cell(field_id: str, value: object, member: bool = False):  # type: ignore[no-untyped-def]
    spec = MEMBER[field_id] if member else SPEC.field(field_id)
    codes = SPEC.codes.get(spec.codes) if spec.codes and not spec.codes.startswith("@") else None
    return normalize_cell(spec, value, codes)


@pytest.mark.parametrize("typed", [ID, f" {ID} ", "\uff15" + ID[1:], ID[:9] + "\u200b" + ID[9:], ID + "\u3000"])
def test_id_numbers_as_typed(typed: str) -> None:
    assert cell("id_number", typed, member=True) == (ID, None)


def test_lower_case_x_and_15_digits() -> None:
    with_x = next(i for s in range(1, 999, 2) if (i := make_id("510822", date(1980, 1, 2), s)).endswith("X"))
    assert cell("id_number", with_x.lower(), member=True) == (with_x, None)
    old = "510822400315017"
    assert cell("id_number", old, member=True) == (upgrade_15(old), None)
    assert cell("id_number", float(old), member=True) == (upgrade_15(old), None)  # 15 digits survive a number


def test_an_id_stored_as_a_number_blocks() -> None:
    value, problem = cell("id_number", float(ID), member=True)
    assert value is None and problem is not None and problem.blocking
    assert "被 Excel 存成了数字" in problem.message


def test_long_numbers_that_lost_digits() -> None:
    number, problem = cell("number", 5108221050010010001.0)
    assert number is None and problem is not None and problem.blocking
    account, problem = cell("bank_account", 6214570000123456789.0)
    assert account is None and problem is not None and not problem.blocking  # dropped, household kept
    assert cell("number", 5108221050001.0) == ("5108221050001", None)


@pytest.mark.parametrize(("value", "expected"), [
    (date(2015, 6, 1), date(2015, 6, 1)),
    (datetime(2015, 6, 1, 0, 0), date(2015, 6, 1)),
    (42156.0, date(2015, 6, 1)),  # an Excel serial day number
    ("42156", date(2015, 6, 1)),
    ("2015年6月1日", date(2015, 6, 1)),
    ("2015.6.1", date(2015, 6, 1)),
    ("2015/06/01 00:00:00", date(2015, 6, 1)),
    ("20150601", date(2015, 6, 1)),
])
def test_dates_in_any_excel_form(value: object, expected: date) -> None:
    assert cell("birth_date", value, member=True) == (expected, None)


@pytest.mark.parametrize(("value", "expected"), [
    ("是", True), ("否", False), ("√", True), ("×", False), ("Y", True), ("n", False), (1.0, True), (0.0, False),
    (True, True), ("有", True), ("无", False), ("已参加", True), ("未参加", False), ("１", True),
])
def test_yes_no_variants(value: object, expected: bool) -> None:
    assert cell("in_ncms", value, member=True) == (expected, None)


@pytest.mark.parametrize(("field_id", "value", "label"), [
    ("ethnicity", "01", "汉族"), ("ethnicity", 1.0, "汉族"), ("ethnicity", "维吾尔", "维吾尔族"),
    ("relation", "本人", "户主"), ("relation", "01", "户主"), ("relation", "02", "配偶"), ("health", "1", "健康"),
    ("work_status", "乡(镇)内务工", "乡（镇）内务工"),
])
def test_code_labels_numbers_and_aliases(field_id: str, value: object, label: str) -> None:
    assert cell(field_id, value, member=True) == (label, None)


def test_names_keep_the_middle_dot_and_rare_characters() -> None:
    assert cell("name", " 阿依古丽·买买提\u200b ", member=True) == ("阿依古丽·买买提", None)
    assert cell("name", "\U00020bb7祥", member=True) == ("\U00020bb7祥", None)


def test_free_text_keeps_chinese_punctuation_and_folds_full_width_digits() -> None:
    assert cell("bank", "青川县农村信用合作联社（茶坝分社），２号柜") == ("青川县农村信用合作联社（茶坝分社），2号柜", None)


def test_numbers_stay_exact() -> None:
    assert cell("farmland", 2.5) == (Decimal("2.5"), None)
    assert cell("wage_income", 1234.37) == (Decimal("1234.37"), None)
    assert cell("work_months", 6.0, member=True) == (6, None)


def test_a_wrong_value_is_dropped_with_a_reason() -> None:
    value, problem = cell("ethnicity", "火星族", member=True)
    assert value is None and problem is not None and not problem.blocking and "火星族" in problem.message


@pytest.mark.parametrize(("written", "number"), [
    ("一组", 1), ("1组", 1), ("01", 1), ("第一组", 1), ("一社", 1), ("２组", 2), ("十二组", 12), ("第12村民小组", 12),
    ("二十三组", 23), ("大坪组", None), ("一二组", None), ("", None),
])
def test_group_numbers_however_written(written: str, number: int | None) -> None:
    assert group_number(written) == number


def test_a_group_matches_the_villages_own_name_only_when_unambiguous() -> None:
    assert match_group("1组", ["一组", "二组"]) == "一组"
    assert match_group("大坪", ["大坪", "一组"]) == "大坪"
    assert match_group("三组", ["一组", "二组"]) is None
    assert match_group("1", ["一组", "1组"]) is None  # two candidates: the clerk decides


@pytest.mark.parametrize(("written", "same"), [
    ("茶坝乡", True), ("茶坝", True), ("茶坝镇", True), ("青川县茶坝乡", True), ("四川省广元市青川县茶坝乡", True),
    (" 茶 坝 乡 ", True), ("石茶坝乡", False), ("石坝乡", False), ("茶坝乡人民政府", False), ("", False),
])
def test_the_townships_name_written_other_ways(written: str, same: bool) -> None:
    assert same_township(written, "茶坝乡") is same


def test_disability_card_numbers_and_their_mistakes() -> None:
    assert cell("id_number", ID + "42", member=True) == (ID + "42", None)
    assert cell("id_number", " " + ID.lower() + " 4 2", member=True) == (ID + "42", None)
    value, problem = cell("id_number", float(ID + "42"), member=True)  # Excel kept 15 of 20 digits
    assert value is None and problem.blocking and "被 Excel 存成了数字" in problem.message
    value, problem = cell("id_number", ID + "48", member=True)
    assert value is None and problem.blocking and "第20位残疾等级应为1-4" in problem.message


@pytest.mark.parametrize(
    ("value", "stored"),
    [("+8613812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"), ("0086-13812345678", "13812345678"),
     ("86 13812345678", "13812345678"), (8613812345678, "13812345678"), (13812345678.0, "13812345678"),
     ("０８３９－１２３４５６７", "0839-1234567"), ("08391234567", "0839-1234567")],
)
def test_phones_however_written_are_kept(value: object, stored: str) -> None:
    assert cell("phone", value) == (stored, None)


def test_a_phone_that_is_not_one_is_dropped_with_the_reason() -> None:
    value, problem = cell("phone", "13812345678/13987654321")
    assert value is None and not problem.blocking and "多个号码" in problem.message and "未导入" in problem.message
