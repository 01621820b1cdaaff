"""``fupin workflow status``: where each household's case stands, with its records, per village."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fupin_desktop.casework.quotas import quota_rows
from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import Store


def case_label(stage: str, status: str, open_objections: int, kind: str = "identification") -> str:
    """How the board names a case's state: 第一次公示（有异议待核实）, 脱贫退出·村评议, 建档立卡（已完成）…"""
    text = wf.stage_label(stage)
    if kind != wf.Kind.IDENTIFICATION.value:
        text = f"{wf.KIND_LABELS[wf.Kind(kind)]}·{text}"
    if status == wf.Status.REFUSED.value:
        return f"{text}（未通过）"
    if status == wf.Status.DONE.value:
        return f"{text}（已完成）"
    if open_objections:
        return f"{text}（有异议待核实）"
    return text


def status(store: Store, *, village_ids: Sequence[int] | None = None, year: int | None = None,
           history: bool = True) -> dict[str, Any]:
    """``{"households": [...], "villages": [...]}`` as the issue's contract names them."""
    rows = store.cases.status_rows(village_ids=village_ids, year=year)
    records = store.cases.records([r["case_id"] for r in rows]) if history else {}
    households = []
    for r in rows:
        households.append({
            "number": r["number"], "household": r["household_id"], "head_name": r["head_name"],
            "village": r["village"], "persons": r["size"], "case": r["case_id"], "kind": r["kind"],
            "year": r["year"], "stage": r["stage"], "stage_label": wf.stage_label(r["stage"]),
            "status": r["status"], "label": case_label(r["stage"], r["status"], r["open_objections"], r["kind"]),
            "open_objections": r["open_objections"],
            "history": [{"stage": x.stage, "date": x.date.isoformat(), "decision": x.decision, "note": x.note,
                         "reason": x.reason, "reference": x.reference, "override": x.override_reason,
                         "operator": x.operator} for x in records.get(r["case_id"], [])],
        })
    years = sorted({r["year"] for r in rows}) or [year or date.today().year]
    quota_year = year or years[-1]
    villages = quota_rows(store, quota_year, set(village_ids) if village_ids is not None else None)
    return {"households": households, "villages": villages}
