"""Cross-field rules of one household (the data-quality rules build on these)."""

from __future__ import annotations

from collections.abc import Iterator

from fupin_desktop.domain.household import HEAD, Household
from fupin_desktop.domain.idnumber import DISABILITY_CARD_TYPES, ID_CARD, person_key
from fupin_desktop.rules import FieldRef, Finding, RuleContext, check_id, finding, rule


@rule("H001", "error", "户主人数")
def one_head(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    heads = [i for i, m in enumerate(hh.members) if m.get("relation") == HEAD and m in hh.current_members]
    if not hh.members:
        return
    if not heads:
        yield finding("家庭成员中没有“户主”，请把户主那一行的“与户主关系”填为“户主”",
                      FieldRef("relation", "members", 0))
    elif len(heads) > 1:
        names = "、".join(str(hh.members[i].get("name") or "") for i in heads)
        yield finding(f"一户只能有一位户主，现有 {len(heads)} 位（{names}）。"
                      "请只留一位户主，把其他人的“与户主关系”改为其与户主的关系",
                      *(FieldRef("relation", "members", i) for i in heads))


@rule("H002", "error", "性别、出生日期与身份证号一致")
def sex_and_birth_match_id(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        if m.get("id_type") not in (None, ID_CARD, *DISABILITY_CARD_TYPES):
            continue  # 户口簿, 其他: the number may be another document's
        check = check_id(str(m.get("id_number") or ""), ctx.today)
        if not check.valid:
            continue
        name = m.get("name") or f"第 {i + 1} 行"
        if m.get("sex") and m.get("sex") != check.sex:
            yield finding(f"{name}的性别填“{m.get('sex')}”，但身份证号显示为“{check.sex}”。"
                          "请核对证件号码，或把性别改为与证件号码一致",
                          FieldRef("sex", "members", i))
        if m.get("birth_date") and m.get("birth_date") != check.birth_date:
            yield finding(
                f"{name}的出生日期填 {m.get('birth_date')}，但身份证号显示为 {check.birth_date}。"
                "请核对证件号码，或把出生日期改为与证件号码一致",
                FieldRef("birth_date", "members", i))


@rule("H003", "error", "同户证件号码重复")
def duplicate_id_in_household(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, m in enumerate(hh.members):
        number = m.get("id_number")
        if not number:
            continue
        key = person_key(str(number))  # a 残疾人证 number names the holder of its first 18 characters
        if key in seen:
            same = "相同" if hh.members[seen[key]].get("id_number") == number else "是同一人（残疾人证号码前18位即身份证号码）"
            yield finding(f"第 {seen[key] + 1} 行和第 {i + 1} 行的证件号码{same}（{number}）。"
                          "一人只能登记一次：请删去重复的一行，或改正其中一人的证件号码",
                          FieldRef("id_number", "members", i))
        else:
            seen[key] = i


@rule("H004", "error", "其他致贫原因与主要原因重复")
def other_causes_not_main(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    main = hh.fields.get("main_cause")
    if main and main in (hh.fields.get("other_causes") or []):
        yield finding(f"其他致贫原因不能再选主要致贫原因“{main}”", FieldRef("other_causes"))


@rule("H005", "error", "村属于本乡")
def group_in_village(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    if ctx.villages is None:
        return
    village = hh.fields.get("village")
    if village and village not in ctx.villages:
        yield finding(f"本乡没有“{village}”。请从列表中选择本乡的村（可输入村名或拼音首字母）", FieldRef("village"))
