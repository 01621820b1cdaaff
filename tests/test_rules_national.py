"""The national 疑点 checks of NATIONAL.md §3 added in ``rules.national``, and their catalogue.

Each rule: a case that trips it and a near miss that stays silent.  The base household is
``tests.test_rules_quality.hh`` (registration year 2016): the head 𠮷祥 48 (ill, works), his
wife 46 (healthy, works) and their daughter 15 (高中二年级); 低保户, 已脱贫（享受政策）, 因病.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from fupin_desktop.rules import FieldRef, all_rules
from fupin_desktop.rules.catalogue import CHECKS, markdown_table, national_refs
from fupin_desktop.rules.policy import Limits, Policy
from tests.test_rules_quality import DAUGHTER, HEAD, WIFE, born, ctx, findings, hh

ROOT = Path(__file__).resolve().parents[1]


def limits(**values: int) -> Policy:
    return Policy(limits=dataclasses.replace(Limits(), **{k: Decimal(v) for k, v in values.items()}))


# -- the catalogue ------------------------------------------------------------------------------------
def test_catalogue_names_only_registered_rules_and_every_new_rule_has_a_check() -> None:
    ids = {r.id for r in all_rules()}
    for check in CHECKS:
        assert set(check.rules) <= ids, check
        assert check.rules or check.note, check
    for rule_id in ("K003", "K004", "K005", "K006", "G001", "G002", "G003", "G004", "C004", "C005", "C006",
                    "W004", "W005", "W006", "W007", "W008", "W009", "P001", "P002", "P003",
                    "D005", "D006", "D008", "Z001", "Z002", "Z003", "B001", "B002", "B003", "B004", "M001"):
        assert national_refs(rule_id), rule_id


def test_readme_carries_the_catalogue_table() -> None:
    text = (ROOT / "forms" / "README.md").read_text(encoding="utf-8")
    start, end = text.index("<!-- national-checks:start -->"), text.index("<!-- national-checks:end -->")
    assert text[start:end].split("\n", 1)[1].strip() == markdown_table()


def test_rules_json_lists_the_national_reference() -> None:
    out = subprocess.run([sys.executable, "-m", "fupin_desktop.cli", "rules", "--json"], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    rules = {r["rule"]: r for r in json.loads(out.stdout)}
    assert rules["K005"]["national"] == ["身份 10"]
    assert rules["H001"]["national"] == ["身份 9"]
    assert rules["S001"]["national"] == []
    assert all(isinstance(r["national"], list) for r in rules.values())


# -- Identity ------------------------------------------------------------------------------------------
def test_k003_disabled_member_without_a_disability_card() -> None:
    h = hh()
    h.members[WIFE].fields["health"] = "残疾"
    [f] = findings(h, "K003")
    assert "阿依古丽·买买提" in f.message and "20位" in f.message
    assert f.refs == (FieldRef("id_type", "members", WIFE), FieldRef("health", "members", WIFE))


def test_k003_near_miss_card_holder_or_not_disabled() -> None:
    h = hh()
    assert findings(h, "K003") == []
    m = h.members[WIFE]
    m.fields.update(health="残疾", id_type="残疾人证", id_number=str(m.get("id_number")) + "12")
    assert findings(h, "K003") == []


def test_k004_card_holder_marked_healthy() -> None:
    h = hh()
    m = h.members[WIFE]
    m.fields.update(id_type="残疾人证", id_number=str(m.get("id_number")) + "12")
    [f] = findings(h, "K004")
    assert f.refs[0] == FieldRef("health", "members", WIFE)


def test_k004_near_miss_card_holder_disabled() -> None:
    h = hh()
    m = h.members[WIFE]
    m.fields.update(id_type="残疾人证", id_number=str(m.get("id_number")) + "12", health="残疾")
    assert findings(h, "K004") == []


def test_k005_two_spouses() -> None:
    h = hh()
    h.members[DAUGHTER].fields.update(relation="配偶")
    [f] = findings(h, "K005")
    assert "2 位" in f.message and len(f.refs) == 2


def test_k005_near_miss_second_spouse_died() -> None:
    h = hh()
    h.members[DAUGHTER].fields.update(relation="配偶", change="死亡")
    assert findings(h, "K005") == []


def test_k006_more_than_seven_persons() -> None:
    h = hh(names=tuple(f"成员{i}" for i in range(8)))
    [f] = findings(h, "K006")
    assert "8 人" in f.message and "7 人" in f.message


def test_k006_near_miss_seven_persons_or_a_raised_limit() -> None:
    assert findings(hh(names=tuple(f"成员{i}" for i in range(7))), "K006") == []
    assert findings(hh(names=tuple(f"成员{i}" for i in range(8))), "K006", ctx(limits(household_size_max=8))) == []


# -- Ranges ---------------------------------------------------------------------------------------------
def only_income(h, per_person: str):  # type: ignore[no-untyped-def]
    for key in ("business_income", "property_income", "family_planning", "dibao_money", "wubao_money",
                "pension_money", "eco_compensation", "other_transfer", "business_cost"):
        h.fields[key] = Decimal(0)
    h.fields["wage_income"] = Decimal(per_person) * len(h.members)
    return h


def test_g001_per_capita_income_under_500_or_over_30000() -> None:
    [low] = findings(only_income(hh(), "499"), "G001")
    assert "499" in low.message and "500" in low.message
    [high] = findings(only_income(hh(), "30001"), "G001")
    assert "30001" in high.message and "30000" in high.message


def test_g001_near_miss_on_the_bounds_or_a_county_limit() -> None:
    assert findings(only_income(hh(), "500"), "G001") == []
    assert findings(only_income(hh(), "30000"), "G001") == []
    assert findings(only_income(hh(), "40000"), "G001", ctx(limits(per_capita_income_high=50000))) == []


def test_g002_land_per_household_above_the_national_limits() -> None:
    h = hh()
    h.fields.update(farmland=Decimal("10.5"), irrigated=Decimal(1), pasture=Decimal(51))
    found = findings(h, "G002")
    assert [f.refs for f in found] == [(FieldRef("farmland"),), (FieldRef("pasture"),)]
    assert "10.5" in found[0].message and "10 亩" in found[0].message


def test_g002_near_miss_on_the_limit() -> None:
    h = hh()
    h.fields.update(farmland=Decimal(10), forest=Decimal(50), pasture=Decimal(50), water_surface=Decimal(50),
                    orchard=Decimal(50))
    assert findings(h, "G002") == []


def test_g003_housing_above_500() -> None:
    h = hh()
    h.fields["housing_area"] = Decimal("500.5")
    [f] = findings(h, "G003")
    assert "500.5" in f.message


def test_g003_near_miss_500() -> None:
    h = hh()
    h.fields["housing_area"] = Decimal(500)
    assert findings(h, "G003") == []


def test_g004_irrigated_larger_than_farmland() -> None:
    h = hh()
    h.fields.update(farmland=Decimal(3), irrigated=Decimal("3.5"))
    [f] = findings(h, "G004")
    assert "3.5" in f.message and f.refs == (FieldRef("irrigated"), FieldRef("farmland"))


def test_g004_near_miss_equal_areas() -> None:
    h = hh()
    h.fields.update(farmland=Decimal(3), irrigated=Decimal(3))
    assert findings(h, "G004") == []


# -- Causes ---------------------------------------------------------------------------------------------
def test_c004_three_other_causes() -> None:
    h = hh()
    h.fields["other_causes"] = ["缺技术", "缺资金", "因灾"]
    [f] = findings(h, "C004")
    assert "3 项" in f.message


def test_c004_near_miss_two_or_none() -> None:
    h = hh()
    assert findings(h, "C004") == []
    h.fields["other_causes"] = []
    assert findings(h, "C004") == []


def three_labourers(h):  # type: ignore[no-untyped-def]
    h.fields.update(main_cause="缺劳力", exit_flag="未脱贫", household_type="低保贫困户")
    for m in h.members:
        m.fields["labor_skill"] = "普通劳动力"
    return h


def test_c005_short_of_labour_with_three_labourers() -> None:
    [f] = findings(three_labourers(hh()), "C005")
    assert "3 个" in f.message and f.refs == (FieldRef("main_cause"),)


def test_c005_near_miss_two_labourers_or_exited() -> None:
    h = three_labourers(hh())
    h.members[DAUGHTER].fields["labor_skill"] = "无劳动力"
    assert findings(h, "C005") == []
    h = three_labourers(hh())
    h.fields["exit_flag"] = "已脱贫（享受政策）"
    assert findings(h, "C005") == []


def test_c006_general_household_above_the_line_not_ill() -> None:
    h = only_income(hh(), "3000")
    h.fields.update(household_type="一般贫困户", main_cause="缺资金", exit_flag="未脱贫")
    [f] = findings(h, "C006")
    assert "3000" in f.message and "2952" in f.message


def test_c006_near_miss_below_the_line_or_ill() -> None:
    h = only_income(hh(), "2952")
    h.fields.update(household_type="一般贫困户", main_cause="缺资金", exit_flag="未脱贫")
    assert findings(h, "C006") == []
    h = only_income(hh(), "3000")
    h.fields.update(household_type="一般贫困户", main_cause="因病", exit_flag="未脱贫")
    assert findings(h, "C006") == []


# -- Work -----------------------------------------------------------------------------------------------
def test_w004_wages_without_months_and_months_without_wages() -> None:
    h = hh()
    for m in h.members:
        m.fields["work_months"] = 0
    [f] = findings(h, "W004")
    assert "10800" in f.message
    h = hh()
    h.fields["wage_income"] = Decimal(0)
    [f] = findings(h, "W004")
    assert "6 个月" in f.message


def test_w004_near_miss_wages_with_months_or_neither() -> None:
    h = hh()
    assert findings(h, "W004") == []
    h.fields["wage_income"] = Decimal(0)
    for m in h.members:
        m.fields.update(work_months=0, work_status="无")
    assert findings(h, "W004") == []


def test_w005_worker_without_place_or_company() -> None:
    h = hh()
    h.members[WIFE].fields.update(work_place="", work_company=None)
    found = findings(h, "W005")
    assert [f.refs for f in found] == [(FieldRef("work_place", "members", WIFE),),
                                       (FieldRef("work_company", "members", WIFE),)]


def test_w005_near_miss_non_worker_without_place() -> None:
    h = hh()
    h.members[DAUGHTER].fields.update(work_place="", work_company="")
    assert findings(h, "W005") == []


def test_w006_member_without_labour_works() -> None:
    h = hh()
    h.members[WIFE].fields["labor_skill"] = "无劳动力"
    [f] = findings(h, "W006")
    assert f.refs[0] == FieldRef("labor_skill", "members", WIFE)


def test_w006_near_miss_no_labour_no_work() -> None:
    h = hh()
    assert h.members[DAUGHTER].get("labor_skill") == "无劳动力"
    assert findings(h, "W006") == []


def test_w007_under_16_with_labour() -> None:
    h = hh()
    h.members[DAUGHTER].fields["labor_skill"] = "普通劳动力"
    [f] = findings(h, "W007")
    assert "15岁" in f.message and "16" in f.message


def test_w007_near_miss_sixteen_at_the_time_point() -> None:
    h = hh()
    born(h, DAUGHTER, date(2000, 12, 31))  # 16 on 2016-12-31
    h.members[DAUGHTER].fields["labor_skill"] = "普通劳动力"
    assert findings(h, "W007") == []


def test_w008_healthy_member_lost_labour() -> None:
    h = hh()
    h.members[DAUGHTER].fields["labor_skill"] = "丧失劳动力"
    [f] = findings(h, "W008")
    assert f.refs == (FieldRef("labor_skill", "members", DAUGHTER), FieldRef("health", "members", DAUGHTER))


def test_w008_near_miss_ill_member_lost_labour_or_healthy_child_without_labour() -> None:
    h = hh()
    h.members[HEAD].fields.update(labor_skill="丧失劳动力", work_status="无", work_months=0)
    assert findings(h, "W008") == []


def elderly_labourer(h):  # type: ignore[no-untyped-def]
    born(h, HEAD, date(1950, 1, 1))  # 66 at 2016-12-31
    h.fields.update(wage_income=Decimal(0), business_income=Decimal(0))
    for m in h.members:
        m.fields.update(work_status="无", work_months=0)
    return h


def test_w009_over_65_with_labour_and_no_work_income() -> None:
    [f] = findings(elderly_labourer(hh()), "W009")
    assert "66岁" in f.message


def test_w009_near_miss_business_income_or_no_labour() -> None:
    h = elderly_labourer(hh())
    h.fields["business_income"] = Decimal(800)
    assert findings(h, "W009") == []
    h = elderly_labourer(hh())
    h.members[HEAD].fields["labor_skill"] = "无劳动力"
    assert findings(h, "W009") == []


# -- School ---------------------------------------------------------------------------------------------
def test_p001_student_over_30() -> None:
    h = hh()
    h.members[WIFE].fields["school_status"] = "大专及以上"
    [f] = findings(h, "P001")
    assert "46岁" in f.message and "30" in f.message


def test_p001_near_miss_thirty() -> None:
    h = hh()
    born(h, DAUGHTER, date(1986, 12, 31))  # 30 at 2016-12-31
    h.members[DAUGHTER].fields["school_status"] = "大专及以上"
    assert findings(h, "P001") == []


def test_p002_healthy_child_out_of_school() -> None:
    h = hh()
    born(h, DAUGHTER, date(2004, 1, 1))  # 12
    h.members[DAUGHTER].fields["school_status"] = "非在校生"
    [f] = findings(h, "P002")
    assert "12岁" in f.message and "控辍保学" in f.message


def test_p002_near_miss_fifteen_or_disabled_or_in_school() -> None:
    h = hh()
    h.members[DAUGHTER].fields["school_status"] = "非在校生"  # 15
    assert findings(h, "P002") == []
    born(h, DAUGHTER, date(2004, 1, 1))
    h.members[DAUGHTER].fields["health"] = "残疾"
    assert findings(h, "P002") == []


def test_p003_education_and_school_status_both_or_neither_from_2021() -> None:
    h = hh()
    h.fields["year"] = 2021
    born(h, DAUGHTER, date(2005, 6, 1))  # 16, 高中二年级, 文化程度 初中 filled
    [f] = findings(h, "P003")
    assert "请清空文化程度" in f.message


def test_p003_near_miss_before_2021() -> None:
    assert findings(hh(), "P003") == []


def test_d002_wubao_labourer_of_59_but_not_60() -> None:
    h = hh(names=("𠮷祥",))
    h.fields.update(household_type="五保户", dibao_money=Decimal(0), wubao_money=Decimal(2400))
    born(h, HEAD, date(1957, 6, 1))  # 59
    [f] = findings(h, "D002")
    assert "59岁（16-59岁）" in f.message
    born(h, HEAD, date(1956, 6, 1))  # 60: NATIONAL.md §3 flags 16-59 only
    assert findings(h, "D002") == []


# -- Social security -----------------------------------------------------------------------------------
def test_d005_dibao_under_100() -> None:
    h = hh()
    h.fields["dibao_money"] = Decimal(99)
    [f] = findings(h, "D005")
    assert "99" in f.message and "100" in f.message


def test_d005_near_miss_100() -> None:
    h = hh()
    h.fields["dibao_money"] = Decimal(100)
    assert findings(h, "D005") == []


def test_d006_dibao_money_or_member_on_dibao_outside_a_dibao_household() -> None:
    h = hh()
    h.fields.update(household_type="一般贫困户", exit_flag="未脱贫")
    found = findings(h, "D006")
    assert "1800" in found[0].message and "一般贫困户" in found[1].message


def test_d006_near_miss_general_household_without_dibao() -> None:
    h = hh()
    h.fields.update(household_type="一般贫困户", exit_flag="未脱贫", dibao_money=Decimal(0))
    for m in h.members:
        m.fields["on_dibao"] = False
    assert findings(h, "D006") == []


def test_d008_pension_and_members_of_60() -> None:
    h = hh()
    born(h, HEAD, date(1956, 6, 1))  # 60, no pension
    [f] = findings(h, "D008")
    assert "60岁" in f.message
    h.fields["pension_money"] = Decimal(69)
    [f] = findings(h, "D008")
    assert "69" in f.message and "70" in f.message
    h = hh()
    h.fields["pension_money"] = Decimal(840)
    [f] = findings(h, "D008")
    assert "840" in f.message


def test_d008_near_miss_fifty_nine_without_pension_or_sixty_with_70() -> None:
    h = hh()
    born(h, HEAD, date(1957, 6, 1))  # 59
    assert findings(h, "D008") == []
    born(h, HEAD, date(1956, 6, 1))
    h.fields["pension_money"] = Decimal(70)
    assert findings(h, "D008") == []


# -- Status ----------------------------------------------------------------------------------------------
def test_z001_type_disagrees_with_exit_state() -> None:
    h = hh()
    h.fields["household_type"] = "低保贫困户"  # not-exited type, exited household
    [f] = findings(h, "Z001")
    assert "低保贫困户" in f.message
    h.fields.update(household_type="一般农户", exit_flag="未脱贫")
    [f] = findings(h, "Z001")
    assert "一般农户" in f.message


def test_z001_near_miss_matching_pairs() -> None:
    h = hh()
    assert findings(h, "Z001") == []
    h.fields.update(household_type="低保贫困户", exit_flag="返贫")
    assert findings(h, "Z001") == []


def test_z002_not_exited_above_20000() -> None:
    h = only_income(hh(), "20001")
    h.fields.update(exit_flag="未脱贫", household_type="低保贫困户")
    [f] = findings(h, "Z002")
    assert "20001" in f.message


def test_z002_near_miss_20000() -> None:
    h = only_income(hh(), "20000")
    h.fields.update(exit_flag="未脱贫", household_type="低保贫困户")
    assert findings(h, "Z002") == []


def test_z003_exited_below_the_line_in_a_dilapidated_house_without_power() -> None:
    h = only_income(hh(), "2900")
    h.fields.update(dilapidated=True, dilapidated_grade="D级", living_power=False, drinking_safe=False,
                    housing_area=Decimal("9.5"))
    found = findings(h, "Z003")
    assert len(found) == 5 and "2952" in found[0].message and "9.5" in found[-1].message


def test_z003_near_miss_on_the_line_or_not_exited() -> None:
    h = only_income(hh(), "2952")
    h.fields["housing_area"] = Decimal(10)
    assert findings(h, "Z003") == []
    h = only_income(hh(), "2000")
    h.fields.update(exit_flag="未脱贫", household_type="低保贫困户", dilapidated=True)
    assert findings(h, "Z003") == []


# -- Blank fields --------------------------------------------------------------------------------------
def test_b001_member_fields_blank_for_every_member() -> None:
    h = hh()
    born(h, WIFE, date(1940, 1, 1))  # 76: outside the age bands of R002 and R003
    h.members[WIFE].fields.update(school_status=None, labor_skill=None, political="", on_dibao=None)
    [f] = findings(h, "B001")
    assert "政治面貌、在校生状况、劳动技能、是否享受低保" in f.message and len(f.refs) == 4


def test_b001_near_miss_false_is_an_answer() -> None:
    h = hh()
    for m in h.members:
        m.fields.update(on_dibao=False, is_soldier=False, in_critical=False)
    assert findings(h, "B001") == []


def test_b002_income_parts_blank_or_under_100() -> None:
    h = hh()
    h.fields.update(other_transfer=None, property_income=Decimal(99))
    found = findings(h, "B002")
    assert "其他转移性收入未填写" in found[0].message and "99" in found[1].message


def test_b002_near_miss_zero_and_100() -> None:
    h = hh()
    h.fields.update(other_transfer=Decimal(0), property_income=Decimal(100))
    assert findings(h, "B002") == []


def test_b003_phone_bank_account_or_bank_blank() -> None:
    h = hh()
    h.fields.update(phone="", bank=None)
    [f] = findings(h, "B003")
    assert f.refs == (FieldRef("phone"), FieldRef("bank"))


def test_b003_near_miss_all_filled() -> None:
    assert findings(hh(), "B003") == []


def test_b004_dilapidated_without_grade() -> None:
    h = hh()
    h.fields.update(dilapidated=True, dilapidated_grade=None)
    [f] = findings(h, "B004")
    assert f.refs == (FieldRef("dilapidated_grade"),)


def test_b004_near_miss_grade_given_or_not_dilapidated() -> None:
    h = hh()
    h.fields.update(dilapidated=True, dilapidated_grade="C级")
    assert findings(h, "B004") == []


# -- ages at the standard time point (issue 12 item 7) ------------------------------------------------
def test_a_2016_pupil_checked_in_2026_is_counted_at_2016_ages() -> None:
    h = hh()
    born(h, DAUGHTER, date(2006, 3, 1))  # 10 at 2016-12-31, 20 in 2026
    h.members[DAUGHTER].fields.update(school_status="小学", education="小学", labor_skill="无劳动力")
    later = dataclasses.replace(ctx(), today=date(2026, 6, 1))
    found = [f.rule for f in findings(h, "L006", later) + findings(h, "P002", later) + findings(h, "W007", later)]
    assert found == []
    h.fields["year"] = 2026  # the same pupil on a 2026 roster is 20: flagged
    [f] = findings(h, "L006", later)
    assert "20岁" in f.message


def test_without_a_year_ages_count_at_the_end_of_the_current_year() -> None:
    h = hh()
    h.fields["year"] = None
    born(h, DAUGHTER, date(2009, 12, 31))  # 14 on 2023-12-31 (today, 2023-06-01, still 13)
    h.members[DAUGHTER].fields["school_status"] = "高中一年级"
    assert findings(h, "L005", dataclasses.replace(ctx(), today=date(2023, 6, 1))) == []
    born(h, DAUGHTER, date(2010, 1, 1))  # 13 on 2023-12-31
    assert len(findings(h, "L005", dataclasses.replace(ctx(), today=date(2023, 6, 1)))) == 1


# -- Medical insurance (2019+) -------------------------------------------------------------------------
def test_m001_both_or_neither_medical_insurance_from_2019() -> None:
    h = hh()
    h.fields["year"] = 2019
    h.members[WIFE].fields.update(in_ncms=True, in_employee_insurance=True)
    h.members[DAUGHTER].fields.update(in_ncms=False, in_employee_insurance=False)
    both, neither = findings(h, "M001")
    assert "阿依古丽·买买提同时参加了" in both.message and "李小红都没有参加" in neither.message
    assert both.refs == (FieldRef("in_ncms", "members", WIFE), FieldRef("in_employee_insurance", "members", WIFE))


def test_m001_near_miss_one_of_them_before_2019_or_not_filled() -> None:
    h = hh()
    h.fields["year"] = 2019
    h.members[WIFE].fields.update(in_ncms=True, in_employee_insurance=False)
    h.members[DAUGHTER].fields.update(in_ncms=True, in_employee_insurance=None)  # older paper: not asked
    h.members[HEAD].fields.update(in_ncms=False, in_employee_insurance=True)
    assert findings(h, "M001") == []
    h.fields["year"] = 2018
    h.members[WIFE].fields.update(in_ncms=True, in_employee_insurance=True)
    assert findings(h, "M001") == []
