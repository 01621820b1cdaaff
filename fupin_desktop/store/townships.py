"""Township, villages and their groups."""

from __future__ import annotations

from dataclasses import dataclass

from fupin_desktop.domain.household import VillageId, new_uuid
from fupin_desktop.domain.township import Township, Village
from fupin_desktop.store import audit
from fupin_desktop.store.database import Database, StoreError, now_iso

TOWNSHIP_FIELDS = ("code", "name", "county", "city", "province")
VILLAGE_FIELDS = ("code", "name", "quota", "is_poor")


@dataclass(frozen=True)
class GroupCount:
    village_id: int
    group_name: str
    households: int


class TownshipRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading ----------------------------------------------------------
    def get(self) -> Township | None:
        row = self.db.query_one("SELECT * FROM township WHERE id = 1")
        if row is None:
            return None
        town = Township(
            code=row["code"], name=row["name"], county=row["county"], city=row["city"],
            province=row["province"], uuid=row["uuid"], revision=row["revision"],
        )
        town.villages = self.villages()
        return town

    def villages(self, township_code: str | None = None) -> list[Village]:
        """The villages (all of them, or at the county those of one township) with their groups."""
        if township_code is None:
            rows = self.db.query("SELECT * FROM villages WHERE deleted = 0 ORDER BY seq, id")
        else:
            rows = self.db.query(
                "SELECT v.* FROM villages v LEFT JOIN township t ON t.id = 1"
                " WHERE v.deleted = 0 AND COALESCE(v.township_code, t.code) = ? ORDER BY v.seq, v.id",
                (township_code,),
            )
        groups: dict[int, list[str]] = {}
        for g in self.db.query(
            "SELECT village_id, name FROM village_groups WHERE deleted = 0 ORDER BY seq, id"
        ):
            groups.setdefault(g["village_id"], []).append(g["name"])
        return [
            Village(
                name=r["name"], quota=r["quota"], is_poor=bool(r["is_poor"]), code=r["code"],
                groups=groups.get(r["id"], []), id=VillageId(r["id"]), uuid=r["uuid"],
                revision=r["revision"], township_code=dict(r).get("township_code"),  # absent before v2
            )
            for r in rows
        ]

    def village_by_name(self, name: str) -> Village | None:
        row = self.db.query_one("SELECT * FROM villages WHERE name = ? AND deleted = 0", (name,))
        if row is None:
            return None
        groups = [g[0] for g in self.db.query(
            "SELECT name FROM village_groups WHERE village_id = ? AND deleted = 0 ORDER BY seq, id", (row["id"],))]
        return Village(
            name=row["name"], quota=row["quota"], is_poor=bool(row["is_poor"]), code=row["code"],
            groups=groups, id=VillageId(row["id"]), uuid=row["uuid"], revision=row["revision"],
        )

    def village_by_id(self, village_id: int) -> Village | None:
        for v in self.villages():
            if v.id == village_id:
                return v
        return None

    def group_counts(self) -> list[GroupCount]:
        rows = self.db.query(
            "SELECT village_id, group_name, COUNT(*) AS n FROM households WHERE deleted = 0"
            " GROUP BY village_id, group_name"
        )
        return [GroupCount(r["village_id"], r["group_name"], r["n"]) for r in rows]

    def person_counts(self) -> dict[int, int]:
        """Registered persons per village (for quota use)."""
        rows = self.db.query(
            "SELECT village_id, SUM(size) AS n FROM households WHERE deleted = 0 GROUP BY village_id"
        )
        return {r["village_id"]: r["n"] or 0 for r in rows}

    # -- writing ----------------------------------------------------------
    def create(self, town: Township, operator: str) -> Township:
        """Set up the township once, with its villages and groups."""
        if self.get() is not None:
            raise StoreError("本数据库已设置过乡镇，不能重复设置。")
        now = now_iso()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO township (id, uuid, code, name, county, city, province, revision, updated_at)"
                " VALUES (1, ?, ?, ?, ?, ?, ?, 1, ?)",
                (town.uuid, town.code, town.name, town.county, town.city, town.province, now),
            )
            for key in TOWNSHIP_FIELDS:
                audit.record(self.db, operator=operator, action="create", entity="township",
                             entity_uuid=town.uuid, field=key, new=getattr(town, key), at=now)
            for village in town.villages:
                self.add_village(village, operator)
        result = self.get()
        assert result is not None
        return result

    def add_village(self, village: Village, operator: str) -> Village:
        name = village.name.strip()
        if not name:
            raise StoreError("村名不能为空。")
        if self.village_by_name(name):
            raise StoreError(f"已有名为“{name}”的村。")
        now = now_iso()
        with self.db.transaction():
            seq = self.db.integer("SELECT COALESCE(MAX(seq), 0) + 1 FROM villages")
            cur = self.db.execute(
                "INSERT INTO villages (uuid, code, name, quota, is_poor, seq, revision, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (village.uuid, village.code, name, village.quota, int(village.is_poor), seq, now),
            )
            village.id = VillageId(int(cur.lastrowid or 0))
            for key in VILLAGE_FIELDS:
                audit.record(self.db, operator=operator, action="create", entity="village",
                             entity_uuid=village.uuid, field=key, new=getattr(village, key), at=now)
            for group in village.groups:
                self.add_group(village.id, group, operator)
        return village

    def update_village(self, village: Village, operator: str) -> None:
        """Change a village's code, name, quota or poor-village flag (audited)."""
        if village.id is None:
            raise StoreError("该村尚未保存。")
        old = self.village_by_id(village.id)
        if old is None:
            raise StoreError("找不到该村。")
        other = self.village_by_name(village.name)
        if other and other.id != village.id:
            raise StoreError(f"已有名为“{village.name}”的村。")
        changes = {k: getattr(village, k) for k in VILLAGE_FIELDS if getattr(village, k) != getattr(old, k)}
        if not changes:
            return
        now = now_iso()
        with self.db.transaction():
            self.db.execute(
                "UPDATE villages SET code = ?, name = ?, quota = ?, is_poor = ?,"
                " revision = revision + 1, updated_at = ? WHERE id = ?",
                (village.code, village.name, village.quota, int(village.is_poor), now, village.id),
            )
            for key, new in changes.items():
                audit.record(self.db, operator=operator, action="update", entity="village",
                             entity_uuid=old.uuid, field=key, old=getattr(old, key), new=new, at=now)

    def add_group(self, village_id: int, name: str, operator: str) -> None:
        """Add a 自然村/村民小组 to a village (no-op if it exists)."""
        name = name.strip()
        if not name:
            raise StoreError("组名不能为空。")
        with self.db.transaction():
            exists = self.db.query_one(
                "SELECT 1 FROM village_groups WHERE village_id = ? AND name = ? AND deleted = 0",
                (village_id, name),
            )
            if exists:
                return
            now = now_iso()
            seq = self.db.integer(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM village_groups WHERE village_id = ?", (village_id,)
            )
            uuid = new_uuid()
            self.db.execute(
                "INSERT INTO village_groups (uuid, village_id, name, seq, revision, updated_at)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                (uuid, village_id, name, seq, now),
            )
            audit.record(self.db, operator=operator, action="create", entity="village_group",
                         entity_uuid=uuid, field="name", new=name, at=now)
