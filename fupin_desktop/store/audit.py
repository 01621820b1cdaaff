"""The audit trail: one row per changed value (who, when, what, old, new)."""

from __future__ import annotations

import json
from typing import Any

from fupin_desktop.store.database import Database, now_iso


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
    db.execute(
        "INSERT INTO audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at or now_iso(), operator, action, entity, entity_uuid, household_uuid, field, encode(old), encode(new)),
    )


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
