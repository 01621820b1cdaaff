"""民主评议: the appraisal meeting of a village, with each applicant's votes or rank.

The seed's third plan: a 评议小组 of 9-15 members elected by the 村民大会 (a panel outside that
range is recorded with a warning, named in the result); attendance; per applicant 赞成/反对/弃权
or the rank the meeting gave.  Only households with a case of the village are voted on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fupin_desktop.casework.core import CaseError
from fupin_desktop.store import Store

PANEL = (9, 15)
MAX_PEOPLE = 10_000


def record_meeting(store: Store, village: str, when: date, *, place: str, panel: int, attendance: int,
                   votes: Mapping[int, tuple[int, int, int]] | None = None, ranks: Mapping[int, int] | None = None,
                   note: str = "") -> tuple[int, list[str]]:
    """Record the meeting; returns its id and the warnings (panel size, more votes than members)."""
    found = store.townships.village_by_name(village)
    if found is None or found.id is None:
        raise CaseError(f"本乡没有“{village}”这个村")
    for what, value in (("评议小组人数", panel), ("到会人数", attendance)):
        if not 0 <= value <= MAX_PEOPLE:
            raise CaseError(f"{what}应为 0-{MAX_PEOPLE} 的整数，现为 {value}")
    votes, ranks = dict(votes or {}), dict(ranks or {})
    cases = store.cases.latest(list(votes) + list(ranks))
    warnings = []
    if not PANEL[0] <= panel <= PANEL[1]:
        warnings.append(f"评议小组 {panel} 人，不在 {PANEL[0]}-{PANEL[1]} 人之间（村民大会推选 9-15 人）")
    rows = []
    subjects = store.cases.subjects(list(votes) + list(ranks))
    for household_id in dict.fromkeys([*votes, *ranks]):
        case = cases.get(household_id)
        s = subjects.get(household_id)
        if case is None or case.village_id != found.id or s is None:
            raise CaseError(f"户编号 {s.number if s else household_id} 的户在{village}没有识别申请，不能评议")
        v = votes.get(household_id)
        if v is not None and (min(v) < 0 or max(v) > MAX_PEOPLE):
            raise CaseError(f"户编号 {s.number} 的票数应为不小于 0 的整数")
        if v is not None and sum(v) > panel:
            warnings.append(f"户编号 {s.number} 的票数合计 {sum(v)} 多于评议小组 {panel} 人")
        rank = ranks.get(household_id)
        if rank is not None and not 1 <= rank <= MAX_PEOPLE:
            raise CaseError(f"户编号 {s.number} 的排序应为正整数")
        rows.append((case.id, *(v if v is not None else (None, None, None)), rank))
    with store.db.transaction():
        meeting = store.publicity.add_meeting(village_id=found.id, year=when.year, when=when, place=place.strip(),
                                              panel_size=panel, attendance=attendance,
                                              note=note.strip() + ("；" + "；".join(warnings) if warnings else ""),
                                              votes=rows, operator=store.operator)
    return meeting, warnings
