"""Migration *_deferred_facts, after its SQL: the insert triggers of *_village skip the recount of a
household listed in ``facts_deferred`` (store/facts.py recounts it once, after its rows are in).

The update and delete triggers are unchanged.  Running it again changes nothing.
"""

from __future__ import annotations

import sqlite3
from importlib import import_module

_village = import_module("fupin_desktop.store.migrations.0009_village")

#: Appended to a recount of NEW.household_id: not while the household is written in bulk.
NOT_DEFERRED = " AND NOT EXISTS (SELECT 1 FROM facts_deferred d WHERE d.household_id = NEW.household_id)"


def triggers() -> list[str]:
    recount = _village.recount("NEW.household_id") + NOT_DEFERRED
    return [
        "DROP TRIGGER IF EXISTS member_facts_insert",
        f"CREATE TRIGGER member_facts_insert AFTER INSERT ON members BEGIN {_village._FACTS}\n  {recount};\nEND",
        "DROP TRIGGER IF EXISTS household_facts_members",
        f"CREATE TRIGGER household_facts_members AFTER INSERT ON household_facts BEGIN\n  {recount};\nEND",
    ]


def upgrade(conn: sqlite3.Connection) -> None:
    for statement in triggers():
        conn.execute(statement)
