"""The recycle bin: households deleted by a clerk (tombstones), listed and restored.

``HouseholdRepository.delete`` only marks the household row ``deleted = 1`` (new revision,
``delete`` audit row, search-index entry dropped); its member and other Handbook rows keep
their own ``deleted`` flags untouched.  So a tombstone still holds exactly the rows it had when
it was deleted, and rows removed earlier by ordinary edits are tombstones of their own.
Restoring therefore clears the household's flag alone, moves its revision (the next township
batch carries it, and the county applies it like any later version), records a ``restore``
audit row, and puts back the search-index text and the sort key of the list.

Who deleted a household and when come from the audit trail (its latest ``delete`` row).

A restored household must not silently take a 户编号 or an ID number that another current
household now holds: :meth:`RecycleBin.restore` refuses with :class:`RestoreConflict` naming
each clash, unless ``force`` (the clerk confirmed).
"""

from __future__ import annotations

import builtins
import logging
import sqlite3
from dataclasses import dataclass

from fupin_desktop.domain.household import Household
from fupin_desktop.domain.idnumber import same_person_numbers
from fupin_desktop.domain.roles import Action
from fupin_desktop.domain.text import normalize_text, pinyin_initials, pinyin_sort_key
from fupin_desktop.store import access, audit, search_index
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import Database, StoreError, now_iso
from fupin_desktop.store.households import TOWNSHIP_VILLAGES, HouseholdRepository, search_text

#: SQLite integers are signed 64-bit: a larger id cannot name a household (and cannot be bound).
log = logging.getLogger(__name__)
MAX_ID = 2 ** 63 - 1

_SELECT = (
    "SELECT h.id, h.uuid, h.number, h.group_name, h.head_name, h.head_id_number, h.size, h.revision,"
    " h.updated_at, v.name AS village, v.deleted AS village_deleted, v.township_code AS owner,"
    " COALESCE(v.township_code, t.code, '') AS township_code,"
    " COALESCE(st.name, CASE WHEN v.township_code IS NULL THEN t.name END, '') AS township,"
    " a.at AS deleted_at, a.operator AS deleted_by, a.field AS deleted_via"
    " FROM households h JOIN villages v ON v.id = h.village_id"
    " LEFT JOIN township t ON t.id = 1 LEFT JOIN sync_townships st ON st.code = v.township_code"
    " LEFT JOIN audit a ON a.id = (SELECT MAX(x.id) FROM audit x WHERE x.household_uuid = h.uuid"
    " AND x.entity = 'household' AND x.entity_uuid = h.uuid AND x.action = 'delete')"
)


class UnknownDeleted(StoreError):
    """No deleted household has this id."""


class RestoreConflict(StoreError):
    """Restoring would give a 户编号 or an ID number a second current household."""

    def __init__(self, household: DeletedHousehold, conflicts: list[str]) -> None:
        self.household = household
        self.conflicts = conflicts
        super().__init__(
            f"恢复 {household.label} 会与现有的户重复：\n" + "\n".join(f"· {c}" for c in conflicts)
            + "\n请先核对并改正现有的户；确认仍要恢复的，请再确认一次（命令行加 --force）。"
        )


@dataclass(frozen=True)
class DeletedHousehold:
    """One line of the recycle bin.  ``deleted_at`` is stored UTC ISO text (show it local)."""

    id: int
    uuid: str
    number: str
    village: str
    group: str
    head_name: str
    head_id_number: str
    size: int
    revision: int
    township: str
    township_code: str
    deleted_at: str
    deleted_by: str
    from_township: bool  # at the county: a township's household (that township restores it)

    @property
    def label(self) -> str:
        return f"{self.head_name or '（无户主）'}户（户编号 {self.number or '无'}）"

    def matches(self, text: str) -> bool:
        """The recycle bin's search: 户编号, 户主 name or its pinyin initials, ID number, village, group."""
        needle = normalize_text(text).lower()
        if not needle:
            return True
        hay = " ".join((self.number, self.head_name, pinyin_initials(self.head_name), self.head_id_number,
                        self.village, self.group, self.township)).lower()
        return needle in hay


@dataclass(frozen=True)
class Restored:
    household: Household
    conflicts: list[str]  # the clashes restored over with ``force`` (empty without any)

    @property
    def change(self) -> Change:
        assert self.household.id is not None
        return Change.of(ChangeKind.RESTORE, [self.household.id], villages=[self.household.fields.get("village")])


class RecycleBin:
    """Every SQL statement of listing and restoring deleted households."""

    def __init__(self, db: Database, households: HouseholdRepository) -> None:
        self.db = db
        self.households = households

    def list(self) -> list[DeletedHousehold]:
        """Deleted households, most recently deleted first."""
        rows = self.db.query(
            f"{_SELECT} WHERE h.deleted = 1 ORDER BY COALESCE(a.at, h.updated_at) DESC, h.id DESC"
        )
        return [_deleted(r) for r in rows]

    def get(self, household_id: int) -> DeletedHousehold | None:
        """The deleted household with this id (None: no such household, or it is not deleted)."""
        if not 0 < household_id <= MAX_ID:
            return None
        row = self.db.query_one(f"{_SELECT} WHERE h.id = ? AND h.deleted = 1", (household_id,))
        return _deleted(row) if row else None

    def conflicts(self, household_id: int) -> builtins.list[str]:  # (``list`` is a method here)
        """What restoring would duplicate: the 户编号, and ID numbers held in other current households."""
        item = self._require(household_id)
        out = []
        if item.number:
            for other in self.db.query(
                "SELECT h.id, h.head_name FROM households h WHERE h.number = ? AND h.deleted = 0 AND h.id != ?"
                f" AND h.village_id IN ({TOWNSHIP_VILLAGES}) ORDER BY h.id",
                (item.number, household_id, item.township_code),
            ):
                out.append(f"户编号 {item.number} 已被 {other['head_name']}户（编号 {other['id']}）使用")
        # The same person may be stored under the ID number or one of its 残疾人证 numbers.
        for m in self.db.query("SELECT name, id_number FROM members WHERE household_id = ? AND deleted = 0"
                               " AND id_number != '' ORDER BY seq", (household_id,)):
            numbers = same_person_numbers(m["id_number"])
            marks = ", ".join("?" * len(numbers))
            for r in self.db.query(
                "SELECT DISTINCT h.id, h.head_name, h.number FROM members o"
                " JOIN households h ON h.id = o.household_id AND h.deleted = 0 AND h.id != ?"
                f" WHERE o.deleted = 0 AND o.id_number IN ({marks}) ORDER BY h.id",
                (household_id, *numbers),
            ):
                out.append(f"{m['name']} 的身份证号 {m['id_number']} 已在 {r['head_name']}户"
                           f"（户编号 {r['number']}，编号 {r['id']}）中")
        return out

    def restore(self, household_id: int, operator: str, *, force: bool = False) -> Restored:
        """Bring a deleted household back with exactly the rows it had when deleted.

        A new revision (so the next batch carries it), a ``restore`` audit row, the search
        index and the list's sort key.  Raises :class:`StoreError` for an unknown or current
        household, or one the county holds for a township, and :class:`RestoreConflict`
        (nothing changed) when it would clash with a current household and ``force`` is False.
        """
        access.require(self.db, Action.RESTORE_HOUSEHOLD)
        with self.db.transaction():
            item = self._require(household_id)
            if item.from_township:
                raise StoreError(
                    f"{item.label}是{item.township or '乡镇'}的户，由该乡镇删除。请在该乡镇的程序里恢复，"
                    "随下一批数据交换报到县里。"
                )
            if self.db.integer("SELECT deleted FROM villages WHERE id = (SELECT village_id FROM households"
                               " WHERE id = ?)", (household_id,)):
                raise StoreError(f"{item.label}所在的“{item.village}”已从乡镇设置中删除，请先恢复该村再恢复这一户。")
            conflicts = self.conflicts(household_id)
            if conflicts and not force:
                raise RestoreConflict(item, conflicts)
            now = now_iso()
            self.db.execute(
                "UPDATE households SET deleted = 0, revision = revision + 1, updated_at = ?, head_sort = ?"
                " WHERE id = ?",
                (now, pinyin_sort_key(item.head_name or ""), household_id),
            )
            hh = self.households.get(household_id)
            assert hh is not None
            search_index.write(self.db, household_id, search_text(hh))  # the text a save writes
            audit.record(self.db, operator=operator, action="restore", entity="household",
                         entity_uuid=item.uuid, household_uuid=item.uuid,
                         field="conflicts" if conflicts else None, new=len(conflicts) if conflicts else None,
                         at=now)
        log.info("household restored household=%d revision=%d conflicts=%d", household_id, hh.revision, len(conflicts))
        return Restored(hh, conflicts)

    def _require(self, household_id: int) -> DeletedHousehold:
        item = self.get(household_id)
        if item is not None:
            return item
        if 0 < household_id <= MAX_ID and self.db.query_one(
                "SELECT 1 FROM households WHERE id = ? AND deleted = 0", (household_id,)):
            raise StoreError(f"编号为 {household_id} 的户没有被删除，不需要恢复。")
        raise UnknownDeleted(f"没有编号为 {household_id} 的已删除的户。")


def _deleted(row: sqlite3.Row) -> DeletedHousehold:
    by_sync = row["deleted_via"] == "sync"  # at the county: a township's batch carried the tombstone
    return DeletedHousehold(
        id=row["id"], uuid=row["uuid"], number=row["number"] or "", village=row["village"] or "",
        group=row["group_name"] or "", head_name=row["head_name"] or "", head_id_number=row["head_id_number"] or "",
        size=row["size"] or 0, revision=row["revision"], township=row["township"], township_code=row["township_code"],
        # A synced tombstone keeps the township's time of deletion; one without a delete row
        # (never in this program; perhaps an old file) shows its last change.
        deleted_at=row["updated_at"] if by_sync or not row["deleted_at"] else row["deleted_at"],
        deleted_by=f"{row['township'] or '乡镇'}（数据交换）" if by_sync else row["deleted_by"] or "",
        from_township=row["owner"] is not None,
    )
