"""What the cross-record rules ask of the other households, answered from the database.

:class:`StoreRecords` asks live, one indexed query per question (the household editor);
:func:`load_memory_records` reads, in a few bulk queries, everything a township-wide run
can need into a :class:`~fupin_desktop.rules.crossrecord.MemoryRecords`.
"""

from __future__ import annotations

import sqlite3
import sys

from fupin_desktop.domain.idnumber import same_person_numbers
from fupin_desktop.rules.crossrecord import HouseholdRecord, MemoryRecords, PersonRecord
from fupin_desktop.store.database import Database

_HOUSEHOLD_COLUMNS = (
    "SELECT h.id, h.number, v.name AS village, h.group_name, h.head_name, h.size,"
    " COALESCE(json_extract(h.fields, '$.phone'), '') AS phone"
    " FROM households h JOIN villages v ON v.id = h.village_id WHERE h.deleted = 0"
)
_PERSON_COLUMNS = (
    "SELECT m.household_id, m.name, m.id_number, json_extract(m.fields, '$.change') AS change"
    " FROM members m JOIN households h ON h.id = m.household_id WHERE m.deleted = 0 AND h.deleted = 0"
)


#: A member's 人编号, as the expression index of migration 0005 (members_person_number) has it.
PERSON_NUMBER = "json_extract(m.fields, '$.person_number')"


def _household(r: sqlite3.Row) -> HouseholdRecord:
    # village and group names repeat across thousands of records: one string each (sys.intern)
    return HouseholdRecord(id=r["id"], number=r["number"], village=sys.intern(r["village"]),
                           group=sys.intern(r["group_name"]),
                           head_name=r["head_name"], size=r["size"], phone=str(r["phone"]))


def _person(r: sqlite3.Row) -> PersonRecord:
    return PersonRecord(household_id=r["household_id"], name=r["name"], id_number=r["id_number"],
                        change=r["change"])


class StoreRecords:
    """:class:`~fupin_desktop.rules.crossrecord.CrossRecords` answered by live queries.

    ``stored_sizes``: answer :meth:`declared_size` with the stored 家庭人口 (re-checking saved
    households); off for the editor, whose household is about to be saved with new rows.
    """

    def __init__(self, db: Database, *, stored_sizes: bool = False) -> None:
        self.db = db
        self.stored_sizes = stored_sizes

    def persons(self, id_number: str) -> list[PersonRecord]:
        numbers = same_person_numbers(id_number)  # the ID number and its 残疾人证 numbers, off the index
        return [_person(r) for r in self.db.query(
            _PERSON_COLUMNS + f" AND m.id_number IN ({','.join('?' * len(numbers))})", numbers)]

    def households_numbered(self, number: str) -> list[HouseholdRecord]:
        return [_household(r) for r in self.db.query(_HOUSEHOLD_COLUMNS + " AND h.number = ?", (number,))]

    def household(self, household_id: int) -> HouseholdRecord | None:
        row = self.db.query_one(_HOUSEHOLD_COLUMNS + " AND h.id = ?", (household_id,))
        return _household(row) if row is not None else None

    def persons_named_at_phone(self, name: str, phone: str) -> list[PersonRecord]:
        # members.name has an index (members_name): one look-up at any scale.
        rows = self.db.query(
            _PERSON_COLUMNS + " AND m.name = ? AND json_extract(h.fields, '$.phone') = ?", (name, phone),
        )
        return [_person(r) for r in rows]

    def persons_numbered(self, person_number: str) -> list[PersonRecord]:
        return [_person(r) for r in self.db.query(
            _PERSON_COLUMNS + f" AND {PERSON_NUMBER} = ?", (person_number,))]

    def declared_size(self, household_id: int) -> int | None:
        if not self.stored_sizes:
            return None  # the edited household's 家庭人口 is derived from the rows it is saved with
        row = self.db.query_one("SELECT size FROM households WHERE id = ? AND deleted = 0", (household_id,))
        return int(row[0]) if row is not None else None


def load_memory_records(db: Database) -> MemoryRecords:
    """Everything the cross-record rules can ask in a township-wide run, in a few bulk queries.

    All households (light columns); the member rows of every ID number held in two or
    more households or given for a helper; the member rows matching a helper's name in a
    household with the helper's phone number.
    """
    records = MemoryRecords()
    by_phone: dict[str, list[int]] = {}
    for r in db.query(_HOUSEHOLD_COLUMNS):
        record = _household(r)
        records.households[record.id] = record
        if record.phone:
            by_phone.setdefault(record.phone, []).append(record.id)
    helper_rows = db.query(
        "SELECT json_extract(p.fields, '$.id_number') AS id_number, json_extract(p.fields, '$.name') AS name,"
        " json_extract(p.fields, '$.phone') AS phone"
        " FROM helpers p JOIN households h ON h.id = p.household_id WHERE p.deleted = 0 AND h.deleted = 0"
    )
    helper_ids = sorted({str(r["id_number"]) for r in helper_rows if r["id_number"]})
    # Candidates straight off the members_id_number index (no join, no sort); rows of deleted
    # households drop out in the outer query, which leaves such a number with one household.
    records.add_persons(_person(r) for r in db.query(
        _PERSON_COLUMNS + " AND m.id_number IN ("
        " SELECT id_number FROM members WHERE deleted = 0 AND id_number != ''"
        " GROUP BY id_number HAVING COUNT(DISTINCT household_id) > 1)"
    ))
    # A person may be stored under the ID number in one household and a 残疾人证 number (the ID
    # number and two digits) in another: the few 20-character numbers bring in their holders' rows.
    cards = [str(r[0]) for r in db.query(
        "SELECT DISTINCT id_number FROM members WHERE deleted = 0 AND length(id_number) = 20")]
    loaded = {p.id_number for persons in records.persons_by_id.values() for p in persons}
    wanted = sorted({n for number in (*helper_ids, *cards) for n in same_person_numbers(number)} - loaded)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = db.query(_PERSON_COLUMNS + f" AND m.id_number IN ({','.join('?' * len(chunk))})", tuple(chunk))
        records.add_persons(map(_person, rows))
    named = {(str(r["name"]), str(r["phone"])) for r in helper_rows
             if r["name"] and r["phone"] and not r["id_number"] and str(r["phone"]) in by_phone}
    for name, phone in sorted(named):
        ids = by_phone[phone]
        rows = db.query(
            _PERSON_COLUMNS + f" AND m.name = ? AND m.household_id IN ({','.join('?' * len(ids))})", (name, *ids)
        )
        if rows:
            records.persons_by_name_phone[(name, phone)] = [_person(r) for r in rows]
    for r in db.query(
        _PERSON_COLUMNS.replace("SELECT ", f"SELECT {PERSON_NUMBER} AS person_number, ", 1)
        + f" AND {PERSON_NUMBER} IN (SELECT json_extract(fields, '$.person_number') AS n FROM members"
        " WHERE deleted = 0 AND json_extract(fields, '$.person_number') IS NOT NULL GROUP BY n"
        " HAVING COUNT(*) > 1)"  # (no output alias in WHERE: the SQL reads alike on PostgreSQL)
    ):
        records.persons_by_person_number.setdefault(str(r["person_number"]), []).append(_person(r))
    return records
