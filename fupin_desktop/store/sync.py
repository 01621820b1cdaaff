"""Sync repositories: keys, the county identity, outbox and batch logs, per-record sync state.

Both sides of the county-township exchange keep their state here (migration 0002):

* township side: its signing key, the trusted county, the batches it wrote (``sync_outbox``),
  the revision of every record last exported (``sync_exported``) and imported feedback;
* county side: its key pairs, the registered townships, the batch log, what was last received
  of each household (``sync_received``), conflicts, cross-township duplicates and rejections.

A household travels as a *bundle*: the household row with every row of its Handbook tables,
tombstones included, as plain JSON-able dicts.  The household revision moves whenever any of
its rows changes (see ``HouseholdRepository.save``), so the bundle is the unit of merging.

The repository is put together from one class per concern, each in its own module:
:mod:`~fupin_desktop.store.sync_records` (bundle keys, records, the shared base),
:mod:`~fupin_desktop.store.sync_identity` (keys and identities, registered townships, batch log),
:mod:`~fupin_desktop.store.sync_outbox` (township side), :mod:`~fupin_desktop.store.sync_merge`
(county side).  Callers import every name from here.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fupin_desktop.store.education_sync import EducationSync
from fupin_desktop.store.sync_identity import SyncIdentity
from fupin_desktop.store.sync_merge import CountyMerge
from fupin_desktop.store.sync_outbox import TownshipOutbox
from fupin_desktop.store.sync_records import (
    CHUNK,
    GROUP_KEYS,
    HOUSEHOLD_KEYS,
    MEMBER_EXTRA,
    ROW_KEYS,
    VILLAGE_KEYS,
    CountyRecord,
    KeyRecord,
    LoggedBatch,
    OutboxBatch,
    TownshipRecord,
    bundle_hash,
    bundle_search_text,
    canonical,
)

__all__ = [
    "CHUNK", "GROUP_KEYS", "HOUSEHOLD_KEYS", "MEMBER_EXTRA", "ROW_KEYS", "VILLAGE_KEYS", "CountyRecord",
    "KeyRecord", "LoggedBatch", "OutboxBatch", "SyncRepository", "TownshipRecord", "bundle_hash",
    "bundle_search_text", "canonical",
]


#: Tables :meth:`SyncRepository.table_digest` cannot read in rowid order.
_DIGEST_QUERIES = {
    "household_search": "SELECT rowid, text FROM household_search ORDER BY rowid",
    "search_grams": "SELECT * FROM search_grams ORDER BY gram, number, household_id",  # WITHOUT ROWID
}


class SyncRepository(SyncIdentity, TownshipOutbox, CountyMerge, EducationSync):
    """Every SQL statement of the exchange, for either side."""

    # -- closed years (issue 16) ------------------------------------------------------------
    def add_year_snapshots(self, snapshots: list[dict[str, Any]], township_code: str) -> int:
        """County: keep a township's closed-year files (one already kept stays); how many were new."""
        from fupin_desktop.store import years

        return years.add_snapshots(self.db, snapshots, township_code)

    # -- snapshots (tests and diagnostics) ---------------------------------------------------
    def table_digest(self) -> str:
        """A hash of every row of every table: equal digests mean an unchanged database."""
        h = hashlib.sha256()
        names = [r[0] for r in self.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'household_search_%' ORDER BY name")]
        for name in names:
            h.update(name.encode())
            for row in self.db.query(_DIGEST_QUERIES.get(name, f'SELECT * FROM "{name}" ORDER BY rowid')):
                h.update(repr(tuple(row)).encode())
        h.update(str(self.db.user_version).encode())
        return h.hexdigest()
