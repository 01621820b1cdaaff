"""Key/value settings kept in the database (operator name, policy later)."""

from __future__ import annotations

from fupin_desktop.store.database import Database

DEFAULT_OPERATOR = "录入员"


def get(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.query_one("SELECT value FROM settings WHERE key = ?", (key,))
    return row[0] if row else default


def put(db: Database, key: str, value: str) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def operator(db: Database) -> str:
    """Who is recorded in the audit trail until logins exist (设置 → 录入员)."""
    return get(db, "operator") or DEFAULT_OPERATOR
