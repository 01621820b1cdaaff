"""Household rules of the national checks (DOMAIN.md §2) and of the county's policy profile.

Causes against the members, 低保/五保 against the money, income plausibility and the
income line, land and road limits, scope and "三不评".  Every number a county may set
comes from ``ctx.policy``; the messages carry the numbers so a clerk can check the paper.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from fupin_desktop.domain.household import Household
from fupin_desktop.domain.values import format_decimal
from fupin_desktop.rules import FieldRef, Finding, RuleContext, finding, rule
from fupin_desktop.rules.members import (
    ABLE,
    HEALTHY,
    NO_WORK,
    WORKING_AGE,
    current_rows,
    is_student,
    members_with_age,
    who,
)
from fupin_desktop.rules.policy import DIBAO_TYPES, WUBAO_TYPES

#: 贫困户属性 of the 低保 and 五保 kinds (低保贫困户 and, after exit, 低保户; 五保贫困户 and 五保户).
DIBAO = DIBAO_TYPES
WUBAO = WUBAO_TYPES
NOT_EXITED = "未脱贫"
ILL = frozenset({"长期慢性病", "患有大病"})
DISABLED = "残疾"
ZERO = Decimal(0)


def _money(value: object) -> Decimal:
    """A money field as a number (blank counts as 0)."""
    return value if isinstance(value, Decimal) else Decimal(value) if isinstance(value, int) else ZERO


def _yuan(value: Decimal) -> str:
    return format_decimal(value)


def _cause_refs(hh: Household, cause: str) -> tuple[str, FieldRef] | None:
    """Where the household names ``cause``: (how to say it, the field), main cause first."""
    if hh.fields.get("main_cause") == cause:
        return f"主要致贫原因为“{cause}”", FieldRef("main_cause")
    if cause in (hh.fields.get("other_causes") or []):
        return f"其他致贫原因含“{cause}”", FieldRef("other_causes")
    return None


# -- required -------------------------------------------------------------------------------------
#: The 生产条件 areas (AC30): the national checks want each filled, 0 when the household has none.
PRODUCTION_AREAS = ("farmland", "irrigated", "forest", "returned_forest", "orchard", "pasture", "water_surface")


@rule("R004", "warning", "生产条件面积未填")
def production_areas_required(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    missing = [f for f in PRODUCTION_AREAS if hh.fields.get(f) is None]
    if missing:
        labels = "、".join(ctx.spec.field(f).label for f in missing)
        yield finding(f"生产条件中{labels}未填写。没有的请填 0，国家系统不接受空白", *(FieldRef(f) for f in missing))


# -- causes against the members ------------------------------------------------------------------
@rule("C001", "warning", "因病致贫但全家健康")
def ill_cause_but_all_healthy(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    named = _cause_refs(hh, "因病")
    health = [m.get("health") for _, m in current_rows(hh) if m.get("health")]
    if named and health and all(h == HEALTHY for h in health):
        said, ref = named
        yield finding(
            f"{said}，但家庭成员的健康状况都是“健康”。如有成员患病，请把其健康状况改为“长期慢性病”"
            "或“患有大病”；否则请改选致贫原因", ref)


@rule("C002", "warning", "因学致贫但无在校生")
def school_cause_but_no_student(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    named = _cause_refs(hh, "因学")
    rows = current_rows(hh)
    if named and rows and not any(is_student(m) for _, m in rows):
        said, ref = named
        yield finding(
            f"{said}，但家庭成员中没有在校生（在校生状况都是“非在校生”或未填）。"
            "请填写在读成员的年级，或改选致贫原因", ref)


@rule("C003", "warning", "因残致贫但无残疾成员")
def disability_cause_but_nobody_disabled(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    named = _cause_refs(hh, "因残")
    rows = current_rows(hh)
    if named and rows and not any(m.get("health") == DISABLED for _, m in rows):
        said, ref = named
        yield finding(
            f"{said}，但没有一位成员的健康状况是“残疾”。请把残疾成员的健康状况改为“残疾”，或改选致贫原因", ref)


# -- 低保 / 五保 ----------------------------------------------------------------------------------
@rule("D001", "error", "低保贫困户无人享受低保")
def dibao_household_without_dibao_member(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    rows = current_rows(hh)
    kind = hh.fields.get("household_type")
    if kind in DIBAO and rows and not any(m.get("on_dibao") is True for _, m in rows):
        yield finding(
            f"贫困户属性为“{kind}”，但没有一位成员的“是否享受低保”为“是”。"
            "请把享受低保的成员标为“是”，或改正贫困户属性",
            FieldRef("household_type"), FieldRef("on_dibao", "members", rows[0][0]))


@rule("D002", "error", "五保户有劳动能力的成员")
def wubao_with_able_member(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    kind = hh.fields.get("household_type")
    if kind not in WUBAO:
        return
    low, high = WORKING_AGE
    for i, m, age in members_with_age(hh, ctx):
        labour = m.get("labor_skill")
        if low <= age <= high and labour in ABLE:
            yield finding(
                f"本户是“{kind}”，但{who(m, i)}{age}岁、劳动技能为“{labour}”。五保对象应无劳动能力，"
                "请核实劳动技能或贫困户属性",
                FieldRef("labor_skill", "members", i), FieldRef("household_type"))


@rule("D003", "error", "低保金与五保金同时领取")
def dibao_and_wubao_money(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    dibao, wubao = _money(hh.fields.get("dibao_money")), _money(hh.fields.get("wubao_money"))
    if dibao > 0 and wubao > 0:
        yield finding(
            f"低保金（{_yuan(dibao)} 元）和五保金（{_yuan(wubao)} 元）不能同时领取。"
            "请核实后把不领取的一项填为 0", FieldRef("dibao_money"), FieldRef("wubao_money"))


@rule("D004", "warning", "贫困户属性与低保金、五保金不符")
def type_and_money_disagree(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    kind = hh.fields.get("household_type")
    dibao, wubao = _money(hh.fields.get("dibao_money")), _money(hh.fields.get("wubao_money"))
    if kind in DIBAO and dibao <= 0:
        yield finding(f"贫困户属性为“{kind}”，但低保金为 0。请填写全年领取的低保金", FieldRef("dibao_money"))
    if kind in WUBAO and wubao <= 0:
        yield finding(f"贫困户属性为“{kind}”，但五保金为 0。请填写全年领取的五保供养金", FieldRef("wubao_money"))
    if kind not in WUBAO and wubao > 0:
        yield finding(
            f"领取五保金 {_yuan(wubao)} 元，但贫困户属性为“{kind or '未填'}”，不是五保户或五保贫困户。"
            "请核实贫困户属性或五保金", FieldRef("wubao_money"), FieldRef("household_type"))
    rows = current_rows(hh)
    if dibao > 0 and rows and not any(m.get("on_dibao") is True for _, m in rows):
        yield finding(
            f"领取低保金 {_yuan(dibao)} 元，但没有一位成员的“是否享受低保”为“是”。"
            "请标明享受低保的成员，或核实低保金", FieldRef("dibao_money"))


# -- work and income ----------------------------------------------------------------------------------
@rule("W003", "warning", "有工资性收入但无人务工")
def wages_without_worker(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    wage = _money(hh.fields.get("wage_income"))
    rows = current_rows(hh)
    if wage > 0 and rows and all((m.get("work_status") or "") in NO_WORK for _, m in rows):
        yield finding(
            f"工资性收入为 {_yuan(wage)} 元，但没有一位成员在务工（务工状况都是“无”或未填）。"
            "请填写务工成员的务工状况和务工时间，或核实工资性收入", FieldRef("wage_income"))


@rule("I001", "warning", "有生产经营性收入但无支出")
def business_without_cost(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    income = _money(hh.fields.get("business_income"))
    if income > 0 and _money(hh.fields.get("business_cost")) <= 0:
        yield finding(
            f"生产经营性收入为 {_yuan(income)} 元，但生产经营性支出未填或为 0。种植、养殖都有成本"
            "（种子、化肥、饲料等），请填写生产经营性支出", FieldRef("business_cost"))


@rule("I002", "error", "年人均纯收入不合理")
def per_capita_out_of_range(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    per_capita = hh.fields.get("per_capita_income")
    if not isinstance(per_capita, Decimal) or not current_rows(hh):
        return
    limit = ctx.policy.limits.per_capita_income_max
    if per_capita <= 0:
        yield finding(
            f"年人均纯收入为 {_yuan(per_capita)} 元，不大于 0。请填写各项收入（工资性、生产经营性、财产性、"
            "转移性），并核对生产经营性支出是否多填", FieldRef("per_capita_income"), FieldRef("wage_income"))
    elif per_capita > limit:
        yield finding(
            f"年人均纯收入为 {_yuan(per_capita)} 元，超过 {_yuan(limit)} 元。请核对各项收入是否多填了位数"
            "（单位是元）和家庭人口", FieldRef("per_capita_income"), FieldRef("wage_income"))


@rule("I003", "warning", "收入高于扶贫标准仍未脱贫")
def above_line_not_exited(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    per_capita = hh.fields.get("per_capita_income")
    if hh.fields.get("exit_flag") != NOT_EXITED or not isinstance(per_capita, Decimal):
        return
    line = ctx.policy.income_line(hh.fields.get("year"), hh.fields.get("standard"))
    if line is not None and per_capita > line.amount:
        yield finding(
            f"本户年人均纯收入 {_yuan(per_capita)} 元，高于{line.describe()}"
            f"（高出 {_yuan(per_capita - line.amount)} 元），脱贫标志却是“未脱贫”。"
            "请核实收入；确已稳定超过标准的，按程序办理脱贫",
            FieldRef("per_capita_income"), FieldRef("exit_flag"))


# -- land and road ------------------------------------------------------------------------------
@rule("L003", "warning", "人均耕地或林地面积过大")
def land_per_person(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    size = len(current_rows(hh))
    if not size:
        return
    limits = ctx.policy.limits
    for field_id, label, limit in (("farmland", "耕地", limits.farmland_per_person),
                                   ("forest", "林地", limits.forest_per_person)):
        area = _money(hh.fields.get(field_id))
        per_person = (area / size).quantize(Decimal("0.01"))
        if per_person > limit:
            yield finding(
                f"{label}面积 {_yuan(area)} 亩，家庭人口 {size} 人，人均 {_yuan(per_person)} 亩，超过 {_yuan(limit)} 亩。"
                "请核对面积（单位是亩，不是平方米）和家庭成员", FieldRef(field_id))


@rule("L004", "warning", "与村主干路距离过远")
def road_too_far(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    distance = hh.fields.get("road_distance")
    limit = ctx.policy.limits.road_distance_km
    if isinstance(distance, Decimal) and distance > limit:
        yield finding(
            f"与村主干路距离为 {_yuan(distance)} 公里，超过 {_yuan(limit)} 公里。请核对单位（公里，不是米）",
            FieldRef("road_distance"))


# -- the county's policy -------------------------------------------------------------------------
@rule("S001", "warning", "贫困户属性不在本县识别范围")
def type_out_of_scope(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    kind = hh.fields.get("household_type")
    if kind and not ctx.policy.in_scope(kind):
        yield finding(
            f"按本县政策（设置 → 政策参数），“{kind}”不纳入建档立卡贫困户。请核实本户是否应当纳入，"
            "或改正贫困户属性", FieldRef("household_type"))


@rule("E001", "warning", "有本县“三不评”情形")
def excluded_by_county(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    found = [x for x in (hh.fields.get("exclusions") or []) if x in ctx.policy.exclusions]
    if found:
        yield finding(
            f"本户登记有“三不评”情形：{'、'.join(found)}。按本县政策，有此情形的农户不评为贫困户。"
            "请核实：属实的按程序退出，不属实的删去该项", FieldRef("exclusions"))
