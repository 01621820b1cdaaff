"""贫困村 identification and exit (issue 17, item 4) on the households' machinery (issue 15).

A village's case is a row of the same ``cases`` table (``subject_kind`` "village", the village's
id as subject), with the same append-only records, publicity rounds and objections; advance,
refuse, send back, the county's decision and appeals are ``casework.core``'s own operations called
with ``subject_kind="village"``.  What is a village's own:

- the procedure, "一公示一公告" (rules/workflow.py ``VILLAGE``): 村委会自愿申请 → 乡镇审核 →
  贫困村公示 (township-wide round) → 县审定 → 公告 → 确定为贫困村 (the village marked 贫困村);
- the quota: how many poor villages the township may have (the profile's ``poor_village_quotas``);
  a village counts from 乡镇审核 on, and going beyond the quota needs a recorded reason;
- the exit (``VILLAGE_EXIT``): only a poor village whose 贫困发生率 of the year (the households'
  未脱贫 persons over the 贫困村登记表's 总人口) is below the profile's ``village_exit_incidence``;
  at its end the village is no longer marked 贫困村.

All or nothing over a list of villages, like households; no SQL here, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from fupin_desktop.casework.core import (
    CaseError,
    Outcome,
    _change,
    _item,
    _refuse,
    _subjects,
    _who,
)
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.village import incidence
from fupin_desktop.rules.workflow import Decision, Kind, Status, Step
from fupin_desktop.store import Store
from fupin_desktop.store import stats as stat_sql
from fupin_desktop.store.cases import VILLAGE, CaseRow, Subject
from fupin_desktop.store.database import StoreError
from fupin_desktop.store.progress import village_case_label

SUBJECT = VILLAGE


def village_ids(store: Store, names: Sequence[str]) -> list[int]:
    """The ids of the villages named (each name checked; a clear message names the unknown one)."""
    ids = []
    for name in names:
        found = store.townships.village_by_name(name.strip())
        if found is None or found.id is None:
            known = "、".join(v.name for v in store.townships.villages())
            raise CaseError(f"本乡没有“{name.strip()}”这个村（现有：{known or '还没有村'}）")
        ids.append(int(found.id))
    if len(set(ids)) != len(ids):
        raise CaseError("同一个村给出了不止一次")
    return ids


def village_incidence(store: Store, village_id: int, year: int) -> Decimal | None:
    """贫困发生率 of the village for ``year``: its households' 未脱贫 persons (SQL aggregate) over the
    year's 贫困村登记表 总人口 (None without a form or a population)."""
    form = store.village_forms.get(village_id, year)
    population = form.fields.get("total_population") if form else None
    counts = stat_sql.village_counts(store.db, year, village_id).get(village_id, {})
    return incidence(int(counts.get("poor_persons", 0)), population if isinstance(population, int) else None)


def _start(store: Store, ids: Sequence[int], when: date, *, kind: Kind, proc: wf.Procedure, year: int,
           note: str, details: dict[int, dict[str, Any]]) -> Outcome:
    subjects = _subjects(store, ids, SUBJECT)
    items = []
    with store.db.transaction():
        for i in ids:
            s = subjects[i]
            case_id = store.cases.create(subject_id=i, village_id=i, year=year, kind=kind, procedure=proc.key,
                                         stage=proc.first.key, when=when, details=details.get(i),
                                         subject_kind=SUBJECT)
            step = Step(proc.first.key, Decision.APPLY, proc.first.key, Status.OPEN, when)
            store.cases.append(case_id, step, operator=store.operator, note=note)
            case = store.cases.get(case_id)
            assert case is not None
            items.append(_item(s, case, step))
    return Outcome(_change(store, subjects), items)


def _common_problems(s: Subject, case: CaseRow | None, when: date) -> list[str]:
    if case is not None and case.status is Status.OPEN:
        return [f"{_who(s)}：已有办理中的案件（{wf.stage_label(case.stage)}），不能重复申请"]
    if case is not None and when < case.last_date:
        return [f"{_who(s)}：申请日期早于该村上一案件的最后日期 {case.last_date.isoformat()}"]
    return []


def apply(store: Store, ids: Sequence[int], when: date, *, year: int | None = None, note: str = "") -> Outcome:
    """村委会自愿申请: a new identification case per village (all or none); a village already poor,
    or with a case in progress, is refused."""
    year = year or when.year
    subjects = _subjects(store, ids, SUBJECT)
    latest = store.cases.latest(ids, SUBJECT)
    problems = []
    for i in ids:
        s = subjects[i]
        found = _common_problems(s, latest.get(i), when)
        if not found and s.exit_flag:
            found = [f"{_who(s)}：已是贫困村，不需要再申请"]
        problems += found
    _refuse(problems)
    return _start(store, ids, when, kind=Kind.IDENTIFICATION, proc=wf.VILLAGE, year=year,
                  note=note or "村委会自愿申请", details={})


def start_exit(store: Store, ids: Sequence[int], when: date, *, year: int | None = None, note: str = "") -> Outcome:
    """贫困村退出: a poor village whose 贫困发生率 of ``year`` (default: ``when``'s year) is below the
    profile's line (all or none); the figures are kept on the case."""
    year = year or when.year
    subjects = _subjects(store, ids, SUBJECT)
    latest = store.cases.latest(ids, SUBJECT)
    line = store.policy.get().village_exit_incidence
    if year not in stat_sql.years(store.db):  # no files of the year: 0 poor persons would prove nothing
        raise CaseError(f"{year} 年没有建档立卡户档案，无法计算贫困发生率（--year 给出有档案的年度）")
    problems: list[str] = []
    details: dict[int, dict[str, Any]] = {}
    for i in ids:
        s = subjects[i]
        found = _common_problems(s, latest.get(i), when)
        if not found and not s.exit_flag:
            found = [f"{_who(s)}：不是贫困村，无须退出"]
        if not found:
            rate = village_incidence(store, i, year)
            found = [f"{_who(s)}：{p}" for p in wf.village_exit_problems(rate, line)]
            details[i] = {"incidence": None if rate is None else float(rate), "line": float(line), "year": year}
        problems += found
    _refuse(problems)
    return _start(store, ids, when, kind=Kind.EXIT, proc=wf.VILLAGE_EXIT, year=year,
                  note=note or f"贫困发生率低于 {line}%，村委会申请退出", details=details)


# -- the quota of poor villages ----------------------------------------------------------------------
def counted_villages(store: Store) -> set[int]:
    """The villages counted against the township's quota now: marked 贫困村 (and not leaving in an
    exit case that has finished), or in an identification case from 乡镇审核 on."""
    out = set()
    for r in store.cases.village_status_rows():
        poor = bool(r["is_poor"])
        counted = (r["case_id"] is not None and r["procedure"] == wf.VILLAGE.key and r["status"] == "open"
                   and wf.village_counts_for_quota(r["stage"]))
        if poor or counted:
            out.add(int(r["village_id"]))
    return out


def village_quota(store: Store) -> int | None:
    town = store.townships.get()
    return store.policy.get().poor_village_quota(town.code if town else "")


def village_quota_warnings(store: Store, moves: Sequence[tuple[CaseRow, Subject, Step]]) -> list[str]:
    """The warning when moves take the township beyond its quota of poor villages."""
    counted = counted_villages(store)
    added = {case.subject_id for case, _s, step in moves
             if case.procedure == wf.VILLAGE.key and case.subject_id not in counted
             and (step.status is Status.DONE or wf.village_counts_for_quota(step.to_stage))}
    warning = wf.village_quota_warning(village_quota(store), len(counted), len(counted) + len(added))
    return [warning] if warning else []


def quota_json(store: Store) -> dict[str, Any]:
    counted = counted_villages(store)
    poor = [v.name for v in store.townships.villages() if v.is_poor]
    return {"quota_villages": village_quota(store), "poor_villages": poor, "counted_villages": len(counted)}


# -- the status of every village -------------------------------------------------------------------
def village_status(store: Store, year: int | None = None, *, history: bool = True) -> dict[str, Any]:
    """``fupin village status --json``: every village with its latest case, records and objections,
    and the township's quota of poor villages."""
    rows = store.cases.village_status_rows(year)
    records = store.cases.records([r["case_id"] for r in rows if r["case_id"] is not None]) if history else {}
    villages = []
    for r in rows:
        entry: dict[str, Any] = {"village": r["village"], "code": r["code"], "is_poor": bool(r["is_poor"]),
                                 "case": r["case_id"], "kind": r["kind"], "year": r["year"], "stage": r["stage"],
                                 "stage_label": wf.stage_label(r["stage"]) if r["stage"] else "",
                                 "status": r["status"], "open_objections": r["open_objections"],
                                 "label": village_case_label(r)}
        if history:
            entry["history"] = [{"stage": x.stage, "to_stage": x.to_stage, "date": x.date.isoformat(),
                                 "decision": x.decision, "note": x.note, "reason": x.reason,
                                 "reference": x.reference, "override": x.override_reason, "operator": x.operator}
                                for x in records.get(r["case_id"], [])]
        villages.append(entry)
    return {"villages": villages, **quota_json(store)}


def check_village_round(store: Store, round_id: int) -> None:
    """A village objection names a village round (its list holds villages)."""
    if not store.publicity.round_villages(round_id):
        raise StoreError(f"第 {round_id} 号公示不是贫困村公示（用 fupin village status 或 fupin publicity list 查看）")
