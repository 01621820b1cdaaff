"""Publicity rounds (公示) and the objections (异议) heard during them.

A round is opened for the households waiting at a publicity stage -- a village's, or the
township's or county's for the 三榜公示 rounds -- with the profile's days (the stage's own for the
三榜 rounds).  An objection names a household of the round; while it is open the household cannot
advance; its finding 成立 ends the case (不予认定, the finding as reason), 不成立 lets it go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fupin_desktop.casework.core import CaseError
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.policy import PUBLICITY_DAYS
from fupin_desktop.rules.workflow import Scope, Status, WorkflowError
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, Changed, ChangeKind
from fupin_desktop.store.publicity import ObjectionRow, RoundRow

#: Which waiting stage a new round takes first when several wait in one village.
STAGE_ORDER = ("publicity1", "exit_publicity", "publicity2", "publicity3", "village_publicity",
               "village_exit_publicity")
FINDINGS = {True: "成立", False: "不成立"}


@dataclass(frozen=True)
class PublicityStage:
    procedure: str
    stage: str
    scope: Scope
    days: int | None


def _publicity_stages(store: Store, village_id: int | None, scope: Scope) -> list[PublicityStage]:
    out = []
    for proc_key, stage_key in store.cases.open_stages(village_id):
        proc = wf.procedure_by_key(proc_key)
        if stage_key not in [s.key for s in proc.stages]:
            continue
        stage = proc.stage(stage_key)
        if stage.publicity is scope:
            out.append(PublicityStage(proc.key, stage.key, scope, stage.days))
    return sorted(out, key=lambda p: STAGE_ORDER.index(p.stage) if p.stage in STAGE_ORDER else 99)


def open_round(store: Store, when: date, *, village: str | None = None, scope: Scope = Scope.VILLAGE,
               days: int | None = None, stage: str | None = None, phone: str = "") -> Changed[RoundRow]:
    """Open the next round for ``village`` (or, for a township/county round, every village)."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    if days is not None and not PUBLICITY_DAYS[0] <= days <= PUBLICITY_DAYS[1]:
        raise CaseError(f"公示天数应为 {PUBLICITY_DAYS[0]}-{PUBLICITY_DAYS[1]} 天，现为 {days}")
    village_id = None
    place = {Scope.TOWNSHIP: "全乡", Scope.COUNTY: "全县"}.get(scope, "")
    if scope is Scope.VILLAGE:
        found = store.townships.village_by_name(village or "")
        if found is None or found.id is None:
            names = "、".join(v.name for v in store.townships.villages())
            raise CaseError(f"本乡没有“{village or ''}”这个村（现有：{names}）")
        village_id, place = found.id, found.name
    stages = _publicity_stages(store, village_id, scope)
    if stage is not None:
        stages = [s for s in stages if s.stage == stage]
    else:  # a villages' round (贫困村公示, issue 17) is opened only by its own stage, never by default
        stages = [s for s in stages if s.procedure not in wf.VILLAGE_PROCEDURES]
    waiting: list[Any] = []
    chosen = None
    for candidate in stages:
        waiting = store.cases.waiting(village_id, candidate.stage)
        if waiting:
            chosen = candidate
            break
    if chosen is None:
        if stage in wf.VILLAGE_STAGES:
            raise CaseError(f"没有等待{wf.stage_label(stage)}的村（先把村推进到公示阶段：fupin village advance）")
        raise CaseError(f"{place}没有等待公示的户（先把户推进到公示阶段：fupin workflow advance）")
    early = [c for c in waiting if c.last_date > when]
    if early:
        raise CaseError(f"公示开始日 {when.isoformat()} 早于其中 {len(early)} 户进入公示阶段的日期"
                        f"（最晚 {max(c.last_date for c in early).isoformat()}）")
    policy = store.policy.get()
    days = days or chosen.days or policy.publicity_days
    year = max(c.year for c in waiting)
    with store.db.transaction():
        round_id = store.publicity.open_round(scope=scope.value, village_id=village_id, year=year, stage=chosen.stage,
                                              start=when, days=days, case_ids=[c.id for c in waiting],
                                              operator=store.operator, phone=phone)
    rnd = store.publicity.get_round(round_id)
    assert rnd is not None
    households = [c.subject_id for c in waiting if c.subject_kind == "household"]
    return Changed(rnd, Change.of(ChangeKind.WORKFLOW, households, villages=[place], count=len(waiting)))


def round_json(store: Store, rnd: RoundRow) -> dict[str, Any]:
    return {"round": rnd.id, "stage": rnd.stage, "stage_label": wf.stage_label(rnd.stage), "scope": rnd.scope,
            "village": rnd.village, "start": rnd.start.isoformat(), "days": rnd.days, "end": rnd.end.isoformat(),
            "households": [r["number"] for r in store.publicity.round_households(rnd.id)],
            "villages": [r["village"] for r in store.publicity.round_villages(rnd.id)],
            "open_objections": len(store.publicity.objections(round_id=rnd.id, open_only=True))}


def add_objection(store: Store, round_id: int, household_id: int, when: date, claim: str,
                  by: str = "", subject_kind: str = "household") -> Changed[int]:
    """Record an objection against a household (or, ``subject_kind`` "village", a village) of a
    round (``by`` empty: anonymous)."""
    rnd = store.publicity.get_round(round_id)
    if rnd is None:
        raise CaseError(f"没有编号为 {round_id} 的公示（用 fupin publicity list 查看）")
    if not claim.strip():
        raise CaseError("异议须写明反映的内容（--text）")
    case = store.cases.latest([household_id], subject_kind).get(household_id)
    if case is None or case.id not in store.publicity.round_case_ids(round_id):
        what = "该村" if subject_kind == "village" else "该户"
        raise CaseError(f"{what}不在第 {round_id} 号公示（{rnd.village or rnd.scope}{wf.stage_label(rnd.stage)}）的名单中")
    state = store.cases.states([case])[case.id]
    try:
        wf.check_objection(state, when)
        if state.round is None or state.round.id != round_id:
            raise WorkflowError("该户已不在这一轮公示中")
    except WorkflowError as exc:
        raise CaseError(str(exc)) from exc
    with store.db.transaction():
        objection = store.publicity.add_objection(round_id=round_id, case_id=case.id, received=when,
                                                  by_name=by.strip(), claim=claim.strip(), operator=store.operator)
    if subject_kind == "village":
        return Changed(objection, Change.of(ChangeKind.WORKFLOW, count=1, settings=["poor_villages"]))
    return Changed(objection, Change.of(ChangeKind.WORKFLOW, [household_id]))


def resolve(store: Store, objection_id: int, when: date, upheld: bool, note: str) -> Changed[ObjectionRow]:
    """Record the investigation's finding; 成立 ends the household's case (不予认定)."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    found = store.publicity.objections(objection_id=objection_id)
    if not found:
        raise CaseError(f"没有编号为 {objection_id} 的异议（用 fupin publicity list 查看）")
    obj = found[0]
    if obj.finding is not None:
        raise CaseError(f"第 {objection_id} 号异议已于 {obj.finding_date} 核实处理（{obj.finding}），处理结果不能更改")
    if when < obj.received:
        raise CaseError(f"核实日期 {when.isoformat()} 早于异议受理日期 {obj.received.isoformat()}")
    if not note.strip():
        raise CaseError("请写明核实情况（--note）")
    case = store.cases.get(obj.case_id)
    assert case is not None
    with store.db.transaction():
        store.publicity.resolve(objection_id, FINDINGS[upheld], when, note.strip(), store.operator)
        if upheld and case.status is Status.OPEN:
            proc = wf.procedure(case.kind, case.procedure)
            state = store.cases.states([case])[case.id]
            step = wf.plan_objection_upheld(proc, state, when, note)
            store.cases.append(case.id, step, operator=store.operator, reference=f"异议{objection_id}")
    resolved = store.publicity.objections(objection_id=objection_id)[0]
    households = [obj.household_id] if obj.subject_kind == "household" else []
    return Changed(resolved, Change.of(ChangeKind.WORKFLOW, households, villages=[obj.village], count=1,
                                       settings=["poor_villages"] if not households else []))


def objection_json(o: ObjectionRow) -> dict[str, Any]:
    if o.subject_kind == "village":
        return {"objection": o.id, "round": o.round_id, "village": o.village, "subject": "village",
                "received": o.received.isoformat(), "by": o.by_name or "匿名", "text": o.claim,
                "finding": o.finding, "finding_date": o.finding_date.isoformat() if o.finding_date else None,
                "note": o.finding_note}
    return {"objection": o.id, "round": o.round_id, "number": o.number, "head_name": o.head_name,
            "village": o.village, "received": o.received.isoformat(), "by": o.by_name or "匿名", "text": o.claim,
            "finding": o.finding, "finding_date": o.finding_date.isoformat() if o.finding_date else None,
            "note": o.finding_note}


def days_left(rnd: RoundRow, today: date) -> int:
    """Days of publicity left counting today (0: ended)."""
    return max((rnd.end - today).days + 1, 0)
