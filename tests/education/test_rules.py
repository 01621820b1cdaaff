"""The subsidy table, batches and deadlines of the seed (绥阳县 2016), as pure rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from fupin_desktop.rules import education as rules
from fupin_desktop.rules.education import ApplicationRefused, EducationError, EducationPolicy
from fupin_desktop.rules.policy import Policy, PolicyError

SEED = EducationPolicy()
YEAR = "2015-2016"


@pytest.mark.parametrize(("kind", "total"), [
    ("普通高中", 2660), ("普通高校本科", 4830), ("普通高校专科（高职）", 4500), ("中职学校", 1900),
])
def test_the_seeds_table_gives_the_seeds_totals(kind: str, total: int) -> None:
    owed = rules.entitlement(SEED, YEAR, kind)
    assert owed.total == Decimal(total)
    assert owed.items[0] == (rules.GRANT, Decimal(1000))


def test_an_item_already_received_from_the_school_is_not_paid_again_but_the_grant_always_is() -> None:
    owed = rules.entitlement(SEED, YEAR, "普通高中", {rules.TUITION, rules.GRANT})
    assert [i for i, _ in owed.items] == [rules.GRANT, rules.TEXTBOOKS, rules.LODGING]
    assert owed.total == Decimal(1900) and owed.skipped == (rules.TUITION,)


def test_a_later_school_year_uses_the_latest_earlier_table_and_says_so() -> None:
    owed = rules.entitlement(SEED, "2016-2017", "普通高中")
    assert (owed.total, owed.table_year) == (Decimal(2660), YEAR)
    with pytest.raises(EducationError, match="2014-2015"):
        rules.entitlement(SEED, "2014-2015", "普通高中")


def test_the_table_is_editable_per_school_year_and_survives_the_profiles_json() -> None:
    edited = SEED.with_amount("2016-2017", "高中", "学费", Decimal(800)).with_batch("2016-2017", 1, date(2016, 11, 30))
    assert rules.entitlement(edited, "2016-2017", "普通高中").total == Decimal(2700)
    assert rules.entitlement(edited, YEAR, "普通高中").total == Decimal(2660)  # the old year is kept
    policy = Policy(education=edited)
    again = Policy.from_json(json.loads(json.dumps(policy.to_json())))
    assert again.education == edited
    assert again.education.batches("2016-2017") == (rules.Batch(1, date(2016, 11, 30)),)


@pytest.mark.parametrize("bad", [
    {"2015-2016": {"table": {"小学": {"助学金": 100}}}},
    {"2015-2016": {"table": {"普通高中": {"助学金": -5}}}},
    {"2015-2016": {"table": {"普通高中": {"午餐": 5}}}},
    {"2015-2017": {"table": {}}},
    {"2015-2016": {"batches": [{"batch": 9}]}},
    {"2015-2016": {"batches": [{"batch": 1, "deadline": "明天"}]}},
    [1, 2],
])
def test_a_bad_education_table_in_a_profile_is_refused_in_chinese(bad: object) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_json({"education": bad})
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


@pytest.mark.parametrize(("text", "year"), [
    ("2015-2016", YEAR), ("2015—2016", YEAR), ("2015-16", YEAR), ("2015至2016学年", YEAR), ("２０１５-２０１６", YEAR),
])
def test_school_years_are_read_as_people_write_them(text: str, year: str) -> None:
    assert rules.school_year(text) == year


@pytest.mark.parametrize("text", ["2015-2017", "2015", "abcd-efgh", "2016-2015", ""])
def test_a_wrong_school_year_is_refused(text: str) -> None:
    with pytest.raises(EducationError, match="2015-2016"):
        rules.school_year(text)


def test_a_student_in_an_earlier_batch_is_refused_naming_that_batch() -> None:
    with pytest.raises(ApplicationRefused, match="第一批") as info:
        rules.check_application(SEED, YEAR, 2, date(2016, 4, 1), name="张三", earlier=1)
    assert not info.value.late


def test_after_the_deadline_the_application_is_refused_naming_it_unless_a_reason_is_given() -> None:
    with pytest.raises(ApplicationRefused, match="2016-04-28") as info:
        rules.check_application(SEED, YEAR, 2, date(2016, 4, 29), name="张三", earlier=None)
    assert info.value.late
    assert rules.check_application(SEED, YEAR, 2, date(2016, 4, 28), name="张三", earlier=None).number == 2
    assert rules.check_application(SEED, YEAR, 2, date(2016, 5, 3), name="张三", earlier=None,
                                   override="学校证明迟开").number == 2
    with pytest.raises(ApplicationRefused):  # a blank reason is no reason
        rules.check_application(SEED, YEAR, 2, date(2016, 5, 3), name="张三", earlier=None, override="  ")


def test_a_batch_the_county_has_not_set_is_refused_with_the_way_to_set_it() -> None:
    with pytest.raises(ApplicationRefused, match="education batch set"):
        rules.check_application(SEED, YEAR, 3, date(2016, 4, 1), name="张三", earlier=None)


@pytest.mark.parametrize(("kind", "inside", "where"), [
    ("普通高中", True, "就读学校"), ("技工学校", True, "就读学校"),
    ("普通高校本科", False, "绥阳县教育局学生资助管理中心"), ("中职学校", False, "绥阳县教育局学生资助管理中心"),
    ("技工学校", False, "绥阳县人力资源社会保障部门"),
])
def test_where_to_apply_follows_the_seed(kind: str, inside: bool, where: str) -> None:
    assert rules.where_to_apply(kind, inside, "绥阳县") == where


def test_students_outside_the_province_bring_a_bank_card_and_an_enrolment_certificate() -> None:
    inside = [k for k, _ in rules.checklist(True)]
    outside = [k for k, _ in rules.checklist(False)]
    assert inside == ["form", "id", "card"]
    assert outside == ["form", "id", "card", "bank", "enrolment"]
    card = dict(rules.checklist(True))["card"]
    assert "钢印" in card and "红色鲜章" in card and "说明原因" in card
