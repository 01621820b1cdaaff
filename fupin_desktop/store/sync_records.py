"""Sync records: the bundle's keys, the records the sync tables hold, and the shared base.

A household travels as a *bundle*: the household row with every row of its Handbook tables,
tombstones included, as plain JSON-able dicts (:meth:`SyncTables.bundles`); :func:`bundle_hash`
says what it holds.  :class:`~fupin_desktop.store.sync.SyncRepository` is built on :class:`SyncTables`.
"""


from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fupin_desktop import fastjson
from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.text import pinyin_initials
from fupin_desktop.store.database import Database

#: Columns of a household bundle besides its tables (``fields`` is the parsed JSON).
HOUSEHOLD_KEYS = ("uuid", "village_uuid", "group_name", "number", "year", "head_name", "head_id_number",
                  "size", "fields", "revision", "created_at", "updated_at", "deleted")
ROW_KEYS = ("uuid", "seq", "fields", "revision", "updated_at", "deleted")
MEMBER_EXTRA = ("name", "id_number", "relation")
VILLAGE_KEYS = ("uuid", "code", "name", "quota", "is_poor", "seq", "revision", "updated_at", "deleted")
GROUP_KEYS = ("uuid", "village_uuid", "name", "seq", "revision", "updated_at", "deleted")
CHUNK = 500


@dataclass(frozen=True)
class KeyRecord:
    role: str
    algorithm: str
    public_key: bytes
    private_key: bytes
    fingerprint: str
    created_at: str


@dataclass(frozen=True)
class CountyRecord:
    code: str
    name: str
    seal_key: bytes
    sign_key: bytes
    fingerprint: str
    own: bool
    trusted_at: str


@dataclass(frozen=True)
class TownshipRecord:
    code: str
    name: str
    county: str
    city: str
    province: str
    sign_key: bytes
    fingerprint: str
    last_sequence: int
    registered_at: str


@dataclass(frozen=True)
class OutboxBatch:
    sequence: int
    hash: str
    file_name: str
    path: str
    copy_path: str
    full: bool
    size: int
    created_at: str
    counts: dict[str, int]
    held_back: int
    state: str
    state_at: str
    message: str


@dataclass(frozen=True)
class LoggedBatch:
    hash: str
    township_code: str
    sequence: int
    created_at: str
    imported_at: str
    counts: dict[str, int]
    merge: dict[str, Any]
    status: str


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def field_text(fields: Any) -> str:
    """A row's ``fields`` as the text the store keeps (JSON with sorted keys; not hashed, so orjson's)."""
    return fastjson.dumps(fields)


def bundle_hash(bundle: dict[str, Any]) -> str:
    """Hash of what a household *says*, not of its bookkeeping (revisions, times, tombstones).

    Two bundles with the same hash hold the same values; a deleted row and an absent row
    are the same thing.
    """
    content: dict[str, Any] = {k: bundle.get(k) for k in HOUSEHOLD_KEYS
                               if k not in ("uuid", "revision", "created_at", "updated_at")}
    for table in TABLES:
        rows = [r for r in bundle.get(table, []) if not r.get("deleted")]
        content[table] = sorted(
            ({k: r.get(k) for k in (*ROW_KEYS, *MEMBER_EXTRA) if k not in ("revision", "updated_at")}
             for r in rows),
            key=lambda r: str(r.get("uuid")),
        )
    return hashlib.sha256(fastjson.canonical_bytes(content)).hexdigest()


def bundle_search_text(bundle: dict[str, Any]) -> str:
    """The search-index text of a bundle, as ``households.search_text`` makes it for a Household."""
    parts = [str(bundle.get("number") or "")]
    for m in bundle.get("members", []):
        if m.get("deleted"):
            continue
        name = str(m.get("name") or "")
        parts += [name, pinyin_initials(name), str(m.get("id_number") or "")]
    return " | ".join(p for p in parts if p)


class SyncTables:
    """The database the sync repositories work on, and a household as a bundle (both sides need it)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def bundles(self, household_ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(household id, bundle)`` with tombstoned rows included, in the order of ``household_ids``."""
        keys = [k for k in HOUSEHOLD_KEYS if k not in ("village_uuid", "fields", "deleted")]
        head_columns = ", ".join(f"h.{k}" for k in keys)
        loads = fastjson.loads
        for start in range(0, len(household_ids), CHUNK):
            chunk = household_ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            by_id: dict[int, dict[str, Any]] = {}
            for r in self.db.query(
                f"SELECT h.id, CAST(h.fields AS BLOB), h.deleted, v.uuid, {head_columns} FROM households h"
                f" JOIN villages v ON v.id = h.village_id WHERE h.id IN ({marks})", tuple(chunk),
            ):  # by position: a bundle is built for every household of an export
                b = dict(zip(keys, r[4:], strict=True))
                b.update(village_uuid=r[3], fields=loads(r[1]), deleted=bool(r[2]))
                for table in TABLES:
                    b[table] = []
                by_id[r[0]] = b
            for table in TABLES:
                extra = ", name, id_number, relation" if table == "members" else ""
                for r in self.db.query(
                    f"SELECT household_id, uuid, seq, CAST(fields AS BLOB), revision, updated_at, deleted{extra} FROM {table}"
                    f" WHERE household_id IN ({marks}) ORDER BY household_id, seq, id", tuple(chunk),
                ):
                    row = {"uuid": r[1], "seq": r[2], "fields": loads(r[3]), "revision": r[4],
                           "updated_at": r[5], "deleted": bool(r[6])}
                    if extra:
                        row.update(name=r[7], id_number=r[8], relation=r[9])
                    by_id[r[0]][table].append(row)
            for hid in chunk:
                if hid in by_id:
                    yield hid, by_id[hid]
