"""Reading households: load one, list, count, search and the bulk look-ups imports match with.

:class:`~fupin_desktop.store.households.HouseholdRepository` adds the writing on top of
:class:`HouseholdReads`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fupin_desktop.domain.household import TABLES, Household, HouseholdId, Row
from fupin_desktop.domain.values import from_store, stored_as_is, to_store
from fupin_desktop.formspec import FieldSpec, FormSpec
from fupin_desktop.store import search_index
from fupin_desktop.store.database import Database
from fupin_desktop.store.townships import TownshipRepository

#: Grid fields kept in columns of their own rather than in the JSON.
LOCATION_FIELDS = ("village", "group")
TOWNSHIP_SOURCED = ("province", "city", "county", "township")
#: The township-sourced fields of a village's households, by column alias.  On a township
#: database every village is the township's own (``township_code`` NULL: the ``township`` row);
#: on a county database a village names its township, whose names come from the registry
#: (``sync_townships``), the county database's own row filling what the registry lacks.
#: Needs ``v`` (villages) joined; add :data:`PLACE_JOINS`.
PLACE_COLUMNS = (
    "CASE WHEN v.township_code IS NULL THEN t.province ELSE COALESCE(NULLIF(st.province, ''), t.province) END"
    " AS place_province,"
    " CASE WHEN v.township_code IS NULL THEN t.city ELSE COALESCE(NULLIF(st.city, ''), t.city) END AS place_city,"
    " CASE WHEN v.township_code IS NULL THEN t.county ELSE COALESCE(NULLIF(st.county, ''), t.county) END"
    " AS place_county,"
    " CASE WHEN v.township_code IS NULL THEN t.name ELSE COALESCE(st.name, v.township_code) END AS place_township"
)
PLACE_JOINS = " LEFT JOIN township t ON t.id = 1 LEFT JOIN sync_townships st ON st.code = v.township_code"
#: Ids of a township's villages (the few rows of ``villages``; NULL township = this database's own).
TOWNSHIP_VILLAGES = "SELECT v.id FROM villages v LEFT JOIN township t ON t.id = 1 WHERE COALESCE(v.township_code, t.code) = ?"
#: Columns of the member table lifted out of the JSON for indexes.
MEMBER_COLUMNS = ("name", "id_number", "relation")
SORT_COLUMNS = {
    "number": "h.number",
    "village": "h.village_id, h.group_name",
    "group": "h.group_name",
    "head_name": "h.head_sort",  # pinyin order (安 < 白 < 陈 < 张), as Excel and WPS sort names
    "size": "h.size",
    "updated_at": "h.updated_at",
}


@dataclass(frozen=True)
class HouseholdSummary:
    """One line of the household list."""

    id: int
    number: str
    village: str
    group: str
    head_name: str
    head_id_number: str
    size: int
    exit_flag: str
    per_capita_income: str
    updated_at: str
    township: str = ""  # the township's name (at the county: the township the household came from)
    township_code: str = ""
    household_type: str = ""  # 贫困户属性
    year: int | None = None  # a closed year's file (the list showing that year): its year


class HouseholdReads:
    """The reading half of the household repository."""

    def __init__(self, db: Database, spec: FormSpec) -> None:
        self.db = db
        self.spec = spec
        self.townships = TownshipRepository(db)
        self._grid = {
            f.id: f
            for f in spec.grid_fields()
            if f.id not in LOCATION_FIELDS and f.id not in TOWNSHIP_SOURCED
        }
        self._columns = {t.id: {f.id: f for f in t.fields} for t in spec.tables()}

    # -- (de)serialisation ---------------------------------------------
    @staticmethod
    def _dump(values: dict[str, Any], specs: dict[str, FieldSpec]) -> dict[str, Any]:
        return {k: to_store(values.get(k)) for k in specs if values.get(k) not in (None, "", [])}

    @staticmethod
    def _load(raw: str | dict[str, Any], specs: dict[str, FieldSpec]) -> dict[str, Any]:
        data = _decoded(raw)
        return {k: from_store(s, data.get(k)) for k, s in specs.items()}

    # -- what differs between the back ends (store/pg/reads.py overrides these) ----------
    def _rows_of(self, table: str) -> str:
        """The FROM item of a Handbook table's rows (id, household_id, uuid, revision, fields, seq,
        deleted); ``table`` is one of TABLES, never input."""
        return table

    def _field(self, column: str, key: str) -> str:
        """The SQL expression of one key of a JSON ``fields`` column (``key``: a form id, never input)."""
        return f"json_extract({column}, '$.{key}')"

    # -- reading ----------------------------------------------------------
    def get(self, household_id: int) -> Household | None:
        row = self.db.query_one(
            f"SELECT h.*, v.name AS village_name, {PLACE_COLUMNS} FROM households h"
            f" JOIN villages v ON v.id = h.village_id{PLACE_JOINS} WHERE h.id = ? AND h.deleted = 0",
            (household_id,),
        )
        if row is None:
            return None
        fields = self._load(row["fields"], self._grid)
        fields["village"] = row["village_name"]
        fields["group"] = row["group_name"] or None
        fields.update(_place(row))
        hh = Household(
            fields=fields, id=HouseholdId(row["id"]), uuid=row["uuid"], revision=row["revision"],
            updated_at=row["updated_at"],
        )
        for table in TABLES:
            specs = self._columns[table]
            rows = self.db.query(
                f"SELECT id, uuid, revision, fields FROM {self._rows_of(table)}"  # table name from TABLES
                " WHERE household_id = ? AND deleted = 0 ORDER BY seq, id",
                (household_id,),
            )
            hh.table(table).extend(
                Row(fields=self._load(r["fields"], specs), uuid=r["uuid"], revision=r["revision"], id=r["id"])
                for r in rows
            )
        hh.refresh_derived(self.spec.derived_sources())
        return hh

    def revisions(self, ids: Iterable[int]) -> dict[int, int]:
        """Household id -> its stored revision (a deleted household is left out)."""
        wanted = list(dict.fromkeys(ids))
        out: dict[int, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(f"SELECT id, revision FROM households WHERE deleted = 0 AND id IN ({marks})",
                                     tuple(chunk)):
                out[row[0]] = row[1]
        return out

    def id_for_uuid(self, uuid: str) -> int | None:
        row = self.db.query_one("SELECT id FROM households WHERE uuid = ? AND deleted = 0", (uuid,))
        return row[0] if row else None

    def count(self, village_id: int | None = None, *, township_code: str | None = None) -> int:
        """Current households (of one village, or at the county of one township)."""
        if township_code is not None:
            return self.db.integer(
                f"SELECT COUNT(*) FROM households WHERE deleted = 0 AND village_id IN ({TOWNSHIP_VILLAGES})"
                + (" AND village_id = ?" if village_id is not None else ""),
                (township_code,) + ((village_id,) if village_id is not None else ()),
            )
        if village_id is None:
            return self.db.integer("SELECT COUNT(*) FROM households WHERE deleted = 0")
        return self.db.integer(
            "SELECT COUNT(*) FROM households WHERE deleted = 0 AND village_id = ?", (village_id,)
        )

    def size_hint(self) -> int:
        """At least the number of households ever stored (the largest id): instant at any scale."""
        return self.db.integer("SELECT COALESCE(MAX(id), 0) FROM households")

    def person_count(self) -> int:
        return self.db.integer("SELECT COALESCE(SUM(size), 0) FROM households WHERE deleted = 0")

    def ids(
        self,
        *,
        village_id: int | None = None,
        group: str | None = None,
        search: str | None = None,
        order: str = "number",
        descending: bool = False,
        township_code: str | None = None,
        exit_flag: str | None = None,
        household_type: str | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Household ids matching the filters, sorted; the first ``limit`` of them (None: all).

        ``township_code`` keeps one township's households (at the county; on a township
        database its own code keeps them all).  In the list's own order (户编号) the search
        index hands out the first page without sorting the matches (store/search_index.py).
        """
        scope = search_index.Scope(village_id, group, township_code, exit_flag, household_type)
        if order not in SORT_COLUMNS or order == "number":
            return search_index.matching_ids(self.db, search or "", scope, limit=limit, descending=descending)
        where, params = scope.where("h")
        match = search_index.match_condition(search or "", "h.id")
        if match is not None:
            where.append(match[0])
            params.append(match[1])
        direction = "DESC" if descending else "ASC"
        sort_sql = ", ".join(f"{c.strip()} {direction}" for c in SORT_COLUMNS[order].split(","))
        sql = (
            # No join: each sort key has a covering index, so 100,000 rows sort without
            # touching the wide household rows.
            f"SELECT h.id FROM households h WHERE {' AND '.join(['h.deleted = 0', *where])}"
            f" ORDER BY {sort_sql}, h.id {direction}" + (" LIMIT ?" if limit is not None else "")
        )
        return [r[0] for r in self.db.query(sql, (*params, *(() if limit is None else (limit,))))]

    def ids_within(
        self,
        within: Iterable[int],
        *,
        village_id: int | None = None,
        group: str | None = None,
        search: str | None = None,
        order: str = "number",
        descending: bool = False,
        township_code: str | None = None,
        exit_flag: str | None = None,
    ) -> list[int]:
        """Those of ``within`` (a few ids) that :meth:`ids` would list, in its order.

        For the list after a save: a saved household keeps its row when it still matches and still
        sorts between the rows beside it.  Each id is looked up by key; nothing else is read."""
        chosen = sorted({int(i) for i in within})
        if not chosen:
            return []
        where, params = search_index.Scope(village_id, group, township_code).where("h")
        if exit_flag is not None:  # on the row itself: never a scan of every household
            where.append("json_extract(h.fields, '$.exit_flag') = ?")
            params.append(exit_flag)
        text = search_index.query_text(search)
        join = ""
        if text:  # the search text as the index holds it: the same substrings every query class matches
            join = " JOIN search_docs d ON d.household_id = h.id"
            where.append("instr(CAST(d.text AS BLOB), CAST(? AS BLOB)) > 0")
            params.append(text)
        direction = "DESC" if descending else "ASC"
        columns = SORT_COLUMNS.get(order, SORT_COLUMNS["number"])
        sort_sql = ", ".join(f"{c.strip()} {direction}" for c in columns.split(","))
        marks = ",".join("?" * len(chosen))
        sql = (f"SELECT h.id FROM households h{join} WHERE "
               + " AND ".join([f"h.id IN ({marks})", "h.deleted = 0", *where])
               + f" ORDER BY {sort_sql}, h.id {direction}")
        return [r[0] for r in self.db.query(sql, (*chosen, *params))]

    def summaries(self, ids: list[int]) -> list[HouseholdSummary]:
        """List rows for the given ids, in the given order."""
        if not ids:
            return []
        out: dict[int, HouseholdSummary] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.query(
                "SELECT h.id, h.number, v.name AS village, h.group_name, h.head_name, h.head_id_number,"
                f" h.size, h.updated_at, {self._field('h.fields', 'exit_flag')} AS exit_flag,"
                f" {self._field('h.fields', 'per_capita_income')} AS per_capita,"
                f" {self._field('h.fields', 'household_type')} AS household_type,"
                " COALESCE(v.township_code, t.code, '') AS township_code,"
                " COALESCE(st.name, CASE WHEN v.township_code IS NULL THEN t.name END, '') AS township"
                " FROM households h JOIN villages v ON v.id = h.village_id"
                " LEFT JOIN township t ON t.id = 1 LEFT JOIN sync_townships st ON st.code = v.township_code"
                f" WHERE h.id IN ({marks})",
                tuple(chunk),
            )
            for r in rows:
                out[r["id"]] = HouseholdSummary(
                    id=r["id"], number=r["number"], village=r["village"], group=r["group_name"],
                    head_name=r["head_name"], head_id_number=r["head_id_number"], size=r["size"],
                    exit_flag=r["exit_flag"] or "", per_capita_income=str(r["per_capita"] or ""),
                    updated_at=r["updated_at"], township=r["township"], township_code=r["township_code"],
                    household_type=r["household_type"] or "",
                )
        return [out[i] for i in ids if i in out]

    def iter_all(self, village_id: int | None = None, *, batch_size: int = 500) -> Iterator[Household]:
        """Every household (of one village, or the township), fully loaded, village by village.

        For township-wide checks: reads ``batch_size`` households with one query per table
        instead of :meth:`get`'s seven queries per household (no N+1).
        """
        ids = self.ids(village_id=village_id, order="village")
        load_grid = typed_loader(self._grid)
        load_row = {table: typed_loader(self._columns[table]) for table in TABLES}
        for start in range(0, len(ids), batch_size):
            chunk = ids[start:start + batch_size]
            marks = ",".join("?" * len(chunk))
            heads = {r["id"]: r for r in self.db.query(
                "SELECT h.id, h.uuid, h.revision, h.updated_at, h.group_name, h.fields, v.name AS village_name,"
                f" {PLACE_COLUMNS} FROM households h JOIN villages v ON v.id = h.village_id{PLACE_JOINS}"
                f" WHERE h.id IN ({marks})",
                tuple(chunk),
            )}
            children: dict[str, dict[int, list[Any]]] = {}
            for table in TABLES:
                by_household: dict[int, list[Any]] = {}
                for r in self.db.query(
                    f"SELECT id, household_id, uuid, revision, fields FROM {self._rows_of(table)}"  # TABLES
                    f" WHERE household_id IN ({marks}) AND deleted = 0 ORDER BY household_id, seq, id",
                    tuple(chunk),
                ):
                    by_household.setdefault(r["household_id"], []).append(r)
                children[table] = by_household
            for household_id in chunk:
                row = heads.get(household_id)
                if row is None:
                    continue  # deleted meanwhile
                fields = load_grid(row["fields"])
                fields.update(_place(row), village=row["village_name"], group=row["group_name"] or None)
                hh = Household(fields=fields, id=HouseholdId(row["id"]), uuid=row["uuid"],
                               revision=row["revision"], updated_at=row["updated_at"])
                for table in TABLES:
                    load = load_row[table]
                    hh.table(table).extend(
                        Row(fields=load(r["fields"]), uuid=r["uuid"], revision=r["revision"], id=r["id"])
                        for r in children[table].get(household_id, ())
                    )
                hh.refresh_derived(self.spec.derived_sources())
                yield hh

    def place(self, village_id: int | None) -> dict[str, str]:
        """The township-sourced fields (省, 市, 县, 乡(镇)) of a village's households.

        Without a village: this database's own township.  At the county a village's households
        show their own township's names, not the county database's.
        """
        row = self.db.query_one(
            f"SELECT {PLACE_COLUMNS} FROM villages v{PLACE_JOINS} WHERE v.id = ?", (village_id,)
        ) if village_id is not None else None
        if row is None:
            row = self.db.query_one(
                "SELECT province AS place_province, city AS place_city, county AS place_county,"
                " name AS place_township FROM township WHERE id = 1"
            )
        return _place(row) if row is not None else {}

    def households_of_person(self, id_number: str) -> list[tuple[int, str]]:
        """(household id, member name) of every current member with this ID number."""
        rows = self.db.query(
            "SELECT m.household_id, m.name FROM members m JOIN households h ON h.id = m.household_id"
            " WHERE m.id_number = ? AND m.deleted = 0 AND h.deleted = 0",
            (id_number,),
        )
        return [(r[0], r[1]) for r in rows]

    # -- bulk look-ups for imports (matching file rows to stored records) ------
    def ids_by_number(self, numbers: Iterable[str]) -> dict[str, list[int]]:
        """户编号 -> ids of the current households with that number."""
        out: dict[str, list[int]] = {}
        for chunk in _chunks(sorted(set(numbers))):
            rows = self.db.query(
                f"SELECT number, id FROM households WHERE deleted = 0 AND number IN ({_marks(chunk)})"
                " ORDER BY id", tuple(chunk),
            )
            for r in rows:
                out.setdefault(r[0], []).append(r[1])
        return out

    def households_of_persons(self, id_numbers: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
        """ID number -> (household id, member name) of every current member holding it."""
        out: dict[str, list[tuple[int, str]]] = {}
        for chunk in _chunks(sorted(set(id_numbers))):
            rows = self.db.query(
                "SELECT m.id_number, m.household_id, m.name FROM members m"
                " JOIN households h ON h.id = m.household_id"
                f" WHERE m.deleted = 0 AND h.deleted = 0 AND m.id_number IN ({_marks(chunk)})",
                tuple(chunk),
            )
            for r in rows:
                out.setdefault(r[0], []).append((r[1], r[2]))
        return out

    def row_households(self, table: str, uuids: Iterable[str]) -> dict[str, int]:
        """Row UUID -> household id, for rows of a Handbook table (tombstones included)."""
        if table not in TABLES:
            raise KeyError(table)
        out: dict[str, int] = {}
        for chunk in _chunks(sorted(set(uuids))):
            rows = self.db.query(
                f"SELECT uuid, household_id FROM {table} WHERE uuid IN ({_marks(chunk)})", tuple(chunk)
            )
            out.update((r[0], r[1]) for r in rows)
        return out


def _place(row: Any) -> dict[str, str]:
    """The township-sourced fields of a row selected with :data:`PLACE_COLUMNS` (known ones only)."""
    return {k: row[f"place_{k}"] for k in TOWNSHIP_SOURCED if row[f"place_{k}"] is not None}


def _decoded(raw: str | dict[str, Any]) -> dict[str, Any]:
    """A ``fields`` value as stored: JSON text (SQLite) or already decoded (PostgreSQL ``jsonb``)."""
    return raw if isinstance(raw, dict) else dict(json.loads(raw))


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _marks(chunk: list[str]) -> str:
    return ",".join("?" * len(chunk))


def typed_loader(specs: dict[str, FieldSpec]) -> Any:
    """``_load`` for many rows (stored JSON text or a decoded dict): blanks are the same for every
    row (a fresh list for a multi-choice field), and only stored values of types that
    :func:`from_store` changes (decimals, dates, lists) go through it."""
    blank = {k: from_store(s, None) for k, s in specs.items()}
    multi = [k for k, v in blank.items() if v is not None]  # fresh lists per row
    typed = {k for k, s in specs.items() if not stored_as_is(s)}

    def load(raw: str | dict[str, Any]) -> dict[str, Any]:
        out = dict(blank)
        for k in multi:
            out[k] = []
        for k, v in _decoded(raw).items():
            if v is not None and k in specs:
                out[k] = from_store(specs[k], v) if k in typed else v
        return out

    return load
