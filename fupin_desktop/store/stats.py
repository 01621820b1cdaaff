"""Statistics of one year's registered households, by village, as SQL aggregates.

Every figure of the 统计 page, ``fupin stats`` and the county reports comes from here: one
``GROUP BY village_id`` query per kind of figure (household fields, member fields, causes,
attributes, work, measures), never a Python loop over the households, so a county's 100,000
households take one pass each.  A household belongs to year Y when its 登记年度 (``year``) is Y;
members who left the household (人员变更 死亡, 嫁出 …) are not counted.  The words compared
are named once in :mod:`fupin_desktop.domain.village`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fupin_desktop.domain.village import (
    DIBAO_TYPES,
    DISABLED_HEALTH,
    EXITED_FLAGS,
    HAN,
    LABOUR_SKILLS,
    LEFT,
    LOCAL_WORK,
    MIGRANT_WORK,
    RETURNED_FLAG,
    WUBAO_TYPES,
)
from fupin_desktop.store.database import Database

#: Figures of :func:`village_counts`, in report order.
HOUSEHOLD_FIGURES: tuple[str, ...] = (
    "households", "persons", "poor_households", "poor_persons", "exited_households", "exited_persons",
    "returned_households", "dibao_households", "dibao_persons", "wubao_households", "wubao_persons",
    "dilapidated", "drinking_difficult", "drinking_unsafe", "no_power",
)
MEMBER_FIGURES: tuple[str, ...] = ("members", "women", "minority", "disabled", "labour", "migrant", "local_work",
                                   "ncms", "pension")
FIGURES = HOUSEHOLD_FIGURES + MEMBER_FIGURES


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" for _ in values)


_FLAG = "COALESCE(json_extract(h.fields, '$.exit_flag'), '')"
_TYPE = "json_extract(h.fields, '$.household_type')"
_EXITED = f"{_FLAG} IN ({_marks(EXITED_FLAGS)})"
_HOUSEHOLD_SQL = f"""
SELECT h.village_id AS village_id,
  COUNT(*) AS households,
  COALESCE(SUM(h.size), 0) AS persons,
  COALESCE(SUM(NOT ({_EXITED})), 0) AS poor_households,
  COALESCE(SUM(CASE WHEN NOT ({_EXITED}) THEN h.size ELSE 0 END), 0) AS poor_persons,
  COALESCE(SUM({_EXITED} AND json_extract(h.fields, '$.exit_year') = h.year), 0) AS exited_households,
  COALESCE(SUM(CASE WHEN {_EXITED} AND json_extract(h.fields, '$.exit_year') = h.year THEN h.size ELSE 0 END), 0)
    AS exited_persons,
  COALESCE(SUM({_FLAG} = ?), 0) AS returned_households,
  COALESCE(SUM({_TYPE} IN ({_marks(DIBAO_TYPES)})), 0) AS dibao_households,
  COALESCE(SUM(CASE WHEN {_TYPE} IN ({_marks(DIBAO_TYPES)}) THEN h.size ELSE 0 END), 0) AS dibao_persons,
  COALESCE(SUM({_TYPE} IN ({_marks(WUBAO_TYPES)})), 0) AS wubao_households,
  COALESCE(SUM(CASE WHEN {_TYPE} IN ({_marks(WUBAO_TYPES)}) THEN h.size ELSE 0 END), 0) AS wubao_persons,
  COALESCE(SUM(json_extract(h.fields, '$.dilapidated') = 1), 0) AS dilapidated,
  COALESCE(SUM(json_extract(h.fields, '$.drinking_difficult') = 1), 0) AS drinking_difficult,
  COALESCE(SUM(json_extract(h.fields, '$.drinking_safe') = 0), 0) AS drinking_unsafe,
  COALESCE(SUM(json_extract(h.fields, '$.living_power') = 0), 0) AS no_power
FROM households h
WHERE h.deleted = 0 AND h.year = ? {{where}}
GROUP BY h.village_id
"""
_HOUSEHOLD_PARAMS: tuple[object, ...] = (
    *EXITED_FLAGS, *EXITED_FLAGS, *EXITED_FLAGS, *EXITED_FLAGS, RETURNED_FLAG, *DIBAO_TYPES, *DIBAO_TYPES,
    *WUBAO_TYPES, *WUBAO_TYPES,
)
_M = "json_extract(m.fields, '{}')"
_MEMBER_SQL = f"""
SELECT h.village_id AS village_id,
  COUNT(*) AS members,
  COALESCE(SUM({_M.format('$.sex')} = '女'), 0) AS women,
  COALESCE(SUM(COALESCE({_M.format('$.ethnicity')}, ?) <> ?), 0) AS minority,
  COALESCE(SUM({_M.format('$.health')} = ?), 0) AS disabled,
  COALESCE(SUM({_M.format('$.labor_skill')} IN ({_marks(LABOUR_SKILLS)})), 0) AS labour,
  COALESCE(SUM({_M.format('$.work_status')} IN ({_marks(MIGRANT_WORK)})), 0) AS migrant,
  COALESCE(SUM({_M.format('$.work_status')} = ?), 0) AS local_work,
  COALESCE(SUM({_M.format('$.in_ncms')} = 1), 0) AS ncms,
  COALESCE(SUM({_M.format('$.in_pension')} = 1), 0) AS pension
FROM households h JOIN members m ON m.household_id = h.id AND m.deleted = 0
WHERE h.deleted = 0 AND h.year = ? AND COALESCE({_M.format('$.change')}, '') NOT IN ({_marks(LEFT)}) {{where}}
GROUP BY h.village_id
"""
_MEMBER_PARAMS: tuple[object, ...] = (HAN, HAN, DISABLED_HEALTH, *LABOUR_SKILLS, *MIGRANT_WORK, LOCAL_WORK)


def _village_filter(village_id: int | None) -> tuple[str, tuple[object, ...]]:
    return ("AND h.village_id = ?", (village_id,)) if village_id is not None else ("", ())


def village_counts(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Every figure of :data:`FIGURES` by village id (villages without households are absent)."""
    where, extra = _village_filter(village_id)
    out: dict[int, dict[str, int]] = {}
    for row in db.query(_HOUSEHOLD_SQL.format(where=where), (*_HOUSEHOLD_PARAMS, year, *extra)):
        out[row["village_id"]] = {k: int(row[k]) for k in HOUSEHOLD_FIGURES}
    for row in db.query(_MEMBER_SQL.format(where=where), (*_MEMBER_PARAMS, year, *LEFT, *extra)):
        out.setdefault(row["village_id"], dict.fromkeys(HOUSEHOLD_FIGURES, 0)).update(
            {k: int(row[k]) for k in MEMBER_FIGURES})
    for counts in out.values():
        for k in MEMBER_FIGURES:
            counts.setdefault(k, 0)
    return out


def _grouped(db: Database, sql: str, params: tuple[object, ...]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for row in db.query(sql, params):
        out.setdefault(row[0], {})[str(row[1])] = int(row[2])
    return out


def main_causes(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households by 主要致贫原因, by village (an empty cause is ``未填``)."""
    where, extra = _village_filter(village_id)
    return _grouped(db, "SELECT h.village_id, COALESCE(NULLIF(json_extract(h.fields, '$.main_cause'), ''), '未填'),"
                    f" COUNT(*) FROM households h WHERE h.deleted = 0 AND h.year = ? {where} GROUP BY 1, 2",
                    (year, *extra))


def all_causes(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households naming each cause as main or other cause, by village (a household counts once
    per cause it names)."""
    where, extra = _village_filter(village_id)
    sql = f"""
    SELECT village_id, cause, COUNT(DISTINCT id) FROM (
      SELECT h.id, h.village_id, json_extract(h.fields, '$.main_cause') AS cause
        FROM households h WHERE h.deleted = 0 AND h.year = ? {where}
      UNION ALL
      SELECT h.id, h.village_id, c.value FROM households h, json_each(h.fields, '$.other_causes') c
        WHERE h.deleted = 0 AND h.year = ? {where} AND json_type(h.fields, '$.other_causes') = 'array'
    ) WHERE cause IS NOT NULL AND cause <> '' GROUP BY 1, 2"""
    return _grouped(db, sql, (year, *extra, year, *extra))


def attributes(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households by 贫困户属性, by village."""
    where, extra = _village_filter(village_id)
    return _grouped(db, f"SELECT h.village_id, COALESCE(NULLIF({_TYPE}, ''), '未填'), COUNT(*) FROM households h"
                    f" WHERE h.deleted = 0 AND h.year = ? {where} GROUP BY 1, 2", (year, *extra))


def exit_states(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households by 脱贫标志, by village."""
    where, extra = _village_filter(village_id)
    return _grouped(db, f"SELECT h.village_id, COALESCE(NULLIF({_FLAG}, ''), '未填'), COUNT(*) FROM households h"
                    f" WHERE h.deleted = 0 AND h.year = ? {where} GROUP BY 1, 2", (year, *extra))


def work(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Current members by 务工状况, by village (an empty status is ``未填``)."""
    where, extra = _village_filter(village_id)
    return _grouped(db, f"SELECT h.village_id, COALESCE(NULLIF({_M.format('$.work_status')}, ''), '未填'), COUNT(*)"
                    " FROM households h JOIN members m ON m.household_id = h.id AND m.deleted = 0"
                    f" WHERE h.deleted = 0 AND h.year = ? AND COALESCE({_M.format('$.change')}, '') NOT IN"
                    f" ({_marks(LEFT)}) {where} GROUP BY 1, 2", (year, *LEFT, *extra))


def measures(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """帮扶措施 rows by type, by village: ``{"items", "households", "amount"}`` (amount in yuan)."""
    where, extra = _village_filter(village_id)
    rows = db.query(
        "SELECT h.village_id, COALESCE(NULLIF(json_extract(r.fields, '$.type'), ''), '未填'), COUNT(*),"
        " COUNT(DISTINCT h.id), COALESCE(SUM(CAST(json_extract(r.fields, '$.amount') AS REAL)), 0)"
        " FROM households h JOIN measures r ON r.household_id = h.id AND r.deleted = 0"
        f" WHERE h.deleted = 0 AND h.year = ? {where} GROUP BY 1, 2", (year, *extra))
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[0], {})[r[1]] = {"items": int(r[2]), "households": int(r[3]), "amount": round(float(r[4]), 2)}
    return out


def years(db: Database) -> list[int]:
    """The years that have registered households, oldest first."""
    return [int(r[0]) for r in db.query(
        "SELECT DISTINCT year FROM households WHERE deleted = 0 AND year IS NOT NULL ORDER BY year")]


def year_series(db: Database, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households, persons and those still poor, per year (of one village, or the township)."""
    where, extra = _village_filter(village_id)
    rows = db.query(
        f"SELECT h.year, COUNT(*), COALESCE(SUM(h.size), 0), COALESCE(SUM(NOT ({_EXITED})), 0),"
        f" COALESCE(SUM(CASE WHEN NOT ({_EXITED}) THEN h.size ELSE 0 END), 0)"
        f" FROM households h WHERE h.deleted = 0 AND h.year IS NOT NULL {where} GROUP BY h.year ORDER BY h.year",
        (*EXITED_FLAGS, *EXITED_FLAGS, *extra))
    return {int(r[0]): {"households": int(r[1]), "persons": int(r[2]), "poor_households": int(r[3]),
                        "poor_persons": int(r[4])} for r in rows}


#: What a bar of the statistics page stands for: a field of the household and its value.
HOUSEHOLD_FILTERS = {"main_cause": "$.main_cause", "household_type": "$.household_type", "exit_flag": "$.exit_flag"}


def households_of(db: Database, year: int, village_id: int | None = None, *, field: str | None = None,
                  value: str | None = None, limit: int = 5000) -> list[dict[str, Any]]:
    """The households behind a bar: of the year, optionally of one village and with one field's value
    (``main_cause``, ``household_type``, ``exit_flag``, or ``any_cause``: main or other cause)."""
    where, params = _village_filter(village_id)
    if field == "any_cause":  # the main cause or one of the other causes
        where += (" AND (json_extract(h.fields, '$.main_cause') = ? OR EXISTS (SELECT 1 FROM"
                  " json_each(h.fields, '$.other_causes') c WHERE c.value = ?))")
        params = (*params, value, value)
    elif field is not None:
        path = HOUSEHOLD_FILTERS[field]
        where += f" AND COALESCE(NULLIF(json_extract(h.fields, '{path}'), ''), '未填') = ?"
        params = (*params, value)
    rows = db.query(
        "SELECT h.id, v.name AS village, h.group_name, h.number, h.head_name, h.size,"
        " json_extract(h.fields, '$.household_type') AS household_type,"
        " json_extract(h.fields, '$.main_cause') AS main_cause, json_extract(h.fields, '$.exit_flag') AS exit_flag"
        f" FROM households h JOIN villages v ON v.id = h.village_id WHERE h.deleted = 0 AND h.year = ? {where}"
        " ORDER BY v.seq, v.id, h.group_name, h.number LIMIT ?", (year, *params, limit))
    return [dict(r) for r in rows]
