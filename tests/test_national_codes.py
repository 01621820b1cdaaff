"""The code lists carry the national system's numbers (NATIONAL.md §1): a typed number means the
national value, every national label and common roster spelling is accepted, and the program's
own earlier numbering is not taken silently any more."""

from __future__ import annotations

import pytest

from fupin_desktop.domain.values import FieldValueError, parse_value
from fupin_desktop.formspec import load_codes, load_form
from fupin_desktop.rules.policy import Policy, PolicyError

CODES = load_codes()
SPEC = load_form("household")

#: The contract, written out from NATIONAL.md §1: list id -> (number, national value).
NATIONAL: dict[str, list[tuple[str, str]]] = {
    "standard": [("01", "国家标准"), ("02", "省定标准"), ("03", "市定标准")],
    "household_type": [("01", "一般贫困户"), ("02", "低保户"), ("03", "五保户"), ("04", "低保贫困户"),
                       ("05", "一般农户"), ("06", "五保贫困户")],
    "exit_flag": [("0", "未脱贫"), ("1", "已脱贫（享受政策）"), ("3", "返贫"), ("4", "已脱贫（不再享受政策）")],
    "main_cause": [("01", "因病"), ("02", "因残"), ("03", "因学"), ("04", "因灾"), ("05", "缺土地"), ("06", "缺水"),
                   ("07", "缺技术"), ("08", "缺劳力"), ("09", "缺资金"), ("10", "交通条件落后"),
                   ("11", "自身发展动力不足"), ("99", "其它"), ("12", "其它")],
    "relation": [("01", "户主"), ("02", "配偶"), ("03", "之子"), ("04", "之女"), ("05", "之儿媳"), ("06", "之女婿"),
                 ("07", "之孙子"), ("08", "之孙女"), ("09", "之外孙子"), ("10", "之外孙女"), ("11", "之父"),
                 ("12", "之母"), ("13", "之岳父"), ("14", "之岳母"), ("15", "之公公"), ("16", "之婆婆"),
                 ("17", "之祖父"), ("18", "之祖母"), ("19", "之外祖父"), ("20", "之外祖母"), ("99", "其他"),
                 ("21", "其他")],
    "id_type": [("01", "居民身份证"), ("09", "残疾人证")],
    "health": [("01", "健康"), ("02", "长期慢性病"), ("03", "患有大病"), ("04", "残疾")],
    "labor_skill": [("01", "普通劳动力"), ("02", "技能劳动力"), ("03", "丧失劳动力"), ("04", "无劳动力")],
    "education": [("01", "文盲或半文盲"), ("02", "小学"), ("03", "初中"), ("04", "高中"), ("05", "大专及以上"),
                  ("06", "学龄前儿童")],
    "school_status": [("01", "非在校生"), ("02", "学前教育"), ("03", "小学"), ("04", "七年级"), ("05", "八年级"),
                      ("06", "九年级"), ("07", "高中一年级"), ("08", "高中二年级"), ("09", "高中三年级"),
                      ("10", "中职一年级"), ("11", "中职二年级"), ("12", "中职三年级"), ("13", "高职一年级"),
                      ("14", "高职二年级"), ("15", "高职三年级"), ("16", "大专及以上")],
    "work_status": [("01", "乡（镇）内务工"), ("02", "乡（镇）外县内务工"), ("03", "县外省内务工"), ("04", "省外务工")],
    "political": [("01", "中共党员"), ("02", "中共预备党员"), ("03", "共青团员"), ("04", "民革会员"), ("05", "民盟盟员"),
                  ("06", "民建会员"), ("07", "民进会员"), ("08", "农工党党员"), ("09", "致公党党员"),
                  ("10", "九三学社社员"), ("11", "台盟盟员"), ("12", "无党派民主人士"), ("13", "群众")],
    "ethnicity": [("01", "汉族")],
    "member_change": [("01", "死亡"), ("02", "嫁出"), ("03", "出国定居"), ("04", "判刑收监"), ("05", "嫁入"),
                      ("06", "新生儿"), ("07", "其他转入"), ("08", "其他转出")],
    "road_type": [("01", "泥土路"), ("02", "砂石路"), ("03", "水泥路"), ("04", "沥青路")],
    "fuel": [("01", "柴草"), ("02", "干畜粪"), ("03", "煤炭"), ("04", "清洁能源"), ("05", "其他")],
    "yes_no": [("1", "是"), ("0", "否")],
    "affiliation": [("01", "中央"), ("02", "省"), ("03", "市"), ("04", "县"), ("05", "乡镇"), ("06", "部队"), ("07", "其他")],
}
NATIONAL["other_cause"] = NATIONAL["main_cause"]
NATIONAL["return_cause"] = NATIONAL["main_cause"]
#: Where each list is typed in the form: (table or "" for the household grid, field id).
FIELD_OF = {
    "standard": ("", "standard"), "household_type": ("", "household_type"), "exit_flag": ("", "exit_flag"),
    "main_cause": ("", "main_cause"), "other_cause": ("", "other_causes"), "return_cause": ("", "return_cause"),
    "relation": ("members", "relation"), "id_type": ("members", "id_type"), "health": ("members", "health"),
    "labor_skill": ("members", "labor_skill"), "education": ("members", "education"),
    "school_status": ("members", "school_status"), "work_status": ("members", "work_status"),
    "political": ("members", "political"), "ethnicity": ("members", "ethnicity"),
    "member_change": ("members", "change"), "road_type": ("", "road_type"), "fuel": ("", "fuel"),
    "yes_no": ("", "dilapidated"), "affiliation": ("helpers", "affiliation"),
}
#: Every national label and common roster spelling: (list, typed, value).
ALIASES = [
    ("household_type", "一般农户", "一般农户"), ("household_type", "低保户", "低保户"),
    ("household_type", "低保贫困户", "低保贫困户"), ("household_type", "五保户", "五保户"),
    ("household_type", "五保贫困户", "五保贫困户"), ("household_type", "一般户", "一般贫困户"),
    ("exit_flag", "已脱贫（享受政策）", "已脱贫（享受政策）"), ("exit_flag", "已脱贫(享受政策)", "已脱贫（享受政策）"),
    ("exit_flag", "已脱贫（不再享受政策）", "已脱贫（不再享受政策）"), ("exit_flag", "稳定脱贫", "已脱贫（不再享受政策）"),
    ("exit_flag", "脱贫", "已脱贫（享受政策）"), ("exit_flag", "返贫", "返贫"),
    ("main_cause", "缺劳力", "缺劳力"), ("main_cause", "缺劳动力", "缺劳力"), ("main_cause", "其它", "其它"),
    ("main_cause", "其他", "其它"), ("other_cause", "缺劳动力", "缺劳力"),
    ("school_status", "高一", "高中一年级"), ("school_status", "高二", "高中二年级"), ("school_status", "高三", "高中三年级"),
    ("school_status", "初一", "七年级"), ("id_type", "残疾证", "残疾人证"), ("id_type", "身份证", "居民身份证"),
    ("labor_skill", "弱劳动力", "弱劳动力或半劳动力"), ("relation", "妻子", "配偶"), ("relation", "儿子", "之子"),
]
#: Values that are not national: no longer typed (NATIONAL.md §1).
NOT_NATIONAL = [("other_cause", "因婚"), ("exit_flag", "预脱贫"), ("household_type", "低收入农户"),
                ("exit_flag", "2"), ("household_type", "07"), ("labor_skill", "5"), ("other_cause", "13"),
                ("relation", "30")]


def national_cases() -> list[tuple[str, str, str]]:
    return [(list_id, number, value) for list_id, pairs in NATIONAL.items() for number, value in pairs]


def field_spec(list_id: str):
    table, field_id = FIELD_OF[list_id]
    if not table:
        return SPEC.field(field_id)
    return next(f for f in SPEC.table(table).fields if f.id == field_id)


@pytest.mark.parametrize(("list_id", "number", "value"), national_cases())
def test_a_national_number_resolves_to_the_national_value(list_id: str, number: str, value: str) -> None:
    codes = CODES[list_id]
    assert codes.resolve(number).label == value
    spec = field_spec(list_id)
    parsed = parse_value(spec, number, SPEC.codes[spec.codes])
    expected = (value == "是") if spec.type == "bool" else [value] if spec.type == "multicode" else value
    assert parsed == expected


def test_every_numbered_item_of_every_national_list_is_in_the_contract() -> None:
    for list_id, pairs in NATIONAL.items():
        if list_id == "ethnicity":
            continue
        numbered = {i.code: i.label for i in CODES[list_id].items if i.code}
        assert numbered == {n: v for n, v in pairs if CODES[list_id].by_label(v).code == n}, list_id


@pytest.mark.parametrize(("list_id", "typed", "value"), ALIASES)
def test_national_labels_and_roster_spellings_are_accepted(list_id: str, typed: str, value: str) -> None:
    assert CODES[list_id].resolve(typed).label == value


@pytest.mark.parametrize(("list_id", "typed"), NOT_NATIONAL)
def test_values_and_numbers_that_are_not_national_are_refused_with_the_choices(list_id: str, typed: str) -> None:
    assert CODES[list_id].resolve(typed) is None
    spec = next(f for f in SPEC.grid_fields() + list(SPEC.table("members").fields) if f.codes == list_id)
    with pytest.raises(FieldValueError) as err:
        parse_value(spec, typed, CODES[list_id])
    first = CODES[list_id].items[0]
    assert f"{first.code} {first.label}" in str(err.value)  # the message lists the valid choices


def test_ambiguous_pinyin_initials_name_no_item() -> None:
    ethnicity = CODES["ethnicity"]
    assert ethnicity.resolve("hz") is None  # 汉族 and 回族
    assert {i.label for i in ethnicity.candidates("hz")} >= {"汉族", "回族"}
    kinds = CODES["household_type"]
    assert kinds.resolve("db") is None  # 低保户 or 低保贫困户
    assert kinds.resolve("dbh").label == "低保户" and kinds.resolve("dbpkh").label == "低保贫困户"


def test_a_number_never_resolves_as_a_prefix_of_another_number() -> None:
    assert CODES["relation"].resolve("2") .label == "配偶"  # "02", not the prefix of 20
    assert CODES["main_cause"].resolve("1").label == "因病"
    assert CODES["school_status"].resolve("1").label == "非在校生"


def test_gbt4761_relation_numbers_only_when_the_profile_says_so() -> None:
    national = CODES["relation"]
    gbt = national.renumbered("gbt4761")
    assert [national.resolve(n).label for n in ("02", "10", "20")] == ["配偶", "之外孙女", "之外祖母"]
    assert [gbt.resolve(n).label for n in ("02", "10", "20", "30", "38", "28", "53", "55", "99")] == [
        "户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之公公", "之岳父", "其他"]
    assert gbt.resolve("03") is None  # the national number is not read in the other numbering
    assert gbt.resolve("之子").label == "之子" and gbt.resolve("hz").label == "户主"
    assert gbt.by_label("配偶").code == "02"  # exports still write the national number
    spec = SPEC.with_numbering("gbt4761")
    assert spec.codes["relation"].resolve("10").label == "配偶"
    assert spec.codes["main_cause"] is SPEC.codes["main_cause"]


def test_the_policy_profile_carries_the_relation_numbering() -> None:
    assert Policy().relation_numbering == "national"
    policy = Policy.from_json({"relation_numbering": "gbt4761"})
    assert Policy.from_json(policy.to_json()).relation_numbering == "gbt4761"
    with pytest.raises(PolicyError, match="与户主关系代码"):
        Policy.from_json({"relation_numbering": "gb2261"})
