"""Workflow progress per village (issue 17): the 识别进度表 and the statistics page's progress chart.

Per village, for a year: how many households' latest cases stand at each stage of the county's
identification procedure, how many were registered or refused, exits in progress and finished, the
open objections, the village's quota of persons and its use (persons registered plus persons in
process), and the village's own 贫困村 case.  Every figure is a ``GROUP BY`` over the cases
(:meth:`CaseRepository.household_stage_counts`), so a county's 100,000 households cost one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fupin_desktop.rules import workflow as wf

if TYPE_CHECKING:
    from fupin_desktop.store import Store

IDENTIFYING = (wf.Kind.IDENTIFICATION.value, wf.Kind.RETURN.value)


@dataclass
class VillageProgress:
    village_id: int
    village: str
    is_poor: bool
    village_case: str  # the village's own case, as a label (贫困村公示, 确定为贫困村, 未申请 …)
    stages: dict[str, int] = field(default_factory=dict)  # open identification cases per stage key
    registered: int = 0  # households whose identification ended in 建档立卡
    refused: int = 0
    exits_open: int = 0
    exits_done: int = 0
    open_objections: int = 0
    quota_persons: int | None = None
    identified_persons: int = 0
    in_process_persons: int = 0

    @property
    def applied(self) -> int:
        return sum(self.stages.values()) + self.registered + self.refused

    @property
    def quota_use(self) -> float | None:
        """Persons registered and in process as a percentage of the quota (None without one)."""
        if not self.quota_persons:
            return None
        return round((self.identified_persons + self.in_process_persons) * 100 / self.quota_persons, 1)

    def to_json(self) -> dict[str, Any]:
        return {"village": self.village, "is_poor": self.is_poor, "village_case": self.village_case,
                "applied": self.applied, "stages": dict(self.stages), "registered": self.registered,
                "refused": self.refused, "exits_open": self.exits_open, "exits_done": self.exits_done,
                "open_objections": self.open_objections, "quota_persons": self.quota_persons,
                "identified_persons": self.identified_persons, "in_process_persons": self.in_process_persons,
                "quota_use": self.quota_use}


def village_case_label(row: Any) -> str:
    """How a village's own case reads: 贫困村公示（有异议待核实）, 退出·乡镇审核, 未申请 …"""
    if row["case_id"] is None:
        return "贫困村" if row["is_poor"] else "未申请"
    text = wf.stage_label(row["stage"])
    if row["procedure"] == wf.VILLAGE_EXIT.key and row["status"] != wf.Status.DONE.value:
        text = f"退出·{text}"
    if row["status"] == wf.Status.REFUSED.value:
        return f"{text}（未通过）"
    if row["status"] == wf.Status.OPEN.value and row["open_objections"]:
        return f"{text}（有异议待核实）"
    return text


def identification_procedure(store: Store) -> wf.Procedure:
    return wf.procedure(wf.Kind.IDENTIFICATION, store.policy.get().procedure)


def progress(store: Store, year: int) -> list[VillageProgress]:
    """One entry per village (the township's order) for ``year``."""
    villages = {int(r["village_id"]): r for r in store.cases.village_status_rows(year)}
    quotas = store.publicity.quotas(year)
    out: dict[int, VillageProgress] = {}
    for v in store.townships.villages():
        if v.id is None:
            continue
        i = int(v.id)
        row = villages.get(i)
        label = village_case_label(row) if row is not None else ("贫困村" if v.is_poor else "未申请")
        out[i] = VillageProgress(i, v.name, v.is_poor, label, quota_persons=quotas.get(i, v.quota))
    for r in store.cases.household_stage_counts(year):
        entry = out.get(int(r["village_id"]))
        if entry is None:
            continue
        n, persons = int(r["households"]), int(r["persons"])
        entry.open_objections += int(r["open_objections"])
        if r["kind"] == wf.Kind.EXIT.value:
            if r["status"] == wf.Status.DONE.value:
                entry.exits_done += n
            elif r["status"] == wf.Status.OPEN.value:
                entry.exits_open += n
            continue
        if r["status"] == wf.Status.DONE.value:
            entry.registered += n
            entry.identified_persons += persons
        elif r["status"] == wf.Status.REFUSED.value:
            entry.refused += n
        else:
            entry.stages[r["stage"]] = entry.stages.get(r["stage"], 0) + n
            entry.in_process_persons += persons
    return list(out.values())
