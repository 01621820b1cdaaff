"""Households and their Handbook rows: load, save with audit, tombstone, list and search.

Reading (and the columns and look-ups it shares) is :mod:`~fupin_desktop.store.household_reads`;
this module saves and deletes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fupin_desktop.domain.household import TABLES, Household, HouseholdId
from fupin_desktop.domain.roles import Action
from fupin_desktop.domain.text import normalize_text, pinyin_initials, pinyin_sort_key
from fupin_desktop.domain.township import Village
from fupin_desktop.store import access, audit, conflicts, search_index
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import StoreError, now_iso
from fupin_desktop.store.household_reads import (
    LOCATION_FIELDS,
    MEMBER_COLUMNS,
    PLACE_COLUMNS,
    PLACE_JOINS,
    TOWNSHIP_SOURCED,
    TOWNSHIP_VILLAGES,
    HouseholdReads,
    HouseholdSummary,
)

__all__ = [
    "LOCATION_FIELDS", "TOWNSHIP_SOURCED", "TOWNSHIP_VILLAGES", "HouseholdRepository", "HouseholdSummary",
    "search_text",
]


class HouseholdRepository(HouseholdReads):
    """Households and their Handbook rows: the reading of :class:`HouseholdReads`, saving, deleting."""

    # -- writing ----------------------------------------------------------
    def save(self, hh: Household, operator: str, *, reload: bool = True) -> Household:
        """Insert or update the whole household file in one transaction, auditing every change.

        Raises :class:`ConcurrentEdit` if the stored revision moved since ``hh`` was loaded (its
        message names what changed meanwhile, by whom and when).
        Returns the household as stored (new ids and revisions); with ``reload=False`` (bulk
        imports) it returns ``hh`` itself with its id and revision brought up to date.
        """
        access.require(self.db, Action.EDIT_HOUSEHOLD, household_uuid=hh.uuid)
        hh.refresh_derived(self.spec.derived_sources())
        village_name = str(hh.fields.get("village") or "")
        # At the county two townships may both have a 炉场村: a household stays in its own one.
        kept = self.db.query_one(
            "SELECT v.id FROM households h JOIN villages v ON v.id = h.village_id"
            " WHERE h.uuid = ? AND v.name = ? AND v.deleted = 0", (hh.uuid, village_name),
        )
        village = (self.townships.village_by_id(kept[0]) if kept else None) \
            or self._village_named(village_name, str(hh.fields.get("township") or ""))
        if village is None or village.id is None:
            raise StoreError(f"本乡没有“{hh.fields.get('village') or ''}”这个村，请先在乡镇设置中添加。")
        group = normalize_text(hh.fields.get("group") or "")
        now = now_iso()
        fields = self._dump(hh.fields, self._grid)
        with self.db.transaction():
            if group and group not in village.groups:
                self.townships.add_group(village.id, group, operator)
            current = self.db.query_one(
                "SELECT id, revision, fields, village_id, group_name, size, head_sort FROM households"
                " WHERE uuid = ?",
                (hh.uuid,),
            )
            head_sort = pinyin_sort_key(hh.head_name)
            columns = (
                village.id, group, str(hh.fields.get("number") or ""), hh.fields.get("year"),
                hh.head_name, str(hh.fields.get("head_id_number") or ""), hh.size,
                json.dumps(fields, ensure_ascii=False, sort_keys=True), head_sort,
            )
            if current is None:
                cur = self.db.execute(
                    "INSERT INTO households (uuid, village_id, group_name, number, year, head_name,"
                    " head_id_number, size, fields, head_sort, revision, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (hh.uuid, *columns, now, now),
                )
                household_id = int(cur.lastrowid or 0)
                old_fields: dict[str, Any] = {}
                old_location: dict[str, str | None] = {"village": None, "group": None}
            else:
                if hh.revision and current["revision"] != hh.revision:
                    raise conflicts.refused(conflicts.changes_since(self.db, self.spec, hh.uuid, hh.updated_at))
                household_id = current["id"]
                old_fields = json.loads(current["fields"])
                old_village = self.townships.village_by_id(current["village_id"])
                old_location = {"village": old_village.name if old_village else None,
                                "group": current["group_name"] or None}
            changes = _diff(old_fields, fields)
            for key, new in (("village", village.name), ("group", group or None)):
                if old_location[key] != new:
                    changes[key] = (old_location[key], new)
            child_changed = False
            for table in TABLES:
                child_changed |= self._save_rows(household_id, hh, table, operator, now,
                                                 audit_creates=current is not None)
            # A stored 家庭人口 that disagrees with the rows (data-quality rule X003) is put right too.
            if current is not None and (changes or child_changed or current["size"] != hh.size):
                self.db.execute(
                    "UPDATE households SET village_id = ?, group_name = ?, number = ?, year = ?,"
                    " head_name = ?, head_id_number = ?, size = ?, fields = ?, head_sort = ?,"
                    " revision = revision + 1, updated_at = ?, deleted = 0 WHERE id = ?",
                    (*columns, now, household_id),
                )
            elif current is not None and current["head_sort"] != head_sort:
                # Only the sort key is stale (written by another pypinyin): not a change to the household.
                self.db.execute("UPDATE households SET head_sort = ? WHERE id = ?", (head_sort, household_id))
            if current is None:
                # One row records the creation: the stored record is revision 1 and every later
                # change records its old value, so any earlier state can be rebuilt from the trail.
                audit.record(self.db, operator=operator, action="create", entity="household",
                             entity_uuid=hh.uuid, household_uuid=hh.uuid, at=now)
            else:
                for key, (old, new) in changes.items():
                    audit.record(self.db, operator=operator, action="update", entity="household",
                                 entity_uuid=hh.uuid, household_uuid=hh.uuid, field=key, old=old, new=new,
                                 at=now)
            self._index(household_id, hh)
            self.db.execute("DELETE FROM drafts WHERE key = ?", (hh.uuid,))
        if not reload:
            row = self.db.one("SELECT revision, updated_at FROM households WHERE id = ?", (household_id,))
            hh.id, hh.revision, hh.updated_at = HouseholdId(household_id), row[0], row[1]
            return hh
        saved = self.get(household_id)
        assert saved is not None
        return saved

    def _village_named(self, name: str, township: str) -> Village | None:
        """The village of this name; at the county, of two 炉场村 the one in the household's township."""
        if self.db.integer("SELECT COUNT(*) FROM villages WHERE name = ? AND deleted = 0", (name,)) < 2:
            return self.townships.village_by_name(name)  # (also the only way on a township database)
        row = self.db.query_one(
            f"SELECT v.id, {PLACE_COLUMNS} FROM villages v{PLACE_JOINS} WHERE v.name = ? AND v.deleted = 0"
            " ORDER BY place_township = ? DESC, v.id LIMIT 1", (name, township),
        )
        return self.townships.village_by_id(row["id"]) if row else None

    def _save_rows(
        self, household_id: int, hh: Household, table: str, operator: str, now: str, *, audit_creates: bool
    ) -> bool:
        specs = self._columns[table]
        # A household being created has no stored rows yet (audit_creates is False only then).
        stored = {
            r["uuid"]: r
            for r in self.db.query(
                f"SELECT id, uuid, fields, seq, deleted FROM {table} WHERE household_id = ?", (household_id,)
            )
        } if audit_creates else {}
        changed = False
        seen = set()
        for seq, row in enumerate(hh.table(table), start=1):
            seen.add(row.uuid)
            data = self._dump(row.fields, specs)
            text = json.dumps(data, ensure_ascii=False, sort_keys=True)
            extra = [str(row.fields.get(c) or "") for c in MEMBER_COLUMNS] if table == "members" else []
            old = stored.get(row.uuid)
            if old is None:
                cols = ", name, id_number, relation" if extra else ""
                marks = ", ?, ?, ?" if extra else ""
                self.db.execute(
                    f"INSERT INTO {table} (uuid, household_id, seq, fields, revision, updated_at{cols})"
                    f" VALUES (?, ?, ?, ?, 1, ?{marks})",
                    (row.uuid, household_id, seq, text, now, *extra),
                )
                changed = True
                if audit_creates:  # rows born with their household are covered by its create row
                    audit.record(self.db, operator=operator, action="create", entity=table,
                                 entity_uuid=row.uuid, household_uuid=hh.uuid, at=now)
                continue
            diff = _diff(json.loads(old["fields"]), data) if not old["deleted"] else _diff({}, data)
            if not diff and old["seq"] == seq and not old["deleted"]:
                continue
            sets = ", name = ?, id_number = ?, relation = ?" if extra else ""
            self.db.execute(
                f"UPDATE {table} SET seq = ?, fields = ?, revision = revision + 1, updated_at = ?,"
                f" deleted = 0{sets} WHERE id = ?",
                (seq, text, now, *extra, old["id"]),
            )
            if old["seq"] != seq and not diff:
                diff = {"seq": (old["seq"], seq)}
            changed = True
            for key, (o, n) in diff.items():
                audit.record(self.db, operator=operator, action="update", entity=table, entity_uuid=row.uuid,
                             household_uuid=hh.uuid, field=key, old=o, new=n, at=now)
        for uuid, old in stored.items():
            if uuid not in seen and not old["deleted"]:
                self.db.execute(
                    f"UPDATE {table} SET deleted = 1, revision = revision + 1, updated_at = ? WHERE id = ?",
                    (now, old["id"]),
                )
                audit.record(self.db, operator=operator, action="delete", entity=table, entity_uuid=uuid,
                             household_uuid=hh.uuid, old=json.loads(old["fields"]), at=now)
                changed = True
        return changed

    def _index(self, household_id: int, hh: Household) -> None:
        search_index.write(self.db, household_id, search_text(hh))

    def delete(self, household_id: int, operator: str) -> Change:
        """Tombstone a household (kept for history and sync, gone from lists); what it changed."""
        access.require(self.db, Action.DELETE_HOUSEHOLD)
        with self.db.transaction():
            row = self.db.query_one(
                "SELECT h.uuid, v.name AS village FROM households h JOIN villages v ON v.id = h.village_id"
                " WHERE h.id = ? AND h.deleted = 0", (household_id,))
            if row is None:
                raise StoreError("找不到该户，可能已被删除。")
            now = now_iso()
            self.db.execute(
                "UPDATE households SET deleted = 1, revision = revision + 1, updated_at = ? WHERE id = ?",
                (now, household_id),
            )
            search_index.remove(self.db, household_id)
            audit.record(self.db, operator=operator, action="delete", entity="household",
                         entity_uuid=row["uuid"], household_uuid=row["uuid"], at=now)
        return Change.of(ChangeKind.DELETE, [household_id], villages=[row["village"]])


def search_text(hh: Household) -> str:
    """What the search box matches: 户编号, names, ID numbers and pinyin initials."""
    return search_text_of(hh.fields.get("number"), ((m.get("name"), m.get("id_number")) for m in hh.members))


def search_text_of(number: object, members: Iterable[tuple[object, object]]) -> str:
    """:func:`search_text` from a 户编号 and the members' (name, ID number): the PostgreSQL
    receiving database stores the same text with each imported household (store/pg)."""
    parts = [str(number or "")]
    for name, id_number in members:
        parts += [str(name or ""), pinyin_initials(str(name or "")), str(id_number or "")]
    return " | ".join(p for p in parts if p)


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    keys = sorted(set(old) | set(new))
    return {k: (old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)}
