"""Identification cases in the county-township exchange (issue 15).

- Township export: ``cases.jsonl`` in the batch -- each case whose records grew since the last
  batch, with all its records (households held back for errors keep their cases back too).
- County import: the case under the township's UUID, its records added by UUID (a replayed batch
  adds nothing), its position replayed from all the records it now has -- the county's own
  decisions (``fupin workflow approve|refuse`` on the county database) included.
- Feedback: every record of the township's cases goes back; the township adds those it lacks and
  replays; a case that reaches its end marks the household (脱贫状态, 贫困户属性) as at the township.
Every record keeps its UUID on both sides, so nothing is ever written twice or changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import Store
from fupin_desktop.store.case_marking import mark_household
from fupin_desktop.store.case_sync import CaseSync
from fupin_desktop.sync.format import SyncError, dumps_line, json_lines

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is used
    from fupin_desktop.store.pg.store import PgStore

ENTRY = "cases.jsonl"
CASE_KEYS = ("uuid", "household_uuid", "year", "kind", "procedure", "stage", "records")


def export_entry(store: Store, held_back: set[str]) -> tuple[bytes, list[tuple[str, str, int]]]:
    """The batch entry and the ``(uuid, 'case', revision)`` items to mark as exported."""
    cases = store.case_sync.changed_cases(held_back)
    data = b"".join(dumps_line({k: v for k, v in c.items() if k != "revision"}) for c in cases)
    return data, [(c["uuid"], "case", int(c["revision"])) for c in cases]


def _position(sync: CaseSync, case_id: int, kind: str, procedure: str, start: str) -> wf.Position:
    proc = wf.procedure(wf.Kind(kind), procedure)
    return wf.replay(proc, sync.records_for_replay(case_id), start)


def merge_entry(store: Store | PgStore, raw: bytes) -> int:
    """County: add the batch's cases and records (inside the import's transaction); how many cases."""
    sync = store.case_sync
    count = 0
    for rec in json_lines(ENTRY, raw):
        if any(k not in rec for k in CASE_KEYS) or not isinstance(rec["records"], list):
            raise SyncError("批次中的识别记录格式不对，已拒绝，未作任何改动。")
        wf.Kind(str(rec["kind"]))  # an unknown kind refuses the batch
        found = sync.household_by_uuid(str(rec["household_uuid"]))
        if found is None:
            continue  # the household is not at the county (yet): its case comes with a later batch
        case = sync.case_by_uuid(str(rec["uuid"]))
        case_id = case.id if case is not None else sync.add_case(rec, *found)
        for record in rec["records"]:
            sync.add_record(case_id, record)
        sync.set_position(case_id, _position(sync, case_id, str(rec["kind"]), str(rec["procedure"]),
                                             str(rec["stage"])))
        count += 1
    return count


def feedback_items(store: Store | PgStore, township_code: str) -> list[dict[str, Any]]:
    """County: every case of the township with all its records."""
    return store.case_sync.township_cases(township_code)


def apply_feedback(store: Store, items: Any) -> list[int]:
    """Township: add the county's records (inside the caller's transaction); the households whose
    case moved.  Cases this township does not have are skipped."""
    if not isinstance(items, list):
        return []
    sync = store.case_sync
    moved = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("records"), list):
            continue
        case = sync.case_by_uuid(str(item.get("uuid")))
        if case is None:
            continue
        added = [r for r in item["records"] if isinstance(r, dict) and sync.add_record(case.id, r)]
        if not added:
            continue
        position = _position(sync, case.id, case.kind.value, case.procedure, case.stage)
        sync.set_position(case.id, position)
        if position.status is wf.Status.DONE and case.status is not wf.Status.DONE:
            moved_case = sync.case_by_uuid(case.uuid)
            assert moved_case is not None
            mark_household(store.households, moved_case, store.operator)
        moved.append(case.subject_id)
    return moved
