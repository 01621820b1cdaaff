"""Migration *_village, after its SQL: the members' triggers and each household's member counts.

``household_facts`` carries, per household, how many current members (人员变更 not 死亡, 嫁出 …)
are 女, 少数民族, 残疾, 劳动力, 外出务工 … and a JSON object of its members by 务工状况, so the
statistics count a county's members without reading 360,000 member rows.  What each count compares
with is :mod:`fupin_desktop.domain.village` (the one place that names those words), written into
the triggers here as SQL string literals.  Every trigger recomputes the counts of the household a
member row belongs to (and belonged to) from ``member_facts``.  Running it again changes nothing.
"""

from __future__ import annotations

import sqlite3

from fupin_desktop.domain.village import DISABLED_HEALTH, HAN, LABOUR_SKILLS, LEFT, LOCAL_WORK, MIGRANT_WORK


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(_text(v) for v in values)


#: household_facts column -> what a current member must be to count.
COUNTS: dict[str, str] = {
    "members": "1",
    "women": "m.sex = '女'",
    "minority": f"COALESCE(m.ethnicity, {_text(HAN)}) <> {_text(HAN)}",
    "disabled": f"m.health = {_text(DISABLED_HEALTH)}",
    "labour": f"m.labor_skill IN ({_list(LABOUR_SKILLS)})",
    "migrant": f"m.work_status IN ({_list(MIGRANT_WORK)})",
    "local_work": f"m.work_status = {_text(LOCAL_WORK)}",
    "ncms": "m.in_ncms = 1",
    "pension": "m.in_pension = 1",
}
_CURRENT = f"m.deleted = 0 AND COALESCE(m.change, '') NOT IN ({_list(LEFT)})"


def recount(target: str) -> str:
    """The UPDATE that recounts the household ``target`` (an SQL expression: NEW.household_id …)."""
    sums = ", ".join(f"COALESCE(SUM({cond}), 0)" for cond in COUNTS.values())
    return (f"UPDATE household_facts SET ({', '.join(COUNTS)}) = (SELECT {sums} FROM member_facts m"
            f" WHERE m.household_id = household_facts.household_id AND {_CURRENT}),"
            " work = (SELECT json_group_object(s, n) FROM (SELECT COALESCE(NULLIF(m.work_status, ''), '未填') AS s,"
            f" COUNT(*) AS n FROM member_facts m WHERE m.household_id = household_facts.household_id AND {_CURRENT}"
            f" GROUP BY 1)) WHERE household_id = {target}")


_FACTS = """
  DELETE FROM member_facts WHERE member_id = NEW.id;
  INSERT INTO member_facts
  SELECT NEW.id, NEW.household_id, h.village_id, h.year, h.deleted, NEW.deleted, json_extract(f, '$.change'),
         json_extract(f, '$.sex'), json_extract(f, '$.ethnicity'), json_extract(f, '$.health'),
         json_extract(f, '$.labor_skill'), json_extract(f, '$.work_status'), json_extract(f, '$.in_ncms'),
         json_extract(f, '$.in_pension')
  FROM (SELECT CASE WHEN json_valid(NEW.fields) THEN NEW.fields ELSE '{}' END AS f)
  LEFT JOIN households h ON h.id = NEW.household_id;"""


def triggers() -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS member_facts_insert",
        "DROP TRIGGER IF EXISTS member_facts_update",
        "DROP TRIGGER IF EXISTS member_facts_delete",
        f"CREATE TRIGGER member_facts_insert AFTER INSERT ON members BEGIN {_FACTS}\n"
        f"  {recount('NEW.household_id')};\nEND",
        "CREATE TRIGGER member_facts_update AFTER UPDATE ON members BEGIN\n"
        f"  DELETE FROM member_facts WHERE member_id = OLD.id; {_FACTS}\n"
        f"  {recount('NEW.household_id')};\n"
        f"  {recount('OLD.household_id')} AND OLD.household_id <> NEW.household_id;\nEND",
        "CREATE TRIGGER member_facts_delete AFTER DELETE ON members BEGIN\n"
        "  DELETE FROM member_facts WHERE member_id = OLD.id;\n"
        f"  {recount('OLD.household_id')};\nEND",
        # a household row written after its members (a sync merge may) gets its counts too
        "DROP TRIGGER IF EXISTS household_facts_members",
        "CREATE TRIGGER household_facts_members AFTER INSERT ON household_facts BEGIN\n"
        f"  {recount('NEW.household_id')};\nEND",
    ]


def upgrade(conn: sqlite3.Connection) -> None:
    for statement in triggers():
        conn.execute(statement)
    conn.execute(recount("household_facts.household_id"))  # every household, from its member rows
