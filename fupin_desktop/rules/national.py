"""The national 疑点 checks (NATIONAL.md §3) that the other rule modules do not already make.

Each is a warning: the national system lists these households for review, and a clerk may
confirm a real case.  Every threshold comes from ``ctx.policy.limits`` (the county's profile,
NATIONAL.md's values by default), and ages are whole years at the record's standard time
point (Dec 31 of its 登记年度, ``RuleContext.reference_date``).  Which rule answers which
national check is :mod:`fupin_desktop.rules.catalogue`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from fupin_desktop.domain.household import Household, Row
from fupin_desktop.formspec import FormSpec
from fupin_desktop.rules import FieldRef, Finding, RuleContext, finding, rule
from fupin_desktop.rules.livelihood import DIBAO, DISABLED, NOT_EXITED, WUBAO, _cause_refs, _money, _yuan
from fupin_desktop.rules.members import (
    ABLE,
    HEALTHY,
    NO_LABOUR,
    NO_WORK,
    current_rows,
    is_student,
    members_with_age,
    who,
)

DISABILITY_CARD = "残疾人证"
GENERAL = "一般贫困户"
#: 脱贫状态 of a household that has exited, and the 贫困户属性 each state allows (check 57).
EXITED = frozenset({"已脱贫（享受政策）", "已脱贫（不再享受政策）"})
TYPES_EXITED = frozenset({"低保户", "五保户", "一般农户"})
TYPES_NOT_EXITED = frozenset({"一般贫困户", "低保贫困户", "五保贫困户"})
#: The causes a 一般贫困户 above the line may still name (check: cause not 因病/因学/因残).
LASTING_CAUSES = frozenset({"因病", "因学", "因残"})


def _ref(field: str, i: int) -> FieldRef:
    return FieldRef(field, "members", i)


def _labourer(m: Row) -> bool:
    return m.get("labor_skill") in ABLE


def _works(m: Row) -> bool:
    months = m.get("work_months")
    return (m.get("work_status") or "") not in NO_WORK or (isinstance(months, int) and months > 0)


def _n(value: Decimal) -> int:
    return int(value)


# -- Identity -------------------------------------------------------------------------------------
@rule("K003", "warning", "残疾成员无残疾人证号码")
def disabled_without_card(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in current_rows(hh):
        if m.get("health") == DISABLED and m.get("id_type") != DISABILITY_CARD:
            yield finding(f"{who(m, i)}的健康状况为“残疾”，证件却不是残疾人证。持证的请把证件类型改为“残疾人证”，"
                          "证件号码填20位残疾人证号码（身份证号码后加残疾类别、残疾等级）；未持证的请核实健康状况",
                          _ref("id_type", i), _ref("health", i))


@rule("K004", "warning", "持残疾人证的成员健康状况为健康")
def card_holder_healthy(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in current_rows(hh):
        if m.get("id_type") == DISABILITY_CARD and m.get("health") == HEALTHY:
            yield finding(f"{who(m, i)}持残疾人证，健康状况却是“健康”。请把健康状况改为“残疾”，或核实证件类型",
                          _ref("health", i), _ref("id_type", i))


@rule("K005", "error", "一户有多位配偶")
def one_spouse(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    spouses = [(i, m) for i, m in current_rows(hh) if m.get("relation") == "配偶"]
    if len(spouses) > 1:
        names = "、".join(who(m, i) for i, m in spouses)
        yield finding(f"一户只能有一位配偶，现有 {len(spouses)} 位（{names}）。请改正其他人的“与户主关系”",
                      *(_ref("relation", i) for i, _ in spouses))


@rule("K006", "warning", "家庭人口过多")
def household_too_large(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    size, limit = len(current_rows(hh)), ctx.policy.limits.household_size_max
    if size > limit:
        yield finding(f"家庭人口 {size} 人，超过 {_n(limit)} 人，国家系统列为疑点。请核实是否已分户，"
                      "或把已迁出、死亡的成员标明人员变更", FieldRef("name", "members", 0))


# -- Ranges -----------------------------------------------------------------------------------------
@rule("G001", "warning", "人均纯收入过低或过高")
def per_capita_review(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    value = hh.fields.get("per_capita_income")
    limits = ctx.policy.limits
    if not isinstance(value, Decimal) or not current_rows(hh) or value <= 0:
        return  # 0 or less, and over the hard limit: I002
    if value < limits.per_capita_income_low:
        yield finding(f"年人均纯收入 {_yuan(value)} 元，低于 {_yuan(limits.per_capita_income_low)} 元。"
                      "请核对是否漏填了工资性、转移性等收入", FieldRef("per_capita_income"), FieldRef("wage_income"))
    elif limits.per_capita_income_high < value <= limits.per_capita_income_max:
        yield finding(f"年人均纯收入 {_yuan(value)} 元，高于 {_yuan(limits.per_capita_income_high)} 元。"
                      "请核对各项收入的位数（单位是元）和家庭人口", FieldRef("per_capita_income"), FieldRef("wage_income"))


_AREAS = (("farmland", "耕地", "farmland_max"), ("forest", "林地", "forest_max"), ("pasture", "牧草地", "pasture_max"),
          ("water_surface", "水面", "water_surface_max"), ("orchard", "林果", "orchard_max"))


@rule("G002", "warning", "户土地面积过大")
def land_per_household(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for field_id, label, key in _AREAS:
        area, limit = hh.fields.get(field_id), getattr(ctx.policy.limits, key)
        if isinstance(area, Decimal) and area > limit:
            yield finding(f"{label}面积 {_yuan(area)} 亩，超过每户 {_yuan(limit)} 亩。"
                          "请核对单位（亩，不是平方米）和小数点", FieldRef(field_id))


@rule("G003", "warning", "住房面积过大")
def housing_too_large(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    area, limit = hh.fields.get("housing_area"), ctx.policy.limits.housing_area_max
    if isinstance(area, Decimal) and area > limit:
        yield finding(f"住房面积 {_yuan(area)} 平方米，超过 {_yuan(limit)} 平方米。请核对面积和小数点",
                      FieldRef("housing_area"))


@rule("G004", "warning", "有效灌溉面积大于耕地面积")
def irrigated_above_farmland(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    irrigated, farmland = hh.fields.get("irrigated"), _money(hh.fields.get("farmland"))
    if isinstance(irrigated, Decimal) and irrigated > farmland:
        yield finding(f"有效灌溉面积 {_yuan(irrigated)} 亩，大于耕地面积 {_yuan(farmland)} 亩。"
                      "有效灌溉面积是耕地的一部分，请核对两项面积", FieldRef("irrigated"), FieldRef("farmland"))


# -- Causes -----------------------------------------------------------------------------------------
@rule("C004", "error", "其他致贫原因超过两项")
def at_most_two_other_causes(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    others = hh.fields.get("other_causes") or []
    if isinstance(others, list) and len(others) > 2:
        yield finding(f"其他致贫原因选了 {len(others)} 项（{'、'.join(map(str, others))}），国家系统最多两项。"
                      "请只留最主要的两项", FieldRef("other_causes"))


@rule("C005", "warning", "缺劳力但劳动力充足")
def labour_cause_with_labourers(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    named = _cause_refs(hh, "缺劳力")
    if not named or hh.fields.get("exit_flag") in EXITED:
        return
    count, limit = sum(1 for _, m in current_rows(hh) if _labourer(m)), ctx.policy.limits.labourers_for_cause
    if count >= limit:
        said, ref = named
        yield finding(f"{said}，但本户有 {count} 个普通或技能劳动力（{_n(limit)} 个及以上不算缺劳力）。"
                      "请核实成员的劳动技能，或改选致贫原因", ref)


@rule("C006", "warning", "一般贫困户收入超过标准且非因病因学因残")
def general_above_line(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    per_capita, main = hh.fields.get("per_capita_income"), hh.fields.get("main_cause")
    if hh.fields.get("household_type") != GENERAL or not isinstance(per_capita, Decimal) or main in LASTING_CAUSES:
        return
    line = ctx.policy.income_line(hh.fields.get("year"), hh.fields.get("standard"))
    if line is not None and per_capita > line.amount:
        yield finding(f"一般贫困户年人均纯收入 {_yuan(per_capita)} 元，高于{line.describe()}，"
                      f"主要致贫原因却是“{main or '未填'}”（不是因病、因学、因残）。请核实收入、致贫原因或是否应当识别",
                      FieldRef("per_capita_income"), FieldRef("main_cause"))


# -- Work ---------------------------------------------------------------------------------------------
@rule("W004", "warning", "工资性收入与务工时间不符")
def wages_and_months(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    wage = _money(hh.fields.get("wage_income"))
    rows = current_rows(hh)
    months = [(i, m) for i, m in rows if isinstance(m.get("work_months"), int) and m.get("work_months", 0) > 0]
    if wage > 0 and rows and not months:
        yield finding(f"工资性收入 {_yuan(wage)} 元，但没有成员填写务工时间。请填写务工成员的务工时间（月）",
                      FieldRef("wage_income"), _ref("work_months", rows[0][0]))
    if wage <= 0 and months:
        i, m = months[0]
        yield finding(f"{who(m, i)}务工 {m.get('work_months')} 个月，但工资性收入为 0 或未填。"
                      "请填写全年工资性收入，或核实务工时间", FieldRef("wage_income"), _ref("work_months", i))


@rule("W005", "warning", "务工成员未填务工所在地或务工企业")
def work_place_missing(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in current_rows(hh):
        months = m.get("work_months")
        if not (isinstance(months, int) and months > 0):
            continue
        for field_id, label in (("work_place", "务工所在地"), ("work_company", "务工企业名称")):
            if not m.get(field_id):
                yield finding(f"{who(m, i)}务工 {months} 个月，“{label}”未填写。请填写（如县、市名称或企业名称）",
                              _ref(field_id, i))


@rule("W006", "warning", "无劳动能力的成员在务工")
def unable_but_working(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in current_rows(hh):
        labour = m.get("labor_skill")
        if labour in NO_LABOUR and _works(m):
            yield finding(f"{who(m, i)}的劳动技能是“{labour}”，却在务工（{m.get('work_status') or '有务工时间'}）。"
                          "请核实劳动技能或务工状况", _ref("labor_skill", i), _ref("work_status", i))


@rule("W007", "warning", "未满劳动年龄却有劳动能力")
def child_with_labour(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    low = ctx.policy.limits.labour_age_min
    for i, m, age in members_with_age(hh, ctx):
        labour = m.get("labor_skill")
        if age < low and labour in ABLE:
            yield finding(f"{who(m, i)}{age}岁（未满{_n(low)}岁），劳动技能却是“{labour}”。"
                          "未满劳动年龄的请填“无劳动力”", _ref("labor_skill", i))


@rule("W008", "warning", "健康成员标为丧失劳动力")
def healthy_lost_labour(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in current_rows(hh):
        if m.get("health") == HEALTHY and m.get("labor_skill") == "丧失劳动力":
            yield finding(f"{who(m, i)}的健康状况是“健康”，劳动技能却是“丧失劳动力”（因病、因残才会丧失）。"
                          "请核实健康状况或劳动技能", _ref("labor_skill", i), _ref("health", i))


@rule("W009", "warning", "劳动年龄以上有劳动能力但无务工和经营收入")
def elderly_labourer_without_income(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    high = ctx.policy.limits.labour_age_max
    if _money(hh.fields.get("wage_income")) > 0 or _money(hh.fields.get("business_income")) > 0:
        return
    for i, m, age in members_with_age(hh, ctx):
        if age > high and _labourer(m):
            yield finding(f"{who(m, i)}{age}岁、劳动技能为“{m.get('labor_skill')}”，但本户没有工资性和生产经营性收入。"
                          "请核实劳动技能或填写收入", _ref("labor_skill", i), FieldRef("business_income"))


# -- School -------------------------------------------------------------------------------------------
@rule("P001", "warning", "在校生年龄偏大")
def student_too_old(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.policy.limits.student_age_max
    for i, m, age in members_with_age(hh, ctx):
        if is_student(m) and age > limit:
            yield finding(f"{who(m, i)}{age}岁（超过{_n(limit)}岁），在校生状况却是“{m.get('school_status')}”。"
                          "不在读的请填“非在校生”，或核对出生日期", _ref("school_status", i))


@rule("P002", "warning", "义务教育年龄的健康儿童未在校")
def child_out_of_school(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    low, high = ctx.policy.limits.compulsory_age_min, ctx.policy.limits.compulsory_age_max
    for i, m, age in members_with_age(hh, ctx):
        if low <= age <= high and m.get("health") == HEALTHY and m.get("school_status") and not is_student(m):
            yield finding(f"{who(m, i)}{age}岁、身体健康，在校生状况却是“非在校生”（{_n(low)}-{_n(high)}岁应在校，控辍保学）。"
                          "在读的请填年级；确已辍学的请报学校和教育部门劝返", _ref("school_status", i))


@rule("P003", "warning", "文化程度与在校生状况须二选一")
def education_or_school(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    year = hh.fields.get("year")
    if not isinstance(year, int) or year < 2021:
        return  # the 2021 rule
    for i, m in current_rows(hh):
        education, student = m.get("education"), is_student(m)
        if education and student:
            yield finding(f"{who(m, i)}是在校生（{m.get('school_status')}），又填了文化程度“{education}”。"
                          "2021年起在校生只填在校生状况，请清空文化程度", _ref("education", i))
        elif not education and not student:
            yield finding(f"{who(m, i)}不是在校生，文化程度却未填。请填写文化程度", _ref("education", i))


# -- Social security ---------------------------------------------------------------------------------
@rule("D005", "warning", "低保金、五保金过少")
def benefit_too_small(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    kind, low = hh.fields.get("household_type"), ctx.policy.limits.benefit_min
    for field_id, label, kinds in (("dibao_money", "低保金", DIBAO), ("wubao_money", "五保金", WUBAO)):
        money = _money(hh.fields.get(field_id))
        if kind in kinds and 0 < money < low:
            yield finding(f"贫困户属性为“{kind}”，{label}只有 {_yuan(money)} 元（不足 {_yuan(low)} 元）。"
                          f"请填写全年领取的{label}总额", FieldRef(field_id))


@rule("D006", "warning", "非低保户领取低保")
def dibao_outside_dibao_household(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    kind = hh.fields.get("household_type")
    if not kind or kind in DIBAO:
        return
    money = _money(hh.fields.get("dibao_money"))
    if money > 0:
        yield finding(f"领取低保金 {_yuan(money)} 元，但贫困户属性为“{kind}”，不是低保户或低保贫困户。"
                      "请核实贫困户属性或低保金", FieldRef("dibao_money"), FieldRef("household_type"))
    if kind == GENERAL:
        for i, m in current_rows(hh):
            if m.get("on_dibao") is True:
                yield finding(f"本户是一般贫困户，{who(m, i)}却享受低保。享受低保的应为低保贫困户，"
                              "请核实贫困户属性或“是否享受低保”", _ref("on_dibao", i), FieldRef("household_type"))


@rule("D008", "warning", "养老金与60岁以上成员不符")
def pension_and_elderly(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    limits = ctx.policy.limits
    pension = hh.fields.get("pension_money")
    old = [(i, m, age) for i, m, age in members_with_age(hh, ctx) if age >= limits.elderly_age]
    money = _money(pension)
    if old and money <= 0:
        i, m, age = old[0]
        yield finding(f"{who(m, i)}{age}岁（{_n(limits.elderly_age)}岁及以上），但本户养老金为 0 或未填。"
                      "请填写全年领取的养老金", FieldRef("pension_money"))
    elif not old and money > 0 and current_rows(hh):
        yield finding(f"本户领取养老金 {_yuan(money)} 元，但没有{_n(limits.elderly_age)}岁及以上的成员。"
                      "请核对养老金或成员出生日期", FieldRef("pension_money"))
    elif old and 0 < money < limits.pension_min:
        yield finding(f"养老金只有 {_yuan(money)} 元（不足 {_yuan(limits.pension_min)} 元）。请填写全年领取的养老金总额",
                      FieldRef("pension_money"))


# -- Status ------------------------------------------------------------------------------------------
@rule("Z001", "warning", "贫困户属性与脱贫状态不符")
def type_and_exit_state(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    kind, state = hh.fields.get("household_type"), hh.fields.get("exit_flag")
    if not kind or not state:
        return
    if state in EXITED and kind in TYPES_NOT_EXITED:
        yield finding(f"脱贫状态为“{state}”，贫困户属性却是“{kind}”。已脱贫户应为低保户、五保户或一般农户，"
                      "请改正贫困户属性", FieldRef("household_type"), FieldRef("exit_flag"))
    elif state not in EXITED and kind in TYPES_EXITED:
        yield finding(f"脱贫状态为“{state}”，贫困户属性却是“{kind}”。未脱贫户应为一般贫困户、低保贫困户或五保贫困户，"
                      "请改正贫困户属性", FieldRef("household_type"), FieldRef("exit_flag"))


@rule("Z002", "warning", "未脱贫户收入过高")
def not_exited_rich(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    value, limit = hh.fields.get("per_capita_income"), ctx.policy.limits.not_exited_income_max
    if hh.fields.get("exit_flag") == NOT_EXITED and isinstance(value, Decimal) and value > limit:
        yield finding(f"本户未脱贫，年人均纯收入却有 {_yuan(value)} 元（超过 {_yuan(limit)} 元）。请核实收入",
                      FieldRef("per_capita_income"), FieldRef("exit_flag"))


@rule("Z003", "warning", "已脱贫户未达脱贫条件")
def exited_below_standard(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    f = hh.fields
    if f.get("exit_flag") not in EXITED:
        return
    said = f"本户“{f.get('exit_flag')}”，但"
    value = f.get("per_capita_income")
    line = ctx.policy.income_line(f.get("year"), f.get("standard"))
    if isinstance(value, Decimal) and line is not None and value < line.amount:
        yield finding(f"{said}年人均纯收入 {_yuan(value)} 元，低于{line.describe()}。请核实收入或脱贫状态",
                      FieldRef("per_capita_income"), FieldRef("exit_flag"))
    if f.get("dilapidated") is True:
        yield finding(f"{said}仍住危房（住房安全未保障）。请核实危房改造情况或脱贫状态", FieldRef("dilapidated"))
    if f.get("drinking_difficult") is True or f.get("drinking_safe") is False:
        yield finding(f"{said}饮水困难或饮水不安全。请核实饮水情况或脱贫状态",
                      FieldRef("drinking_difficult"), FieldRef("drinking_safe"))
    if f.get("living_power") is False:
        yield finding(f"{said}未通生活用电。请核实用电情况或脱贫状态", FieldRef("living_power"))
    area, low = f.get("housing_area"), ctx.policy.limits.housing_area_min_exited
    if isinstance(area, Decimal) and area < low:
        yield finding(f"{said}住房面积只有 {_yuan(area)} 平方米（不足 {_yuan(low)} 平方米）。请核实住房面积或脱贫状态",
                      FieldRef("housing_area"))


# -- Blank where the national system wants a value ------------------------------------------------------
_MEMBER_FIELDS = ("political", "school_status", "labor_skill", "in_critical", "is_soldier", "on_dibao")


_LABELS: dict[int, tuple[FormSpec, dict[str, str]]] = {}


def _member_labels(spec: FormSpec) -> dict[str, str]:
    """The member fields B001 asks for that the form has, in B001's order, with their labels."""
    cached = _LABELS.get(id(spec))
    if cached is None or cached[0] is not spec:
        labels = {f.id: f.label for f in spec.table("members").fields}
        cached = _LABELS[id(spec)] = (spec, {f: labels[f] for f in _MEMBER_FIELDS if f in labels})
    return cached[1]


@rule("B001", "warning", "成员信息未填（国家系统必填）")
def member_fields_blank(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    labels = _member_labels(ctx.spec)
    for i, m in current_rows(hh):
        values = m.fields
        missing = [f for f in labels if values.get(f) in (None, "")]
        if missing:
            yield finding(f"{who(m, i)}的{'、'.join(labels[f] for f in missing)}未填写，国家系统要求每位成员都填。"
                          "请按实际填写（不在读的填“非在校生”，没有的填“否”）", *(_ref(f, i) for f in missing))


_INCOME_PARTS = (("wage_income", "工资性收入"), ("business_income", "生产经营性收入"), ("property_income", "财产性收入"))
_TRANSFERS = (("dibao_money", "低保金"), ("wubao_money", "五保金"), ("pension_money", "养老保险金"),
              ("other_transfer", "其他转移性收入"))


@rule("B002", "warning", "收入项未填或过少")
def income_parts_blank(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    low = ctx.policy.limits.income_part_min
    blank = [label for fid, label in _INCOME_PARTS + _TRANSFERS if hh.fields.get(fid) is None]
    if blank:
        yield finding(f"{'、'.join(blank)}未填写。没有的请填 0，国家系统不接受空白",
                      *(FieldRef(fid) for fid, label in _INCOME_PARTS + _TRANSFERS if label in blank))
    for fid, label in _INCOME_PARTS:
        value = hh.fields.get(fid)
        if isinstance(value, Decimal) and 0 < value < low:
            yield finding(f"{label}只有 {_yuan(value)} 元（不足 {_yuan(low)} 元）。请填写全年总额（单位是元）",
                          FieldRef(fid))


@rule("B003", "warning", "联系电话、银行账号或开户银行未填")
def contact_blank(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    grid = {f.id for f in ctx.spec.grid_fields()}
    fields = [f for f in ("phone", "bank_account", "bank") if f in grid]
    missing = [f for f in fields if not hh.fields.get(f)]
    if missing:
        labels = "、".join(ctx.spec.field(f).label for f in missing)
        yield finding(f"{labels}未填写，国家系统要求填写（补贴通过银行卡发放）。请补填", *(FieldRef(f) for f in missing))


@rule("B004", "warning", "危房户未填危房等级")
def dilapidated_grade_blank(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    if hh.fields.get("dilapidated") is True and not hh.fields.get("dilapidated_grade"):
        yield finding("本户是危房户，“危房等级”未填写。请按鉴定结果填“C级”或“D级”", FieldRef("dilapidated_grade"))


# -- Medical insurance (2019+) ----------------------------------------------------------------------
#: The first registration year whose national tables carry 城镇职工医保 (the check runs from then on).
MEDICAL_CHECK_FROM = 2019


@rule("M001", "warning", "新农合与城镇职工医保同时参加或都未参加")
def medical_insurance_both_or_neither(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.reference_date(hh).year < MEDICAL_CHECK_FROM:
        return
    for i, m in current_rows(hh):
        rural, employee = m.get("in_ncms"), m.get("in_employee_insurance")
        if not isinstance(rural, bool) or not isinstance(employee, bool) or rural != employee:
            continue
        what = "同时参加了" if rural else "都没有参加"
        yield finding(f"{who(m, i)}{what}新农合（城乡居民基本医疗保险）和城镇职工基本医疗保险。"
                      "国家系统要求二者参加其一，请核实后改正其中一项",
                      _ref("in_ncms", i), _ref("in_employee_insurance", i))
