"""The national data checks (DOMAIN.md §2) and the county's policy profile (§3).

Each rule: a case that breaks it, and a near miss that must stay silent (false alarms waste
clerks' days).  The base household is ``tests.helpers.full_household``: registration year
2016, so at the standard time point (2016-12-31) the head 𠮷祥 is 48 (ill, works), his wife
阿依古丽·买买提 46 (healthy, works) and their daughter 李小红 15 (高中二年级).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from fupin_desktop.domain.household import Household, Row
from fupin_desktop.formspec import load_form
from fupin_desktop.rules import FieldRef, Finding, RuleContext, all_rules, check_household
from fupin_desktop.rules.crossrecord import HouseholdRecord, MemoryRecords, PersonRecord
from fupin_desktop.rules.members import FEMALE_RELATIONS, HIGH_SCHOOL_UP, MALE_RELATIONS, PRIMARY_DOWN
from fupin_desktop.rules.policy import (
    NATIONAL_LINES,
    Limits,
    Policy,
    PolicyError,
    policy_document,
    policy_from_document,
    priority_flags,
)
from tests.helpers import full_household, person_id, village_groups

SPEC = load_form("household")
TODAY = date(2024, 6, 1)
HEAD, WIFE, DAUGHTER = 0, 1, 2


def ctx(policy: Policy | None = None, records: MemoryRecords | None = None) -> RuleContext:
    return RuleContext(spec=SPEC, today=TODAY, villages=village_groups(), policy=policy or Policy(),
                       records=records)


def hh(names: tuple[str, ...] = ("𠮷祥", "阿依古丽·买买提", "李小红")) -> Household:
    h = full_household(SPEC, names=names)
    h.id = 1  # as if saved: cross-record rules leave the household itself out
    return h


def findings(h: Household, rule_id: str, context: RuleContext | None = None) -> list[Finding]:
    h.refresh_derived(SPEC.derived_sources())
    return [f for f in check_household(h, context or ctx()) if f.rule == rule_id]


def born(h: Household, row: int, birth: date) -> None:
    """Give a member another birth date (and the ID number that goes with it)."""
    m = h.members[row]
    m.fields.update(birth_date=birth, id_number=person_id(birth, m.get("sex"), 9, row))


def five() -> Household:
    """The full household with all five people: the son is 12, the head's mother 71."""
    return hh(("𠮷祥", "阿依古丽·买买提", "李小红", "李小明", "王秀英"))


# -- the clean household --------------------------------------------------------------------------
def test_clean_household_gives_no_finding_under_any_shape() -> None:
    for seed in range(40):
        for names in (("张三",), ("张三", "李梅"), ("张三", "李梅", "张小红", "张小明", "王秀英")):
            h = full_household(SPEC, seed=seed, names=names)
            assert check_household(h, ctx()) == [], (seed, names)


def test_every_rule_has_a_severity_and_a_chinese_title() -> None:
    for r in all_rules():
        assert r.severity in ("error", "warning") and r.title and not r.title.isascii(), r.id


def test_relation_and_school_sets_are_labels_of_their_code_lists() -> None:
    assert MALE_RELATIONS | FEMALE_RELATIONS <= set(SPEC.codes["relation"].labels)
    assert HIGH_SCHOOL_UP | PRIMARY_DOWN <= set(SPEC.codes["school_status"].labels)


def test_ages_count_at_the_records_standard_time_point() -> None:
    h = hh()
    assert ctx().reference_date(h) == date(2016, 12, 31)
    h.fields["year"] = None
    assert ctx().reference_date(h) == date(TODAY.year, 12, 31)  # no 年度: Dec 31 of the current year


# -- R001-R003 required by age ----------------------------------------------------------------------
def test_r001_non_student_without_education() -> None:
    h = hh()
    h.members[WIFE].fields["education"] = None
    [f] = findings(h, "R001")
    assert f.refs == (FieldRef("education", "members", WIFE),) and "阿依古丽·买买提" in f.message
    assert f.severity == "error" and "文化程度" in f.message


def test_r001_near_miss_a_student_may_leave_education_empty() -> None:
    h = hh()
    h.members[DAUGHTER].fields["education"] = None  # 高中二年级
    h.members[HEAD].fields["change"] = "死亡"  # left the household: not checked any more
    h.members[HEAD].fields["education"] = None
    h.members[WIFE].fields["relation"] = "户主"
    assert findings(h, "R001") == []


def test_r002_school_age_without_school_status() -> None:
    h = hh()
    h.members[DAUGHTER].fields["school_status"] = None
    [f] = findings(h, "R002")
    assert f.refs == (FieldRef("school_status", "members", DAUGHTER),) and "15岁" in f.message


def test_r002_six_at_the_standard_time_point_counts() -> None:
    h = hh()
    born(h, DAUGHTER, date(2010, 12, 31))  # 6 on 2016-12-31
    h.members[DAUGHTER].fields["school_status"] = None
    assert [f.refs for f in findings(h, "R002")] == [(FieldRef("school_status", "members", DAUGHTER),)]


def test_r002_near_miss_five_at_the_time_point_though_older_today() -> None:
    h = hh()
    born(h, DAUGHTER, date(2011, 1, 1))  # 5 on 2016-12-31, 13 on TODAY
    h.members[DAUGHTER].fields.update(school_status=None, education="学龄前儿童")
    assert findings(h, "R002") == []
    h.members[HEAD].fields["school_status"] = None  # 48: not asked either
    assert findings(h, "R002") == []


def test_r003_working_age_without_labour_skill() -> None:
    h = hh()
    h.members[WIFE].fields["labor_skill"] = None
    [f] = findings(h, "R003")
    assert f.refs == (FieldRef("labor_skill", "members", WIFE),) and "46岁" in f.message


def test_r003_near_miss_under_16_and_over_65() -> None:
    h = five()
    for row in (DAUGHTER, 3, 4):  # 15, 12 and 71
        h.members[row].fields["labor_skill"] = None
    assert findings(h, "R003") == []


def test_r004_production_areas_left_blank() -> None:
    h = hh()
    h.fields.update(pasture=None, water_surface=None)
    [f] = findings(h, "R004")
    assert f.severity == "warning" and "牧草地面积、水面面积未填写" in f.message
    assert f.refs == (FieldRef("pasture"), FieldRef("water_surface"))


def test_r004_near_miss_zero_is_an_answer() -> None:
    h = hh()
    h.fields.update(pasture=Decimal(0), water_surface=Decimal(0), farmland=Decimal(0))
    assert findings(h, "R004") == []


# -- W001-W003 work ----------------------------------------------------------------------------
def test_w001_healthy_working_age_marked_unable() -> None:
    h = hh()
    h.members[WIFE].fields.update(labor_skill="丧失劳动力", work_status="无", work_months=0)
    [f] = findings(h, "W001")
    assert FieldRef("labor_skill", "members", WIFE) in f.refs and "丧失劳动力" in f.message
    h.members[WIFE].fields["labor_skill"] = "无劳动力"
    assert len(findings(h, "W001")) == 1


def test_w001_working_age_ends_at_59_for_2016_records_and_65_later() -> None:
    h = hh()
    born(h, WIFE, date(1955, 6, 1))  # 61 at 2016-12-31, 62 at 2017-12-31
    h.members[WIFE].fields.update(labor_skill="无劳动力", work_status="无", work_months=0)
    assert findings(h, "W001") == []
    h.fields["year"] = 2017
    [f] = findings(h, "W001")
    assert "62岁" in f.message and "16-65岁" in f.message


def test_w001_near_miss_ill_member_student_and_elderly() -> None:
    h = five()
    h.members[HEAD].fields["labor_skill"] = "丧失劳动力"  # 长期慢性病
    born(h, DAUGHTER, date(1999, 5, 1))  # 17 and in school
    h.members[DAUGHTER].fields["labor_skill"] = "无劳动力"
    h.members[4].fields["labor_skill"] = "无劳动力"  # 71
    assert findings(h, "W001") == []


def test_w002_work_months_without_work() -> None:
    h = hh()
    h.members[WIFE].fields["work_status"] = "无"
    [f] = findings(h, "W002")
    assert f.refs[0] == FieldRef("work_status", "members", WIFE) and "7 个月" in f.message and "为“无”" in f.message
    h.members[WIFE].fields["work_status"] = None
    [f] = findings(h, "W002")
    assert "未填写" in f.message


def test_w002_near_miss_no_work_no_months_and_range_left_to_the_spec() -> None:
    h = hh()
    h.members[WIFE].fields.update(work_status="无", work_months=0)
    assert findings(h, "W002") == []
    h = hh()
    h.members[WIFE].fields["work_months"] = 13  # outside 0-12: the spec's range (F001), once
    assert findings(h, "W002") == []
    assert [f.refs for f in findings(h, "F001")] == [(FieldRef("work_months", "members", WIFE),)]


def test_w003_wages_without_a_worker() -> None:
    h = hh()
    for m in h.members:
        m.fields.update(work_status="无", work_months=0)
    [f] = findings(h, "W003")
    assert f.refs == (FieldRef("wage_income"),) and "10800" in f.message  # 3 members x 3600


def test_w003_near_miss_no_wages_or_a_worker() -> None:
    h = hh()
    assert findings(h, "W003") == []
    for m in h.members:
        m.fields.update(work_status="无", work_months=0)
    h.fields["wage_income"] = Decimal(0)
    assert findings(h, "W003") == []


# -- L001, L002, L005, L006 family logic ---------------------------------------------------------------
def test_l001_head_and_spouse_same_sex() -> None:
    h = hh()
    h.members[WIFE].fields["sex"] = "男"
    [f] = findings(h, "L001")
    assert "都是“男”" in f.message and FieldRef("sex", "members", WIFE) in f.refs


def test_l001_near_miss_spouse_who_died_or_other_sex() -> None:
    h = hh()
    assert findings(h, "L001") == []
    h.members[WIFE].fields.update(sex="男", change="死亡")
    assert findings(h, "L001") == []


@pytest.mark.parametrize(("relation", "sex"), [("之子", "女"), ("之女", "男"), ("之儿媳", "男"), ("之父", "女")])
def test_l002_relation_contradicts_sex(relation: str, sex: str) -> None:
    h = hh()
    h.members[DAUGHTER].fields.update(relation=relation, sex=sex)
    [f] = findings(h, "L002")
    assert f.refs[0] == FieldRef("relation", "members", DAUGHTER) and relation in f.message


def test_l002_near_miss_relations_without_a_sex() -> None:
    h = hh()
    for relation in ("其他", "配偶", "之女"):
        h.members[DAUGHTER].fields["relation"] = relation
        assert findings(h, "L002") == [], relation


def test_l005_pupil_of_13_in_high_school() -> None:
    h = hh()
    born(h, DAUGHTER, date(2003, 1, 1))  # 13 on 2016-12-31
    [f] = findings(h, "L005")
    assert f.severity == "warning" and "13岁" in f.message and "高中二年级" in f.message and "不满14岁" in f.message


def test_l005_near_miss_14_in_high_school() -> None:
    assert findings(hh(), "L005") == []  # the daughter is 15
    h = hh()
    born(h, DAUGHTER, date(2002, 1, 1))  # 14: NATIONAL.md §3 flags under 14
    assert findings(h, "L005") == []


def test_l006_pupil_of_17_in_primary_school() -> None:
    h = hh()
    born(h, DAUGHTER, date(1999, 12, 31))  # 17
    h.members[DAUGHTER].fields.update(school_status="小学", education="小学")
    [f] = findings(h, "L006")
    assert "17岁" in f.message and "超过16岁" in f.message
    assert f.refs == (FieldRef("school_status", "members", DAUGHTER),)


def test_l006_near_miss_16_in_primary_school_or_17_in_middle_school() -> None:
    h = hh()
    born(h, DAUGHTER, date(2000, 1, 1))  # 16
    h.members[DAUGHTER].fields["school_status"] = "学前教育"
    assert findings(h, "L006") == []
    born(h, DAUGHTER, date(1999, 12, 31))
    h.members[DAUGHTER].fields["school_status"] = "九年级"
    assert findings(h, "L006") == []


def test_h006_member_who_left_still_on_dibao() -> None:
    h = hh()
    h.members[DAUGHTER].fields.update(change="嫁出", on_dibao=True)
    [f] = findings(h, "H006")
    assert "嫁出" in f.message and f.refs[0] == FieldRef("on_dibao", "members", DAUGHTER)


def test_h006_near_miss_left_without_dibao_or_still_here() -> None:
    h = hh()
    h.members[DAUGHTER].fields.update(change="嫁出", on_dibao=False)
    h.members[WIFE].fields.update(change="嫁入", on_dibao=True)
    assert findings(h, "H006") == []


# -- C001-C003 causes against the members --------------------------------------------------------------
def test_c001_ill_cause_but_everyone_healthy() -> None:
    h = hh()
    h.members[HEAD].fields["health"] = "健康"
    [f] = findings(h, "C001")
    assert f.refs == (FieldRef("main_cause"),) and "主要致贫原因为“因病”" in f.message
    h.fields.update(main_cause="缺资金", other_causes=["因病"])
    [f] = findings(h, "C001")
    assert f.refs == (FieldRef("other_causes"),) and "其他致贫原因含“因病”" in f.message


def test_c001_near_miss_someone_ill_or_another_cause() -> None:
    h = hh()
    assert findings(h, "C001") == []  # the head: 长期慢性病
    h.members[HEAD].fields["health"] = "健康"
    h.fields["main_cause"] = "缺技术"
    h.fields["other_causes"] = ["缺资金"]
    assert findings(h, "C001") == []


def test_c002_school_cause_without_a_student() -> None:
    h = hh()
    h.fields.update(main_cause="因学", other_causes=[])
    h.members[DAUGHTER].fields["school_status"] = "非在校生"
    [f] = findings(h, "C002")
    assert "没有在校生" in f.message


def test_c002_near_miss_a_student_counts_even_in_kindergarten() -> None:
    h = hh()
    h.fields.update(main_cause="因学", other_causes=[])
    assert findings(h, "C002") == []
    h.members[DAUGHTER].fields["school_status"] = "学前教育"
    assert findings(h, "C002") == []


def test_c003_disability_cause_without_a_disabled_member() -> None:
    h = hh()
    h.fields.update(main_cause="因残", other_causes=[])
    [f] = findings(h, "C003")
    assert "残疾" in f.message and f.refs == (FieldRef("main_cause"),)


def test_c003_near_miss_a_disabled_member() -> None:
    h = hh()
    h.fields.update(main_cause="因残", other_causes=[])
    h.members[WIFE].fields.update(health="残疾", labor_skill="弱劳动力或半劳动力")
    assert findings(h, "C003") == []


# -- D001-D004 低保 / 五保 ----------------------------------------------------------------------------------
def test_d001_dibao_household_without_a_member_on_dibao() -> None:
    h = hh()
    for m in h.members:
        m.fields["on_dibao"] = False
    [f] = findings(h, "D001")
    assert f.refs[0] == FieldRef("household_type") and f.severity == "error"


def test_d001_near_miss_one_member_on_dibao_or_general_household() -> None:
    h = hh()
    for m in h.members[1:]:
        m.fields["on_dibao"] = False
    assert findings(h, "D001") == []
    h.members[HEAD].fields["on_dibao"] = False
    h.fields["household_type"] = "一般贫困户"
    assert findings(h, "D001") == []


def test_d002_wubao_household_with_an_able_member() -> None:
    h = hh()
    h.fields.update(household_type="五保贫困户", dibao_money=Decimal(0), wubao_money=Decimal(2400))
    assert len(findings(h, "D002")) == 2  # the head (普通劳动力) and his wife
    h.members[HEAD].fields["labor_skill"] = "丧失劳动力"
    [f] = findings(h, "D002")
    assert "46岁" in f.message and "技能劳动力" in f.message
    assert f.refs[0] == FieldRef("labor_skill", "members", WIFE)


def test_d002_near_miss_wubao_person_of_70_or_unable() -> None:
    h = hh(("王德全",))
    born(h, HEAD, date(1946, 3, 1))  # 70
    h.members[HEAD].fields.update(labor_skill="普通劳动力")
    h.fields.update(household_type="五保贫困户")
    assert findings(h, "D002") == []
    born(h, HEAD, date(1966, 3, 1))  # 50, but unable
    h.members[HEAD].fields.update(labor_skill="丧失劳动力")
    assert findings(h, "D002") == []


def test_d003_dibao_and_wubao_money_both_paid() -> None:
    h = hh()
    h.fields["wubao_money"] = Decimal(2400)
    [f] = findings(h, "D003")
    assert "1800" in f.message and "2400" in f.message
    assert f.refs == (FieldRef("dibao_money"), FieldRef("wubao_money"))


def test_d003_near_miss_one_of_them_zero_or_blank() -> None:
    h = hh()
    h.fields["wubao_money"] = None
    assert findings(h, "D003") == []


def test_d004_type_and_money_disagree() -> None:
    h = hh()
    h.fields["dibao_money"] = Decimal(0)
    assert ["低保金为 0" in f.message for f in findings(h, "D004")] == [True]
    h = hh()
    h.fields.update(household_type="五保贫困户", dibao_money=Decimal(0), wubao_money=None)
    assert ["五保金为 0" in f.message for f in findings(h, "D004")] == [True]
    h = hh()
    h.fields.update(household_type="一般贫困户", dibao_money=Decimal(0), wubao_money=Decimal(900))
    [f] = findings(h, "D004")
    assert "五保金 900 元" in f.message and "一般贫困户" in f.message
    h = hh()
    h.fields["household_type"] = "一般贫困户"
    for m in h.members:
        m.fields["on_dibao"] = False
    [f] = findings(h, "D004")
    assert "低保金 1800 元" in f.message


def test_d004_near_miss_general_household_with_one_member_on_dibao() -> None:
    h = hh()
    h.fields["household_type"] = "一般贫困户"  # 低保金 for the head alone (单人保)
    assert findings(h, "D004") == []


# -- I001-I003 income -----------------------------------------------------------------------------
def test_i001_business_income_without_cost() -> None:
    h = hh()
    h.fields["business_cost"] = None
    [f] = findings(h, "I001")
    assert "2400" in f.message and f.refs == (FieldRef("business_cost"),)


def test_i001_near_miss_cost_given_or_no_business() -> None:
    h = hh()
    assert findings(h, "I001") == []
    h.fields.update(business_income=Decimal(0), business_cost=Decimal(0))
    assert findings(h, "I001") == []


def only_wages(h: Household, wages: str) -> Household:
    for key in ("wage_income", "business_income", "property_income", "family_planning", "dibao_money",
                "wubao_money", "pension_money", "eco_compensation", "other_transfer", "business_cost"):
        h.fields[key] = Decimal(0)
    h.fields["wage_income"] = Decimal(wages)
    return h


def test_i002_per_capita_income_zero_or_above_the_limit() -> None:
    [f] = findings(only_wages(hh(), "0"), "I002")
    assert "不大于 0" in f.message and f.refs[0] == FieldRef("per_capita_income")
    [f] = findings(only_wages(hh(), "300003"), "I002")  # 100001 per person
    assert "100001" in f.message and "100000" in f.message


def test_i002_near_miss_exactly_the_limit_or_a_raised_limit() -> None:
    assert findings(only_wages(hh(), "300000"), "I002") == []
    raised = Policy(limits=Limits(per_capita_income_max=Decimal(200000)))
    assert findings(only_wages(hh(), "300003"), "I002", ctx(raised)) == []


def test_i003_above_the_line_but_not_exited_with_the_numbers() -> None:
    h = only_wages(hh(), "9000")  # 3000 per person, 2016 line 2952
    h.fields["exit_flag"] = "未脱贫"
    [f] = findings(h, "I003")
    assert f.severity == "warning"
    assert "3000 元" in f.message and "2016年扶贫标准（国家标准）2952 元" in f.message and "高出 48 元" in f.message
    assert f.refs == (FieldRef("per_capita_income"), FieldRef("exit_flag"))


def test_i003_near_miss_on_the_line_or_exited() -> None:
    h = only_wages(hh(), "8856")  # 2952 per person: on the line, not above it
    h.fields["exit_flag"] = "未脱贫"
    assert findings(h, "I003") == []
    h = only_wages(hh(), "9000")
    h.fields["exit_flag"] = "脱贫"
    assert findings(h, "I003") == []


def test_i003_the_line_comes_from_the_policy_and_the_households_standard() -> None:
    h = only_wages(hh(), "9000")  # 3000 per person
    h.fields.update(exit_flag="未脱贫", standard="省定标准", year=2016)
    provincial = Policy().with_line("省定标准", 2015, Decimal(3100))
    assert findings(h, "I003", ctx(provincial)) == []  # 省定 3100 (2015 entry carries to 2016)
    h.fields["standard"] = "国家标准"
    assert len(findings(h, "I003", ctx(provincial))) == 1  # the national 2952
    h.fields.update(standard="市定标准", year=2020)  # no 市定 table: the county's standard, 2017's 3335
    assert findings(h, "I003", ctx(provincial)) == []


# -- L003, L004 land and road -------------------------------------------------------------------------
def test_l003_land_per_person_above_the_limits() -> None:
    h = hh()
    h.fields.update(farmland=Decimal("150.03"), forest=Decimal("210.03"))  # 3 people
    found = findings(h, "L003")
    assert [f.refs for f in found] == [(FieldRef("farmland"),), (FieldRef("forest"),)]
    assert "人均 50.01 亩，超过 50 亩" in found[0].message and "超过 70 亩" in found[1].message


def test_l003_near_miss_on_the_limit_or_a_raised_forest_limit() -> None:
    h = hh()
    h.fields.update(farmland=Decimal(150), forest=Decimal(210))
    assert findings(h, "L003") == []
    h.fields["forest"] = Decimal(300)
    assert findings(h, "L003", ctx(Policy(limits=Limits(forest_per_person=Decimal(120))))) == []


def test_l004_road_too_far() -> None:
    h = hh()
    h.fields["road_distance"] = Decimal("2.1")
    [f] = findings(h, "L004")
    assert "2.1 公里" in f.message and "超过 2 公里" in f.message


def test_l004_near_miss_two_km_or_a_raised_limit() -> None:
    h = hh()
    h.fields["road_distance"] = Decimal(2)
    assert findings(h, "L004") == []
    h.fields["road_distance"] = Decimal(8)
    assert findings(h, "L004", ctx(Policy(limits=Limits(road_distance_km=Decimal(10))))) == []


# -- S001, E001 the county's policy ---------------------------------------------------------------------
def test_s001_household_type_out_of_the_countys_scope() -> None:
    h = hh()
    [f] = findings(h, "S001", ctx(Policy(dibao_in_scope=False)))
    assert "低保户" in f.message and f.refs == (FieldRef("household_type"),)


def test_s001_near_miss_default_scope_or_other_type_excluded() -> None:
    h = hh()
    assert findings(h, "S001") == []
    assert findings(h, "S001", ctx(Policy(wubao_in_scope=False))) == []


def test_e001_household_with_an_exclusion_the_county_applies() -> None:
    h = hh()
    h.fields["exclusions"] = ["土地撂荒"]
    [f] = findings(h, "E001", ctx(Policy(exclusions=("土地撂荒", "违反计划生育"))))
    assert "土地撂荒" in f.message and f.refs == (FieldRef("exclusions"),)


def test_e001_near_miss_no_exclusion_or_one_the_county_does_not_apply() -> None:
    h = hh()
    h.fields["exclusions"] = ["赌博吸毒等违法"]
    assert findings(h, "E001") == []  # by default the county applies none
    assert findings(h, "E001", ctx(Policy(exclusions=("土地撂荒",)))) == []
    h.fields["exclusions"] = []
    assert findings(h, "E001", ctx(Policy(exclusions=("土地撂荒",)))) == []


# -- X001-X006 the other households ------------------------------------------------------------------
OTHER = HouseholdRecord(id=2, number="5108221050020030001", village="兴龙村", group="三组", head_name="王五",
                        size=4, phone="13800000000")


def records(*persons: PersonRecord, households: tuple[HouseholdRecord, ...] = (OTHER,)) -> MemoryRecords:
    r = MemoryRecords(households={h.id: h for h in households})
    r.add_persons(persons)
    return r


def test_x001_person_registered_in_another_household() -> None:
    h = hh()
    number = h.members[WIFE].get("id_number")
    [f] = findings(h, "X001", ctx(records=records(PersonRecord(2, "阿依古丽·买买提", number))))
    assert f.refs == (FieldRef("id_number", "members", WIFE),) and f.related == (2,)
    assert "兴龙村三组 户编号 5108221050020030001（户主王五）" in f.message and number in f.message


def test_x001_near_miss_moved_out_there_or_only_here_or_no_records() -> None:
    h = hh()
    number = h.members[WIFE].get("id_number")
    assert findings(h, "X001", ctx(records=records(PersonRecord(2, "阿依古丽·买买提", number, "嫁出")))) == []
    assert findings(h, "X001", ctx(records=records(PersonRecord(1, "阿依古丽·买买提", number)))) == []
    assert findings(h, "X001") == []


def test_x002_household_number_used_twice() -> None:
    h = hh()
    other = dataclasses.replace(OTHER, number=h.fields["number"])
    [f] = findings(h, "X002", ctx(records=records(households=(other,))))
    assert f.refs == (FieldRef("number"),) and f.related == (2,) and "王五" in f.message


def test_x002_near_miss_its_own_number_or_a_new_household() -> None:
    h = hh()
    itself = dataclasses.replace(OTHER, id=1, number=h.fields["number"])
    assert findings(h, "X002", ctx(records=records(households=(itself, OTHER)))) == []
    h.id = None  # a new household: every stored one is another
    assert len(findings(h, "X002", ctx(records=records(households=(itself,))))) == 1


def test_x003_stored_size_differs_from_the_member_rows() -> None:
    h = hh()
    h.members[DAUGHTER].fields["change"] = "死亡"
    stored = dataclasses.replace(OTHER, id=1, size=3)
    [f] = findings(h, "X003", ctx(records=records(households=(stored,))))
    assert "登记的家庭人口为 3 人" in f.message and "在册成员却是 2 人" in f.message and "1 人已死亡" in f.message


def test_x003_near_miss_same_size_or_size_not_declared() -> None:
    h = hh()
    stored = dataclasses.replace(OTHER, id=1, size=3)
    assert findings(h, "X003", ctx(records=records(households=(stored,)))) == []
    assert findings(h, "X003", ctx(records=records())) == []


def test_x004_helper_is_a_registered_poor_person() -> None:
    h = hh()
    helper_id = h.helpers[0].get("id_number")
    [f] = findings(h, "X004", ctx(records=records(PersonRecord(2, "赵六", helper_id))))
    assert f.refs == (FieldRef("id_number", "helpers", 0),) and "赵六" in f.message and f.related == (2,)
    h.helpers[1].fields["id_number"] = h.members[WIFE].get("id_number")  # a member of this very household
    found = findings(h, "X004")  # no records needed for that
    assert [x.refs for x in found] == [(FieldRef("id_number", "helpers", 1),)]
    assert "本户成员阿依古丽·买买提" in found[0].message


def test_x004_near_miss_the_person_died_or_no_match() -> None:
    h = hh()
    helper_id = h.helpers[0].get("id_number")
    assert findings(h, "X004", ctx(records=records(PersonRecord(2, "赵六", helper_id, "死亡")))) == []
    assert findings(h, "X004", ctx(records=records())) == []


def test_x005_helper_without_id_named_like_a_member() -> None:
    h = hh()
    h.helpers[0].fields.update(id_number=None, name="李小红")
    [f] = findings(h, "X005")
    assert "与本户成员同名" in f.message and f.refs == (FieldRef("name", "helpers", 0),)
    h = hh()
    h.helpers[0].fields.update(id_number=None, name="赵六", phone="13800000000")
    r = records()
    r.persons_by_name_phone[("赵六", "13800000000")] = [PersonRecord(2, "赵六", "x")]
    [f] = findings(h, "X005", ctx(records=r))
    assert "联系电话也相同（13800000000）" in f.message and f.related == (2,)


def test_x005_near_miss_same_name_elsewhere_with_another_phone_or_an_id_given() -> None:
    h = hh()
    h.helpers[0].fields.update(id_number=None, name="赵六", phone="13900000000")
    r = records()
    r.persons_by_name_phone[("赵六", "13800000000")] = [PersonRecord(2, "赵六", "x")]
    assert findings(h, "X005", ctx(records=r)) == []
    h = hh()
    h.helpers[0].fields["name"] = "李小红"  # with an ID number X004 decides, by the number
    assert findings(h, "X005") == []


def test_x006_dead_person_still_counted_here() -> None:
    h = hh()
    number = h.members[WIFE].get("id_number")
    [f] = findings(h, "X006", ctx(records=records(PersonRecord(2, "阿依古丽·买买提", number, "死亡"))))
    assert "已登记为“死亡”" in f.message and f.refs == (FieldRef("change", "members", WIFE),)
    assert findings(h, "X001", ctx(records=records(PersonRecord(2, "阿依古丽·买买提", number, "死亡")))) == []


def test_x006_near_miss_married_out_of_the_other_household() -> None:
    h = hh()
    number = h.members[WIFE].get("id_number")
    assert findings(h, "X006", ctx(records=records(PersonRecord(2, "阿依古丽·买买提", number, "嫁出")))) == []


def test_x007_person_number_used_twice_here_or_in_another_household() -> None:
    h = hh()
    h.members[HEAD].fields["person_number"] = "51082210500100010001"
    h.members[WIFE].fields["person_number"] = "51082210500100010001"
    [f] = findings(h, "X007")
    assert f.refs == (FieldRef("person_number", "members", WIFE),) and "第 1 行" in f.message
    h.members[WIFE].fields["person_number"] = "51082210500100010002"
    r = records()
    r.persons_by_person_number["51082210500100010002"] = [PersonRecord(2, "王五", "")]
    [f] = findings(h, "X007", ctx(records=r))
    assert f.related == (2,) and "兴龙村三组 户编号 5108221050020030001" in f.message and "王五" in f.message


def test_x007_near_miss_distinct_numbers_blank_numbers_or_only_this_household() -> None:
    h = hh()
    h.members[HEAD].fields["person_number"] = "51082210500100010001"
    h.members[WIFE].fields["person_number"] = None
    r = records()
    r.persons_by_person_number["51082210500100010001"] = [PersonRecord(1, "张三", "")]  # this household itself
    assert findings(h, "X007", ctx(records=r)) == []
    assert findings(h, "X007") == []


# -- the policy profile ------------------------------------------------------------------------------
def test_policy_defaults_are_domain_section_3() -> None:
    p = Policy()
    assert p.standard == "国家标准" and p.publicity_days == 7 and p.wubao_in_scope and p.dibao_in_scope
    assert p.income_lines["国家标准"] == NATIONAL_LINES
    assert {y: int(a) for y, a in NATIONAL_LINES.items()} == {
        2010: 2300, 2013: 2736, 2014: 2800, 2015: 2855, 2016: 2952, 2017: 3335}
    assert p.priority_flags == ("残疾人家庭", "独生子女户", "纯女户") and p.exclusions == ()


def test_income_line_takes_the_latest_entry_at_or_before_the_year() -> None:
    p = Policy()
    assert p.income_line(2015).amount == 2855
    assert p.income_line(2020).amount == 3335 and p.income_line(2020).year == 2017
    assert p.income_line(2012).amount == 2300
    assert p.income_line(2009) is None and p.income_line(None) is None
    p = p.with_line("省定标准", 2016, Decimal(3100))
    assert p.income_line(2016, "省定标准").standard == "省定标准"
    assert p.income_line(2015, "省定标准").standard == "国家标准"  # no 省定 entry yet: national


def test_policy_json_round_trip_and_lenient_store_reading() -> None:
    p = Policy(standard="省定标准", wubao_in_scope=False, publicity_days=5, priority_flags=("纯女户",),
               exclusions=("土地撂荒",), limits=Limits(forest_per_person=Decimal("120.5")))
    p = p.with_line("省定标准", 2016, Decimal(3100))
    assert Policy.from_json(p.to_json()) == p
    data = {**p.to_json(), "future_setting": 1}
    with pytest.raises(PolicyError, match="future_setting"):
        Policy.from_json(data)
    assert Policy.from_json(data, strict=False) == p


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"standard": "县定标准"}, "识别标准"),
        ({"income_lines": {"国家标准": {"2016": -1}}}, "大于 0"),
        ({"income_lines": {"国家标准": {"二〇一六": 2952}}}, "不是年份"),
        ({"publicity_days": 0}, "1-60"),
        ({"publicity_days": True}, "1-60"),
        ({"wubao_in_scope": "否"}, "true 或 false"),
        ({"exclusions": ["打麻将"]}, "打麻将"),
        ({"limits": {"road_distance_km": 0}}, "大于 0"),
        ({"format_version": 99}, "更新版本"),
        ([], "JSON 对象"),
    ],
)
def test_policy_refuses_bad_values_in_chinese(data: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        Policy.from_json(data)


def test_policy_document_carries_the_township_and_reads_back() -> None:
    from fupin_desktop.domain.township import Township, Village

    town = Township(code="510822105", name="茶坝乡", county="青川县",
                    villages=[Village(name="炉场村", quota=95, groups=["一组"])])
    doc = policy_document(Policy(publicity_days=5), town, exported_at="2024-06-01T00:00:00")
    assert doc["format"] == "fupin-policy" and doc["township"]["villages"][0]["quota"] == 95
    policy, township = policy_from_document(doc)
    assert policy.publicity_days == 5 and township["name"] == "茶坝乡"
    assert policy_from_document(Policy(publicity_days=6).to_json())[0].publicity_days == 6  # a bare profile
    with pytest.raises(PolicyError, match="不是政策参数文件"):
        policy_from_document({"format": "fupin-batch"})


def test_priority_flags_are_derived_from_the_household() -> None:
    h = hh()  # two parents and a daughter
    h.fields["only_child"] = True
    assert priority_flags(h, Policy()) == ["独生子女户", "纯女户"]
    h.members[WIFE].fields["health"] = "残疾"
    assert priority_flags(h, Policy()) == ["残疾人家庭", "独生子女户", "纯女户"]
    assert priority_flags(h, Policy(priority_flags=("纯女户",))) == ["纯女户"]
    h.members.append(Row(fields={"relation": "之子", "sex": "男"}))
    h.fields["only_child"] = False
    assert priority_flags(h, Policy()) == ["残疾人家庭"]
