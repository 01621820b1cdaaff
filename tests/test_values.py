"""Typed values (what a clerk types -> a value -> the store -> the screen) and code lists."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin_desktop.domain.codes import CodeItem, CodeList
from fupin_desktop.domain.text import (
    normalize_digits,
    normalize_text,
    pinyin_initials,
    pinyin_sort_key,
    to_halfwidth,
)
from fupin_desktop.domain.values import (
    FieldValueError,
    format_value,
    from_store,
    parse_bool,
    parse_date,
    parse_value,
    to_json,
    to_store,
)
from fupin_desktop.formspec import FieldSpec, load_form

SPEC = load_form("household")
CODES = SPEC.codes
MEMBER = {c.id: c for c in SPEC.table("members").fields}
ZW = "\u200b"  # zero-width space, as pasted from web pages and WeChat


def field(fid: str) -> FieldSpec:
    return SPEC.field(fid)


def parse(spec: FieldSpec, text: str | None):  # noqa: ANN201
    codes = CODES[spec.codes] if spec.codes and not spec.codes.startswith("@") else None
    return parse_value(spec, text, codes)


# -- text normalisation ------------------------------------------------------------------
def test_normalize_text_folds_full_width_drops_zero_width_and_collapses_spaces() -> None:
    assert normalize_text(f"\u3000 ＡＢ{ZW}１２  张\t三 \ufeff") == "AB12 张 三"
    assert normalize_digits("５１０ ８２２\u3000") == "510822"
    assert to_halfwidth("阿依古丽·买买提𠮷") == "阿依古丽·买买提𠮷"  # middle dot and non-BMP untouched
    assert normalize_text(None) == ""


def test_pinyin_initials() -> None:
    assert pinyin_initials("张三") == "zs"
    assert pinyin_initials("欧阳修文") == "oyxw"
    assert pinyin_initials("A组3号") == "az3h"  # letters and digits kept, lower-cased
    assert pinyin_initials("阿依古丽·买买提") == "ayglmmt"  # the middle dot is skipped
    assert pinyin_initials("因病") == "yb"


def by_pinyin(names: list[str]) -> list[str]:
    return sorted(names, key=pinyin_sort_key)


def test_pinyin_sort_key_is_toneless_pinyin_then_the_name() -> None:
    assert pinyin_sort_key("张三") == "zhang-san 张三"
    assert pinyin_sort_key("欧阳修文") == "ou-yang-xiu-wen 欧阳修文"
    assert pinyin_sort_key("吕布") == "lv-bu 吕布"  # ü written v
    assert pinyin_sort_key("阿依古丽·买买提") == "a-yi-gu-li-mai-mai-ti 阿依古丽·买买提"  # the · is not sorted on
    assert pinyin_sort_key("Ａnna 李3") == "anna-li-3 Ａnna 李3"  # letters and digits kept, lower-cased
    assert pinyin_sort_key("") == ""


def test_names_sort_by_pinyin_as_excel_and_wps_sort_them() -> None:
    assert by_pinyin(["张伟", "陈静", "白雪", "安娜"]) == ["安娜", "白雪", "陈静", "张伟"]  # code points: 安 张 白 陈
    # Character by character: a shorter syllable first (an < ang), a name before its continuations.
    assert by_pinyin(["昂", "安娜", "安", "张三丰", "张三"]) == ["安", "安娜", "昂", "张三", "张三丰"]
    # The same pinyin: by character, then the longer name.
    assert by_pinyin(["章三", "张三丰", "张三"]) == ["张三", "章三", "张三丰"]
    assert by_pinyin(["欧阳修文", "欧小明", "王五"]) == ["欧小明", "欧阳修文", "王五"]  # xiao < yang
    # A minority name sorts as if it had no ·; with and without it are next to each other.
    names = ["阿依古丽·买买提", "阿依古丽买买提", "阿依", "艾力"]
    assert by_pinyin(names) == ["阿依", "阿依古丽·买买提", "阿依古丽买买提", "艾力"]
    assert by_pinyin(["", "安", "　"])[0] == ""  # an empty name first


def test_names_pypinyin_does_not_know_keep_a_stable_place_after_the_known_ones() -> None:
    assert pinyin_sort_key("𠮷祥") == "𠮷-xiang 𠮷祥"  # 𠮷 (CJK Extension B) stands for itself
    names = ["王𠮷", "吴用", "𠮷祥", "王五", "左丘", "王", "\ue000明"]  # 造字 in the private use area
    assert by_pinyin(names) == ["王", "王五", "王𠮷", "吴用", "左丘", "\ue000明", "𠮷祥"]


def test_polyphonic_surnames_take_one_reading_whatever_follows() -> None:
    """单 and 曾 have two readings (shan/dan, zeng/ceng): pypinyin's choice is kept, the same in
    every name, so one surname's households stay together."""
    for surname, others in (("单", ["单田芳", "单小明", "单国庆"]), ("曾", ["曾国藩", "曾小明", "曾经"])):
        readings = {pinyin_sort_key(n).split("-")[0] for n in others}
        assert len(readings) == 1, readings
        assert readings <= {"dan", "shan", "chan", "zeng", "ceng"}
        mixed = by_pinyin([*others, "张三", "安娜", "陈静", "赵六", "丹丹", "岑参"])
        at = [i for i, n in enumerate(mixed) if n.startswith(surname)]
        assert at == list(range(at[0], at[0] + len(others))), mixed
    assert [pinyin_sort_key("曾国藩") for _ in range(3)] == [pinyin_sort_key("曾国藩")] * 3


def test_sqlite_orders_pinyin_sort_keys_as_python_does() -> None:
    """The database sorts the stored keys (BINARY collation, UTF-8 bytes) in the same order,
    also characters outside the BMP."""
    names = ["王𠮷", "王\uffe5", "张三", "章三", "𠮷祥", "䶮", "安", "昂", "", "阿依古丽·买买提", "Zhang", "3号"]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (name TEXT, k TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(n, pinyin_sort_key(n)) for n in names])
    assert [r[0] for r in conn.execute("SELECT name FROM t ORDER BY k")] == by_pinyin(names)


@given(st.text(max_size=8), st.text(max_size=8))
def test_pinyin_sort_key_is_deterministic_and_one_to_one(a: str, b: str) -> None:
    key = pinyin_sort_key(a)
    assert key == pinyin_sort_key(a)
    assert key.endswith(a)
    assert (key == pinyin_sort_key(b)) == (a == b)


# -- every type ----------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [*SPEC.grid_fields(), *MEMBER.values()], ids=lambda f: f.id)
def test_empty_input_is_no_value(spec: FieldSpec) -> None:
    empty = [] if spec.type == "multicode" else None
    for text in (None, "", "   ", f"\u3000{ZW}"):
        assert parse(spec, text) == empty


@pytest.mark.parametrize(
    ("text", "value"),
    [(" 张  三 ", "张 三"), (f"张{ZW}三", "张三"), ("ＡＢ１２３", "AB123"), ("阿依古丽·买买提", "阿依古丽·买买提"),
     ("𠮷祥", "𠮷祥")],
)
def test_text(text: str, value: str) -> None:
    assert parse(MEMBER["name"], text) == value


def test_over_long_text_is_rejected_with_the_limit() -> None:
    assert parse(MEMBER["name"], "𠮷" * 30) == "𠮷" * 30  # 30 characters, non-BMP counts once
    with pytest.raises(FieldValueError) as info:
        parse(MEMBER["name"], "张" * 31)
    assert "30" in str(info.value) and "31" in str(info.value) and "姓名" in str(info.value)


def test_multiline_keeps_line_breaks() -> None:
    assert parse(field("cause_note"), "  第一行\n第二行  ") == "第一行\n第二行"
    with pytest.raises(FieldValueError, match="500"):
        parse(field("cause_note"), "字" * 501)


@pytest.mark.parametrize(
    ("text", "value"), [("2015", 2015), ("２０１５", 2015), (" 2,015 ", 2015), (f"20{ZW}15", 2015), ("2015.0", 2015),
                        ("2 015", 2015), ("２　０１５", 2015)]  # pasted with a (full-width) space between digit groups
)
def test_integer(text: str, value: int) -> None:
    result = parse(field("year"), text)
    assert result == value and type(result) is int


@pytest.mark.parametrize(
    ("text", "message"),
    [("2015.5", "整数"), ("二〇一五", "不是数字"), ("2012", "不能小于 2013"), ("2101", "不能大于 2100"),
     ("nan", "不是数字"), ("sNaN", "不是数字"), ("inf", "不是数字")],
)
def test_integer_rejects(text: str, message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        parse(field("year"), text)


@pytest.mark.parametrize("text", ["inf", "-Infinity", "snan"])
def test_integer_without_range_rejects_non_numbers_cleanly(text: str) -> None:
    with pytest.raises(FieldValueError, match="数量应为整数"):
        parse_value(FieldSpec(id="n", label="数量", type="integer"), text)


@pytest.mark.parametrize(
    ("fid", "text", "value"),
    [
        ("wage_income", "1,234.56", "1234.56"),
        ("wage_income", "１，２３４．５６", "1234.56"),
        ("wage_income", f" 12345{ZW} ", "12345"),
        ("wage_income", "1，000", "1000"),
        ("wage_income", "6 000", "6000"),  # pasted from a printed table
        ("wage_income", "１２ ３４５．６", "12345.6"),
        ("wage_income", "0.10", "0.1"),
        ("wage_income", "0", "0"),
        ("farmland", "2.346", "2.35"),
        ("road_distance", "2.36", "2.4"),  # 1 decimal place
        ("housing_area", "120", "120"),
    ],
)
def test_decimal(fid: str, text: str, value: str) -> None:
    result = parse(field(fid), text)
    assert isinstance(result, Decimal) and result == Decimal(value)
    assert format_value(field(fid), result) == value  # no 1E+2 or trailing zeros on screen


@pytest.mark.parametrize(("text", "message"), [("abc", "不是数字"), ("-1", "不能小于 0"), ("NaN", "应为数字"),
                                               ("1.2.3", "不是数字"), ("10000001", "不能大于")])
def test_decimal_rejects(text: str, message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        parse(field("wage_income"), text)


@pytest.mark.parametrize(
    "text",
    ["2015-06-01", "2015/6/1", "2015.6.1", "2015年6月1日", "2015年06月01日", "20150601", "42156",
     "２０１５年６月１日", "2015 年 6 月 1 日", f"2015-06-01{ZW}", "２０１５－０６－０１"],
)
def test_date(text: str) -> None:
    assert parse(MEMBER["birth_date"], text) == date(2015, 6, 1)


def test_excel_serial_dates() -> None:
    assert parse_date("1") == date(1899, 12, 31)
    assert parse_date("43831") == date(2020, 1, 1)
    assert parse_date("25569") == date(1970, 1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [("2015-02-29", "不存在"), ("2015年13月1日", "不存在"), ("昨天", "不是日期"), ("99999", "不是日期"),
     ("1985", "只有年份")],
)
def test_date_rejects(text: str, message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        parse(MEMBER["birth_date"], text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("是", True), ("否", False), ("1", True), ("0", False), ("Y", True), ("n", False), ("Yes", True),
     ("FALSE", False), ("√", True), ("×", False), ("有", True), ("无", False), ("１", True), (" 是 ", True)],
)
def test_bool(text: str, value: bool) -> None:
    assert parse(field("toilet"), text) is value


def test_bool_rejects() -> None:
    with pytest.raises(FieldValueError, match="是.*否"):
        parse(field("toilet"), "也许")


@pytest.mark.parametrize("text", ["1", "01", "因病", "yb", "YB", " 因病 ", "０１"])
def test_code_accepts_code_label_and_pinyin_initials(text: str) -> None:
    assert parse(field("main_cause"), text) == "因病"


def test_code_aliases_and_unknown() -> None:
    assert parse(field("household_type"), "低保户") == "低保户"  # national 02, not 低保贫困户 (04)
    assert parse(field("household_type"), "4") == "低保贫困户"
    assert parse(MEMBER["relation"], "本人") == "户主"
    assert parse(MEMBER["relation"], "2") == "配偶"  # national code 02
    with pytest.raises(FieldValueError, match="不在代码表中"):
        parse(field("main_cause"), "因懒")


def test_code_without_a_static_list_keeps_the_text() -> None:
    assert parse(field("village"), " 炉场村 ") == "炉场村"


@pytest.mark.parametrize("text", ["因病、因残", "1,2", "01；02", "yb yc", "因病，因残，因病", "因病;因残"])
def test_multicode(text: str) -> None:
    assert parse(field("other_causes"), text) == ["因病", "因残"]


def test_multicode_rejects_unknown_item() -> None:
    with pytest.raises(FieldValueError, match="因懒"):
        parse(field("other_causes"), "因病、因懒")


def test_id_number() -> None:
    assert parse(MEMBER["id_number"], f" 11010519491231002x{ZW}") == "11010519491231002X"
    assert parse(MEMBER["id_number"], "１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert parse(MEMBER["id_number"], "110105491231002") == "11010519491231002X"  # 15 digits upgraded
    with pytest.raises(FieldValueError, match="校验码"):
        parse(MEMBER["id_number"], "110105194912310021")


@pytest.mark.parametrize(
    ("text", "value"),
    [("138 0013 8000", "13800138000"), ("１３８００１３８０００", "13800138000"), ("0839-1234567", "0839-1234567"),
     ("08391234567", "0839-1234567"), ("7201234", "7201234"), ("+86 138 0013 8000", "13800138000")],
)
def test_phone(text: str, value: str) -> None:
    assert parse(field("phone"), text) == value


@pytest.mark.parametrize("text", ["12345", "1234567", "23800138000", "138001380001", "电话"])
def test_phone_rejects(text: str) -> None:
    with pytest.raises(FieldValueError, match="电话"):
        parse(field("phone"), text)


def test_bank_account() -> None:
    assert parse(field("bank_account"), "6217 0000-1234 5678 901") == "6217000012345678901"
    assert parse(field("bank_account"), "６２１７００００１２３４") == "621700001234"
    for bad in ("1234567", "6217abc12345", "1" * 31):
        with pytest.raises(FieldValueError, match="8-30"):
            parse(field("bank_account"), bad)


def test_derived_text_is_kept() -> None:
    assert parse(field("head_name"), " 张三 ") == "张三"


def test_unknown_type_is_an_error() -> None:
    with pytest.raises(FieldValueError):
        parse_value(FieldSpec(id="x", label="X", type="money"), "1")


# -- store and JSON forms ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fid", "value"),
    [("wage_income", Decimal("1234.5")), ("year", 2015), ("toilet", False), ("other_causes", ["因病", "因残"]),
     ("per_capita_income", Decimal("3200.25")), ("size", 3), ("phone", "13800138000")],
)
def test_to_store_from_store_round_trip(fid: str, value: object) -> None:
    assert from_store(field(fid), to_store(value)) == value


def test_store_and_json_forms() -> None:
    assert to_store(Decimal("12.50")) == "12.5" and to_store(date(2015, 6, 1)) == "2015-06-01"
    assert from_store(MEMBER["birth_date"], "2015-06-01") == date(2015, 6, 1)
    assert from_store(field("other_causes"), None) == []
    assert to_json(Decimal("100")) == 100 and isinstance(to_json(Decimal("100")), int)
    assert to_json(Decimal("0.5")) == 0.5 and to_json(date(2015, 6, 1)) == "2015-06-01"
    assert to_json(True) is True


def test_format_value() -> None:
    assert format_value(field("toilet"), True) == "是"
    assert format_value(field("toilet"), False) == "否"
    assert format_value(field("wage_income"), Decimal("1E+2")) == "100"
    assert format_value(field("other_causes"), ["因病", "因残"]) == "因病、因残"
    assert format_value(MEMBER["birth_date"], date(2015, 6, 1)) == "2015-06-01"
    assert format_value(field("phone"), None) == "" and format_value(field("other_causes"), []) == ""


# -- code lists ------------------------------------------------------------------------------
def test_code_list_resolves_code_leading_zero_label_alias_and_initials() -> None:
    causes = CODES["main_cause"]
    assert causes.resolve("1").label == "因病"
    assert causes.resolve("01").label == "因病"
    assert causes.resolve("10").label == "交通条件落后"
    assert causes.resolve("因残").label == "因残"
    assert causes.resolve("yb").label == "因病"
    assert causes.resolve("qs").label == "缺水"
    assert CODES["ethnicity"].resolve("1").label == "汉族"
    assert CODES["ethnicity"].resolve("蒙古").label == "蒙古族"
    assert CODES["yes_no"].resolve("y").label == "是"


def test_code_list_does_not_guess_between_equal_candidates() -> None:
    ethnicity = CODES["ethnicity"]
    assert ethnicity.resolve("hz") is None  # 汉族 and 回族 share the initials
    assert [i.label for i in ethnicity.candidates("hz")] == ["汉族", "回族"]
    assert CODES["main_cause"].resolve("y") is None
    assert CODES["main_cause"].resolve("") is None
    assert CODES["main_cause"].resolve("不知道") is None


def test_code_list_candidates_for_completion() -> None:
    causes = CODES["main_cause"]
    assert [i.label for i in causes.candidates("y")] == ["因病", "因残", "因学", "因灾"]
    assert [i.label for i in causes.candidates("缺")] == ["缺土地", "缺水", "缺技术", "缺劳力", "缺资金"]
    assert len(causes.candidates("")) == len(causes.items)


def test_code_list_by_label_and_a_unique_prefix() -> None:
    lst = CodeList("x", "X", (CodeItem("1", "普通劳动力"), CodeItem("2", "技能劳动力", ("技工",))))
    assert lst.by_label("技能劳动力").code == "2" and lst.by_label("无") is None
    assert lst.resolve("jn").label == "技能劳动力"  # unique prefix of the initials
    assert lst.resolve("技工").label == "技能劳动力"
    assert lst.labels == ["普通劳动力", "技能劳动力"]


def test_a_household_number_pasted_with_spaces_is_kept_without_them() -> None:
    from fupin_desktop.formspec import load_form

    number = load_form("household").field("number")
    assert parse_value(number, " 5108 2210 5001 0001 ") == "5108221050010001"
    assert parse_value(number, "5108\u3000221050010001") == "5108221050010001"


# -- the 是/否 words: declared once in forms/yes_no.toml ---------------------------------------
def test_the_yes_no_words_come_from_the_forms_folder() -> None:
    from fupin_desktop.domain import yesno
    from fupin_desktop.excel.normalize import cell_text
    from fupin_desktop.formspec import load_codes

    assert (yesno.word(True), yesno.word(False)) == ("是", "否")
    assert cell_text(True) == yesno.YES and cell_text(False) == yesno.NO
    # Every word typed is also read in an import, with the same answer; no word means both.
    assert all(yesno.IMPORTED[w] is answer for w, answer in yesno.TYPED.items())
    # The editor's 是/否 list agrees: its labels are the words, its aliases read the same way.
    codes = load_codes()["yes_no"]
    for item in codes.items:
        answer = yesno.TYPED[item.label]
        assert all(yesno.TYPED[a.lower()] is answer for a in item.aliases), item.label
        assert parse_bool(item.code) is answer


@pytest.mark.parametrize(("text", "answer"), [("是", True), ("ＹＥＳ", True), ("√", True), ("否", False),
                                              ("０", False), ("×", False)])
def test_typed_yes_no_words_parse(text: str, answer: bool) -> None:
    assert parse_bool(text) is answer


def test_a_roster_only_word_is_read_in_an_import_but_not_when_typed() -> None:
    from fupin_desktop.domain import yesno

    assert yesno.IMPORTED["已参保"] is True and "已参保" not in yesno.TYPED
    with pytest.raises(FieldValueError, match="是.*否"):
        parse_bool("已参保")
