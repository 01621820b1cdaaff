"""Migration 0005, after its SQL: bring stored values to the national code lists.

Every household (tombstones too: a restored household must read right) and every member row.
Revisions, ``updated_at`` and the audit trail are left alone: the meaning of a value does not
change, only its spelling in the new lists, and a township and its county that migrate apart
must not see a sync conflict.  What was mapped and what needs a clerk's look goes to
``migration_report`` (``fupin migration-report``); one log line gives the counts.

The mapping (old label → national label):

* 脱贫标志: 脱贫 → 已脱贫（享受政策） (national 1); 预脱贫 (a 2015 local state) → 未脱贫, for review.
* 贫困户属性: 低保贫困户 stays 04 and 五保贫困户 stays 06, but the old lists took 低保户 / 五保户 as
  their aliases, so such a household may really be a 低保户 (02) / 五保户 (03): listed for review.
  低收入农户 (not national) → 一般农户 (05), for review.
* 致贫原因 (主要, 其他): 缺劳动力 → 缺劳力; 其他 → 其它; 因婚 (not national) → 其它, for review.
* 危房: the old 是否危房户 (否 / C级 / D级 / 是) becomes 是否危房户 (是/否) plus 危房等级; 是 without a
  grade is listed for review.
* 证件类型: 残疾证 → 残疾人证; 户口簿 and 其他 are kept, for review.

A value that is already national is left alone, so running the hook twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

VERSION = 5
BATCH = 500

#: field -> old label -> (new label, status, note)
HOUSEHOLD_VALUES: dict[str, dict[str, tuple[str, str, str]]] = {
    "exit_flag": {
        "脱贫": ("已脱贫（享受政策）", "mapped", "全国代码 1"),
        "预脱贫": ("未脱贫", "review", "“预脱贫”不是全国系统的脱贫状态，已改为“未脱贫”；如本户已脱贫，请改为已脱贫并填写脱贫年度"),
    },
    "household_type": {
        "低保贫困户": ("低保贫困户", "review", "旧版把“低保户”当作“低保贫困户”录入，两者无法区分；请核对本户是低保贫困户（04）还是低保户（02）"),
        "五保贫困户": ("五保贫困户", "review", "旧版把“五保户”当作“五保贫困户”录入，两者无法区分；请核对本户是五保贫困户（06）还是五保户（03）"),
        "低收入农户": ("一般农户", "review", "“低收入农户”不是全国系统的贫困户属性，已改为“一般农户”（05），请核对"),
    },
}
CAUSES: dict[str, tuple[str, str, str]] = {
    "缺劳动力": ("缺劳力", "mapped", "全国代码 08"),
    "其他": ("其它", "mapped", "全国代码 99"),
    "因婚": ("其它", "review", "“因婚”不是全国系统的致贫原因，已改为“其它”，请核对"),
}
ID_TYPES: dict[str, tuple[str, str, str]] = {
    "残疾证": ("残疾人证", "mapped", "全国代码 09"),
    "户口簿": ("户口簿", "review", "全国系统只有居民身份证（01）和残疾人证（09），请核对证件类型和号码"),
    "其他": ("其他", "review", "全国系统只有居民身份证（01）和残疾人证（09），请核对证件类型和号码"),
}
GRADES = ("C级", "D级")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


class _Report:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.rows: list[tuple[Any, ...]] = []
        self.counts = {"mapped": 0, "review": 0}
        self.seen = {tuple(r) for r in conn.execute(
            "SELECT household_id, row_uuid, field, old, new FROM migration_report WHERE migration = ?", (VERSION,))}

    def add(self, household_id: int, entity: str, row_uuid: str, field: str, old: Any, new: Any,
            status: str, note: str) -> None:
        key = (household_id, row_uuid, field, _text(old), _text(new))
        if key in self.seen:
            return  # reported by an earlier run
        self.seen.add(key)
        self.rows.append((VERSION, household_id, entity, row_uuid, field, _text(old), _text(new), status, note, self.at))
        self.counts[status] += 1

    def flush(self) -> None:
        self.conn.executemany(
            "INSERT INTO migration_report (migration, household_id, entity, row_uuid, field, old, new, status,"
            " note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.rows)
        self.rows.clear()


def map_household(fields: dict[str, Any], report: _Report, household_id: int) -> bool:
    """Map one household's grid values in place; True if anything changed."""
    changed = False
    for field, table in HOUSEHOLD_VALUES.items():
        old = fields.get(field)
        if isinstance(old, str) and old in table:
            new, status, note = table[old]
            report.add(household_id, "households", "", field, old, new, status, note)
            if new != old:
                fields[field] = new
                changed = True
    main = fields.get("main_cause")
    if isinstance(main, str) and main in CAUSES:
        new, status, note = CAUSES[main]
        report.add(household_id, "households", "", "main_cause", main, new, status, note)
        fields["main_cause"] = main = new
        changed = True
    others = fields.get("other_causes")
    if isinstance(others, list) and any(o in CAUSES for o in others):
        mapped: list[str] = []
        for o in others:
            new = CAUSES[o][0] if o in CAUSES else o
            if new not in mapped:
                mapped.append(new)
        review = any(CAUSES[o][1] == "review" for o in others if o in CAUSES)
        notes = "；".join(dict.fromkeys(CAUSES[o][2] for o in others if o in CAUSES))
        report.add(household_id, "households", "", "other_causes", others, mapped,
                   "review" if review else "mapped", notes)
        fields["other_causes"] = mapped
        changed = True
    danger = fields.get("dilapidated")
    if isinstance(danger, str):  # the old code field: 否 / C级 / D级 / 是
        if danger in GRADES:
            fields["dilapidated"], fields["dilapidated_grade"] = True, danger
            report.add(household_id, "households", "", "dilapidated", danger, f"是，{danger}", "mapped",
                       "危房分为“是否危房户”和“危房等级”两项")
        elif danger in ("否", "无", "非危房"):
            fields["dilapidated"] = False
            report.add(household_id, "households", "", "dilapidated", danger, "否", "mapped", "")
        elif danger == "是":
            fields["dilapidated"] = True
            report.add(household_id, "households", "", "dilapidated", danger, "是", "review",
                       "危房户没有危房等级，请填写 C级 或 D级")
        else:
            report.add(household_id, "households", "", "dilapidated", danger, danger, "review",
                       "无法识别的危房情况，请重新填写")
            return changed
        changed = True
    return changed


def map_member(fields: dict[str, Any], report: _Report, household_id: int, row_uuid: str) -> bool:
    old = fields.get("id_type")
    if isinstance(old, str) and old in ID_TYPES:
        new, status, note = ID_TYPES[old]
        report.add(household_id, "members", row_uuid, "id_type", old, new, status, note)
        if new != old:
            fields["id_type"] = new
            return True
    return False


def upgrade(conn: sqlite3.Connection) -> None:
    report = _Report(conn)
    households = members = 0
    last = -1
    while True:
        rows = conn.execute(
            "SELECT id, fields FROM households WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)).fetchall()
        if not rows:
            break
        updates = []
        for household_id, raw in rows:
            fields = json.loads(raw or "{}")
            if map_household(fields, report, household_id):
                updates.append((json.dumps(fields, ensure_ascii=False, sort_keys=True), household_id))
        conn.executemany("UPDATE households SET fields = ? WHERE id = ?", updates)
        households += len(updates)
        report.flush()
        last = rows[-1][0]
    last = -1
    while True:
        rows = conn.execute(
            "SELECT id, household_id, uuid, fields FROM members WHERE id > ? ORDER BY id LIMIT ?",
            (last, BATCH)).fetchall()
        if not rows:
            break
        updates = []
        for member_id, household_id, uuid, raw in rows:
            fields = json.loads(raw or "{}")
            if map_member(fields, report, household_id, uuid):
                updates.append((json.dumps(fields, ensure_ascii=False, sort_keys=True), member_id))
        conn.executemany("UPDATE members SET fields = ? WHERE id = ?", updates)
        members += len(updates)
        report.flush()
        last = rows[-1][0]
    log.info("migration 0005 national codes: households_changed=%d members_changed=%d mapped=%d review=%d",
             households, members, report.counts["mapped"], report.counts["review"])
