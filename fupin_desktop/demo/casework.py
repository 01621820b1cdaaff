"""The demo's identification year in progress (issue 15): the seed's quotas and a 2016 half done.

- quotas for 2016: the seed's persons per village (炉场村 95, 兴龙村 123, ...), the township their sum;
- 炉场村: applications, 民主评议, 核实, the first publicity run out, 乡镇审核 passed: waiting for the
  second publicity;
- 兴龙村: in its first publicity, one objection (anonymous: 家中有小轿车) under investigation;
- 青新村: applications received, one refused (不予受理, with the reason for its 告知书), the rest
  at 民主评议;
- one household above the line proposed for exit (村评议), with its consent.

Built through the same services as the clerk's commands (casework/), so the demo's records are
what the program itself writes.  Households are taken from the saved 未脱贫 ones, in 户编号 order.
"""

from __future__ import annotations

from datetime import date

from fupin_desktop.casework import core, exits, publicity
from fupin_desktop.casework.core import CaseError
from fupin_desktop.casework.quotas import set_quota
from fupin_desktop.demo.township import YEAR
from fupin_desktop.store import Store

#: The demo's year in progress: the one after the households' registration.
WORK_YEAR = YEAR + 1
PER_VILLAGE = 6


def _d(month: int, day: int) -> date:
    return date(WORK_YEAR, month, day)


def build_year_in_progress(store: Store) -> None:
    """Set the quotas and run part of the year (does nothing to a township without households)."""
    villages = store.townships.villages()
    for v in villages:
        if v.quota is not None:
            set_quota(store, v.quota, year=WORK_YEAR, village=v.name)
    set_quota(store, sum(v.quota or 0 for v in villages), year=WORK_YEAR)
    waiting = {v.name: _candidates(store, v.id) for v in villages if v.id is not None}
    try:
        lu = waiting.get("炉场村", [])
        if lu:
            core.apply(store, lu, _d(5, 3))
            for day, note in ((8, "村民代表大会民主评议，到会 42 人"), (12, "村委会和驻村工作队入户核实"), (19, "")):
                core.advance(store, lu, _d(5, day), note=note)
            publicity.open_round(store, _d(5, 20), village="炉场村")
            core.advance(store, lu, _d(5, 27), note="第一次公示期满无异议")
            core.advance(store, lu, _d(6, 3), note="乡镇审核通过")
        xing = waiting.get("兴龙村", [])
        if xing:
            core.apply(store, xing, _d(5, 10))
            for day in (15, 18, 22):
                core.advance(store, xing, _d(5, day))
            rnd = publicity.open_round(store, _d(6, 1), village="兴龙村").value
            publicity.add_objection(store, rnd.id, xing[0], _d(6, 3), "反映该户家中有小轿车，生活条件较好")
        qing = waiting.get("青新村", [])
        if qing:
            core.apply(store, qing, _d(6, 5))
            core.refuse(store, qing[:1], _d(6, 8), "该户有成员为财政供养人员，不符合识别条件")
            if qing[1:]:
                core.advance(store, qing[1:], _d(6, 9), note="受理")
        _propose_an_exit(store, [h for ids in waiting.values() for h in ids])
    except CaseError:  # a small or unusual demo: keep what was built
        return


def _candidates(store: Store, village_id: int) -> list[int]:
    subjects = store.cases.subjects(store.households.ids(village_id=village_id))
    poor = sorted((s for s in subjects.values() if s.exit_flag == "未脱贫"), key=lambda s: s.number)
    return [s.id for s in poor[:PER_VILLAGE]]


def _propose_an_exit(store: Store, busy: list[int]) -> None:
    line = store.policy.get().income_line(WORK_YEAR)
    if line is None:
        return
    for village in store.townships.villages():
        subjects = store.cases.subjects(store.households.ids(village_id=village.id))
        for s in sorted(subjects.values(), key=lambda s: s.number):
            if s.id not in busy and s.exit_flag == "未脱贫" and s.per_capita_income and s.per_capita_income > line.amount:
                exits.start_exit(store, [s.id], _d(9, 10), _d(9, 8))
                return
