"""Migration *_users, after its SQL: the audit trail's ``kind`` and its guard triggers.

``kind`` (edit | delete | restore | import | export | print | sync | login | failed_login | refused
| user) is what the 操作记录 view filters by; older rows get theirs from ``action`` and ``field``
(a county merge's rows have ``field = 'sync'``).  Then two triggers make every audit row
permanent: an UPDATE or DELETE of the table aborts.  Running the step again (a restored backup
whose version says it is older) changes nothing.
"""

from __future__ import annotations

import sqlite3

GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END",
)


def upgrade(conn: sqlite3.Connection) -> None:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(audit)")}
    if "kind" not in columns:
        conn.execute("ALTER TABLE audit ADD COLUMN kind TEXT NOT NULL DEFAULT 'edit'")
        conn.execute(
            "UPDATE audit SET kind = CASE WHEN field = 'sync' THEN 'sync' WHEN action = 'delete' THEN 'delete'"
            " WHEN action = 'restore' THEN 'restore' ELSE 'edit' END")
    conn.execute("CREATE INDEX IF NOT EXISTS audit_kind ON audit (kind, at)")
    for statement in GUARDS:
        conn.execute(statement)
