"""The county side of the exchange: a township's villages and groups, merging households,
conflicts, cross-township duplicates and rejections."""


from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.idnumber import same_person_numbers
from fupin_desktop.domain.text import pinyin_sort_key
from fupin_desktop.store import audit, search_index
from fupin_desktop.store.database import now_iso
from fupin_desktop.store.sync_bulk import EntryLoad
from fupin_desktop.store.sync_records import SyncTables, bundle_search_text, canonical, field_text


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class CountyMerge(SyncTables):
    """What a county does with a township's batch: places, households, conflicts, duplicates."""

    # -- county: villages and groups of a township -------------------------------------------
    def village_ids(self, code: str) -> dict[str, int]:
        rows = self.db.query("SELECT uuid, id FROM villages WHERE township_code = ?", (code,))
        return {r[0]: r[1] for r in rows}

    def village_townships(self) -> dict[int, str | None]:
        """Village id -> the code of the township it came from (None: this database's own)."""
        return {r[0]: r[1] for r in self.db.query("SELECT id, township_code FROM villages WHERE deleted = 0")}

    def village_owner(self, uuid: str) -> tuple[int, str | None] | None:
        row = self.db.query_one("SELECT id, township_code FROM villages WHERE uuid = ?", (uuid,))
        return (row[0], row[1]) if row else None

    def village_groups_of(self, code: str) -> dict[str, list[str]]:
        """Village name -> its groups, for one township (the rules' context at the county)."""
        rows = self.db.query(
            "SELECT v.name AS village, g.name AS grp FROM villages v LEFT JOIN village_groups g"
            " ON g.village_id = v.id AND g.deleted = 0 WHERE v.township_code = ? AND v.deleted = 0"
            " ORDER BY v.seq, g.seq", (code,),
        )
        out: dict[str, list[str]] = {}
        for r in rows:
            groups = out.setdefault(r["village"], [])
            if r["grp"] is not None:
                groups.append(r["grp"])
        return out

    def upsert_village(self, code: str, rec: dict[str, Any]) -> str | None:
        """Insert or update an incoming village; returns a Chinese reason if it cannot be taken."""
        owner = self.village_owner(rec["uuid"])
        if owner is not None and owner[1] != code:
            return "该村的记录编号已属于其他乡镇"
        if not rec["deleted"]:
            clash = self.db.query_one(
                "SELECT uuid FROM villages WHERE township_code = ? AND name = ? AND deleted = 0 AND uuid != ?",
                (code, rec["name"], rec["uuid"]),
            )
            if clash is not None:
                return f"本乡已有另一个名为“{rec['name']}”的村"
        # The same value types on both back ends (PostgreSQL refuses a number where text belongs).
        values = (_text(rec["code"]), _text(rec["name"]), None if rec["quota"] in (None, "") else int(rec["quota"]),
                  int(bool(rec["is_poor"])), int(rec["seq"] or 0), int(rec["revision"]), _text(rec["updated_at"]),
                  int(bool(rec["deleted"])))
        if owner is None:
            place = self._village_place(code)  # fixed column names, never data
            self.db.execute(
                "INSERT INTO villages (uuid, code, name, quota, is_poor, seq, revision, updated_at, deleted, "
                + ", ".join(place) + ") VALUES (" + ", ".join("?" * (9 + len(place))) + ")",
                (rec["uuid"], *values, *place.values()),
            )
        else:
            self.db.execute(
                "UPDATE villages SET code = ?, name = ?, quota = ?, is_poor = ?, seq = ?, revision = ?,"
                " updated_at = ?, deleted = ? WHERE uuid = ? AND revision <= ?",
                (*values, rec["uuid"], rec["revision"]),
            )
        return None

    def _village_place(self, code: str) -> dict[str, str]:
        """The columns that place a township's new village (PostgreSQL adds its county partition)."""
        return {"township_code": code}

    def upsert_group(self, village_id: int, rec: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO village_groups (uuid, village_id, name, seq, revision, updated_at, deleted)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET village_id = excluded.village_id,"
            " name = excluded.name, seq = excluded.seq, revision = excluded.revision,"
            " updated_at = excluded.updated_at, deleted = excluded.deleted"
            " WHERE excluded.revision >= village_groups.revision",
            (rec["uuid"], village_id, rec["name"], rec["seq"], rec["revision"], rec["updated_at"],
             int(bool(rec["deleted"]))),
        )

    # -- county: merging households ------------------------------------------------------------
    _entry: EntryLoad | None = None  # inside bulk_loading() on SQLite (PostgreSQL has its own)
    _loading = False

    @contextmanager
    def bulk_loading(self) -> Iterator[None]:
        """The scope of one batch's merge, inside its transaction.  A back end may gather writes and
        load them in bulk, flushed before the scope ends (PostgreSQL: ``COPY``; SQLite: one
        ``executemany`` per table per entry, ``store/sync_bulk.py``)."""
        self._loading = True
        try:
            yield
            self.end_entry()
        finally:
            self._loading = False
            self._entry = None

    def prefetch(self, bundles: list[dict[str, Any]]) -> None:
        """A hint before merging ``bundles``: a back end may look their states up in one query."""
        if self._loading:
            if self._entry is None:
                self._entry = EntryLoad(self.db)
            self._entry.prefetch(bundles)

    def end_entry(self) -> None:
        """The entry's households are merged: write what was gathered for them."""
        if self._entry is not None:
            self._entry.flush()

    def household_state(self, uuid: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(local household row with its township, last received state) of one household."""
        if self._entry is not None:
            known = self._entry.state(uuid)
            if known is not None:
                return known
        local = self.db.query_one(
            "SELECT h.id, h.revision, h.deleted, v.township_code FROM households h"
            " JOIN villages v ON v.id = h.village_id WHERE h.uuid = ?", (uuid,),
        )
        received = self.db.query_one("SELECT * FROM sync_received WHERE uuid = ?", (uuid,))
        return (dict(local) if local else None), (dict(received) if received else None)

    def local_bundle(self, household_id: int) -> dict[str, Any] | None:
        return next((b for _id, b in self.bundles([household_id])), None)

    def apply_bundle(self, bundle: dict[str, Any], village_id: int, operator: str, township_code: str) -> int:
        """Write an incoming household bundle over the county's copy (caller holds the transaction)."""
        cols = (village_id, bundle["group_name"], bundle["number"], bundle["year"], bundle["head_name"],
                bundle["head_id_number"], bundle["size"], field_text(bundle["fields"]), bundle["revision"],
                bundle["created_at"], bundle["updated_at"], int(bool(bundle["deleted"])),
                pinyin_sort_key(bundle["head_name"] or ""))  # the 户主姓名 sort key is the county's own
        if self._entry is not None:
            if self._entry.absent(bundle["uuid"]):
                return self._entry.insert(bundle, cols, operator, township_code)
            self._entry.flush()  # what waits goes first, as household-at-a-time would have written it
        row = self.db.query_one("SELECT id FROM households WHERE uuid = ?", (bundle["uuid"],))
        if row is None:
            cur = self.db.execute(
                "INSERT INTO households (village_id, group_name, number, year, head_name, head_id_number, size,"
                " fields, revision, created_at, updated_at, deleted, head_sort, uuid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*cols, bundle["uuid"]),
            )
            household_id = int(cur.lastrowid or 0)
            action = "create"
        else:
            household_id = row[0]
            self.db.execute(
                "UPDATE households SET village_id = ?, group_name = ?, number = ?, year = ?, head_name = ?,"
                " head_id_number = ?, size = ?, fields = ?, revision = ?, created_at = ?, updated_at = ?,"
                " deleted = ?, head_sort = ? WHERE id = ?",
                (*cols, household_id),
            )
            action = "delete" if bundle["deleted"] else "update"
        now = now_iso()
        for table in TABLES:
            incoming = bundle[table]
            keep = {r["uuid"] for r in incoming}
            if table == "members":
                self.db.conn.executemany(
                    "INSERT INTO members (uuid, household_id, seq, fields, revision, updated_at, deleted, name,"
                    " id_number, relation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                    " household_id = excluded.household_id, seq = excluded.seq, fields = excluded.fields,"
                    " revision = excluded.revision, updated_at = excluded.updated_at, deleted = excluded.deleted,"
                    " name = excluded.name, id_number = excluded.id_number, relation = excluded.relation",
                    [(r["uuid"], household_id, r["seq"], field_text(r["fields"]), r["revision"], r["updated_at"],
                      int(bool(r["deleted"])), r["name"], r["id_number"], r["relation"]) for r in incoming],
                )
            else:
                self.db.conn.executemany(
                    f"INSERT INTO {table} (uuid, household_id, seq, fields, revision, updated_at, deleted)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
                    " household_id = excluded.household_id, seq = excluded.seq, fields = excluded.fields,"
                    " revision = excluded.revision, updated_at = excluded.updated_at, deleted = excluded.deleted",
                    [(r["uuid"], household_id, r["seq"], field_text(r["fields"]), r["revision"], r["updated_at"],
                      int(bool(r["deleted"]))) for r in incoming],
                )
            if row is not None:  # rows only the county had (edits taken over by the township's version)
                for other in self.db.query(
                    f"SELECT id, uuid FROM {table} WHERE household_id = ? AND deleted = 0", (household_id,)
                ):
                    if other["uuid"] not in keep:
                        self.db.execute(
                            f"UPDATE {table} SET deleted = 1, revision = revision + 1, updated_at = ? WHERE id = ?",
                            (now, other["id"]),
                        )
        if bundle["deleted"]:
            search_index.remove(self.db, household_id)
        else:
            search_index.write(self.db, household_id, bundle_search_text(bundle))
        audit.record(self.db, operator=operator, action=action, entity="household", entity_uuid=bundle["uuid"],
                     household_uuid=bundle["uuid"], field="sync",
                     new={"township": township_code, "revision": bundle["revision"]}, at=now)
        return household_id

    def household_revision(self, household_id: int) -> int:
        if self._entry is not None and household_id in self._entry.revisions:
            return self._entry.revisions[household_id]
        return self.db.integer("SELECT revision FROM households WHERE id = ?", (household_id,))

    def set_received(self, uuid: str, code: str, revision: int, content_hash: str, local_revision: int,
                     batch_hash: str) -> None:
        if self._entry is not None:
            self._entry.received.append((uuid, code, revision, content_hash, local_revision, batch_hash))
            self._entry.touch(uuid)
            return
        self.db.execute(
            "INSERT INTO sync_received (uuid, entity, township_code, revision, content_hash, local_revision,"
            " batch_hash) VALUES (?, 'household', ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
            " township_code = excluded.township_code, revision = excluded.revision,"
            " content_hash = excluded.content_hash, local_revision = excluded.local_revision,"
            " batch_hash = excluded.batch_hash",
            (uuid, code, revision, content_hash, local_revision, batch_hash),
        )

    # -- county: conflicts ------------------------------------------------------------------
    def add_conflict(self, bundle: dict[str, Any], code: str, batch_hash: str, reason: str, local_revision: int) -> None:
        """Open a conflict (or refresh the open one of this household with the newer incoming copy)."""
        if self._entry is not None:
            self._entry.touch(str(bundle["uuid"]))
        now = now_iso()
        self.db.execute(
            "INSERT INTO sync_conflicts (household_uuid, township_code, batch_hash, reason, incoming,"
            " incoming_revision, local_revision, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (household_uuid) WHERE resolved_at IS NULL DO UPDATE SET batch_hash = excluded.batch_hash,"
            " reason = excluded.reason, incoming = excluded.incoming, incoming_revision = excluded.incoming_revision,"
            " local_revision = excluded.local_revision"
            " WHERE excluded.incoming_revision >= sync_conflicts.incoming_revision",
            (bundle["uuid"], code, batch_hash, reason, canonical(bundle), bundle["revision"], local_revision, now),
        )

    def open_conflict(self, household_uuid: str) -> dict[str, Any] | None:
        row = self.db.query_one(
            "SELECT * FROM sync_conflicts WHERE household_uuid = ? AND resolved_at IS NULL", (household_uuid,)
        )
        return dict(row) if row else None

    def conflicts(self, *, township_code: str | None = None, open_only: bool = True) -> list[dict[str, Any]]:
        where, params = [], []
        if open_only:
            where.append("c.resolved_at IS NULL")
        if township_code is not None:
            where.append("c.township_code = ?")
            params.append(township_code)
        sql = (
            "SELECT c.id, c.household_uuid, c.township_code, c.batch_hash, c.reason, c.incoming_revision,"
            " c.local_revision, c.created_at, c.resolved_at, c.resolution, c.resolved_by,"
            " json_extract(c.incoming, '$.number') AS number, json_extract(c.incoming, '$.head_name') AS head_name,"
            " json_extract(c.incoming, '$.updated_at') AS incoming_updated_at, h.updated_at AS local_updated_at,"
            " h.id AS household_id, h.head_name AS local_head_name, st.name AS township_name"
            " FROM sync_conflicts c LEFT JOIN households h ON h.uuid = c.household_uuid"
            " LEFT JOIN sync_townships st ON st.code = c.township_code"
            + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY c.id"
        )
        return [dict(r) for r in self.db.query(sql, tuple(params))]

    def conflict(self, conflict_id: int) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT * FROM sync_conflicts WHERE id = ?", (conflict_id,))
        return dict(row) if row else None

    def close_conflict(self, conflict_id: int, resolution: str, operator: str) -> None:
        self.db.execute(
            "UPDATE sync_conflicts SET resolved_at = ?, resolution = ?, resolved_by = ? WHERE id = ?",
            (now_iso(), resolution, operator, conflict_id),
        )

    # -- county: duplicates and rejections --------------------------------------------------
    def other_township_holders(self, id_number: str, code: str) -> list[dict[str, Any]]:
        """Members of other townships who are this person: the ID number or one of its 残疾人证 numbers."""
        if self._entry is not None:
            known = self._entry.holders(id_number, code)
            if known is not None:
                return known
        numbers = same_person_numbers(id_number)
        rows = self.db.query(
            "SELECT m.uuid AS member_uuid, h.uuid AS household_uuid, v.township_code FROM members m"
            " JOIN households h ON h.id = m.household_id JOIN villages v ON v.id = h.village_id"
            f" WHERE m.id_number IN ({','.join('?' * len(numbers))}) AND m.deleted = 0 AND h.deleted = 0"
            " AND COALESCE(v.township_code, '') != ?",
            (*numbers, code),
        )
        return [dict(r) for r in rows]

    def add_duplicate(self, id_number: str, member_uuid: str, household_uuid: str, code: str,
                      other: dict[str, Any]) -> bool:
        reverse = self.db.query_one(
            "SELECT 1 FROM sync_duplicates WHERE member_uuid = ? AND other_member_uuid = ?",
            (other["member_uuid"], member_uuid),
        )
        if reverse is not None:
            return False
        cur = self.db.execute(
            "INSERT INTO sync_duplicates (id_number, member_uuid, household_uuid, township_code,"
            " other_member_uuid, other_household_uuid, other_township_code, found_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",  # the same on PostgreSQL
            (id_number, member_uuid, household_uuid, code, other["member_uuid"], other["household_uuid"],
             other["township_code"], now_iso()),
        )
        return cur.rowcount > 0

    def duplicates(self, *, township_code: str | None = None, open_only: bool = True) -> list[dict[str, Any]]:
        where, params = [], []
        if open_only:
            where.append("d.reviewed_at IS NULL")
        if township_code is not None:
            where.append("(d.township_code = ? OR d.other_township_code = ?)")
            params += [township_code, township_code]
        sql = (
            "SELECT d.*, m.name AS name, om.name AS other_name, h.number AS number, oh.number AS other_number,"
            " st.name AS township_name, COALESCE(ost.name, t.name) AS other_township_name"
            " FROM sync_duplicates d LEFT JOIN members m ON m.uuid = d.member_uuid"
            " LEFT JOIN members om ON om.uuid = d.other_member_uuid"
            " LEFT JOIN households h ON h.uuid = d.household_uuid"
            " LEFT JOIN households oh ON oh.uuid = d.other_household_uuid"
            " LEFT JOIN sync_townships st ON st.code = d.township_code"
            " LEFT JOIN sync_townships ost ON ost.code = d.other_township_code"
            " LEFT JOIN township t ON t.id = 1"
            + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY d.id"
        )
        return [dict(r) for r in self.db.query(sql, tuple(params))]

    def review_duplicate(self, duplicate_id: int) -> None:
        with self.db.transaction():
            self.db.execute("UPDATE sync_duplicates SET reviewed_at = ? WHERE id = ?", (now_iso(), duplicate_id))

    def add_rejection(self, code: str, batch_hash: str, entity: str, uuid: str, number: str,
                      reasons: list[str]) -> None:
        self.db.execute(
            "INSERT INTO sync_rejections (township_code, batch_hash, entity, uuid, number, reasons, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code, batch_hash, entity, uuid, number, canonical(reasons), now_iso()),
        )

    def rejections(self, code: str) -> list[dict[str, Any]]:
        """The latest rejection of each record of a township that was not taken later."""
        rows = self.db.query(
            "SELECT r.* FROM sync_rejections r WHERE r.township_code = ? AND r.id = (SELECT MAX(id) FROM"
            " sync_rejections x WHERE x.uuid = r.uuid) AND NOT EXISTS (SELECT 1 FROM sync_received s"
            " JOIN sync_batch_log b1 ON b1.hash = s.batch_hash JOIN sync_batch_log b2 ON b2.hash = r.batch_hash"
            " WHERE s.uuid = r.uuid AND b1.sequence > b2.sequence) ORDER BY r.id", (code,),
        )
        return [{**dict(r), "reasons": json.loads(r["reasons"])} for r in rows]

    # -- the receiving side's overview ---------------------------------------------------------
    def receiving_tree(self) -> list[dict[str, Any]]:
        """Counties > townships > villages with their live households (read-only; both back ends)."""
        rows = self.db.query(
            "SELECT st.code AS township_code, st.name AS township, st.county AS county, v.name AS village,"
            " COUNT(h.id) AS households FROM sync_townships st"
            " LEFT JOIN villages v ON v.township_code = st.code AND v.deleted = 0"
            " LEFT JOIN households h ON h.village_id = v.id AND h.deleted = 0"
            " GROUP BY st.code, st.name, st.county, v.id, v.name, v.seq ORDER BY st.code, v.seq, v.name")
        counties: dict[str, dict[str, Any]] = {}
        for r in rows:
            code = str(r["township_code"])
            county = counties.setdefault(code[:6], {"code": code[:6], "name": r["county"] or "", "households": 0,
                                                    "townships": []})
            towns = county["townships"]
            if not towns or towns[-1]["code"] != code:
                towns.append({"code": code, "name": r["township"], "households": 0, "villages": []})
            if r["village"] is not None:
                n = int(r["households"])
                towns[-1]["villages"].append({"name": r["village"], "households": n})
                towns[-1]["households"] += n
                county["households"] += n
        return [counties[k] for k in sorted(counties)]
