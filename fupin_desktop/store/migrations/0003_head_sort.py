"""Migration 0003, after its SQL: fill ``households.head_sort`` of the existing rows.

Tombstones too (a household restored by a sync keeps a right key).  1,000 rows at a time, in
the migration's transaction; revisions, ``updated_at`` and the audit trail are left alone: the
key is derived from 户主姓名, not a change to the household.
"""

from __future__ import annotations

import sqlite3

from fupin_desktop.domain.text import pinyin_sort_key

BATCH = 1000


def upgrade(conn: sqlite3.Connection) -> None:
    last = -1
    while True:
        rows = conn.execute(
            "SELECT id, head_name FROM households WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)
        ).fetchall()
        if not rows:
            return
        conn.executemany(
            "UPDATE households SET head_sort = ? WHERE id = ?",
            [(pinyin_sort_key(name or ""), household_id) for household_id, name in rows],
        )
        last = rows[-1][0]
