"""The 贫困村登记表 per village and year (table ``village_forms``, migration ``*_village.sql``).

A form's typed values live in the JSON ``fields`` column (the spec, ``forms/village.toml``, is
their only declaration); saving checks the revision (a form saved elsewhere meanwhile is refused,
as for households) and writes every changed value to the audit trail.
"""

from __future__ import annotations

import json
from typing import Any

from fupin_desktop.domain.roles import Action
from fupin_desktop.domain.values import from_store, to_store
from fupin_desktop.domain.village import VillageForm
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import access, audit
from fupin_desktop.store.database import Database, StoreError, now_iso

ENTITY = "village_form"


class VillageFormRepository:
    """Read and save the village forms."""

    def __init__(self, db: Database, spec: FormSpec) -> None:
        self.db = db
        self.spec = spec

    def _form(self, row: Any, village: str) -> VillageForm:
        raw = json.loads(row["fields"] or "{}")
        values: dict[str, Any] = {}
        for f in self.spec.grid_fields():
            if f.id in raw:
                values[f.id] = from_store(f, raw[f.id])
        values["year"] = row["year"]
        return VillageForm(village_id=row["village_id"], village=village, year=row["year"], fields=values,
                           id=row["id"], uuid=row["uuid"], revision=row["revision"], updated_at=row["updated_at"])

    def get(self, village_id: int, year: int) -> VillageForm | None:
        row = self.db.query_one(
            "SELECT f.*, v.name AS village FROM village_forms f JOIN villages v ON v.id = f.village_id"
            " WHERE f.village_id = ? AND f.year = ? AND f.deleted = 0", (village_id, year))
        return None if row is None else self._form(row, row["village"])

    def for_year(self, year: int) -> dict[int, VillageForm]:
        """Every village's form of ``year``, by village id."""
        rows = self.db.query(
            "SELECT f.*, v.name AS village FROM village_forms f JOIN villages v ON v.id = f.village_id"
            " WHERE f.year = ? AND f.deleted = 0 AND v.deleted = 0", (year,))
        return {r["village_id"]: self._form(r, r["village"]) for r in rows}

    def years(self, village_id: int | None = None) -> list[int]:
        """The years that have a form (of one village, or of any)."""
        if village_id is None:
            rows = self.db.query("SELECT DISTINCT year FROM village_forms WHERE deleted = 0 ORDER BY year")
        else:
            rows = self.db.query("SELECT DISTINCT year FROM village_forms WHERE deleted = 0 AND village_id = ?"
                                 " ORDER BY year", (village_id,))
        return [int(r[0]) for r in rows]

    def count(self) -> int:
        return self.db.integer("SELECT COUNT(*) FROM village_forms WHERE deleted = 0")

    def save(self, form: VillageForm, operator: str) -> VillageForm:
        """Insert or update ``form`` (its revision must be the stored one); returns the stored form."""
        access.require(self.db, Action.EDIT_VILLAGE)
        known = {f.id for f in self.spec.grid_fields()}
        new = {k: to_store(v) for k, v in sorted(form.fields.items()) if k in known and k != "year"
               and v is not None and v != ""}
        now = now_iso()
        with self.db.transaction():
            row = self.db.query_one("SELECT * FROM village_forms WHERE village_id = ? AND year = ? AND deleted = 0",
                                    (form.village_id, form.year))
            if row is None:
                if form.revision:
                    raise StoreError("这份贫困村登记表已在别处删除，未保存。请关闭后重新打开。")
                cur = self.db.execute(
                    "INSERT INTO village_forms (uuid, village_id, year, fields, revision, updated_at)"
                    " VALUES (?, ?, ?, ?, 1, ?)",
                    (form.uuid, form.village_id, form.year, json.dumps(new, ensure_ascii=False), now))
                old: dict[str, Any] = {}
                form_id, uuid, revision, action = cur.lastrowid, form.uuid, 1, "create"
            else:
                if form.revision and row["revision"] != form.revision:
                    raise StoreError(f"{form.village}{form.year}年的贫困村登记表已在别处修改（第 {row['revision']} 版），"
                                     "未保存。请重新打开后再改。")
                old = json.loads(row["fields"] or "{}")
                form_id, uuid, revision, action = row["id"], row["uuid"], row["revision"] + 1, "update"
                self.db.execute("UPDATE village_forms SET fields = ?, revision = ?, updated_at = ? WHERE id = ?",
                                (json.dumps(new, ensure_ascii=False), revision, now, form_id))
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    audit.record(self.db, operator=operator, action=action, entity=ENTITY, entity_uuid=uuid,
                                 field=key, old=old.get(key), new=new.get(key), at=now)
        saved = self.get(form.village_id, form.year)
        assert saved is not None and saved.id == form_id and saved.revision == revision
        return saved
