"""Students of registered households and their subsidy applications (教育精准扶贫学生资助).

A student is a current member of a household in the file whose 在校生状况 is 高中 or above, or who
has a school entered for the school year (an enrolment: school, type, in the province or not,
the items already received elsewhere, the documents ticked).  Applications are one per person
(the holder's 18-character ID number) and school year, in one of the county's batches; the rules
(``rules/education.py``) decide the amounts, the batch and the deadline, this module keeps them.
Every write is one transaction with its audit rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from fupin_desktop.domain.household import LEFT_HOUSEHOLD, new_uuid
from fupin_desktop.domain.idnumber import normalize_id, person_key, same_person_numbers
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules import education as rules
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import access, audit, driver
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import Database, StoreError, now_iso

#: 脱贫标志 of a household no longer entitled to the policies of the registered poor.
NO_LONGER_ENTITLED = "已脱贫（不再享受政策）"
_STATUSES = tuple(rules.STATUS_TYPES)
_LEFT = tuple(sorted(LEFT_HOUSEHOLD))


class EducationRefused(StoreError):
    """A request refused with a Chinese message; nothing was changed.  ``late``: refused only
    because the batch's deadline has passed (``--override REASON`` may pass it)."""

    def __init__(self, message: str, *, late: bool = False) -> None:
        super().__init__(message)
        self.late = late


@dataclass(frozen=True)
class Enrolment:
    school: str
    school_type: str
    in_province: bool
    received: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Application:
    batch: int
    applied_on: date
    items: tuple[tuple[str, Decimal], ...]
    total: Decimal
    override: str = ""

    @property
    def batch_name(self) -> str:
        return rules.batch_name(self.batch)


@dataclass(frozen=True)
class Student:
    """A member who studies, in one school year, with the school and application if any."""

    member_uuid: str
    id_number: str
    name: str
    household_id: int
    household_number: str
    head_name: str
    village: str
    group: str
    exit_flag: str
    school_status: str
    school_year: str
    enrolment: Enrolment | None = None
    application: Application | None = None
    #: What the write that returned this student changed (None for a read): see store/changes.py.
    change: Change | None = field(default=None, compare=False)

    @property
    def school_type(self) -> str | None:
        """The entered type, else the one 在校生状况 implies (大专及以上: unknown)."""
        if self.enrolment is not None:
            return self.enrolment.school_type
        return rules.STATUS_TYPES.get(self.school_status)

    @property
    def in_province(self) -> bool | None:
        return self.enrolment.in_province if self.enrolment is not None else None

    @property
    def received(self) -> tuple[str, ...]:
        return self.enrolment.received if self.enrolment is not None else ()

    def to_json(self) -> dict[str, Any]:
        app = self.application
        return {
            "id_number": self.id_number, "name": self.name, "household": self.household_number,
            "school_type": self.school_type, "in_province": self.in_province, "received": list(self.received),
            "school": self.enrolment.school if self.enrolment else None, "school_year": self.school_year,
            "head": self.head_name, "village": self.village, "group": self.group,
            "school_status": self.school_status,
            "batch": app.batch if app else None, "applied_on": app.applied_on.isoformat() if app else None,
        }


_SELECT = (
    "SELECT m.uuid AS member_uuid, m.id_number, m.name, h.id AS household_id, h.number, h.head_name,"
    " v.name AS village, h.group_name, COALESCE(json_extract(h.fields, '$.exit_flag'), '') AS exit_flag,"
    " COALESCE(json_extract(m.fields, '$.school_status'), '') AS school_status,"
    " e.school, e.school_type, e.in_province, e.received, e.documents,"
    " a.batch, a.applied_on, a.items, a.total, a.override"
    " FROM members m JOIN households h ON h.id = m.household_id AND h.deleted = 0"
    " JOIN villages v ON v.id = h.village_id"
    " LEFT JOIN education_enrolments e ON e.member_uuid = m.uuid AND e.school_year = ? AND e.deleted = 0"
    " LEFT JOIN education_applications a ON a.member_uuid = m.uuid AND a.school_year = ? AND a.deleted = 0"
    " WHERE m.deleted = 0"
    " AND COALESCE(json_extract(m.fields, '$.change'), '') NOT IN ({left})"
)


def _student(row: sqlite3.Row, year: str) -> Student:
    enrolment = None
    if row["school_type"] is not None:
        enrolment = Enrolment(row["school"], row["school_type"], bool(row["in_province"]),
                              tuple(json.loads(row["received"])), tuple(json.loads(row["documents"])))
    application = None
    if row["batch"] is not None:
        items = tuple((str(i), Decimal(str(a))) for i, a in json.loads(row["items"]))
        application = Application(row["batch"], date.fromisoformat(row["applied_on"]), items,
                                  Decimal(row["total"]), row["override"])
    return Student(row["member_uuid"], row["id_number"], row["name"], row["household_id"], row["number"],
                   row["head_name"], row["village"], row["group_name"], row["exit_flag"], row["school_status"],
                   year, enrolment, application)


class EducationRepository:
    """Students, enrolments and applications of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads --------------------------------------------------------------------------------
    def students(self, year: str, *, village: str | None = None, school_type: str | None = None,
                 batch: int | None = None) -> list[Student]:
        """Every student of ``year``: 在校生状况 高中 or above, or a school entered for the year;
        by village, group, household number and name."""
        sql = _SELECT.format(left=",".join("?" * len(_LEFT)))
        sql += f" AND (e.id IS NOT NULL OR a.id IS NOT NULL OR json_extract(m.fields, '$.school_status') IN ({','.join('?' * len(_STATUSES))}))"
        params: list[Any] = [year, year, *_LEFT, *_STATUSES]
        if village:
            sql += " AND v.name = ?"
            params.append(village)
        if batch is not None:
            sql += " AND a.batch = ?"
            params.append(batch)
        sql += " ORDER BY v.seq, v.name, h.group_name, h.number, m.seq, m.id"
        found = [_student(r, year) for r in self.db.query(sql, tuple(params))]
        if school_type:
            found = [s for s in found if s.school_type == school_type]
        return found

    def student(self, id_number: str, year: str) -> Student:
        """The current member with this ID number (either card), as a student of ``year``."""
        numbers = same_person_numbers(normalize_id(id_number))
        sql = _SELECT.format(left=",".join("?" * len(_LEFT)))
        sql += f" AND m.id_number IN ({','.join('?' * len(numbers))})"
        rows = self.db.query(sql, (year, year, *_LEFT, *numbers))
        if not rows:
            raise EducationRefused(f"没有证件号码为“{normalize_id(id_number)[:24]}”的在册成员。"
                                   "请核对号码（fupin education students 可列出在校生）。")
        if len(rows) > 1:
            places = "、".join(f"{r['village']}{r['number']}户" for r in rows)
            raise EducationRefused(f"证件号码 {rows[0]['id_number']} 在多户中出现（{places}），请先在数据质量中处理重复。")
        return _student(rows[0], year)

    # -- writes -------------------------------------------------------------------------------
    def enrol(self, student: Student, *, school: str, school_type: str, in_province: bool,
              received: Iterable[str] | None = None, operator: str) -> Student:
        """Enter (or change) the student's school for the year; ``received`` None keeps the items
        entered before.  An application already made keeps its amounts."""
        access.require(self.db, Action.EDUCATION)
        school = " ".join(school.split())
        if not school:
            raise EducationRefused("请填写学校名称。")
        if len(school) > 60:
            raise EducationRefused("学校名称最多 60 个字。")
        kind = _rule(rules.school_type, school_type)
        old = student.enrolment
        items = tuple(_rule(rules.item_name, i) for i in received) if received is not None else (
            old.received if old else ())
        items = tuple(i for i in rules.ITEMS if i in items and i != rules.GRANT)
        allowed = {k for k, _ in rules.checklist(in_province)}
        documents = tuple(d for d in (old.documents if old else ()) if d in allowed)
        new = Enrolment(school, kind, in_province, items, documents)
        self._write(student, old, new, operator)
        return replace(student, enrolment=new, change=_change(student))

    def set_documents(self, student: Student, documents: Iterable[str], operator: str) -> Student:
        """Tick exactly ``documents`` (keys of the checklist) for the student's year."""
        access.require(self.db, Action.EDUCATION)
        old = student.enrolment
        if old is None:
            raise EducationRefused(f"请先登记{student.name}的学校（fupin education enrol）。")
        keys = {_rule(rules.document_key, d) for d in documents}
        allowed = [k for k, _ in rules.checklist(old.in_province)]
        extra = keys - set(allowed)
        if extra:
            raise EducationRefused(f"省内就读的学生不需要“{'、'.join(sorted(extra))}”。")
        new = replace(old, documents=tuple(k for k in allowed if k in keys))
        self._write(student, old, new, operator)
        return replace(student, enrolment=new, change=_change(student))

    def _write(self, student: Student, old: Enrolment | None, new: Enrolment, operator: str) -> None:
        now = now_iso()
        values = (new.school, new.school_type, int(new.in_province), json.dumps(list(new.received), ensure_ascii=False),
                  json.dumps(list(new.documents)))
        with self.db.transaction():
            row = self.db.query_one("SELECT uuid FROM education_enrolments WHERE member_uuid = ? AND school_year = ?"
                                    " AND deleted = 0", (student.member_uuid, student.school_year))
            if row is None:
                uuid = new_uuid()
                self.db.execute(
                    "INSERT INTO education_enrolments (uuid, member_uuid, school_year, school, school_type, in_province,"
                    " received, documents, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (uuid, student.member_uuid, student.school_year, *values, now))
            else:
                uuid = row[0]
                self.db.execute(
                    "UPDATE education_enrolments SET school = ?, school_type = ?, in_province = ?, received = ?,"
                    " documents = ?, updated_at = ?, revision = revision + 1 WHERE uuid = ?", (*values, now, uuid))
            before = _enrolment_json(old)
            after = _enrolment_json(new)
            for key in after:
                if before.get(key) != after[key]:
                    audit.record(self.db, operator=operator, action="update" if old else "create",
                                 entity="education_enrolments", entity_uuid=uuid,
                                 household_uuid=self._household_uuid(student), field=key,
                                 old=before.get(key), new=after[key], at=now)

    def apply(self, student: Student, policy: Policy, *, batch: int, day: date, override: str | None,
              operator: str) -> Student:
        """Put the student into ``batch`` of the year with the items of the table; refused (nothing
        written) for a student already in a batch of the year, after the deadline without an
        override reason, for a household no longer entitled, or without a school entered.  Letting
        a late application in (an override reason) is a 审核员's decision."""
        access.require(self.db, Action.DECIDE if (override or "").strip() else Action.EDUCATION)
        year = student.school_year
        if student.exit_flag == NO_LONGER_ENTITLED:
            raise EducationRefused(f"{student.name}所在户已{NO_LONGER_ENTITLED}，不属资助对象。")
        if student.enrolment is None:
            raise EducationRefused(f"请先登记{student.name} {year} 学年就读的学校（fupin education enrol）。")
        override = " ".join((override or "").split())
        with self.db.transaction():
            held = self.db.query_one(
                "SELECT batch FROM education_applications WHERE person_key = ? AND school_year = ? AND deleted = 0",
                (person_key(student.id_number), year))
            try:
                chosen = rules.check_application(policy.education, year, batch, day, name=student.name,
                                                 earlier=held[0] if held else None, override=override)
                owed = rules.entitlement(policy.education, year, student.enrolment.school_type,
                                         set(student.enrolment.received))
            except rules.ApplicationRefused as exc:
                raise EducationRefused(str(exc), late=exc.late) from exc
            except rules.EducationError as exc:
                raise EducationRefused(str(exc)) from exc
            uuid, now = new_uuid(), now_iso()
            items = [[i, str(a)] for i, a in owed.items]
            late = chosen.deadline is not None and day > chosen.deadline
            try:
                self.db.execute(
                    "INSERT INTO education_applications (uuid, person_key, member_uuid, school_year, batch, applied_on,"
                    " items, total, override, operator, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (uuid, person_key(student.id_number), student.member_uuid, year, batch, day.isoformat(),
                     json.dumps(items, ensure_ascii=False), str(owed.total), override if late else "", operator, now))
            except driver.IntegrityError as exc:  # another program applied in between
                raise EducationRefused(f"{student.name}已纳入 {year} 学年的资助批次，不能重复申请。") from exc
            audit.record(self.db, operator=operator, action="create", entity="education_applications",
                         entity_uuid=uuid, household_uuid=self._household_uuid(student), field="batch", old=None,
                         new={"school_year": year, "batch": batch, "applied_on": day.isoformat(),
                              "total": str(owed.total), "override": override if late else ""}, at=now)
        application = Application(batch, day, owed.items, owed.total, override if late else "")
        return replace(student, application=application, change=_change(student))

    def withdraw(self, student: Student, operator: str) -> Student:
        """Take the student out of the year's batch (a mistake): kept as a tombstone and audited."""
        access.require(self.db, Action.EDUCATION)
        if student.application is None:
            raise EducationRefused(f"{student.name}在 {student.school_year} 学年没有资助申请。")
        with self.db.transaction():
            row = self.db.one("SELECT uuid FROM education_applications WHERE member_uuid = ? AND school_year = ?"
                              " AND deleted = 0", (student.member_uuid, student.school_year))
            self.db.execute("UPDATE education_applications SET deleted = 1 WHERE uuid = ?", (row[0],))
            audit.record(self.db, operator=operator, action="delete", entity="education_applications",
                         entity_uuid=row[0], household_uuid=self._household_uuid(student), field="batch",
                         old=student.application.batch, new=None)
        return replace(student, application=None, change=_change(student))

    def _household_uuid(self, student: Student) -> str | None:
        row = self.db.query_one("SELECT uuid FROM households WHERE id = ?", (student.household_id,))
        return str(row[0]) if row is not None else None


def _change(student: Student) -> Change:
    return Change.of(ChangeKind.EDUCATION, [student.household_id], villages=[student.village])


def _rule(parse: Any, value: Any) -> str:
    try:
        return str(parse(value))
    except rules.EducationError as exc:
        raise EducationRefused(str(exc)) from exc


def _enrolment_json(e: Enrolment | None) -> dict[str, Any]:
    if e is None:
        return {}
    return {"school": e.school, "school_type": e.school_type, "in_province": e.in_province,
            "received": list(e.received), "documents": list(e.documents)}
