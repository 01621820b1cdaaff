"""Registration years: the declared carry-over and review rules, a year-to-year diff, member-change checks.

``forms/years.toml`` is the one place that says what "结转下一年度" keeps and clears and which
households the half-year review names (:func:`year_rules`).  :func:`year_diff` turns two years'
files of a household (stored payloads: ``fields`` JSON and member rows) into readable Chinese
lines for the 历年记录 view and ``fupin history``.  The member-change rules (Y001-Y004) check the
人员变更 columns of one file.  Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fupin_desktop.domain.household import LEFT_HOUSEHOLD, Household, Row
from fupin_desktop.formspec import FormSpec
from fupin_desktop.paths import FORMS_DIR
from fupin_desktop.rules import FieldRef, Finding, RuleContext, age_at, finding, rule

FEMALE = "女"
BIRTH = "新生儿"
DEATH = "死亡"
#: Grid fields whose change from one year to the next the history names (in this order).
DIFF_FIELDS = ("exit_flag", "exit_year", "household_type", "main_cause", "other_causes", "return_cause",
               "standard", "dilapidated", "housing_area", "relocated", "village", "group")
#: Ages of a mother at a child's birth the birth check accepts.
MOTHER_AGES = (14, 55)


@dataclass(frozen=True)
class CarryRules:
    clear_fields: tuple[str, ...]
    clear_tables: tuple[str, ...]
    clear_member_fields: tuple[str, ...]
    drop_members_with_change: frozenset[str]


@dataclass(frozen=True)
class ReviewRules:
    income_years: int
    serious_health: frozenset[str]
    not_exited: frozenset[str]
    exited: frozenset[str]
    returned: str


@dataclass(frozen=True)
class YearRules:
    carry: CarryRules
    added: tuple[str, ...]  # 人员变更 that add a member
    removed: tuple[str, ...]  # 人员变更 that remove one
    review: ReviewRules


@functools.cache
def year_rules() -> YearRules:
    """forms/years.toml, read once."""
    with open(FORMS_DIR / "years.toml", "rb") as fh:
        raw = tomllib.load(fh)
    c, m, r = raw["carry_over"], raw["member_changes"], raw["review"]
    return YearRules(
        carry=CarryRules(tuple(c["clear_fields"]), tuple(c["clear_tables"]), tuple(c["clear_member_fields"]),
                         frozenset(c["drop_members_with_change"])),
        added=tuple(m["added"]), removed=tuple(m["removed"]),
        review=ReviewRules(int(r["income_years"]), frozenset(r["serious_health"]), frozenset(r["not_exited"]),
                           frozenset(r["exited"]), str(r["returned"])),
    )


# -- the year-to-year diff --------------------------------------------------------------------------
def _money(raw: Any) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except InvalidOperation:
        return None


def _shown(raw: Any) -> str:
    if raw in (None, "", []):
        return "（空）"
    if isinstance(raw, list):
        return "、".join(str(v) for v in raw)
    if isinstance(raw, bool):
        return "是" if raw else "否"
    return str(raw)


def _person(m: Mapping[str, Any]) -> str:
    return str(m.get("id_number") or m.get("uuid") or "")


def current_of(members: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Members of a payload still in the household (stored member rows: ``{"fields": {...}}``)."""
    return [m for m in members if not m.get("deleted")
            and (m.get("fields") or {}).get("change") not in LEFT_HOUSEHOLD]


def year_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """What changed from one year's file to the next, as readable lines.

    ``before``/``after``: payloads (``fields`` dict, ``members`` list of stored rows); ``before``
    None for the household's first year.  ``labels``: field id -> the form's label.
    """
    if before is None:
        return ["首次登记"]
    out: list[str] = []
    old_f, new_f = before.get("fields") or {}, after.get("fields") or {}
    old_f = {**old_f, "village": before.get("village", ""), "group": before.get("group_name", "")}
    new_f = {**new_f, "village": after.get("village", ""), "group": after.get("group_name", "")}
    old_members = {_person(m): m for m in current_of(list(before.get("members") or []))}
    new_all = list(after.get("members") or [])
    new_members = {_person(m): m for m in current_of(new_all)}
    for key, m in new_members.items():
        if key not in old_members:
            f = m.get("fields") or {}
            how = f.get("change") or "新增"
            when = f" {f['change_date']}" if f.get("change_date") else ""
            out.append(f"成员增加：{f.get('name') or m.get('name') or '（无名）'}（{how}{when}）")
    for key, m in old_members.items():
        if key not in new_members:
            f = m.get("fields") or {}
            left = next((x for x in new_all if _person(x) == key), None)
            lf = (left.get("fields") or {}) if left else {}
            how = lf.get("change") or "未说明原因"
            when = f" {lf['change_date']}" if lf.get("change_date") else ""
            out.append(f"成员减少：{f.get('name') or m.get('name') or '（无名）'}（{how}{when}）")
    old_size, new_size = len(old_members), len(new_members)
    if old_size != new_size:
        out.append(f"家庭人口：{old_size} → {new_size} 人")
    a, b = _money(old_f.get("per_capita_income")), _money(new_f.get("per_capita_income"))
    if a != b:
        out.append(f"年人均纯收入：{_shown(a)} → {_shown(b)} 元")
    for key in DIFF_FIELDS:
        if old_f.get(key) != new_f.get(key) and not (old_f.get(key) in (None, "", []) and new_f.get(key) in (None, "", [])):
            out.append(f"{labels.get(key, key)}：{_shown(old_f.get(key))} → {_shown(new_f.get(key))}")
    for key in new_members.keys() & old_members.keys():
        of, nf = old_members[key].get("fields") or {}, new_members[key].get("fields") or {}
        for col in ("health", "relation", "school_status", "labor_skill"):
            if of.get(col) != nf.get(col) and nf.get(col):
                out.append(f"{nf.get('name') or ''}的{labels.get('members.' + col, col)}："
                           f"{_shown(of.get(col))} → {_shown(nf.get(col))}")
    return out


def diff_labels(spec: FormSpec) -> dict[str, str]:
    """Field id -> label for :func:`year_diff` (member columns as ``members.<id>``)."""
    out = {f.id: f.label for f in spec.grid_fields()}
    out.update({f"members.{f.id}": f.label for f in spec.table("members").fields})
    out["exit_flag"] = "脱贫状态"
    return out


# -- member-change rules ----------------------------------------------------------------------------
def _who(m: Row, i: int) -> str:
    return str(m.get("name") or f"家庭成员第 {i + 1} 行")


@rule("Y001", "warning", "人员变更日期在登记期之后")
def change_after_period(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    end = ctx.reference_date(hh)
    for i, m in enumerate(hh.members):
        when, change = m.get("change_date"), m.get("change")
        if isinstance(when, date) and when > end:
            yield finding(f"{_who(m, i)}的人员变更（{change or '未填'}）日期 {when} 在本登记年度"
                          f"（截至 {end}）之后。请核对日期；属下一年度的变更，应在结转后的下一年度登记",
                          FieldRef("change_date", "members", i))


@rule("Y002", "warning", "新生儿的母亲不在本户")
def birth_without_mother(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        if m.get("change") != BIRTH:
            continue
        born = m.get("birth_date") if isinstance(m.get("birth_date"), date) else m.get("change_date")
        if not isinstance(born, date):
            continue
        mothers = [p for j, p in enumerate(hh.members) if j != i and p.get("sex") == FEMALE
                   and p.get("change") not in LEFT_HOUSEHOLD
                   and (age := age_at(p.get("birth_date"), born)) is not None
                   and MOTHER_AGES[0] <= age <= MOTHER_AGES[1]]
        if not mothers:
            yield finding(f"{_who(m, i)}登记为“新生儿”，但本户没有可能是其母亲的成员。"
                          "请核实：孩子随母亲登记；母亲在他户的，不能在本户新增（防止拆户、空挂户）",
                          FieldRef("change", "members", i))


@rule("Y003", "warning", "人员变更缺少原因或日期")
def change_incomplete(hh: Household, ctx: RuleContext) -> Iterator[Finding]:
    for i, m in enumerate(hh.members):
        if m.get("change_date") and not m.get("change"):
            yield finding(f"{_who(m, i)}填了变更日期，没有填人员变更的原因。减少成员必须写明原因"
                          "（死亡、婚出、迁出、判刑收监、其他）", FieldRef("change", "members", i))
        elif m.get("change") and not m.get("change_date"):
            yield finding(f"{_who(m, i)}的人员变更“{m.get('change')}”没有填变更日期。请补填",
                          FieldRef("change_date", "members", i))


__all__ = ["CarryRules", "ReviewRules", "YearRules", "current_of", "diff_labels", "year_diff", "year_rules"]
