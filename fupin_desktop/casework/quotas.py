"""规模控制: the persons a county allows per township and village for a year, and their use.

``identified`` are the persons of households whose identification (or 返贫) case of the year ended
in 建档立卡; ``in_process`` those of open cases of the year.  A move counts against the quota from
the 初选名单 on (rules/workflow.py ``counts_for_quota``); a year without its own quota for a village
uses the village's standing 贫困人口规模.
"""

from __future__ import annotations

from typing import Any

from fupin_desktop.casework.core import QUOTA_KINDS, CaseError
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, ChangeKind

#: The stages from which persons count, in any procedure.
COUNTED_STAGES = tuple(sorted({s.key for p in wf.PROCEDURES.values() for s in p.stages
                               if wf.counts_for_quota(p, s.key)}))
ALL_STAGES = tuple(sorted({s.key for p in wf.PROCEDURES.values() for s in p.stages}))
MAX_PERSONS = 10_000_000


def counted_persons(store: Store, year: int) -> dict[int, int]:
    """Persons per village that count against ``year``'s quota now."""
    done = store.cases.persons_by_village(year, QUOTA_KINDS, ALL_STAGES, ("done",))
    active = store.cases.persons_by_village(year, QUOTA_KINDS, COUNTED_STAGES, ("open",))
    return {v: done.get(v, 0) + active.get(v, 0) for v in set(done) | set(active)}


def set_quota(store: Store, persons: int, *, year: int, village: str | None = None) -> Change:
    """Set the township's (``village`` None) or a village's quota of persons for ``year``."""
    store.require(Action.DECIDE)  # 规模控制: 审核员 and 管理员 (issue 18, domain/roles.py)
    if not 0 <= persons <= MAX_PERSONS:
        raise CaseError(f"规模应为 0-{MAX_PERSONS} 的人数，现为 {persons}")
    village_id = None
    if village is not None:
        found = store.townships.village_by_name(village)
        if found is None or found.id is None:
            names = "、".join(v.name for v in store.townships.villages())
            raise CaseError(f"本乡没有“{village}”这个村（现有：{names}）")
        village_id = found.id
    with store.db.transaction():
        store.publicity.set_quota(year, village_id, persons)
    return Change.of(ChangeKind.WORKFLOW, villages=[village], settings=["quota"])


def quota_rows(store: Store, year: int, village_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """``fupin quota show`` rows: per village its quota, identified and in-process persons."""
    quotas = store.publicity.quotas(year)
    done = store.cases.persons_by_village(year, QUOTA_KINDS, ALL_STAGES, ("done",))
    active = store.cases.persons_by_village(year, QUOTA_KINDS, ALL_STAGES, ("open",))
    rows = []
    for v in store.townships.villages():
        if v.id is None or (village_ids is not None and v.id not in village_ids):
            continue
        rows.append({"village": v.name, "quota_persons": quotas.get(v.id, v.quota),
                     "identified_persons": done.get(v.id, 0), "in_process_persons": active.get(v.id, 0)})
    return rows


def township_quota(store: Store, year: int) -> int | None:
    return store.publicity.quotas(year).get(None)
