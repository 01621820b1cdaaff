"""Identification cases and their decision records (issue 15).

A case's records are append-only: the table's triggers refuse every UPDATE and DELETE, so a
decision once written stays as it was; a correction is a new record.  The case row itself keeps
the position (stage, status, last date) in step with its records, in the same transaction.
The process (what may follow what) is ``rules/workflow.py``; this module only reads and writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fupin_desktop.domain.household import new_uuid
from fupin_desktop.rules.workflow import CaseState, Kind, Round, Status, Step
from fupin_desktop.store.database import Database, StoreError, now_iso

CASE_COLUMNS = ("id, uuid, subject_kind, subject_id, village_id, year, kind, procedure, stage, status, last_date,"
                " linked_case_id, details")


@dataclass(frozen=True)
class CaseRow:
    id: int
    uuid: str
    subject_kind: str
    subject_id: int
    village_id: int
    year: int
    kind: Kind
    procedure: str
    stage: str
    status: Status
    last_date: date
    linked_case_id: int | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseRecord:
    id: int
    case_id: int
    stage: str
    to_stage: str
    date: date
    decision: str
    reference: str
    note: str
    reason: str
    override_reason: str
    operator: str
    recorded_at: str


@dataclass(frozen=True)
class Application:
    date: date
    applicant: str
    agent_name: str
    received_by: str


def _case(row: Any) -> CaseRow:
    return CaseRow(id=row["id"], uuid=row["uuid"], subject_kind=row["subject_kind"], subject_id=row["subject_id"],
                   village_id=row["village_id"], year=row["year"], kind=Kind(row["kind"]), procedure=row["procedure"],
                   stage=row["stage"], status=Status(row["status"]), last_date=date.fromisoformat(row["last_date"]),
                   linked_case_id=row["linked_case_id"], details=json.loads(row["details"] or "{}"))


def _record(row: Any) -> CaseRecord:
    return CaseRecord(id=row["id"], case_id=row["case_id"], stage=row["stage"], to_stage=row["to_stage"],
                      date=date.fromisoformat(row["date"]), decision=row["decision"], reference=row["reference"],
                      note=row["note"], reason=row["reason"], override_reason=row["override_reason"],
                      operator=row["operator"], recorded_at=row["recorded_at"])


#: The longest text a record keeps (a note, reason, claim, document number...).
MAX_TEXT = 1000


def checked_text(value: str, what: str) -> str:
    """``value`` trimmed, or a StoreError when it is longer than :data:`MAX_TEXT` (nothing written)."""
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise StoreError(f"{what}最多 {MAX_TEXT} 个字，现有 {len(value)} 个字，请精简后再办理")
    return value


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class CaseRepository:
    """Cases, records and applications."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading ------------------------------------------------------------------------------
    def subjects(self, ids: Iterable[int], subject_kind: str = "household") -> dict[int, Subject]:
        return village_subjects(self.db, ids) if subject_kind == VILLAGE else subjects(self.db, ids)

    def get(self, case_id: int) -> CaseRow | None:
        row = self.db.query_one(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,))
        return _case(row) if row else None

    def latest(self, subject_ids: Iterable[int], subject_kind: str = "household") -> dict[int, CaseRow]:
        """Each subject's most recent case (the open one, if any, else the last)."""
        ids = list(dict.fromkeys(subject_ids))
        out: dict[int, CaseRow] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.db.query(
                f"SELECT {CASE_COLUMNS} FROM cases WHERE subject_kind = ? AND subject_id IN ({_marks(chunk)})"
                " ORDER BY status = 'open', id", (subject_kind, *chunk))
            for row in rows:
                out[row["subject_id"]] = _case(row)  # the open case (sorted last) or the newest
        return out

    def last_of_kind(self, subject_id: int, kind: Kind, subject_kind: str = "household") -> CaseRow | None:
        row = self.db.query_one(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE subject_kind = ? AND subject_id = ? AND kind = ?"
            " ORDER BY id DESC LIMIT 1", (subject_kind, subject_id, kind.value))
        return _case(row) if row else None

    def states(self, cases: Sequence[CaseRow]) -> dict[int, CaseState]:
        """The state the process needs for each case: its round at its stage, its open objections."""
        ids = [c.id for c in cases]
        rounds: dict[int, Round] = {}
        objections: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in self.db.query(
                    "SELECT rc.case_id, r.id, r.stage, r.start, r.days FROM round_cases rc"
                    " JOIN publicity_rounds r ON r.id = rc.round_id JOIN cases c ON c.id = rc.case_id"
                    f" WHERE rc.case_id IN ({_marks(chunk)}) AND r.stage = c.stage AND r.start >= ("
                    "  SELECT COALESCE(MAX(cr.date), '') FROM case_records cr"
                    "  WHERE cr.case_id = c.id AND cr.to_stage = c.stage AND cr.decision IN ('通过', '退回'))"
                    " ORDER BY r.id", tuple(chunk)):
                rounds[row[0]] = Round(row[1], row[2], date.fromisoformat(row[3]), row[4])
            for row in self.db.query(
                    f"SELECT case_id, COUNT(*) FROM objections WHERE finding IS NULL AND case_id IN ({_marks(chunk)})"
                    " GROUP BY case_id", tuple(chunk)):
                objections[row[0]] = row[1]
        return {c.id: CaseState(kind=c.kind, stage=c.stage, status=c.status, last_date=c.last_date,
                                round=rounds.get(c.id), open_objections=objections.get(c.id, 0)) for c in cases}

    def records(self, case_ids: Iterable[int]) -> dict[int, list[CaseRecord]]:
        ids = list(dict.fromkeys(case_ids))
        out: dict[int, list[CaseRecord]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in self.db.query(f"SELECT * FROM case_records WHERE case_id IN ({_marks(chunk)}) ORDER BY id",
                                     tuple(chunk)):
                out[row["case_id"]].append(_record(row))
        return out

    def all_records(self) -> list[CaseRecord]:
        return [_record(r) for r in self.db.query("SELECT * FROM case_records ORDER BY id")]

    def cases_of(self, subject_id: int, subject_kind: str = "household") -> list[CaseRow]:
        rows = self.db.query(f"SELECT {CASE_COLUMNS} FROM cases WHERE subject_kind = ? AND subject_id = ? ORDER BY id",
                             (subject_kind, subject_id))
        return [_case(r) for r in rows]

    def application(self, case_id: int) -> Application | None:
        row = self.db.query_one("SELECT * FROM applications WHERE case_id = ?", (case_id,))
        if row is None:
            return None
        return Application(date.fromisoformat(row["date"]), row["applicant"], row["agent_name"], row["received_by"])

    def waiting(self, village_id: int | None, stage: str, year: int | None = None) -> list[CaseRow]:
        """Open cases at ``stage`` (of a village, or of every village) not yet in a round of it."""
        sql = (f"SELECT {CASE_COLUMNS} FROM cases c WHERE c.status = 'open' AND c.stage = ?"
               " AND NOT EXISTS (SELECT 1 FROM round_cases rc JOIN publicity_rounds r ON r.id = rc.round_id"
               "  WHERE rc.case_id = c.id AND r.stage = c.stage AND r.start >= ("
               "   SELECT COALESCE(MAX(cr.date), '') FROM case_records cr"
               "   WHERE cr.case_id = c.id AND cr.to_stage = c.stage AND cr.decision IN ('通过', '退回')))")
        params: list[object] = [stage]
        if village_id is not None:
            sql += " AND c.village_id = ?"
            params.append(village_id)
        if year is not None:
            sql += " AND c.year = ?"
            params.append(year)
        return [_case(r) for r in self.db.query(sql + " ORDER BY c.id", tuple(params))]

    def open_stages(self, village_id: int | None = None) -> list[tuple[str, str]]:
        """(procedure, stage) of every open case, of a village or all: what rounds may be opened."""
        sql = "SELECT DISTINCT procedure, stage FROM cases WHERE status = 'open'"
        params: tuple[object, ...] = ()
        if village_id is not None:
            sql += " AND village_id = ?"
            params = (village_id,)
        return [(r[0], r[1]) for r in self.db.query(sql, params)]

    # -- the status view (township and county) --------------------------------------------------
    def status_rows(self, *, village_ids: Sequence[int] | None = None, year: int | None = None) -> list[Any]:
        """One row per household with a case: its latest case, village, 户编号, persons, open objections."""
        where = ["h.deleted = 0"]
        params: list[object] = []
        if village_ids is not None:
            where.append(f"c.village_id IN ({_marks(village_ids) or 'NULL'})")
            params += list(village_ids)
        if year is not None:
            where.append("c.year = ?")
            params.append(year)
        return self.db.query(
            "SELECT c.id AS case_id, c.kind, c.stage, c.status, c.year, c.procedure, c.village_id, h.id AS household_id,"
            " h.number, h.head_name, h.size, v.name AS village, COALESCE(o.n, 0) AS open_objections"
            " FROM (SELECT MAX(id) AS id FROM cases WHERE subject_kind = 'household' GROUP BY subject_id) last"
            " JOIN cases c ON c.id = last.id JOIN households h ON h.id = c.subject_id"
            " JOIN villages v ON v.id = c.village_id"
            " LEFT JOIN (SELECT case_id, COUNT(*) AS n FROM objections WHERE finding IS NULL GROUP BY case_id) o"
            " ON o.case_id = c.id"
            f" WHERE {' AND '.join(where)} ORDER BY v.seq, v.name, h.number, h.id", tuple(params))

    def persons_by_village(self, year: int, kinds: Sequence[str], stages: Sequence[str],
                           statuses: Sequence[str]) -> dict[int, int]:
        """Persons (household size) of household cases of ``year`` per village, by kind/stage/status."""
        rows = self.db.query(
            "SELECT c.village_id, COALESCE(SUM(h.size), 0) FROM cases c JOIN households h ON h.id = c.subject_id"
            f" WHERE c.subject_kind = 'household' AND h.deleted = 0 AND c.year = ? AND c.kind IN ({_marks(kinds)})"
            f" AND c.stage IN ({_marks(stages) or 'NULL'}) AND c.status IN ({_marks(statuses)}) GROUP BY c.village_id",
            (year, *kinds, *stages, *statuses))
        return {r[0]: r[1] for r in rows}

    # -- writing (inside the caller's transaction) ----------------------------------------------
    def create(self, *, subject_id: int, village_id: int, year: int, kind: Kind, procedure: str, stage: str,
               when: date, linked_case_id: int | None = None, details: dict[str, Any] | None = None,
               subject_kind: str = "household") -> int:
        now = now_iso()
        cur = self.db.execute(
            "INSERT INTO cases (uuid, subject_kind, subject_id, village_id, year, kind, procedure, stage, status,"
            " last_date, linked_case_id, details, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,'open',?,?,?,?,?)",
            (new_uuid(), subject_kind, subject_id, village_id, year, kind.value, procedure, stage, when.isoformat(),
             linked_case_id, json.dumps(details or {}, ensure_ascii=False, sort_keys=True), now, now))
        return int(cur.lastrowid or 0)

    def add_application(self, case_id: int, when: date, applicant: str, agent_name: str, received_by: str) -> None:
        self.db.execute(
            "INSERT INTO applications (case_id, date, applicant, agent_name, received_by, recorded_at)"
            " VALUES (?,?,?,?,?,?)", (case_id, when.isoformat(), applicant, checked_text(agent_name, "代理人"),
                                      checked_text(received_by, "受理人"), now_iso()))

    def append(self, case_id: int, step: Step, *, operator: str, note: str = "", reference: str = "") -> int:
        """Write one decision record and move the case to where it leads."""
        note, reference = checked_text(note, "说明"), checked_text(reference, "文号")
        checked_text(step.reason, "理由")
        checked_text(step.override, "特殊理由")
        now = now_iso()
        cur = self.db.execute(
            "INSERT INTO case_records (uuid, case_id, stage, to_stage, date, decision, reference, note, reason,"
            " override_reason, operator, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (new_uuid(), case_id, step.stage, step.to_stage, step.when.isoformat(), step.decision.value, reference,
             note, step.reason, step.override, operator, now))
        self.db.execute(
            "UPDATE cases SET stage = ?, status = ?, last_date = MAX(last_date, ?), updated_at = ? WHERE id = ?",
            (step.to_stage, step.status.value, step.when.isoformat(), now, case_id))
        return int(cur.lastrowid or 0)

    def overrides(self) -> list[Any]:
        """Every record that left a round early, with the reason (listed at the county); a village's
        case (issue 17) has no 户编号."""
        return self.db.query(
            "SELECT cr.*, COALESCE(h.number, '') AS number, v.name AS village FROM case_records cr"
            " JOIN cases c ON c.id = cr.case_id"
            " LEFT JOIN households h ON h.id = c.subject_id AND c.subject_kind = 'household'"
            " JOIN villages v ON v.id = c.village_id WHERE cr.override_reason <> ''"
            " AND (c.subject_kind = 'village' OR h.id IS NOT NULL) ORDER BY cr.id")

    def years(self) -> list[int]:
        """The years that have cases (households' or villages'), oldest first."""
        return [int(r[0]) for r in self.db.query("SELECT DISTINCT year FROM cases ORDER BY year")]

    # -- villages' own cases (issue 17) ------------------------------------------------------------
    def village_status_rows(self, year: int | None = None) -> list[Any]:
        """Every village with its latest village case (or none): stage, status, open objections."""
        year_sql = " AND year = ?" if year is not None else ""
        return self.db.query(
            "SELECT v.id AS village_id, v.name AS village, v.code, v.is_poor, c.id AS case_id, c.kind, c.procedure,"
            " c.stage, c.status, c.year, c.last_date, COALESCE(o.n, 0) AS open_objections FROM villages v"
            " LEFT JOIN (SELECT subject_id, MAX(id) AS id FROM cases WHERE subject_kind = 'village'" + year_sql +
            "  GROUP BY subject_id) last ON last.subject_id = v.id"
            " LEFT JOIN cases c ON c.id = last.id"
            " LEFT JOIN (SELECT case_id, COUNT(*) AS n FROM objections WHERE finding IS NULL GROUP BY case_id) o"
            " ON o.case_id = c.id WHERE v.deleted = 0 ORDER BY v.seq, v.name", (year,) if year is not None else ())

    def household_stage_counts(self, year: int | None = None) -> list[Any]:
        """Per village, stage, status and kind: households and persons of their latest case, and the open
        objections (``SELECT … GROUP BY``: the 识别进度表 and the statistics page, any scale)."""
        year_sql = " AND year = ?" if year is not None else ""
        params: tuple[object, ...] = (year,) if year is not None else ()
        return self.db.query(
            "SELECT c.village_id, c.kind, c.stage, c.status, COUNT(*) AS households, COALESCE(SUM(h.size), 0)"
            " AS persons, COALESCE(SUM(o.n), 0) AS open_objections"
            " FROM (SELECT MAX(id) AS id FROM cases WHERE subject_kind = 'household'" + year_sql +
            " GROUP BY subject_id) last"
            " JOIN cases c ON c.id = last.id JOIN households h ON h.id = c.subject_id AND h.deleted = 0"
            " LEFT JOIN (SELECT case_id, COUNT(*) AS n FROM objections WHERE finding IS NULL GROUP BY case_id) o"
            " ON o.case_id = c.id GROUP BY c.village_id, c.kind, c.stage, c.status", params)


VILLAGE = "village"


@dataclass(frozen=True)
class Subject:
    """What the process reads of a household -- or of a village (``kind`` "village", issue 17: its
    code as ``number``, its name as ``head_name`` and ``village``, 贫困村 as ``exit_flag``)."""

    id: int
    number: str
    head_name: str
    village_id: int
    village: str
    size: int
    year: int | None
    household_type: str
    exit_flag: str
    per_capita_income: float | None
    kind: str = "household"


POOR_VILLAGE = "贫困村"


def village_subjects(db: Database, village_ids: Iterable[int]) -> dict[int, Subject]:
    """The current villages among ``village_ids``, by id, as subjects of village cases."""
    ids = list(dict.fromkeys(village_ids))
    out: dict[int, Subject] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in db.query(f"SELECT id, code, name, is_poor FROM villages WHERE deleted = 0 AND id IN ({_marks(chunk)})",
                          tuple(chunk)):
            out[r["id"]] = Subject(r["id"], r["code"] or "", r["name"], r["id"], r["name"], 0, None, "",
                                   POOR_VILLAGE if r["is_poor"] else "", None, VILLAGE)
    return out


def subjects(db: Database, household_ids: Iterable[int]) -> dict[int, Subject]:
    """The current households among ``household_ids``, by id."""
    ids = list(dict.fromkeys(household_ids))
    out: dict[int, Subject] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in db.query(
                "SELECT h.id, h.number, h.head_name, h.village_id, v.name AS village, h.size, h.year,"
                " json_extract(h.fields, '$.household_type') AS household_type,"
                " json_extract(h.fields, '$.exit_flag') AS exit_flag,"
                " json_extract(h.fields, '$.per_capita_income') AS income"
                " FROM households h JOIN villages v ON v.id = h.village_id"
                f" WHERE h.deleted = 0 AND h.id IN ({_marks(chunk)})", tuple(chunk)):
            income = r["income"]
            try:
                value = float(income) if income not in (None, "") else None
            except (TypeError, ValueError):
                value = None
            out[r["id"]] = Subject(r["id"], r["number"], r["head_name"], r["village_id"], r["village"], r["size"],
                                   r["year"], r["household_type"] or "", r["exit_flag"] or "", value)
    return out
