"""Statistics of one year's registered households, by village, as SQL aggregates.

Every figure of the 统计 page, ``fupin stats`` and the county reports comes from here: one
``GROUP BY village_id`` query per kind of figure (household fields, member fields, causes,
attributes, work, measures), never a Python loop over the households.  The queries read the
narrow ``household_facts`` and ``member_facts`` tables that triggers keep equal to the JSON
``fields`` (migration ``*_village.sql``), so a county's 100,000 households are counted without
parsing their JSON.  A household belongs to year Y when its 登记年度 (``year``) is Y;
members who left the household (人员变更 死亡, 嫁出 …) are not counted.  The words compared
are named once in :mod:`fupin_desktop.domain.village`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fupin_desktop.domain.village import (
    DIBAO_TYPES,
    EXITED_FLAGS,
    RETURNED_FLAG,
    WUBAO_TYPES,
)
from fupin_desktop.rules.education import ITEMS as EDUCATION_ITEMS
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


_FLAG = "COALESCE(h.exit_flag, '')"
_TYPE = "h.household_type"
_EXITED = f"{_FLAG} IN ({_marks(EXITED_FLAGS)})"
_HOUSEHOLD_SQL = f"""
SELECT h.village_id AS village_id, h.main_cause AS main_cause, h.household_type AS household_type,
  h.exit_flag AS exit_flag,
  COUNT(*) AS households,
  COALESCE(SUM(h.size), 0) AS persons,
  COALESCE(SUM(NOT ({_EXITED})), 0) AS poor_households,
  COALESCE(SUM(CASE WHEN NOT ({_EXITED}) THEN h.size ELSE 0 END), 0) AS poor_persons,
  COALESCE(SUM({_EXITED} AND h.exit_year = h.year), 0) AS exited_households,
  COALESCE(SUM(CASE WHEN {_EXITED} AND h.exit_year = h.year THEN h.size ELSE 0 END), 0)
    AS exited_persons,
  COALESCE(SUM({_FLAG} = ?), 0) AS returned_households,
  COALESCE(SUM({_TYPE} IN ({_marks(DIBAO_TYPES)})), 0) AS dibao_households,
  COALESCE(SUM(CASE WHEN {_TYPE} IN ({_marks(DIBAO_TYPES)}) THEN h.size ELSE 0 END), 0) AS dibao_persons,
  COALESCE(SUM({_TYPE} IN ({_marks(WUBAO_TYPES)})), 0) AS wubao_households,
  COALESCE(SUM(CASE WHEN {_TYPE} IN ({_marks(WUBAO_TYPES)}) THEN h.size ELSE 0 END), 0) AS wubao_persons,
  COALESCE(SUM(h.dilapidated = 1), 0) AS dilapidated,
  COALESCE(SUM(h.drinking_difficult = 1), 0) AS drinking_difficult,
  COALESCE(SUM(h.drinking_safe = 0), 0) AS drinking_unsafe,
  COALESCE(SUM(h.living_power = 0), 0) AS no_power,
  COALESCE(SUM(h.members), 0) AS members, COALESCE(SUM(h.women), 0) AS women,
  COALESCE(SUM(h.minority), 0) AS minority, COALESCE(SUM(h.disabled), 0) AS disabled,
  COALESCE(SUM(h.labour), 0) AS labour, COALESCE(SUM(h.migrant), 0) AS migrant,
  COALESCE(SUM(h.local_work), 0) AS local_work, COALESCE(SUM(h.ncms), 0) AS ncms,
  COALESCE(SUM(h.pension), 0) AS pension
FROM household_facts h {{scan}}
WHERE h.deleted = 0 AND h.year = ? {{where}}
GROUP BY h.village_id, h.main_cause, h.household_type, h.exit_flag
"""
_HOUSEHOLD_PARAMS: tuple[object, ...] = (
    *EXITED_FLAGS, *EXITED_FLAGS, *EXITED_FLAGS, *EXITED_FLAGS, RETURNED_FLAG, *DIBAO_TYPES, *DIBAO_TYPES,
    *WUBAO_TYPES, *WUBAO_TYPES,
)
_WORK_SQL = """
SELECT h.village_id, w.key, SUM(CAST(w.value AS INTEGER)) FROM household_facts h {scan}, json_each(h.work) w
WHERE h.deleted = 0 AND h.year = ? AND h.work IS NOT NULL {where}
GROUP BY 1, 2
"""


def _village_filter(village_id: int | None) -> tuple[str, tuple[object, ...]]:
    return ("AND h.village_id = ?", (village_id,)) if village_id is not None else ("", ())


def _scan(dialect: str, village_id: int | None) -> str:
    """The whole township is read faster in table order than row by row through the year index
    (bench/bench_stats_page.py: 15-30 % less CPU at 100,000 households); one village uses the index.
    (SQLite's hint; PostgreSQL's planner chooses by itself, and its household_facts is a view.)"""
    return "NOT INDEXED" if village_id is None and dialect == "sqlite" else ""


def _add(into: dict[str, int], key: str, n: int) -> None:
    into[key] = into.get(key, 0) + n


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def overview(db: Database, year: int, village_id: int | None = None) -> dict[str, dict[int, dict[str, int]]]:
    """One pass over ``household_facts`` (each household carries its members' counts) and one over
    its members-by-务工状况 objects, giving by village id: ``counts`` (:data:`FIGURES`), ``causes``
    (主要致贫原因), ``attributes`` (贫困户属性), ``exit_states`` (脱贫标志) and ``work`` (members by
    务工状况).  The pass groups by those values; its few hundred rows are summed here."""
    where, extra = _village_filter(village_id)
    counts: dict[int, dict[str, int]] = {}
    causes: dict[int, dict[str, int]] = {}
    attrs: dict[int, dict[str, int]] = {}
    flags: dict[int, dict[str, int]] = {}
    work: dict[int, dict[str, int]] = {}
    for row in db.query(_HOUSEHOLD_SQL.format(where=where, scan=_scan(db.dialect, village_id)), (*_HOUSEHOLD_PARAMS, year, *extra)):
        vid = row["village_id"]
        c = counts.setdefault(vid, _empty())
        for k in FIGURES:
            c[k] += int(row[k])
        n = int(row["households"])
        _add(causes.setdefault(vid, {}), row["main_cause"] or "未填", n)
        _add(attrs.setdefault(vid, {}), row["household_type"] or "未填", n)
        _add(flags.setdefault(vid, {}), row["exit_flag"] or "未填", n)
    for row in db.query(_WORK_SQL.format(where=where, scan=_scan(db.dialect, village_id)), (year, *extra)):
        _add(work.setdefault(row[0], {}), str(row[1]), int(row[2]))
    return {"counts": counts, "causes": causes, "attributes": attrs, "exit_states": flags, "work": work}


def village_counts(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Every figure of :data:`FIGURES` by village id (villages without households are absent)."""
    return overview(db, year, village_id)["counts"]


def _grouped(db: Database, sql: str, params: tuple[object, ...]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for row in db.query(sql, params):
        out.setdefault(row[0], {})[str(row[1])] = int(row[2])
    return out


def main_causes(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households by 主要致贫原因, by village (an empty cause is ``未填``)."""
    return overview(db, year, village_id)["causes"]

def all_causes(db: Database, year: int, village_id: int | None = None,
               main: dict[int, dict[str, int]] | None = None) -> dict[int, dict[str, int]]:
    """Households naming each cause as main or other cause, by village (a household counts once
    per cause it names): the main causes plus the other causes that differ from the main one."""
    where, extra = _village_filter(village_id)
    main = main_causes(db, year, village_id) if main is None else main  # (``main``: already counted)
    out = {v: {k: n for k, n in c.items() if k != "未填"} for v, c in main.items()}
    rows = db.query(
        "SELECT h.village_id, c.value, COUNT(DISTINCT h.household_id) FROM household_facts h,"
        " json_each(h.other_causes) c WHERE h.deleted = 0 AND h.year = ? AND h.other_causes IS NOT NULL"
        f" AND (h.main_cause IS NULL OR c.value <> h.main_cause) AND c.value <> '' {where} GROUP BY 1, 2",
        (year, *extra))
    for r in rows:
        _add(out.setdefault(r[0], {}), str(r[1]), int(r[2]))
    return out

def attributes(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households by 贫困户属性, by village."""
    return overview(db, year, village_id)["attributes"]

def exit_states(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households by 脱贫标志, by village."""
    return overview(db, year, village_id)["exit_states"]

def work(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Current members by 务工状况, by village (an empty status is ``未填``)."""
    return overview(db, year, village_id)["work"]

def measures(db: Database, year: int, village_id: int | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """帮扶措施 rows by type, by village: ``{"items", "households", "amount"}`` (amount in yuan)."""
    where, extra = _village_filter(village_id)
    rows = db.query(
        "SELECT h.village_id, COALESCE(NULLIF(json_extract(r.fields, '$.type'), ''), '未填'), COUNT(*),"
        " COUNT(DISTINCT h.id), COALESCE(SUM(CAST(NULLIF(json_extract(r.fields, '$.amount'), '') AS REAL)), 0)"
        " FROM households h JOIN measures r ON r.household_id = h.id AND r.deleted = 0"
        f" WHERE h.deleted = 0 AND h.year = ? {where} GROUP BY 1, 2", (year, *extra))
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[0], {})[r[1]] = {"items": int(r[2]), "households": int(r[3]), "amount": round(float(r[4]), 2)}
    return out


def years(db: Database) -> list[int]:
    """The years that have registered households, oldest first."""
    return [int(r[0]) for r in db.query(
        "SELECT DISTINCT year FROM household_facts WHERE deleted = 0 AND year IS NOT NULL ORDER BY year")]


def year_series(db: Database, village_id: int | None = None) -> dict[int, dict[str, int]]:
    """Households, persons and those still poor, per year (of one village, or the township), with the
    households that exited in the year (脱贫年度 = the year) and the 返贫 households."""
    where, extra = _village_filter(village_id)
    rows = db.query(
        f"SELECT h.year, COUNT(*), COALESCE(SUM(h.size), 0), COALESCE(SUM(NOT ({_EXITED})), 0),"
        f" COALESCE(SUM(CASE WHEN NOT ({_EXITED}) THEN h.size ELSE 0 END), 0),"
        f" COALESCE(SUM({_EXITED} AND h.exit_year = h.year), 0), COALESCE(SUM({_FLAG} = ?), 0)"
        f" FROM household_facts h WHERE h.deleted = 0 AND h.year IS NOT NULL {where} GROUP BY h.year ORDER BY h.year",
        (*EXITED_FLAGS, *EXITED_FLAGS, *EXITED_FLAGS, RETURNED_FLAG, *extra))
    return {int(r[0]): {"households": int(r[1]), "persons": int(r[2]), "poor_households": int(r[3]),
                        "poor_persons": int(r[4]), "exited_households": int(r[5]), "returned_households": int(r[6])}
            for r in rows}


#: What a bar of the statistics page stands for: a field of the household and its value.
HOUSEHOLD_FILTERS = {"main_cause": "h.main_cause", "household_type": "h.household_type", "exit_flag": "h.exit_flag"}


def households_of(db: Database, year: int, village_id: int | None = None, *, field: str | None = None,
                  value: str | None = None, limit: int = 5000) -> list[dict[str, Any]]:
    """The households behind a bar: of the year, optionally of one village and with one field's value
    (``main_cause``, ``household_type``, ``exit_flag``, or ``any_cause``: main or other cause; ``case``:
    with an identification or exit case of the year; ``education_item``: with a student granted it)."""
    where, params = _village_filter(village_id)
    year_sql = "h.year = ?"
    if field == "any_cause":  # the main cause or one of the other causes
        where += (" AND (h.main_cause = ? OR EXISTS (SELECT 1 FROM json_each(h.other_causes) c"
                  " WHERE h.other_causes IS NOT NULL AND c.value = ?))")
        params = (*params, value, value)
    elif field == "case":  # households (of any registration year) with a case of the year (识别进度)
        year_sql = ("EXISTS (SELECT 1 FROM cases c WHERE c.subject_kind = 'household'"
                    " AND c.subject_id = h.household_id AND c.year = ?)")
    elif field == "education_item":  # households of students granted the item (教育资助 bar)
        where += (" AND EXISTS (SELECT 1 FROM education_applications a JOIN members m ON m.uuid = a.member_uuid,"
                  " json_each(a.items) j WHERE m.household_id = h.household_id AND m.deleted = 0 AND a.deleted = 0"
                  " AND a.school_year = ? AND json_extract(j.value, '$[0]') = ?)")
        params = (*params, education_school_year(year), value)
    elif field is not None:
        column = HOUSEHOLD_FILTERS[field]
        where += f" AND COALESCE(NULLIF({column}, ''), '未填') = ?"
        params = (*params, value)
    rows = db.query(
        "SELECT r.id, v.name AS village, r.group_name, r.number, r.head_name, r.size, h.household_type,"
        " h.main_cause, h.exit_flag FROM household_facts h JOIN households r ON r.id = h.household_id"
        f" JOIN villages v ON v.id = h.village_id WHERE h.deleted = 0 AND {year_sql} {where}"
        " ORDER BY v.seq, v.id, r.group_name, r.number LIMIT ?", (year, *params, limit))
    return [dict(r) for r in rows]


def education_school_year(year: int) -> str:
    """The school year holding the year's standard time point 12-31 (2015 → 2015-2016)."""
    return f"{year}-{year + 1}"


def education_items(db: Database, school_year: str, village_id: int | None = None) -> dict[str, Any]:
    """教育资助 of a school year (issue 16's applications, issue 17's statistics): per item the students
    and yuan, per village the students and yuan -- two ``GROUP BY`` over the applications."""
    where, params = ("AND h.village_id = ?", (village_id,)) if village_id is not None else ("", ())
    base = (" FROM education_applications a JOIN members m ON m.uuid = a.member_uuid AND m.deleted = 0"
            " JOIN households h ON h.id = m.household_id AND h.deleted = 0")
    found = {str(r[0]): {"students": int(r[1]), "amount": round(float(r[2] or 0), 2)} for r in db.query(
        "SELECT json_extract(j.value, '$[0]') AS item, COUNT(*), SUM(CAST(json_extract(j.value, '$[1]') AS REAL))"
        + base + ", json_each(a.items) j WHERE a.deleted = 0 AND a.school_year = ? " + where + " GROUP BY item",
        (school_year, *params))}
    order = list(EDUCATION_ITEMS)
    items = {k: found[k] for k in sorted(found, key=lambda k: order.index(k) if k in order else len(order))}
    villages = {int(r[0]): {"students": int(r[1]), "amount": round(float(r[2] or 0), 2)} for r in db.query(
        "SELECT h.village_id, COUNT(*), SUM(CAST(a.total AS REAL))" + base +
        " WHERE a.deleted = 0 AND a.school_year = ? " + where + " GROUP BY h.village_id", (school_year, *params))}
    return {"school_year": school_year, "items": items, "villages": villages,
            "students": sum(v["students"] for v in villages.values()),
            "amount": round(sum(v["amount"] for v in villages.values()), 2)}
