"""The identification year's operations: apply, advance, refuse, return, appeal, county decisions.

Each operation takes household ids (the ``fupin`` command resolves 户编号), plans every household
with the pure process (``rules/workflow.py``) first, and writes nothing unless every one of them
may move: a refusal names each household and why (:class:`CaseError`), and the database is as it
was.  A write is one transaction and hands back an :class:`Outcome` with its store Change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.workflow import CaseState, Decision, Kind, Status, Step, WorkflowError
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.cases import VILLAGE, CaseRow, Subject
from fupin_desktop.store.changes import Change, ChangeKind

APPLICANTS = ("户主", "代理人")
HOUSEHOLD = "household"
#: The setting a village case's Change names: the list of poor villages may have moved (the tree, the form).
POOR_VILLAGES = "poor_villages"
#: Cases whose persons count against a quota.
QUOTA_KINDS = (Kind.IDENTIFICATION.value, Kind.RETURN.value)


class CaseError(StoreError):
    """A refused operation: the Chinese message lists each household and why; nothing changed."""


@dataclass
class Outcome:
    """What an operation did: one line per household, warnings, and the Change to broadcast."""

    change: Change
    items: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _refuse(problems: list[str]) -> None:
    if problems:
        raise CaseError("；\n".join(problems) + ("\n（均未办理）" if len(problems) > 1 else ""))


def _subjects(store: Store, ids: Sequence[int], subject_kind: str = HOUSEHOLD) -> dict[int, Subject]:
    found = store.cases.subjects(ids, subject_kind)
    what = "村" if subject_kind == VILLAGE else "户"
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise CaseError(f"编号为 {'、'.join(missing)} 的{what}不存在（或已删除）")
    if len(set(ids)) != len(ids):
        raise CaseError(f"同一{what}给出了不止一次")
    return found


def _who(s: Subject) -> str:
    if s.kind == VILLAGE:
        return s.village
    return f"户编号 {s.number or s.id}（{s.head_name}）"


def procedure_of(store: Store, case: CaseRow) -> wf.Procedure:
    return wf.procedure(case.kind, case.procedure)


def _open_cases(store: Store, ids: Sequence[int], subject_kind: str = HOUSEHOLD,
                ) -> tuple[dict[int, Subject], dict[int, CaseRow], dict[int, CaseState]]:
    subjects = _subjects(store, ids, subject_kind)
    latest = store.cases.latest(ids, subject_kind)
    how = "fupin village apply 或 exit" if subject_kind == VILLAGE else "fupin workflow apply 或 exit"
    problems = [f"{_who(subjects[i])}：没有办理中的识别或退出案件（先用 {how} 建立）"
                for i in ids if i not in latest]
    _refuse(problems)
    return subjects, latest, store.cases.states(list(latest.values()))


def _change(store: Store, subjects: dict[int, Subject], count: int | None = None) -> Change:
    if any(s.kind == VILLAGE for s in subjects.values()):  # a village's case: no household moved
        return Change.of(ChangeKind.WORKFLOW, villages=[s.village for s in subjects.values()],
                         count=len(subjects) if count is None else count, settings=[POOR_VILLAGES])
    return Change.of(ChangeKind.WORKFLOW, subjects, villages=[s.village for s in subjects.values()], count=count)


def _item(s: Subject, case: CaseRow, step: Step) -> dict[str, Any]:
    if s.kind == VILLAGE:
        return {"village": s.village, "code": s.number, "case": case.id, "kind": case.kind.value,
                "from_stage": step.stage, "stage": step.to_stage, "stage_label": wf.stage_label(step.to_stage),
                "decision": step.decision.value, "status": step.status.value, "date": step.when.isoformat()}
    return {"number": s.number, "household": s.id, "case": case.id, "kind": case.kind.value,
            "from_stage": step.stage, "stage": step.to_stage, "stage_label": wf.stage_label(step.to_stage),
            "decision": step.decision.value, "status": step.status.value, "date": step.when.isoformat()}


# -- apply ---------------------------------------------------------------------------------------
def apply(store: Store, ids: Sequence[int], when: date, *, applicant: str = "户主", agent_name: str = "",
          received_by: str = "", year: int | None = None, note: str = "") -> Outcome:
    """农户申请: a new identification case (a 返贫 case for a household that had exited, linked to
    its exit).  Warns when the profile excludes the household's kind (五保/低保 out of scope)."""
    if applicant not in APPLICANTS:
        raise CaseError(f"申请人应为“户主”或“代理人”，现为“{applicant}”")
    if applicant == "代理人" and not agent_name.strip():
        raise CaseError("代理人申请须写明代理人姓名（--agent 姓名）")
    year = year or when.year
    subjects = _subjects(store, ids)
    latest = store.cases.latest(ids)
    policy = store.policy.get()
    problems, warnings = [], []
    for i in ids:
        s, case = subjects[i], latest.get(i)
        if case is not None and case.status is Status.OPEN:
            problems.append(f"{_who(s)}：已有办理中的案件（{wf.stage_label(case.stage)}），不能重复申请")
        elif case is not None and case.status is Status.DONE and case.kind is not Kind.EXIT and case.year == year:
            problems.append(f"{_who(s)}：{year} 年已建档立卡")
        elif case is not None and when < case.last_date:
            problems.append(f"{_who(s)}：申请日期早于该户上一案件的最后日期 {case.last_date.isoformat()}")
        if not policy.in_scope(s.household_type):
            warnings.append(f"{_who(s)}：{s.household_type}不在本县识别范围（政策参数：五保/低保户不纳入）")
    if policy.exclusions:  # the files hold no such facts: the clerk checks them (the rule named)
        warnings.append(f"请核实申请户是否属于本县“三不评”情形（政策参数）：{'、'.join(policy.exclusions)}")
    _refuse(problems)
    items = []
    with store.db.transaction():
        for i in ids:
            s = subjects[i]
            returning = s.exit_flag in wf.EXITED_FLAGS
            kind = Kind.RETURN if returning else Kind.IDENTIFICATION
            linked = store.cases.last_of_kind(i, Kind.EXIT) if returning else None
            proc = wf.procedure(kind, policy.procedure)
            case_id = store.cases.create(subject_id=i, village_id=s.village_id, year=year, kind=kind,
                                         procedure=proc.key, stage=proc.first.key, when=when,
                                         linked_case_id=linked.id if linked else None)
            store.cases.add_application(case_id, when, applicant, agent_name.strip(),
                                        received_by.strip() or store.operator)
            step = Step(proc.first.key, Decision.APPLY, proc.first.key, Status.OPEN, when)
            store.cases.append(case_id, step, operator=store.operator, note=note)
            case = store.cases.get(case_id)
            assert case is not None
            items.append(_item(s, case, step))
    return Outcome(_change(store, subjects), items, warnings)


# -- advance ----------------------------------------------------------------------------------------
def advance(store: Store, ids: Sequence[int], when: date, *, note: str = "", override: str = "",
            reference: str = "", subject_kind: str = HOUSEHOLD) -> Outcome:
    """通过 at each household's (or village's) stage, to the next.  Leaving a publicity round before
    its end, or taking a village or the township beyond its quota, needs ``override`` (recorded)."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    subjects, latest, states = _open_cases(store, ids, subject_kind)
    problems: list[str] = []
    steps: dict[int, Step] = {}
    for i in ids:
        case = latest[i]
        proc = procedure_of(store, case)
        try:
            stage = proc.stage(case.stage)
            if stage.county and case.status is Status.OPEN:
                raise WorkflowError(f"“{stage.label}”由县里决定：在县里的数据库用 fupin workflow approve，"
                                    "或在本乡用 fupin workflow approve … --document 文号 录入县里的书面决定")
            steps[i] = wf.plan_advance(proc, states[case.id], when, override)
        except WorkflowError as exc:
            problems.append(f"{_who(subjects[i])}：{exc}")
    _refuse(problems)
    warnings = [w for st in steps.values() for w in st.warnings]
    moves = [(latest[i], subjects[i], steps[i]) for i in ids]
    if subject_kind == VILLAGE:
        from fupin_desktop.casework.villages import village_quota_warnings

        quota = village_quota_warnings(store, moves)
    else:
        quota = quota_warnings(store, moves)
    if quota and not override.strip():
        raise CaseError("；".join(quota) + "。超出规模须写明理由（--override 理由）")
    if quota:
        steps = {i: dataclasses.replace(st, override=st.override or override.strip()) for i, st in steps.items()}
        warnings += quota
    return _write(store, subjects, latest, steps, note=note, reference=reference, warnings=warnings)


def _write(store: Store, subjects: dict[int, Subject], cases: dict[int, CaseRow], steps: dict[int, Step], *,
           note: str = "", reference: str = "", warnings: Sequence[str] = ()) -> Outcome:
    from fupin_desktop.casework.marking import mark_household

    items = []
    with store.db.transaction():
        for i, step in steps.items():
            case = cases[i]
            store.cases.append(case.id, step, operator=store.operator, note=note, reference=reference)
            if step.status is Status.DONE:
                mark_household(store, case, step.when)
            items.append(_item(subjects[i], case, step))
    return Outcome(_change(store, subjects), items, list(warnings))


# -- refuse, return, appeal, county decision --------------------------------------------------------------
def refuse(store: Store, ids: Sequence[int], when: date, reason: str, *, note: str = "", reference: str = "",
           subject_kind: str = HOUSEHOLD) -> Outcome:
    """不予认定 (不予受理 at the application): the case ends with the reason (printed on the 告知书)."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    subjects, latest, states = _open_cases(store, ids, subject_kind)
    return _plan_all(store, subjects, latest, ids, lambda case: wf.plan_refuse(
        procedure_of(store, case), states[case.id], when, reason), note=note, reference=reference)


def send_back(store: Store, ids: Sequence[int], when: date, reason: str, *, note: str = "",
              subject_kind: str = HOUSEHOLD) -> Outcome:
    """退回: back to the step before the latest publicity round, which then runs again."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    subjects, latest, states = _open_cases(store, ids, subject_kind)
    return _plan_all(store, subjects, latest, ids, lambda case: wf.plan_return(
        procedure_of(store, case), states[case.id], when, reason), note=note)


def appeal(store: Store, household_id: int, when: date, text: str, outcome: bool | None = None,
           subject_kind: str = HOUSEHOLD) -> Outcome:
    """申诉 against the household's refusal; ``outcome`` True re-opens the case at its stage."""
    subjects, latest, states = _open_cases(store, [household_id], subject_kind)
    return _plan_all(store, subjects, latest, [household_id], lambda case: wf.plan_appeal(
        states[case.id], when, text, outcome))


def county_decision(store: Store, ids: Sequence[int], when: date, *, approve: bool, document: str,
                    reason: str = "", note: str = "", subject_kind: str = HOUSEHOLD) -> Outcome:
    """县审定: approve or refuse at the county stage, with the decision's document number."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    if not document.strip():
        raise CaseError("县审定须写明文件文号（--document 文号）")
    subjects, latest, states = _open_cases(store, ids, subject_kind)
    return _plan_all(store, subjects, latest, ids, lambda case: wf.plan_county_decision(
        procedure_of(store, case), states[case.id], when, approve, reason), note=note, reference=document.strip())


def _plan_all(store: Store, subjects: dict[int, Subject], latest: dict[int, CaseRow], ids: Sequence[int],
              plan: Any, *, note: str = "", reference: str = "") -> Outcome:
    problems, steps = [], {}
    for i in ids:
        try:
            steps[i] = plan(latest[i])
        except WorkflowError as exc:
            problems.append(f"{_who(subjects[i])}：{exc}")
    _refuse(problems)
    return _write(store, subjects, latest, steps, note=note, reference=reference)


# -- quotas ------------------------------------------------------------------------------------------
def quota_warnings(store: Store, moves: Sequence[tuple[CaseRow, Subject, Step]]) -> list[str]:
    """The warnings for moves that take a village or the township beyond its quota of persons."""
    from fupin_desktop.casework.quotas import counted_persons

    added: dict[int, dict[int, int]] = {}  # year -> village -> persons newly counted
    for case, subject, step in moves:
        if case.kind.value not in QUOTA_KINDS:
            continue
        proc = wf.procedure(case.kind, case.procedure)
        counted_after = step.status is Status.DONE or wf.counts_for_quota(proc, step.to_stage)
        if counted_after and not wf.counts_for_quota(proc, case.stage):
            by_village = added.setdefault(case.year, {})
            by_village[case.village_id] = by_village.get(case.village_id, 0) + subject.size
    out = []
    names: dict[int, str] = {int(v.id): v.name for v in store.townships.villages() if v.id is not None}
    for year, by_village in added.items():
        quotas = store.publicity.quotas(year)
        counted = counted_persons(store, year)
        for village_id, persons in by_village.items():
            before = counted.get(village_id, 0)
            warning = wf.quota_warning(names.get(village_id, "该村"), quotas.get(village_id), before, before + persons)
            if warning:
                out.append(warning)
        total = sum(counted.values())
        warning = wf.quota_warning("全乡", quotas.get(None), total, total + sum(by_village.values()))
        if warning:
            out.append(warning)
    return out
