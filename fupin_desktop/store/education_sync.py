"""Education students in the exchange (issue 16): what a township sends, what the county keeps.

A township's batch carries its whole education record set in one entry (``education.jsonl``): a
line per student and school year that has a school entered (an enrolment) or an application in a
batch, with the student, household, school, items and amounts as the township holds them.  The
set is small (hundreds of students a year), so it is sent whole whenever it differs from the set
sent last (its digest is kept in a setting) and with every full batch.

The receiving side keeps each township's set in ``received_education`` — the same table and the
same statements on a county SQLite file and on PostgreSQL (this mixin is part of the sync
repository both back ends share): a batch's set replaces that township's records, rows that did
not change are not written again, so importing a batch twice changes nothing.  The county reads
each township's students per school year with :meth:`EducationSync.received_students`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fupin_desktop.store.database import Database, now_iso

#: The batch entry carrying a township's education records.
ENTRY = "education.jsonl"
#: The manifest's count of the records in it.
COUNT_KEY = "education_students"
#: The keys every record of the entry has (a record missing one refuses the batch).
RECORD_KEYS = ("member_uuid", "school_year", "household_uuid", "household", "name", "id_number", "village",
               "school", "school_type", "in_province", "received", "batch", "items", "total")

_ENROLMENTS = (
    "SELECT e.member_uuid, e.school_year, e.school, e.school_type, e.in_province, e.received, e.documents"
    " FROM education_enrolments e WHERE e.deleted = 0"
)
_APPLICATIONS = (
    "SELECT a.member_uuid, a.school_year, a.batch, a.applied_on, a.items, a.total, a.override"
    " FROM education_applications a WHERE a.deleted = 0"
)
_MEMBERS = (
    "SELECT m.uuid AS member_uuid, m.name, m.id_number, h.uuid AS household_uuid, h.number, h.head_name,"
    " h.group_name, v.name AS village FROM members m JOIN households h ON h.id = m.household_id AND h.deleted = 0"
    " JOIN villages v ON v.id = h.village_id WHERE m.deleted = 0 AND m.uuid IN ({marks})"
)


def township_records(db: Database) -> list[dict[str, Any]]:
    """The township's education records (see the module), in a stable order."""
    records: dict[tuple[str, str], dict[str, Any]] = {}

    def record(member_uuid: str, year: str) -> dict[str, Any]:
        return records.setdefault((member_uuid, year), {
            "member_uuid": member_uuid, "school_year": year, "school": "", "school_type": "", "in_province": None,
            "received": [], "documents": [], "batch": None, "applied_on": None, "items": [], "total": None,
            "override": ""})

    for r in db.query(_ENROLMENTS):
        record(r[0], r[1]).update(school=r[2], school_type=r[3], in_province=bool(r[4]),
                                  received=json.loads(r[5]), documents=json.loads(r[6]))
    for r in db.query(_APPLICATIONS):
        record(r[0], r[1]).update(batch=int(r[2]), applied_on=r[3], items=json.loads(r[4]), total=r[5],
                                  override=r[6])
    uuids = sorted({k[0] for k in records})
    people: dict[str, Any] = {}
    for start in range(0, len(uuids), 500):
        chunk = uuids[start:start + 500]
        for r in db.query(_MEMBERS.format(marks=",".join("?" * len(chunk))), tuple(chunk)):
            people[r["member_uuid"]] = r
    out = []
    for key in sorted(records):
        person = people.get(key[0])
        if person is None:  # the member or the household is gone: nothing to send for it
            continue
        out.append({**records[key], "household_uuid": person["household_uuid"], "household": person["number"],
                    "head": person["head_name"], "village": person["village"], "group": person["group_name"],
                    "name": person["name"], "id_number": person["id_number"]})
    return out


def records_digest(records: list[dict[str, Any]]) -> str:
    """A hash of a record set: equal digests, nothing new to send."""
    h = hashlib.sha256()
    for rec in records:
        h.update(_payload(rec).encode("utf-8"))
    return h.hexdigest()


def _payload(rec: dict[str, Any]) -> str:
    return json.dumps(rec, ensure_ascii=False, sort_keys=True)


def check_record(rec: Any) -> str | None:
    """Why a record from a batch cannot be kept (None: it can)."""
    if not isinstance(rec, dict) or any(k not in rec for k in RECORD_KEYS):
        return "批次中的教育资助记录缺少字段"
    if not (isinstance(rec["member_uuid"], str) and rec["member_uuid"] and isinstance(rec["school_year"], str)
            and rec["school_year"] and isinstance(rec["received"], list) and isinstance(rec["items"], list)
            and (rec["batch"] is None or (isinstance(rec["batch"], int) and not isinstance(rec["batch"], bool)
                                          and 1 <= rec["batch"] <= 99))):
        return "批次中的教育资助记录格式不对"
    if len(rec["school_year"]) > 20 or len(rec["member_uuid"]) > 64 or any(
            not isinstance(rec[k], str | int | float | bool | None) or len(str(rec[k])) > 200
            for k in ("household_uuid", "household", "name", "id_number", "village", "school", "school_type", "total")):
        return "批次中的教育资助记录格式不对"
    return None


class EducationSync:
    """The receiving side's education records (a mixin of the sync repository: ``self.db``)."""

    db: Database

    def replace_education(self, township_code: str, records: list[dict[str, Any]]) -> dict[str, int]:
        """Keep ``records`` as the township's whole education set (inside the batch's transaction):
        new and changed records written, records the township no longer has removed; how many."""
        kept = {(str(r[0]), str(r[1])): str(r[2]) for r in self.db.query(
            "SELECT member_uuid, school_year, payload FROM received_education WHERE township_code = ?",
            (township_code,))}
        now = now_iso()
        counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
        seen: set[tuple[str, str]] = set()
        for rec in records:
            key = (rec["member_uuid"], rec["school_year"])
            seen.add(key)
            payload = _payload(rec)
            old = kept.get(key)
            if old == payload:
                counts["unchanged"] += 1
                continue
            counts["added" if old is None else "changed"] += 1
            values = (township_code, rec["member_uuid"], rec["school_year"], str(rec["household_uuid"] or ""),
                      str(rec["household"] or ""), str(rec.get("village") or ""), str(rec["name"] or ""),
                      str(rec["id_number"] or ""), str(rec["school_type"] or ""), rec["batch"],
                      str(rec["total"] or ""), payload, now)
            self.db.execute(
                "INSERT INTO received_education (township_code, member_uuid, school_year, household_uuid, household,"
                " village, name, id_number, school_type, batch, total, payload, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (township_code, member_uuid, school_year) DO UPDATE SET"
                " household_uuid = excluded.household_uuid, household = excluded.household,"
                " village = excluded.village, name = excluded.name, id_number = excluded.id_number,"
                " school_type = excluded.school_type, batch = excluded.batch, total = excluded.total,"
                " payload = excluded.payload, received_at = excluded.received_at", values)
        for member_uuid, year in sorted(set(kept) - seen):
            self.db.execute("DELETE FROM received_education WHERE township_code = ? AND member_uuid = ?"
                            " AND school_year = ?", (township_code, member_uuid, year))
            counts["removed"] += 1
        return counts

    def received_students(self, school_year: str | None = None, *,
                          township_code: str | None = None) -> list[dict[str, Any]]:
        """Each township's students (every school year, or one), as the townships sent them."""
        where, params = ["1 = 1"], []
        if school_year is not None:
            where.append("e.school_year = ?")
            params.append(school_year)
        if township_code is not None:
            where.append("e.township_code = ?")
            params.append(township_code)
        rows = self.db.query(
            "SELECT e.township_code, COALESCE(t.name, '') AS township, e.payload FROM received_education e"
            " LEFT JOIN sync_townships t ON t.code = e.township_code"
            f" WHERE {' AND '.join(where)} ORDER BY e.township_code, e.school_year, e.village, e.household, e.name,"
            " e.member_uuid", tuple(params))
        return [{"township_code": r[0], "township": r[1], **json.loads(r[2])} for r in rows]

    def received_school_years(self) -> list[str]:
        return [str(r[0]) for r in self.db.query(
            "SELECT DISTINCT school_year FROM received_education ORDER BY school_year")]


__all__ = ["COUNT_KEY", "ENTRY", "RECORD_KEYS", "EducationSync", "check_record", "records_digest",
           "township_records"]
