"""Checks of the 贫困村登记表: required cells, figures that contradict each other, figures that
disagree with the village's households (V001), and the "一高一低一无" tests.

The computed figures (``[computed]`` of ``forms/village.toml``) are counted by the store from the
village's registered households of the year; here they are only compared: ``equal`` figures
(贫困户数, 低保户数 …) must match, ``at_least`` figures cover every villager (残疾人口, 危房户数 …)
and cannot be smaller than the households' part.  The reference figures of the poor-village test
are the county's profile, per year (:class:`VillageReference`, ``Policy.village_references``).
Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from fupin_desktop.domain.values import format_value
from fupin_desktop.domain.village import VillageForm
from fupin_desktop.formspec import FormSpec, SpecError, load_form
from fupin_desktop.paths import FORMS_DIR
from fupin_desktop.rules import FieldRef, Finding
from fupin_desktop.rules.village_refs import BASES, VillageReference, reference_for

Compare = Literal["equal", "at_least"]

#: The village form's rules, for ``fupin rules`` and the data-quality view.
VILLAGE_RULES: tuple[tuple[str, str, str], ...] = (
    ("V001", "warning", "贫困村登记表的数字与本村建档立卡户档案不一致"),
    ("V002", "error", "贫困村登记表必填项未填"),
    ("V003", "warning", "贫困村登记表的数字前后矛盾"),
)


@dataclass(frozen=True)
class Computed:
    """A typed figure that the households also hold: the store's count ``stat``, compared so."""

    field: str
    stat: str
    compare: Compare


@functools.cache
def computed_fields(form_id: str = "village") -> tuple[Computed, ...]:
    """The ``[computed]`` table of ``forms/<form_id>.toml``, checked against the form's fields."""
    with open(FORMS_DIR / f"{form_id}.toml", "rb") as fh:
        raw = tomllib.load(fh).get("computed", {})
    spec = load_form(form_id)
    ids = {f.id for f in spec.grid_fields()}
    out = []
    for fid, item in raw.items():
        if fid not in ids or item.get("compare") not in ("equal", "at_least") or not item.get("stat"):
            raise SpecError(f"{form_id}.computed.{fid}: needs a form field, a stat and compare = equal|at_least")
        out.append(Computed(fid, str(item["stat"]), item["compare"]))
    return tuple(out)


def differences(form: VillageForm, computed: Mapping[str, int], spec: FormSpec) -> list[dict[str, Any]]:
    """Each typed figure that disagrees with the households: field, label, typed, computed, compare.
    ``computed``: the households' figure by field id (store/village_view.py ``computed_for``)."""
    out = []
    for c in computed_fields(spec.id or "village"):
        typed = form.fields.get(c.field)
        count = int(computed.get(c.field, 0))
        if typed is None:
            continue
        bad = typed != count if c.compare == "equal" else typed < count
        if bad:
            out.append({"field": c.field, "label": spec.field(c.field).label, "typed": int(typed),
                        "computed": count, "compare": c.compare})
    return out


def difference_message(d: Mapping[str, Any]) -> str:
    if d["compare"] == "equal":
        return f"{d['label']}填写 {d['typed']}，本村建档立卡户档案合计 {d['computed']}"
    return f"{d['label']}填写 {d['typed']}，少于本村建档立卡户档案中的 {d['computed']}"


def check_form(form: VillageForm, computed: Mapping[str, int], spec: FormSpec) -> list[Finding]:
    """Every finding on one village form (rules V001-V003)."""
    f = form.fields
    out: list[Finding] = []
    for field in spec.grid_fields():
        if field.required and f.get(field.id) in (None, "", []):
            out.append(Finding("V002", "error", f"{field.label}未填", (FieldRef(field.id),)))
    for d in differences(form, computed, spec):
        out.append(Finding("V001", "warning", difference_message(d), (FieldRef(d["field"]),)))
    pairs = (("poor_households", "total_households"), ("poor_population", "total_population"),
             ("irrigated", "farmland"), ("dibao_households", "total_households"),
             ("broadband_households", "total_households"), ("unroaded_villages", "natural_villages"),
             ("unpowered_villages", "natural_villages"), ("returned_forest", "forest"))
    for part, whole in pairs:
        a, b = f.get(part), f.get(whole)
        if a is not None and b is not None and a > b:
            pl, wl = spec.field(part), spec.field(whole)
            out.append(Finding("V003", "warning", f"{pl.label}（{format_value(pl, a)}）大于{wl.label}（{format_value(wl, b)}）",
                               (FieldRef(part), FieldRef(whole))))
    if f.get("exit_year") is not None and f.get("village_exited") is not True:
        out.append(Finding("V003", "warning", "填了出列年度，但“是否脱贫出列”不是“是”", (FieldRef("village_exited"),)))
    return out


# -- 一高一低一无 -------------------------------------------------------------------------------
def incidence(poor_persons: int | None, population: int | None) -> Decimal | None:
    """贫困发生率 in percent, two decimals (None without a rural population)."""
    if not population or poor_persons is None:
        return None
    return (Decimal(poor_persons) * 100 / Decimal(population)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def poor_village_tests(form: VillageForm, computed: Mapping[str, int],
                       references: Mapping[int, VillageReference]) -> dict[str, Any]:
    """Which of 一高、一低、一无 the village meets: each ``{"met": bool|None, "text": …}``
    (``met`` None: a figure or the reference is missing)."""
    f = form.fields
    ref = reference_for(references, form.year)
    poor = f.get("poor_population")
    if poor is None:
        poor = computed.get("poor_persons")
    rate = incidence(poor, f.get("total_population"))
    income = f.get("per_capita_income")
    collective = f.get("collective_income")
    out: dict[str, Any] = {"incidence": None if rate is None else float(rate), "reference_year": None}
    if ref is None:
        note = "政策参数中没有该年度的贫困村参照数（设置 → 政策参数）"
        out["high"] = {"met": None, "text": note}
        out["low"] = {"met": None, "text": note}
    else:
        year, r = ref
        out["reference_year"] = year
        where = BASES[r.basis]
        if rate is None or r.incidence is None:
            out["high"] = {"met": None, "text": "缺总人口或参照贫困发生率"}
        else:
            line = r.incidence * 2 if r.basis == "province" else r.incidence
            met = rate >= line if r.basis == "province" else rate > line
            out["high"] = {"met": met, "text": f"贫困发生率 {rate}%，{where} {r.incidence}%"
                           + ("的两倍为 " + f"{line}%" if r.basis == "province" else "")}
        if income is None or r.income is None:
            out["low"] = {"met": None, "text": "缺农民人均纯收入或参照收入"}
        else:
            line = (r.income * Decimal("0.6")).quantize(Decimal("0.01")) if r.basis == "province" else r.income
            out["low"] = {"met": income < line, "text": f"农民人均纯收入 {income} 元，"
                          + (f"{where}平均 {r.income} 元的 60% 为 {line} 元" if r.basis == "province"
                             else f"{where}平均 {r.income} 元")}
    if collective is None:
        out["none"] = {"met": None, "text": "村集体经济收入未填"}
    else:
        out["none"] = {"met": collective == 0, "text": f"村集体经济收入 {collective} 万元"}
    out["met"] = [k for k, label in (("high", "一高"), ("low", "一低"), ("none", "一无")) if out[k]["met"]]
    return out


TEST_LABELS = {"high": "一高（贫困发生率）", "low": "一低（农民人均纯收入）", "none": "一无（集体经济收入）"}
