"""The county program's reads on PostgreSQL: the household list, search, one household, the villages.

The county window, 数据质量 and ``fupin validate`` read households through
:class:`~fupin_desktop.store.household_reads.HouseholdReads`.  Most of its SQL reads alike on both
engines and is inherited unchanged; :class:`PgHouseholdReads` overrides what differs:

- (a household's Handbook rows other than its members live in one partitioned ``household_rows``
  table; views named like the SQLite tables read them, PostgreSQL migration 0006);
- a key of the ``jsonb`` ``fields`` is ``fields ->> 'key'``, not ``json_extract``;
- the search box matches ``households.search_text`` (户编号, names, pinyin initials, ID numbers,
  written with each imported household, PostgreSQL migration 0006) instead of SQLite's FTS5 index.
"""

from __future__ import annotations

from typing import Any, cast

from fupin_desktop.domain.household import TABLES
from fupin_desktop.domain.village import VillageForm
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import search_index
from fupin_desktop.store.database import Database
from fupin_desktop.store.household_reads import SORT_COLUMNS, HouseholdReads
from fupin_desktop.store.pg.database import PgDatabase


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE … ESCAPE '\\'``, the text's own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PgHouseholdReads(HouseholdReads):
    """Reading households on PostgreSQL (the receiving database is never typed into)."""

    def __init__(self, db: PgDatabase, spec: FormSpec) -> None:
        super().__init__(cast(Database, db), spec)
        self.pg = db

    def _field(self, column: str, key: str) -> str:
        return f"({column} ->> '{key}')"

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
        """As on SQLite: the ids matching the filters and the search, in the list's order."""
        where: list[str] = ["h.deleted = 0"]
        params: list[Any] = []
        if township_code is not None:  # the county's partition first, then its township
            where += ["h.county_code = ?", "h.township_code = ?"]
            params += [township_code[:6], township_code]
        if village_id is not None:
            where.append("h.village_id = ?")
            params.append(village_id)
        if group is not None:
            where.append("h.group_name = ?")
            params.append(group)
        if exit_flag is not None:
            where.append(f"{self._field('h.fields', 'exit_flag')} = ?")
            params.append(exit_flag)
        if household_type is not None:
            where.append(f"{self._field('h.fields', 'household_type')} = ?")
            params.append(household_type)
        text = search_index.query_text(search)
        if text:
            where.append("h.search_text LIKE ? ESCAPE '\\'")
            params.append(like_pattern(text))
        direction = "DESC" if descending else "ASC"
        columns = SORT_COLUMNS.get(order, SORT_COLUMNS["number"])
        sort_sql = ", ".join(f"{c.strip()} {direction}" for c in columns.split(","))
        sql = (f"SELECT h.id FROM households h WHERE {' AND '.join(where)} ORDER BY {sort_sql}, h.id {direction}"
               + (" LIMIT ?" if limit is not None else ""))
        return [int(r[0]) for r in self.pg.query(sql, (*params, *(() if limit is None else (limit,))))]

    def row_households(self, table: str, uuids: Any) -> dict[str, int]:
        if table not in TABLES:
            raise KeyError(table)
        wanted = sorted(set(uuids))
        source = "members" if table == "members" else "household_rows"
        return {r[0]: int(r[1]) for r in self.pg.query(
            f"SELECT uuid, household_id FROM {source} WHERE uuid = ANY(?)", (wanted,))}


class PgVillageForms:
    """贫困村登记表 on the receiving database: the townships' batches do not carry them, so it holds
    none (the statistics leave 村总人口 and the incidence open, as for a village without its form)."""

    def __init__(self, db: PgDatabase, spec: FormSpec) -> None:
        self.db = db
        self.spec = spec

    def get(self, village_id: int, year: int) -> VillageForm | None:
        return None

    def for_year(self, year: int) -> dict[int, VillageForm]:
        return {}

    def years(self, village_id: int | None = None) -> list[int]:
        return []

    def count(self) -> int:
        return 0
