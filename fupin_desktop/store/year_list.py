"""The household list on a closed year (issue 16): that year's frozen files, filtered like the live list.

The main window's list shows the current year's files (store/household_reads.py); with a closed
year chosen it shows the year's snapshots instead (store/years.py keeps them), under the same
filters — village, group, township, 脱贫状态, 贫困户属性 and the search box — and in the same
orders.  Ids here are snapshot row ids; :func:`summaries` gives the list's rows for them, each
carrying its year.  At 100,000 households a year the year's rows are read through the index
``year_snapshots_list`` (year, 户编号, id): the list's own order without a sort.
"""

from __future__ import annotations

from typing import Any

from fupin_desktop.store import search_index
from fupin_desktop.store.database import Database
from fupin_desktop.store.household_reads import HouseholdSummary

#: The list's sortable columns on a snapshot row.
ORDERS = {"number": "s.number", "village": "s.village, s.group_name", "group": "s.group_name",
          "head_name": "s.head_name", "size": "s.size", "updated_at": "s.created_at"}


def ids(db: Database, year: int, scope: search_index.Scope, *, search: str = "", order: str = "number",
        descending: bool = False, limit: int | None = None) -> list[int]:
    """Snapshot ids of ``year``'s households matching the filters, sorted."""
    where: list[str] = ["s.year = ?"]
    params: list[Any] = [year]
    if scope.village_id is not None:
        where.append("s.village = (SELECT name FROM villages WHERE id = ?)")
        params.append(scope.village_id)
    if scope.group is not None:
        where.append("s.group_name = ?")
        params.append(scope.group)
    if scope.township_code is not None:  # NULL: this database's own township
        where.append("COALESCE(s.township_code, (SELECT code FROM township WHERE id = 1)) = ?")
        params.append(scope.township_code)
    for column, value in (("exit_flag", scope.exit_flag), ("household_type", scope.household_type)):
        if value is not None:
            where.append(f"s.{column} = ?")
            params.append(value)
    text = search_index.query_text(search)
    if text:
        # The 户编号 or head's name of that year, or a household whose current file matches (its
        # members' names, pinyin initials, ID numbers: the search index of the live files).
        condition = search_index.match_condition(search, "h.id")
        live = ""
        if condition is not None:
            live = f" OR s.household_uuid IN (SELECT h.uuid FROM households h WHERE {condition[0]})"
        where.append(f"(instr(lower(s.number || ' ' || s.head_name), ?) > 0{live})")
        params.append(text)
        if condition is not None:
            params.append(condition[1])
    direction = "DESC" if descending else "ASC"
    sort = ", ".join(f"{c.strip()} {direction}" for c in ORDERS.get(order, ORDERS["number"]).split(","))
    sql = f"SELECT s.id FROM year_snapshots s WHERE {' AND '.join(where)} ORDER BY {sort}, s.id {direction}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [int(r[0]) for r in db.query(sql, tuple(params))]


def summaries(db: Database, snapshot_ids: list[int]) -> list[HouseholdSummary]:
    """The list's rows for the given snapshot ids, in their order."""
    out: dict[int, HouseholdSummary] = {}
    for start in range(0, len(snapshot_ids), 500):
        chunk = snapshot_ids[start:start + 500]
        rows = db.query(
            "SELECT s.id, s.year, s.number, s.village, s.group_name, s.head_name, s.size, s.exit_flag,"
            " s.household_type, s.per_capita_income, s.created_at,"
            " COALESCE(json_extract(s.payload, '$.head_id_number'), '') AS head_id_number,"
            " COALESCE(s.township_code, t.code, '') AS township_code,"
            " COALESCE(st.name, CASE WHEN s.township_code IS NULL THEN t.name END, '') AS township"
            " FROM year_snapshots s LEFT JOIN township t ON t.id = 1"
            " LEFT JOIN sync_townships st ON st.code = s.township_code"
            f" WHERE s.id IN ({','.join('?' * len(chunk))})", tuple(chunk))
        for r in rows:
            out[int(r["id"])] = HouseholdSummary(
                id=int(r["id"]), number=r["number"], village=r["village"], group=r["group_name"],
                head_name=r["head_name"], head_id_number=str(r["head_id_number"]), size=int(r["size"]),
                exit_flag=r["exit_flag"], per_capita_income=_money(r["per_capita_income"]), updated_at=r["created_at"],
                township=r["township"], township_code=r["township_code"], household_type=r["household_type"],
                year=int(r["year"]))
    return [out[i] for i in snapshot_ids if i in out]


def household_uuid(db: Database, snapshot_id: int) -> tuple[str, int] | None:
    """(household uuid, year) of a snapshot row."""
    row = db.query_one("SELECT household_uuid, year FROM year_snapshots WHERE id = ?", (snapshot_id,))
    return (str(row[0]), int(row[1])) if row is not None else None


def live_ids(db: Database, snapshot_ids: list[int]) -> dict[int, int]:
    """snapshot id -> the id of its household's current file (those still registered)."""
    out: dict[int, int] = {}
    for start in range(0, len(snapshot_ids), 500):
        chunk = snapshot_ids[start:start + 500]
        for r in db.query("SELECT s.id, h.id FROM year_snapshots s JOIN households h ON h.uuid = s.household_uuid"
                          f" AND h.deleted = 0 WHERE s.id IN ({','.join('?' * len(chunk))})", tuple(chunk)):
            out[int(r[0])] = int(r[1])
    return out


def _money(value: Any) -> str:
    return "" if value in (None, "", "None") else str(value)


__all__ = ["ORDERS", "household_uuid", "ids", "live_ids", "summaries"]
