"""PostgreSQL migration 0007's ``household_facts`` view: each household's fields and its current
members' counts, compared with the words of :mod:`fupin_desktop.domain.village` (named only there),
as the SQLite database's triggers keep them (SQLite migration ``*_village``)."""

from __future__ import annotations

from fupin_desktop.domain.village import DISABLED_HEALTH, HAN, LABOUR_SKILLS, LEFT, LOCAL_WORK, MIGRANT_WORK


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(_text(v) for v in values)


#: household_facts column -> what a current member must be to count.
COUNTS: dict[str, str] = {
    "members": "TRUE",
    "women": "m.sex = '女'",
    "minority": f"COALESCE(m.ethnicity, {_text(HAN)}) <> {_text(HAN)}",
    "disabled": f"m.health = {_text(DISABLED_HEALTH)}",
    "labour": f"m.labor_skill IN ({_list(LABOUR_SKILLS)})",
    "migrant": f"m.work_status IN ({_list(MIGRANT_WORK)})",
    "local_work": f"m.work_status = {_text(LOCAL_WORK)}",
    "ncms": "m.in_ncms = 1",
    "pension": "m.in_pension = 1",
}


def sql() -> str:
    current = f"m.deleted = 0 AND COALESCE(m.change, '') NOT IN ({_list(LEFT)})"
    counts = ", ".join(f"COUNT(*) FILTER (WHERE {cond}) AS {name}" for name, cond in COUNTS.items())
    names = ", ".join(f"COALESCE(c.{name}, 0) AS {name}" for name in COUNTS)
    return f"""
CREATE VIEW household_facts AS
SELECT h.id AS household_id, h.village_id, h.year, h.deleted, h.size,
       h.fields ->> 'main_cause' AS main_cause,
       CASE WHEN jsonb_typeof(h.fields -> 'other_causes') = 'array' THEN (h.fields -> 'other_causes')::text END
         AS other_causes,
       h.fields ->> 'household_type' AS household_type, h.fields ->> 'exit_flag' AS exit_flag,
       fupin_int(h.fields -> 'exit_year') AS exit_year, fupin_int(h.fields -> 'dilapidated') AS dilapidated,
       fupin_int(h.fields -> 'drinking_difficult') AS drinking_difficult,
       fupin_int(h.fields -> 'drinking_safe') AS drinking_safe, fupin_int(h.fields -> 'living_power') AS living_power,
       {names}, w.work
FROM households h
LEFT JOIN LATERAL (SELECT {counts} FROM member_facts m
    WHERE m.county_code = h.county_code AND m.household_id = h.id AND {current}) c ON TRUE
LEFT JOIN LATERAL (SELECT json_object_agg(s, n)::text AS work FROM (
    SELECT COALESCE(NULLIF(m.work_status, ''), '未填') AS s, COUNT(*) AS n FROM member_facts m
    WHERE m.county_code = h.county_code AND m.household_id = h.id AND {current} GROUP BY 1) g) w ON TRUE;
"""
