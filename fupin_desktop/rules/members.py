"""Member rules of the national checks (DOMAIN.md §2): fields required by age, work, family logic.

Ages are whole years at the record's standard time point (Dec 31 of its 登记年度,
``RuleContext.reference_date``).  Members who left the household (死亡, 嫁出, ...) are
no longer counted and are not checked here, except where the row itself contradicts
itself (relation vs sex) or still claims a benefit.
"""

from __future__ import annotations

from collections.abc import Iterator

from fupin_desktop.domain.household import HEAD, LEFT_HOUSEHOLD, Household, Row
from fupin_desktop.rules import FieldRef, Finding, RuleContext, age_at, checking, finding, rule

NOT_A_STUDENT = "非在校生"
HEALTHY = "健康"
#: 劳动技能 that say a person cannot work at all.
NO_LABOUR = frozenset({"丧失劳动力", "无劳动力"})
#: 劳动技能 of a person fully able to work.
ABLE = frozenset({"普通劳动力", "技能劳动力"})
NO_WORK = frozenset({"", "无"})
SCHOOL_AGE = (6, 23)  # 在校生状况 required
WORKING_AGE = (16, 65)  # 劳动技能 required; healthy members here are able to work
#: 在校生状况 of 高中 level or above, and of 小学 level or below.
HIGH_SCHOOL_UP = frozenset({
    "高中一年级", "高中二年级", "高中三年级", "中职一年级", "中职二年级", "中职三年级",
    "高职一年级", "高职二年级", "高职三年级", "大专及以上",
})
PRIMARY_DOWN = frozenset({"学前教育", "小学"})
#: 与户主关系 that name the member's sex.
MALE_RELATIONS = frozenset({"之子", "之女婿", "之孙子", "之外孙子", "之父", "之岳父", "之公公", "之祖父", "之外祖父"})
FEMALE_RELATIONS = frozenset({"之女", "之儿媳", "之孙女", "之外孙女", "之母", "之岳母", "之婆婆", "之祖母", "之外祖母"})


# -- helpers shared by the rule modules -------------------------------------------------------
def current_rows(hh: Household) -> list[tuple[int, Row]]:
    """(row index, member) of the members still in the household (worked out once per check;
    callers only read the list)."""
    memo = checking(hh)
    if memo is not None and memo.rows is not None:
        return memo.rows
    rows = [(i, m) for i, m in enumerate(hh.members) if m.fields.get("change") not in LEFT_HOUSEHOLD]
    if memo is not None:
        memo.rows = rows
    return rows


def is_student(m: Row) -> bool:
    """Enrolled in school (any 在校生状况 but 非在校生)."""
    return m.get("school_status") not in (None, "", NOT_A_STUDENT)


def who(m: Row, i: int) -> str:
    """How a message names a member: the name, else the row."""
    return str(m.get("name") or f"家庭成员第 {i + 1} 行")


def members_with_age(hh: Household, ctx: RuleContext) -> Iterator[tuple[int, Row, int]]:
    """(row, member, age at the standard time point) of current members with a birth date."""
    memo = checking(hh, ctx)
    if memo is not None and memo.ages is not None:
        return iter(memo.ages)
    when = ctx.reference_date(hh)
    ages = []
    for i, m in current_rows(hh):
        age = age_at(m.fields.get("birth_date"), when)
        if age is not None:
            ages.append((i, m, age))
    if memo is not None:
        memo.ages = ages
    return iter(ages)


def _ref(field: str, i: int) -> FieldRef:
    return FieldRef(field, "members", i)


# -- required by age -------------------------------------------------------------------------------
@rule("R001", "error", "非在校生须填文化程度")
def education_required(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in current_rows(hh):
        if not is_student(m) and not m.get("education"):
            status = m.get("school_status") or "未填"
            yield finding(
                f"{who(m, i)}的在校生状况为“{status}”（不在读），须填写“文化程度”；"
                "未上学的儿童填“学龄前儿童”，没上过学的填“文盲或半文盲”",
                _ref("education", i))


@rule("R002", "error", "6-23岁须填在校生状况")
def school_status_required(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    low, high = SCHOOL_AGE
    for i, m, age in members_with_age(hh, ctx):
        if low <= age <= high and not m.get("school_status"):
            yield finding(
                f"{who(m, i)}{age}岁（{low}-{high}岁须填），“在校生状况”未填写：在读的填年级，不在读的填“非在校生”",
                _ref("school_status", i))


@rule("R003", "error", "16-65岁须填劳动技能")
def labour_required(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    low, high = WORKING_AGE
    for i, m, age in members_with_age(hh, ctx):
        if low <= age <= high and not m.get("labor_skill"):
            yield finding(
                f"{who(m, i)}{age}岁（{low}-{high}岁须填），“劳动技能”未填写：请按实际填“普通劳动力”“技能劳动力”"
                "“弱劳动力或半劳动力”“丧失劳动力”或“无劳动力”",
                _ref("labor_skill", i))


# -- work ----------------------------------------------------------------------------------------
@rule("W001", "error", "健康的劳动年龄成员标为无劳动力")
def healthy_without_labour(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    # NATIONAL.md §3: 16-65 healthy without labour; 16-59 for the records of 2015-16.
    limits, year = ctx.policy.limits, hh.fields.get("year")
    low = int(limits.labour_age_min)
    high = int(limits.labour_age_max_2016 if isinstance(year, int) and year <= 2016 else limits.labour_age_max)
    for i, m, age in members_with_age(hh, ctx):
        labour = m.get("labor_skill")
        if low <= age <= high and m.get("health") == HEALTHY and labour in NO_LABOUR and not is_student(m):
            yield finding(
                f"{who(m, i)}{age}岁、健康状况为“健康”，劳动技能却是“{labour}”。"
                f"{low}-{high}岁的健康成员应为“普通劳动力”或“技能劳动力”，请核实劳动技能或健康状况",
                _ref("labor_skill", i), _ref("health", i))


@rule("W002", "error", "有务工时间但无务工状况")
def months_without_work(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    # 务工时间 outside 0-12 is refused by the spec's range (F001); here: months with no work.
    for i, m in current_rows(hh):
        months = m.get("work_months")
        work = m.get("work_status") or ""
        if isinstance(months, int) and months > 0 and work in NO_WORK:
            state = "为“无”" if work else "未填写"
            yield finding(
                f"{who(m, i)}的务工时间为 {months} 个月，但务工状况{state}。"
                "请填写务工地点（如“省外务工”），或把务工时间改为 0",
                _ref("work_status", i), _ref("work_months", i))


# -- family logic ------------------------------------------------------------------------------
@rule("L001", "error", "户主与配偶性别相同")
def head_and_spouse_same_sex(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    rows = current_rows(hh)
    heads = [(i, m) for i, m in rows if m.get("relation") == HEAD]
    if len(heads) != 1:
        return  # H001 reports the head
    hi, head = heads[0]
    sex = head.get("sex")
    for i, m in rows:
        if m.get("relation") == "配偶" and sex and m.get("sex") == sex:
            yield finding(
                f"户主{who(head, hi)}和配偶{who(m, i)}的性别都是“{sex}”。请核对两人的身份证号和性别，"
                "或改正“与户主关系”",
                _ref("relation", i), _ref("sex", i), _ref("sex", hi))


@rule("L002", "error", "与户主关系与性别矛盾")
def relation_contradicts_sex(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        relation, sex = m.get("relation"), m.get("sex")
        expected = "男" if relation in MALE_RELATIONS else "女" if relation in FEMALE_RELATIONS else None
        if expected and sex and sex != expected:
            yield finding(
                f"{who(m, i)}与户主关系为“{relation}”，性别却是“{sex}”（“{relation}”应为{expected}性）。"
                "请核对性别（看身份证号第17位）或与户主关系",
                _ref("relation", i), _ref("sex", i))


@rule("L005", "warning", "年龄偏小却在读高中及以上")
def young_in_high_school(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    low = int(ctx.policy.limits.high_school_age_min)  # NATIONAL.md §3: under 14
    for i, m, age in members_with_age(hh, ctx):
        status = m.get("school_status")
        if status in HIGH_SCHOOL_UP and age < low:
            yield finding(
                f"{who(m, i)}{age}岁，在校生状况却是“{status}”（不满{low}岁一般在读初中或小学）。"
                "请核对出生日期或在校生状况",
                _ref("school_status", i))


@rule("L006", "warning", "年龄偏大却在读小学及以下")
def old_in_primary_school(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    high = int(ctx.policy.limits.primary_age_max)  # NATIONAL.md §3: over 16
    for i, m, age in members_with_age(hh, ctx):
        status = m.get("school_status")
        if status in PRIMARY_DOWN and age > high:
            yield finding(
                f"{who(m, i)}{age}岁，在校生状况却是“{status}”（超过{high}岁很少在读小学或学前教育）。"
                "请核对出生日期或在校生状况，不在读的填“非在校生”",
                _ref("school_status", i))


@rule("H006", "warning", "已减少的成员仍享受低保")
def left_member_still_on_dibao(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        change = m.get("change")
        if change in LEFT_HOUSEHOLD and m.get("on_dibao") is True:
            yield finding(
                f"{who(m, i)}已“{change}”，不再计入本户，但“是否享受低保”仍为“是”。"
                "请改为“否”，并告知民政部门停发",
                _ref("on_dibao", i), _ref("change", i))
