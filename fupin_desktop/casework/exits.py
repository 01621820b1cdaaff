"""脱贫退出: the exit proposal of a household for a year.

The household must be registered and not exited, its 年人均纯收入 above the profile's line for the
year, and 两不愁三保障 met (each of the five recorded yes/no with a note), and the household must
have signed (户主签字认可, the consent date).  The case then walks 村评议 → 村公示 → 乡核查 → 县审定
→ 公告 → 标注脱贫 (casework/marking.py marks the household at the end).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from fupin_desktop.casework.core import CaseError, Outcome, _change, _item, _refuse, _subjects, _who
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import workflow as wf
from fupin_desktop.rules.workflow import Decision, Kind, Status, Step
from fupin_desktop.store import Store


def start_exit(store: Store, ids: Sequence[int], when: date, consent: date, *,
               unmet: Mapping[str, str] | None = None, year: int | None = None, note: str = "") -> Outcome:
    """Open an exit case per household (all or none); ``unmet``: the guarantees not met, with notes."""
    store.require(Action.DECIDE)  # 审核员 and 管理员 (issue 18, domain/roles.py)
    year = year or when.year
    if consent > when:
        raise CaseError(f"户主签字认可日期 {consent.isoformat()} 晚于退出申请日期 {when.isoformat()}")
    try:
        guarantees = wf.exit_guarantees(dict(unmet or {}))
    except wf.WorkflowError as exc:
        raise CaseError(str(exc)) from exc
    subjects = _subjects(store, ids)
    latest = store.cases.latest(ids)
    policy = store.policy.get()
    line = policy.income_line(year)
    problems = []
    checks: dict[int, wf.ExitCheck] = {}
    for i in ids:
        s, case = subjects[i], latest.get(i)
        if case is not None and case.status is Status.OPEN:
            problems.append(f"{_who(s)}：已有办理中的案件（{wf.stage_label(case.stage)}）")
            continue
        if s.exit_flag in wf.EXITED_FLAGS:
            problems.append(f"{_who(s)}：已是{s.exit_flag}")
            continue
        check = wf.ExitCheck(s.per_capita_income, float(line.amount) if line else None, guarantees)
        found = check.problems()
        if found:
            problems.append(f"{_who(s)}：不符合退出标准：{'；'.join(found)}")
        checks[i] = check
    _refuse(problems)
    items = []
    with store.db.transaction():
        for i in ids:
            s, check = subjects[i], checks[i]
            details = {"consent_date": consent.isoformat(), "income": check.income, "line": check.line,
                       "guarantees": {k: {"met": m, "note": n} for k, (m, n) in check.guarantees.items()}}
            first = wf.EXIT.first.key
            case_id = store.cases.create(subject_id=i, village_id=s.village_id, year=year, kind=Kind.EXIT,
                                         procedure=wf.EXIT.key, stage=first, when=when, details=details)
            step = Step(first, Decision.APPLY, first, Status.OPEN, when)
            store.cases.append(case_id, step, operator=store.operator, note=note or "拟退出，户主已签字认可")
            case = store.cases.get(case_id)
            assert case is not None
            items.append(_item(s, case, step))
    return Outcome(_change(store, subjects), items)
