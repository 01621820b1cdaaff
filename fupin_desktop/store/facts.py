"""Member counts of households written in bulk: recounted once a household, not once a member row.

``household_facts`` holds each household's member counts (女, 少数民族, 劳动力 …), kept by the
triggers of migration *_village: every member row written recounts its household.  A bulk writer
(the county import, the Excel import) lists its new households in ``facts_deferred`` for the
duration of :func:`counted_after`, so the insert triggers skip them (migration *_deferred_facts),
and they are recounted with one statement at the end — the same recount the triggers run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import import_module

from fupin_desktop.store.database import Database

_village = import_module("fupin_desktop.store.migrations.0009_village")


@contextmanager
def counted_after(db: Database, household_ids: Iterable[int]) -> Iterator[None]:
    """Inside the caller's transaction: write the rows of ``household_ids`` in the block; their
    counts are recounted once when it ends.  On an error nothing stays deferred."""
    ids = [(int(i),) for i in household_ids]
    if not ids:
        yield
        return
    db.executemany("INSERT OR IGNORE INTO facts_deferred (household_id) VALUES (?)", ids)
    try:
        yield
        db.execute(_village.recount("household_facts.household_id")
                   + " AND household_id IN (SELECT household_id FROM facts_deferred)")
    finally:
        db.execute("DELETE FROM facts_deferred")
