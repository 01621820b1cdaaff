"""Publicity rounds (公示), objections (异议), quotas (规模控制) and appraisal meetings (民主评议).

Rounds and their lists of cases are written once; an objection is written when received and once
more when its finding is recorded (triggers refuse any other change and every delete).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fupin_desktop.domain.household import new_uuid
from fupin_desktop.rules.workflow import end_date
from fupin_desktop.store.cases import checked_text
from fupin_desktop.store.database import Database, now_iso


@dataclass(frozen=True)
class RoundRow:
    id: int
    scope: str
    village_id: int | None
    village: str
    year: int
    stage: str
    start: date
    days: int
    end: date
    phone: str
    households: int


@dataclass(frozen=True)
class ObjectionRow:
    id: int
    round_id: int
    case_id: int
    household_id: int
    number: str
    head_name: str
    village: str
    received: date
    by_name: str
    claim: str
    finding: str | None
    finding_date: date | None
    finding_note: str
    subject_kind: str = "household"  # "village": an objection against a village of a village round


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


#: A village of a village case with the figures its notice prints: the 贫困村登记表 of the case's year
#: (or the latest before it: a village applies on the figures of its last form).
VILLAGE_NOTICE_SELECT = (
    "SELECT v.id, v.code, v.name AS village, c.id AS case_id, c.kind, c.year,"
    " json_extract(f.fields, '$.total_households') AS total_households,"
    " json_extract(f.fields, '$.total_population') AS total_population,"
    " json_extract(f.fields, '$.poor_population') AS poor_population,"
    " json_extract(f.fields, '$.per_capita_income') AS per_capita_income,"
    " json_extract(f.fields, '$.collective_income') AS collective_income"
    " FROM cases c JOIN villages v ON v.id = c.subject_id AND c.subject_kind = 'village'"
    " LEFT JOIN village_forms f ON f.id = (SELECT x.id FROM village_forms x WHERE x.village_id = v.id"
    "  AND x.deleted = 0 AND x.year <= c.year ORDER BY x.year DESC LIMIT 1)")


class PublicityRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- rounds ---------------------------------------------------------------------------------
    def open_round(self, *, scope: str, village_id: int | None, year: int, stage: str, start: date, days: int,
                   case_ids: Sequence[int], operator: str, phone: str = "") -> int:
        cur = self.db.execute(
            "INSERT INTO publicity_rounds (uuid, scope, village_id, year, stage, start, days, end_date, phone,"
            " operator, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (new_uuid(), scope, village_id, year, stage, start.isoformat(), days,
             end_date(start, days).isoformat(), phone, operator, now_iso()))
        round_id = int(cur.lastrowid or 0)
        self.db.conn.executemany("INSERT INTO round_cases (round_id, case_id) VALUES (?, ?)",
                                 [(round_id, c) for c in case_ids])
        return round_id

    def rounds(self, round_id: int | None = None) -> list[RoundRow]:
        sql = ("SELECT r.*, COALESCE(v.name, '') AS village,"
               " (SELECT COUNT(*) FROM round_cases rc WHERE rc.round_id = r.id) AS n"
               " FROM publicity_rounds r LEFT JOIN villages v ON v.id = r.village_id")
        params: tuple[object, ...] = ()
        if round_id is not None:
            sql += " WHERE r.id = ?"
            params = (round_id,)
        return [RoundRow(r["id"], r["scope"], r["village_id"], r["village"], r["year"], r["stage"],
                         date.fromisoformat(r["start"]), r["days"], date.fromisoformat(r["end_date"]), r["phone"],
                         r["n"]) for r in self.db.query(sql + " ORDER BY r.id", params)]

    def get_round(self, round_id: int) -> RoundRow | None:
        found = self.rounds(round_id)
        return found[0] if found else None

    def round_households(self, round_id: int) -> list[Any]:
        """The households of a round, in 户编号 order: what its notice prints."""
        return self.db.query(
            "SELECT h.id, h.number, h.head_name, h.head_id_number, h.size, h.group_name, v.name AS village,"
            " c.id AS case_id, c.kind FROM round_cases rc JOIN cases c ON c.id = rc.case_id"
            " JOIN households h ON h.id = c.subject_id AND c.subject_kind = 'household'"
            " JOIN villages v ON v.id = h.village_id WHERE rc.round_id = ? ORDER BY v.seq, h.group_name, h.number, h.id",
            (round_id,))

    def round_villages(self, round_id: int) -> list[Any]:
        """The villages of a village round (issue 17), in the township's order, with what the notice
        prints of each: the year's 贫困村登记表 figures (absent figures None)."""
        return self.db.query(VILLAGE_NOTICE_SELECT + " JOIN round_cases rc ON rc.case_id = c.id"
                             " WHERE rc.round_id = ? ORDER BY v.seq, v.name", (round_id,))

    def village_cases_at(self, year: int, procedure: str, stages: Sequence[str]) -> list[Any]:
        """Villages whose latest case of ``year`` and ``procedure`` is at one of ``stages`` (a 公告)."""
        marks = ",".join("?" * len(stages)) or "NULL"
        return self.db.query(
            VILLAGE_NOTICE_SELECT + " WHERE c.id IN (SELECT MAX(id) FROM cases WHERE subject_kind = 'village'"
            " AND year = ? AND procedure = ? GROUP BY subject_id) AND c.stage IN (" + marks + ")"
            " AND c.status <> 'refused' ORDER BY v.seq, v.name", (year, procedure, *stages))

    def round_case_ids(self, round_id: int) -> list[int]:
        return [r[0] for r in self.db.query("SELECT case_id FROM round_cases WHERE round_id = ?", (round_id,))]

    # -- objections -----------------------------------------------------------------------------
    def add_objection(self, *, round_id: int, case_id: int, received: date, by_name: str, claim: str,
                      operator: str) -> int:
        cur = self.db.execute(
            "INSERT INTO objections (uuid, round_id, case_id, received, by_name, claim, operator, created_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (new_uuid(), round_id, case_id, received.isoformat(), checked_text(by_name, "反映人"),
             checked_text(claim, "异议内容"), operator, now_iso()))
        return int(cur.lastrowid or 0)

    def resolve(self, objection_id: int, finding: str, when: date, note: str, operator: str) -> None:
        self.db.execute(
            "UPDATE objections SET finding = ?, finding_date = ?, finding_note = ?, resolved_by = ?"
            " WHERE id = ? AND finding IS NULL",
            (finding, when.isoformat(), checked_text(note, "核实情况"), operator, objection_id))

    def objections(self, *, objection_id: int | None = None, round_id: int | None = None,
                   open_only: bool = False) -> list[ObjectionRow]:
        where, params = ["1"], []
        if objection_id is not None:
            where.append("o.id = ?")
            params.append(objection_id)
        if round_id is not None:
            where.append("o.round_id = ?")
            params.append(round_id)
        if open_only:
            where.append("o.finding IS NULL")
        # A village's case (issue 17) names the village: no 户编号, the village as the "head".
        rows = self.db.query(
            "SELECT o.*, c.subject_id, c.subject_kind, COALESCE(h.number, v.code, '') AS number,"
            " COALESCE(h.head_name, v.name) AS head_name, v.name AS village FROM objections o"
            " JOIN cases c ON c.id = o.case_id"
            " LEFT JOIN households h ON h.id = c.subject_id AND c.subject_kind = 'household'"
            f" JOIN villages v ON v.id = c.village_id WHERE {' AND '.join(where)}"
            " AND (c.subject_kind = 'village' OR h.id IS NOT NULL) ORDER BY o.id", tuple(params))
        return [ObjectionRow(r["id"], r["round_id"], r["case_id"], r["subject_id"], r["number"], r["head_name"],
                             r["village"], date.fromisoformat(r["received"]), r["by_name"], r["claim"], r["finding"],
                             _date(r["finding_date"]), r["finding_note"], r["subject_kind"]) for r in rows]

    # -- quotas ---------------------------------------------------------------------------------
    def set_quota(self, year: int, village_id: int | None, persons: int, township_code: str = "") -> None:
        self.db.execute(
            "INSERT INTO quotas (year, village_id, township_code, persons, updated_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (year, COALESCE(village_id, 0), township_code)"
            " DO UPDATE SET persons = excluded.persons, updated_at = excluded.updated_at",
            (year, village_id, township_code, persons, now_iso()))

    def quotas(self, year: int) -> dict[int | None, int]:
        """Persons per village id for ``year`` (None: the township's own quota)."""
        return {r[0]: r[1] for r in self.db.query(
            "SELECT village_id, persons FROM quotas WHERE year = ? AND township_code = ''", (year,))}

    def quota_years(self) -> list[int]:
        return [r[0] for r in self.db.query("SELECT DISTINCT year FROM quotas ORDER BY year")]

    # -- appraisal meetings ---------------------------------------------------------------------
    def add_meeting(self, *, village_id: int, year: int, when: date, place: str, panel_size: int, attendance: int,
                    note: str, votes: Sequence[tuple[int, int | None, int | None, int | None, int | None]],
                    operator: str) -> int:
        cur = self.db.execute(
            "INSERT INTO appraisal_meetings (uuid, village_id, year, date, place, panel_size, attendance, note,"
            " operator, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (new_uuid(), village_id, year, when.isoformat(), checked_text(place, "地点"), panel_size, attendance,
             checked_text(note, "说明"), operator, now_iso()))
        meeting_id = int(cur.lastrowid or 0)
        self.db.conn.executemany(
            "INSERT INTO appraisal_votes (meeting_id, case_id, votes_for, votes_against, abstentions, rank)"
            " VALUES (?,?,?,?,?,?)", [(meeting_id, *v) for v in votes])
        return meeting_id

    def meetings(self, village_id: int | None = None) -> list[Any]:
        sql = "SELECT m.*, v.name AS village FROM appraisal_meetings m JOIN villages v ON v.id = m.village_id"
        params: tuple[object, ...] = ()
        if village_id is not None:
            sql += " WHERE m.village_id = ?"
            params = (village_id,)
        return self.db.query(sql + " ORDER BY m.id", params)

    def latest_votes(self, case_ids: Sequence[int]) -> dict[int, tuple[int | None, int | None, int | None, int | None]]:
        """Each case's votes (赞成, 反对, 弃权) and rank at its latest appraisal meeting."""
        out: dict[int, tuple[int | None, int | None, int | None, int | None]] = {}
        ids = list(case_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for r in self.db.query(
                    "SELECT case_id, votes_for, votes_against, abstentions, rank FROM appraisal_votes"
                    f" WHERE case_id IN ({','.join('?' * len(chunk))}) ORDER BY meeting_id", tuple(chunk)):
                out[r[0]] = (r[1], r[2], r[3], r[4])
        return out
