"""Validation rules: each rule fires on a case that breaks it and stays silent on a near miss."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fupin_desktop.domain.household import Household, Row
from fupin_desktop.formspec import load_form
from fupin_desktop.rules import FieldRef, Finding, RuleContext, all_rules, check_household, errors
from tests.helpers import full_household, person_id, village_groups

SPEC = load_form("household")
TODAY = date(2024, 6, 1)


def ctx(villages: dict[str, list[str]] | None = None) -> RuleContext:
    return RuleContext(spec=SPEC, today=TODAY, villages=village_groups() if villages is None else villages)


def hh() -> Household:
    return full_household(SPEC)


def findings(h: Household, rule_id: str, context: RuleContext | None = None) -> list[Finding]:
    h.refresh_derived(SPEC.derived_sources())
    return [f for f in check_household(h, context or ctx()) if f.rule == rule_id]


def messages(h: Household, rule_id: str) -> list[str]:
    return [f.message for f in findings(h, rule_id)]


# -- the whole set -----------------------------------------------------------------------
def test_full_household_gives_no_finding_at_all() -> None:
    for seed in range(5):
        assert check_household(full_household(SPEC, seed=seed), ctx()) == []


def test_rule_ids_are_unique_and_every_rule_has_a_test() -> None:
    check_household(hh(), ctx())  # registers the rule modules
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
    from tests import test_rules_national, test_rules_quality  # the data-quality rules are tested there

    names = [n for n in (*globals(), *vars(test_rules_quality), *vars(test_rules_national)) if n.startswith("test_")]
    for rule_id in ids:
        assert any(n.startswith(f"test_{rule_id.lower()}_") for n in names), f"no test for rule {rule_id}"


def test_findings_carry_rule_id_severity_and_chinese_message() -> None:
    h = hh()
    h.fields["main_cause"] = None
    [f] = check_household(h, ctx())
    assert (f.rule, f.severity, f.is_error) == ("F001", "error", True)
    assert f.refs == (FieldRef("main_cause"),) and "主要致贫原因" in f.message
    assert errors([f]) == [f]


# -- F001 field values ---------------------------------------------------------------------
@pytest.mark.parametrize("field", [f.id for f in SPEC.grid_fields() if f.required and not f.readonly])
def test_f001_required_grid_field_missing(field: str) -> None:
    h = hh()
    h.fields[field] = [] if SPEC.field(field).type == "multicode" else None
    [f] = findings(h, "F001")
    assert f.refs == (FieldRef(field),) and "未填写" in f.message


def test_f001_near_miss_false_and_zero_are_values_not_blanks() -> None:
    h = hh()
    h.fields.update(military=False, toilet=False, road_distance=Decimal(0), housing_area=Decimal(0))
    assert findings(h, "F001") == []


def test_f001_optional_and_derived_fields_may_be_empty() -> None:
    h = hh()
    for f in SPEC.grid_fields():
        if not f.required:
            h.fields[f.id] = [] if f.type == "multicode" else None
    for table in SPEC.tables():
        for row in h.table(table.id):
            for c in table.fields:
                if not c.required:
                    row.fields[c.id] = None
    assert findings(h, "F001") == []


@pytest.mark.parametrize("table", [t.id for t in SPEC.tables()])
def test_f001_required_table_cell_missing(table: str) -> None:
    h = hh()
    column = next(c for c in SPEC.table(table).fields if c.required)
    h.table(table)[1].fields[column.id] = None
    [f] = findings(h, "F001")
    assert f.refs == (FieldRef(column.id, table, 1),)
    assert "第 2 行" in f.message and column.label in f.message


def test_f001_code_not_in_list() -> None:
    h = hh()
    h.fields["road_type"] = "高速公路"
    h.fields["other_causes"] = ["因学", "因懒"]
    h.members[0].fields["ethnicity"] = "火星族"
    found = findings(h, "F001")
    assert {f.refs[0].key() for f in found} == {"road_type", "other_causes", "members[0].ethnicity"}
    assert all("不在代码表中" in f.message for f in found)
    assert any("因懒" in f.message for f in found)


def test_f001_near_miss_every_label_of_the_list_is_accepted() -> None:
    for label in SPEC.codes["ethnicity"].labels:
        h = hh()
        h.members[0].fields["ethnicity"] = label
        assert findings(h, "F001") == [], label


def test_f001_text_too_long() -> None:
    h = hh()
    h.fields["number"] = "1" * 31
    [f] = findings(h, "F001")
    assert f.refs == (FieldRef("number"),) and "30" in f.message


def test_f001_near_miss_text_at_the_limit() -> None:
    h = hh()
    h.fields["number"] = "1" * 30
    h.fields["cause_note"] = "说" * 500
    h.members[0].fields["name"] = "𠮷" * 30  # characters, not UTF-16 units or bytes
    assert findings(h, "F001") == []


@pytest.mark.parametrize(
    ("where", "field", "bad", "good", "word"),
    [
        (None, "year", 2012, 2013, "小于"),
        (None, "year", 2101, 2100, "大于"),
        (None, "road_distance", Decimal("1000.1"), Decimal("1000"), "大于"),
        (None, "farmland", Decimal("-0.01"), Decimal("0"), "小于"),
        ("members", "work_months", 13, 12, "大于"),
        ("measures", "amount", Decimal("-1"), Decimal("0"), "小于"),
    ],
)
def test_f001_number_out_of_range(where: str | None, field: str, bad: object, good: object, word: str) -> None:
    def with_value(v: object) -> Household:
        h = hh()
        target = h.fields if where is None else h.table(where)[0].fields
        target[field] = v
        return h

    [f] = findings(with_value(bad), "F001")
    assert word in f.message and f.refs[0].field == field
    assert findings(with_value(good), "F001") == []  # the near miss: on the limit


def test_f001_invalid_id_number() -> None:
    h = hh()
    good = h.members[1].get("id_number")
    h.members[1].fields["id_number"] = good[:17] + ("0" if good[17] != "0" else "1")
    [f] = findings(h, "F001")
    assert f.refs == (FieldRef("id_number", "members", 1),) and "校验码" in f.message


def test_f001_id_number_born_after_today() -> None:
    h = hh()
    born = TODAY + timedelta(days=1)
    h.members[2].fields.update(birth_date=born, id_number=person_id(born, "女", 0, 2))
    [f] = findings(h, "F001")
    assert "晚于今天" in f.message


def test_f001_near_miss_old_15_digit_id_is_valid() -> None:
    h = hh()
    h.helpers[0].fields["id_number"] = "110105491231002"
    assert findings(h, "F001") == []


def test_f001_table_row_counts() -> None:
    h = hh()
    h.members.clear()
    assert [f.message for f in findings(h, "F001")] == ["家庭成员至少要填 1 行"]
    h = hh()
    h.helpers.extend(Row(fields=dict(h.helpers[0].fields)) for _ in range(19))
    assert len(h.helpers) == 21
    assert [f.message for f in findings(h, "F001")] == ["帮扶责任人最多 20 行"]
    h.helpers.pop()
    assert findings(h, "F001") == []


# -- H001 one head ------------------------------------------------------------------------------
def test_h001_no_head() -> None:
    h = hh()
    h.members[0].fields["relation"] = "之父"
    [f] = findings(h, "H001")
    assert "没有“户主”" in f.message and f.refs == (FieldRef("relation", "members", 0),)


def test_h001_two_heads() -> None:
    h = hh()
    h.members[2].fields["relation"] = "户主"
    [f] = findings(h, "H001")
    assert "2 位" in f.message and "李小红" in f.message
    assert f.refs == (FieldRef("relation", "members", 0), FieldRef("relation", "members", 2))


def test_h001_near_miss_a_second_head_who_died_does_not_count() -> None:
    h = hh()
    h.members[2].fields.update(relation="户主", change="死亡")
    assert findings(h, "H001") == []
    assert h.head_name == "𠮷祥"


def test_h001_near_miss_no_members_is_left_to_f001() -> None:
    h = hh()
    h.members.clear()
    assert findings(h, "H001") == []


# -- H002 sex and birth date vs ID ---------------------------------------------------------------
def test_h002_sex_disagrees_with_id() -> None:
    h = hh()
    h.members[1].fields["sex"] = "男"
    [f] = findings(h, "H002")
    assert f.refs == (FieldRef("sex", "members", 1),) and "阿依古丽·买买提" in f.message


def test_h002_birth_date_disagrees_with_id() -> None:
    h = hh()
    h.members[2].fields["birth_date"] += timedelta(days=1)
    [f] = findings(h, "H002")
    assert f.refs == (FieldRef("birth_date", "members", 2),)


def test_h002_near_miss_other_id_type_or_invalid_number_is_not_compared() -> None:
    h = hh()
    h.members[1].fields.update(sex="男", id_type="户口簿")
    assert findings(h, "H002") == []
    h = hh()
    h.members[1].fields.update(sex="男", id_number="123")
    assert findings(h, "H002") == []  # F001 reports the number itself


# -- H003 duplicate ID in household -------------------------------------------------------------
def test_h003_duplicate_id_in_household() -> None:
    h = hh()
    h.members[2].fields["id_number"] = h.members[1].get("id_number")
    [f] = findings(h, "H003")
    assert "第 2 行和第 3 行" in f.message and f.refs == (FieldRef("id_number", "members", 2),)


def test_h003_near_miss_distinct_and_blank_ids() -> None:
    h = hh()
    h.members[1].fields["id_number"] = None
    h.members[2].fields["id_number"] = None
    assert findings(h, "H003") == []


# -- H004 other causes repeat the main cause ------------------------------------------------------
def test_h004_other_causes_repeat_main() -> None:
    h = hh()
    h.fields.update(main_cause="因病", other_causes=["因学", "因病"])
    [f] = findings(h, "H004")
    assert "因病" in f.message and f.refs == (FieldRef("other_causes"),)


def test_h004_near_miss_different_causes() -> None:
    h = hh()
    h.fields.update(main_cause="因病", other_causes=["因学", "因残"])
    assert findings(h, "H004") == []
    h.fields.update(other_causes=[])
    assert findings(h, "H004") == []


# -- H005 village of the township ---------------------------------------------------------------
def test_h005_village_not_in_township() -> None:
    h = hh()
    h.fields["village"] = "外乡村"
    [f] = findings(h, "H005")
    assert "外乡村" in f.message and f.refs == (FieldRef("village"),)


def test_h005_near_miss_known_village_or_unknown_township() -> None:
    h = hh()
    h.fields.update(village="兴龙村", group="三组")
    assert findings(h, "H005") == []
    h.fields["village"] = "外乡村"
    assert findings(h, "H005", RuleContext(spec=SPEC, today=TODAY, villages=None)) == []


def test_household_rule_messages_say_what_is_wrong_and_what_to_do() -> None:
    """A clerk reads the message, not the rule: each one ends with what to change."""
    cases = []
    h = hh()
    h.members[2].fields["relation"] = "户主"
    cases += findings(h, "H001")
    h = hh()
    h.members[1].fields["sex"] = "男"
    h.members[2].fields["birth_date"] += timedelta(days=1)
    cases += findings(h, "H002")
    h = hh()
    h.members[2].fields["id_number"] = h.members[1].get("id_number")
    cases += findings(h, "H003")
    h = hh()
    h.fields["village"] = "外乡村"
    cases += findings(h, "H005")
    assert [f.rule for f in cases] == ["H001", "H002", "H002", "H003", "H005"]
    for f in cases:
        wrong, _, todo = f.message.partition("。")
        assert wrong and "请" in todo, f.message


def test_h002_disability_card_number_gives_birth_and_sex_too() -> None:
    h = hh()
    m = h.members[1]
    m.fields.update(id_type="残疾人证", id_number=m.get("id_number") + "42", sex="男")
    [f] = findings(h, "H002")
    assert f.refs == (FieldRef("sex", "members", 1),)
    m.fields["sex"] = "女"
    assert findings(h, "H002") == []


def test_h003_disability_card_and_id_number_of_one_person() -> None:
    h = hh()
    h.members[2].fields.update(id_number=h.members[1].get("id_number") + "42", id_type="残疾人证")
    [f] = findings(h, "H003")
    assert "是同一人" in f.message and f.refs == (FieldRef("id_number", "members", 2),)


# -- K001 证件类型 and length; K002 address code; T001 phones ---------------------------------------
def test_k001_twenty_characters_typed_as_resident_id() -> None:
    h = hh()
    h.members[1].fields["id_number"] += "42"
    [f] = findings(h, "K001")
    assert f.severity == "error" and f.refs == (FieldRef("id_type", "members", 1),)
    assert "20位" in f.message and "“残疾人证”" in f.message and "“居民身份证”" in f.message


def test_k001_disability_card_with_an_18_character_number() -> None:
    h = hh()
    h.members[1].fields["id_type"] = "残疾人证"
    [f] = findings(h, "K001")
    assert "只有18位" in f.message and "残疾类别" in f.message


def test_k001_near_miss_type_and_length_agree_or_other_document() -> None:
    h = hh()
    h.members[1].fields.update(id_type="残疾人证", id_number=h.members[1].get("id_number") + "74")
    h.members[2].fields["id_type"] = "户口簿"
    assert findings(h, "K001") == []
    h.members[1].fields["id_type"] = "残疾证"  # the program's earlier spelling
    assert findings(h, "K001") == []


def test_k002_address_code_in_no_edition_is_a_warning() -> None:
    from fupin_desktop.domain.idnumber import make_id

    h = hh()
    m = h.members[1]
    m.fields["id_number"] = make_id("519999", m.get("birth_date"), 2)
    [f] = findings(h, "K002")
    assert f.severity == "warning" and "“519999”" in f.message and m.get("name") in f.message
    assert not any(x.is_error for x in check_household(h, ctx()))  # never an error


def test_k002_near_miss_old_codes_and_disability_cards_are_known() -> None:
    from fupin_desktop.domain.idnumber import make_id

    h = hh()
    m = h.members[1]
    m.fields["id_number"] = make_id("511028", m.get("birth_date"), 2)  # 隆昌县, a code until 2017
    h.members[2].fields.update(id_type="残疾人证", id_number=h.members[2].get("id_number") + "11")
    assert findings(h, "K002") == []


def test_t001_local_number_without_area_code() -> None:
    h = hh()
    h.fields["phone"] = "7201234"
    [f] = findings(h, "T001")
    assert f.severity == "warning" and "11位" in f.message and f.refs == (FieldRef("phone"),)


def test_t001_stored_value_not_in_normal_form_or_invalid() -> None:
    h = hh()
    h.fields["phone"] = "+8613812345678"  # as an old import might have kept it
    [f] = findings(h, "T001")
    assert f.severity == "warning" and "“13812345678”" in f.message
    h.fields["phone"] = "1381234567"
    [f] = findings(h, "T001")
    assert f.severity == "error" and "应为11位" in f.message
    h.fields["phone"] = None
    h.helpers[0].fields["phone"] = "12345"
    [f] = findings(h, "T001")
    assert f.refs == (FieldRef("phone", "helpers", 0),) and f.severity == "error"


def test_t001_near_miss_mobile_and_landline_with_area_code() -> None:
    h = hh()
    for phone in ("13812345678", "0839-1234567", "010-12345678"):
        h.fields["phone"] = phone
        assert findings(h, "T001") == []


# -- member changes (issue 16; rules/years.py) ----------------------------------------------------
def test_y001_change_dated_after_the_registration_period() -> None:
    h = hh()  # 登记年度 2016: the period ends 2016-12-31
    h.members[2].fields.update(change="死亡", change_date=date(2017, 1, 3))
    [f] = findings(h, "Y001")
    assert "2017-01-03" in f.message and f.refs == (FieldRef("change_date", "members", 2),)
    h.members[2].fields["change_date"] = date(2016, 12, 31)  # the last day of the period is in it
    assert findings(h, "Y001") == []


def test_y002_birth_whose_mother_is_not_in_the_household() -> None:
    h = hh()
    baby = Row(fields={**h.members[2].fields, "name": "新生", "birth_date": date(2016, 5, 1), "relation": "之子",
                       "id_number": person_id(date(2016, 5, 1), "男", 9, 9), "change": "新生儿",
                       "change_date": date(2016, 5, 1)})
    h.members.append(baby)
    assert findings(h, "Y002") == []  # the 配偶, born 1970, was 45: a possible mother
    for i in (1, 2):  # the mother (and the 14-year-old daughter) left the household: they no longer count
        h.members[i].fields.update(change="死亡" if i == 1 else "其他转出", change_date=date(2016, 8, 1))
    [f] = findings(h, "Y002")
    assert "新生" in f.message and "母亲" in f.message


def test_y003_member_removed_without_a_reason_or_a_date() -> None:
    h = hh()
    h.members[2].fields.update(change=None, change_date=date(2016, 3, 1))
    [f] = findings(h, "Y003")
    assert "原因" in f.message and f.refs == (FieldRef("change", "members", 2),)
    h.members[2].fields.update(change="其他转出", change_date=None)
    [f] = findings(h, "Y003")
    assert "日期" in f.message


def test_the_check_order_is_the_modules_order_whichever_was_imported_first() -> None:
    """The rule modules load when the rules are first asked for; one imported earlier by another
    module (the cross-record rules by the store, the year rules by the year menu) does not move
    its rules ahead of the field checks."""
    import subprocess
    import sys

    probe = ("import sys\nfor m in sys.argv[1:]: __import__(m)\nfrom fupin_desktop.rules import all_rules, RULE_MODULES\n"
             "print(' '.join(r.id for r in all_rules()))\n"
             "assert all(r.check.__module__.rsplit('.', 1)[1] in RULE_MODULES for r in all_rules())")
    orders = [subprocess.run([sys.executable, "-c", probe, *first], capture_output=True, text=True, check=True).stdout
              for first in ([], ["fupin_desktop.rules.years", "fupin_desktop.rules.crossrecord"])]
    assert orders[0] == orders[1] and orders[0].split()[0] != "X001"
    assert orders[0].split() == [r.id for r in all_rules()]
