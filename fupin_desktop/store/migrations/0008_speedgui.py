"""Migration 0006, after its SQL: index the existing households for search (store/search_index.py).

Reads the FTS5 table's texts (the current households) 2,000 at a time, in the migration's
transaction; about half a minute at 100,000 households.
"""

from __future__ import annotations

import sqlite3

from fupin_desktop.store import search_index


def upgrade(conn: sqlite3.Connection) -> None:
    search_index.build(conn)
