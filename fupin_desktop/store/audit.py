"""The audit trail: one row per changed value (who, when, what, old, new), and one per event
(a login, a failed login, a refusal, a print or an export of personal data, an import).

Rows are never changed or removed: SQLite triggers (migration ``*_users.sql``) abort any UPDATE or
DELETE of the table.  Each row has a ``kind`` for the 操作记录 view's filter (:data:`KINDS`); rows
written inside ``with audit.kind_of(db, "import"):`` (an Excel import, a county merge) get that
kind instead of ``edit``.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fupin_desktop.store.database import Database, now_iso

#: kind -> its Chinese name (the 操作记录 view's filter and column, ``fupin audit --kind``).
KINDS: dict[str, str] = {
    "edit": "修改", "delete": "删除", "restore": "恢复", "import": "导入", "export": "导出",
    "print": "打印", "sync": "同步", "login": "登录", "failed_login": "登录失败", "refused": "拒绝",
    "user": "用户管理", "encryption": "加密解密",
}
_ACTION_KINDS = {"delete": "delete", "restore": "restore", "login": "login", "failed_login": "failed_login",
                 "refused": "refused", "print": "print", "export": "export", "import": "import", "user": "user",
                 "sync": "sync", "encrypt": "encryption", "decrypt": "encryption"}


@contextmanager
def kind_of(db: Database, kind: str) -> Iterator[None]:
    """Audit rows written meanwhile on ``db`` are of ``kind`` (an import's saves are ``import``)."""
    previous = db.audit_kind
    db.audit_kind = kind
    try:
        yield
    finally:
        db.audit_kind = previous


def _kind(db: Database, action: str, field: str | None) -> str:
    if field == "sync":
        return "sync"
    if action in _ACTION_KINDS:
        return _ACTION_KINDS[action]
    return db.audit_kind or "edit"


def encode(value: Any) -> str | None:
    """Audit values are JSON text (None stays NULL) so lists and numbers survive."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record(
    db: Database,
    *,
    operator: str,
    action: str,
    entity: str,
    entity_uuid: str,
    household_uuid: str | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    at: str | None = None,
) -> None:
    values = (at or now_iso(), operator, action, entity, entity_uuid, household_uuid, field, encode(old), encode(new))
    if _has_kind(db):
        db.execute("INSERT INTO audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new,"
                   " kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, _kind(db, action, field)))
    else:  # a file made by the first migrations only (an older program's, in the tests)
        db.execute("INSERT INTO audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)


def record_many(db: Database, rows: list[tuple[Any, ...]]) -> None:
    """Many audit rows at once (bulk imports): ``(at, operator, action, entity, entity_uuid,
    household_uuid, field, old, new)`` with ``old``/``new`` already encoded; each gets its kind."""
    if _has_kind(db):
        db.executemany("INSERT INTO audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new,"
                       " kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(*r, _kind(db, str(r[2]), r[6])) for r in rows])
    else:
        db.executemany("INSERT INTO audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


_KIND_COLUMN: weakref.WeakKeyDictionary[Database, bool] = weakref.WeakKeyDictionary()


def _has_kind(db: Database) -> bool:
    preset = getattr(db, "audit_has_kind", None)  # a PostgreSQL receiving database says so itself
    if preset is not None:
        return bool(preset)
    known = _KIND_COLUMN.get(db)
    if known is None:
        known = _KIND_COLUMN[db] = any(r[1] == "kind" for r in db.query("PRAGMA table_info(audit)"))
    return known


def event(db: Database, *, operator: str, action: str, entity: str, entity_uuid: str = "",
          household_uuid: str | None = None, field: str | None = None, new: Any = None) -> None:
    """One audit row for an event (a login, a refusal, a print), in a transaction of its own when
    none is open.  A database opened read-only cannot keep it: the event goes to the log only."""
    if db.read_only:
        return
    with db.transaction():
        record(db, operator=operator, action=action, entity=entity, entity_uuid=entity_uuid,
               household_uuid=household_uuid, field=field, new=new)


def history(db: Database, household_uuid: str) -> list[dict[str, Any]]:
    """Every audit row of a household and its rows, oldest first."""
    rows = db.query(
        "SELECT at, operator, action, entity, entity_uuid, field, old, new FROM audit"
        " WHERE household_uuid = ? ORDER BY id",
        (household_uuid,),
    )
    return [dict(r) for r in rows]


def since(db: Database, household_uuid: str, after: str) -> list[dict[str, Any]]:
    """The audit rows of a household and its rows written after ``after`` (ISO time), oldest first."""
    rows = db.query(
        "SELECT at, operator, action, entity, entity_uuid, field FROM audit"
        " WHERE household_uuid = ? AND at > ? ORDER BY id",
        (household_uuid, after),
    )
    return [dict(r) for r in rows]


def search(db: Database, *, user: str | None = None, start: str | None = None, end: str | None = None,
           household_uuid: str | None = None, household_number: str | None = None,
           village_id: int | None = None, village: str | None = None, kind: str | None = None,
           limit: int = 100_000) -> list[dict[str, Any]]:
    """Audit rows matching every filter given, newest first, with the household's 户编号, 户主 and
    village where the row belongs to a household.  ``start``/``end``: ISO times (UTC), ``end``
    excluded."""
    where: list[str] = []
    params: list[object] = []
    for clause, value in (("a.operator = ?", user), ("a.at >= ?", start), ("a.at < ?", end),
                          ("a.household_uuid = ?", household_uuid), ("h.number = ?", household_number),
                          ("h.village_id = ?", village_id), ("v.name = ?", village),
                          ("a.kind = ?", kind)):
        if value is not None:
            where.append(clause)
            params.append(value)
    rows = db.query(
        "SELECT a.id, a.at, a.operator, a.action, a.kind, a.entity, a.entity_uuid, a.household_uuid, a.field,"
        " a.old, a.new, h.number AS household_number, h.head_name, v.name AS village"
        " FROM audit a LEFT JOIN households h ON h.uuid = a.household_uuid"
        " LEFT JOIN villages v ON v.id = h.village_id"
        + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id DESC LIMIT ?",
        (*params, limit),
    )
    return [dict(r) for r in rows]


def operators(db: Database) -> list[str]:
    """Every name the audit trail carries (users, and the typed names of older rows)."""
    return [str(r[0]) for r in db.query("SELECT DISTINCT operator FROM audit ORDER BY operator")]
