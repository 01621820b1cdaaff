"""Half-year review (半年审核调整): which households the township looks at again, and why.

The reasons come from the rules of ``forms/years.toml`` [review] and the county's policy profile
(the income line of the year, 设置 → 政策参数):

* 脱贫候选：未脱贫 (or 返贫) with a per-capita income above the line ``income_years`` years running;
* a death recorded this year, a 患有大病 / 残疾 newly recorded since last year;
* no 帮扶措施 or no 帮扶责任人 while still being helped;
* not updated this year (no save since the carry-over into this year, or since 1 January);
* a member of last year's file gone from this year's without a reason (减少 must say why);
* 拆户、分户、空挂户 (forbidden by the seed): a person of one household now registered in a new
  household of this year, named in both files.

A household is marked reviewed for a period (``2016-H1``) with a note (``review_marks``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fupin_desktop.domain.household import LEFT_HOUSEHOLD
from fupin_desktop.domain.roles import Action
from fupin_desktop.rules.years import year_rules
from fupin_desktop.store import access, audit
from fupin_desktop.store.database import Database, StoreError, now_iso
from fupin_desktop.store.policy import PolicyRepository
from fupin_desktop.store.years import closed_years, live_year

DEATH = "死亡"
UPDATING = ("create", "update", "restore")


@dataclass
class ReviewItem:
    household_id: int
    uuid: str
    number: str
    village: str
    group: str
    head_name: str
    reasons: list[str] = field(default_factory=list)
    reviewed_at: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "reasons": self.reasons, "household_id": self.household_id,
                "village": self.village, "group": self.group, "head_name": self.head_name,
                "reviewed": bool(self.reviewed_at), "reviewed_at": self.reviewed_at, "note": self.note}


def period_of(day: date | None = None) -> str:
    """The half year a review belongs to: ``2016-H1`` (January-June) or ``2016-H2``."""
    day = day or date.today()
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def _money(raw: Any) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except InvalidOperation:
        return None


def review_list(db: Database, *, village: str | None = None, period: str | None = None) -> list[ReviewItem]:
    """The households to review (of one village, or all), each with its reasons, in 户编号 order."""
    rules = year_rules().review
    policy = PolicyRepository(db).get()
    year = live_year(db)
    period = period or period_of()
    if village is not None and not db.query_one("SELECT 1 FROM villages WHERE name = ? AND deleted = 0", (village,)):
        raise StoreError(f"没有“{village}”这个村。请用村的全称（fupin villages 列出各村）。")
    where, params = "h.deleted = 0", []
    if village is not None:
        where += " AND v.name = ?"
        params.append(village)
    heads = db.query(
        "SELECT h.id, h.uuid, h.number, h.group_name, h.head_name, v.name AS village,"
        " json_extract(h.fields, '$.exit_flag') AS exit_flag, json_extract(h.fields, '$.standard') AS standard,"
        " json_extract(h.fields, '$.per_capita_income') AS per_capita_income"
        f" FROM households h JOIN villages v ON v.id = h.village_id WHERE {where} ORDER BY h.number, h.id",
        tuple(params))
    items = {str(r["uuid"]): ReviewItem(int(r["id"]), str(r["uuid"]), str(r["number"]), str(r["village"]),
                                        str(r["group_name"]), str(r["head_name"])) for r in heads}
    fields = {str(r["uuid"]): {k: r[k] for k in ("exit_flag", "standard", "per_capita_income")} for r in heads}
    past = _past_incomes(db, year, rules.income_years - 1)
    last = _snapshot_people(db, year - 1)
    last_by_household: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for u, p in last:
        last_by_household[u][p["id_number"]] = p
    closed = bool(closed_years(db))
    rows_of = _row_counts(db)
    members = _live_people(db)
    since = _year_start(db, year)
    updated = _last_updates(db)
    for uuid, item in items.items():
        f = fields[uuid]
        status = f.get("exit_flag") or ""
        helped = status in rules.not_exited or not status
        # 1. above the line several years running
        line = policy.income_line(year, f.get("standard"))
        incomes = [_money(f.get("per_capita_income")), *[_money(p.get(uuid)) for p in past]]
        if helped and line is not None and all(i is not None and i > line.amount for i in incomes):
            item.reasons.append(f"脱贫候选：年人均纯收入连续 {len(incomes)} 年高于扶贫标准（{line.describe()}）")
        # 2. deaths, serious illness or disability newly recorded
        mine = members.get(item.household_id, [])
        for m in mine:
            if m["change"] == DEATH and not m["deleted"]:
                item.reasons.append(f"新增死亡：{m['name']}")
        before = last_by_household.get(uuid, {})
        for m in mine:
            if m["deleted"] or m["change"] in LEFT_HOUSEHOLD or m["health"] not in rules.serious_health:
                continue
            old = before.get(m["id_number"])
            if uuid in last_by_household and (old is None or old["health"] != m["health"]):
                item.reasons.append(f"新登记{m['health']}：{m['name']}")
        # 3. no measure or helper
        if helped:
            if not rows_of["measures"].get(item.household_id):
                item.reasons.append("没有帮扶措施")
            if not rows_of["helpers"].get(item.household_id):
                item.reasons.append("没有帮扶责任人")
        # 4. not updated this year
        if (updated.get(uuid) or "") < since:
            item.reasons.append(f"本年度（{year}）档案尚未更新")
        # 5. a member gone without a reason
        here = {m["id_number"] for m in mine if not m["deleted"]}
        for number, p in before.items():
            if p["current"] and number and number not in here:
                item.reasons.append(f"成员{p['name']}上年度在册，本年度档案中没有了，也没有减少原因（死亡、婚出、迁出……）")
    _split_households(db, items, members, last, closed, year)
    marks = {str(r[0]): (str(r[1]), str(r[2])) for r in db.query(
        "SELECT household_uuid, at, note FROM review_marks WHERE period = ?", (period,))}
    out = []
    for uuid, item in items.items():
        if uuid in marks:
            item.reviewed_at, item.note = marks[uuid]
        if item.reasons:
            out.append(item)
    return out


def _split_households(db: Database, items: dict[str, ReviewItem], members: dict[int, list[dict[str, Any]]],
                      last: list[tuple[str, dict[str, Any]]], closed: bool, year: int) -> None:
    """拆户、分户、空挂户: a person now in a household new this year who was in another one (last
    year's file, or this year's with a 减少), named in both files' reasons."""
    places = {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in db.query(
        "SELECT h.uuid, h.id, h.number, h.head_name, v.name, json_extract(h.fields, '$.identified_year')"
        " FROM households h JOIN villages v ON v.id = h.village_id WHERE h.deleted = 0")}
    with_past = {str(r[0]) for r in db.query("SELECT DISTINCT household_uuid FROM year_snapshots")}
    by_id = {v[0]: u for u, v in places.items()}
    came_from: dict[str, list[str]] = defaultdict(list)  # id_number -> uuids it was in
    for uuid, p in last:
        if p["current"] and p["id_number"]:
            came_from[p["id_number"]].append(uuid)
    for household_id, rows in members.items():
        for m in rows:
            if not m["deleted"] and m["change"] in LEFT_HOUSEHOLD and m["id_number"]:
                came_from[m["id_number"]].append(by_id.get(household_id, ""))

    def where(uuid: str) -> str:
        _, number, head, village, _ = places[uuid]
        return f"{village} 户编号 {number}（户主 {head or '未填'}）"

    for household_id, rows in members.items():
        found = by_id.get(household_id)
        if found is None:
            continue
        uuid = str(found)
        identified = places[uuid][4]
        new = (closed and uuid not in with_past) or identified == year
        if not new:
            continue
        for m in rows:
            if m["deleted"] or m["change"] in LEFT_HOUSEHOLD or not m["id_number"]:
                continue
            for other in dict.fromkeys(came_from.get(m["id_number"], [])):
                if other == uuid or other not in places:
                    continue
                text = (f"疑似拆户、分户或空挂户：{m['name']}原在 {where(other)}，"
                        f"现登记在本年度新户 {where(uuid)}，请乡镇审核两户档案")
                for u in (uuid, other):
                    if u in items and text not in items[u].reasons:
                        items[u].reasons.append(text)


def _past_incomes(db: Database, year: int, years_back: int) -> list[dict[str, str]]:
    """For each of the ``years_back`` closed years before ``year``: uuid -> per-capita income."""
    return [{str(r[0]): str(r[1]) for r in db.query(
        "SELECT household_uuid, per_capita_income FROM year_snapshots WHERE year = ?", (year - k,))}
        for k in range(1, years_back + 1)]


def _snapshot_people(db: Database, year: int) -> list[tuple[str, dict[str, Any]]]:
    """(household uuid, person) of every member row of the files of ``year``."""
    out = []
    for r in db.query(
            "SELECT s.household_uuid, json_extract(m.value, '$.id_number'), json_extract(m.value, '$.name'),"
            " json_extract(m.value, '$.fields.health'), json_extract(m.value, '$.fields.change')"
            " FROM year_snapshots s, json_each(s.payload, '$.members') m WHERE s.year = ?", (year,)):
        out.append((str(r[0]), {"id_number": r[1] or "", "name": r[2] or "", "health": r[3] or "",
                                "current": r[4] not in LEFT_HOUSEHOLD}))
    return out


def _live_people(db: Database) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in db.query("SELECT m.household_id, m.name, m.id_number, json_extract(m.fields, '$.health'),"
                      " json_extract(m.fields, '$.change'), m.deleted FROM members m"
                      " JOIN households h ON h.id = m.household_id WHERE h.deleted = 0 ORDER BY m.household_id, m.seq"):
        out[int(r[0])].append({"name": r[1], "id_number": r[2], "health": r[3] or "", "change": r[4] or "",
                               "deleted": bool(r[5])})
    return out


def _row_counts(db: Database) -> dict[str, dict[int, int]]:
    return {t: {int(r[0]): int(r[1]) for r in db.query(
        f"SELECT household_id, COUNT(*) FROM {t} WHERE deleted = 0 GROUP BY household_id")}
        for t in ("measures", "helpers")}


def _year_start(db: Database, year: int) -> str:
    """Since when a file counts as updated this year: the carry-over into it, else 1 January."""
    row = db.query_one("SELECT MAX(at) FROM year_log WHERE to_year = ?", (year,))
    return str(row[0]) if row and row[0] else f"{year:04d}-01-01"


def _last_updates(db: Database) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in db.query(
        "SELECT household_uuid, MAX(at) FROM audit WHERE action IN (?, ?, ?) AND household_uuid IS NOT NULL"
        " GROUP BY household_uuid", UPDATING)}


def mark_reviewed(db: Database, household_uuid: str, note: str, operator: str, *, period: str | None = None) -> None:
    """Mark a household reviewed for the period, with the reviewer's note (replaces an earlier
    mark); a 审核员's decision, in the audit trail like every write."""
    access.require(db, Action.DECIDE, household_uuid=household_uuid)
    if not db.query_one("SELECT 1 FROM households WHERE uuid = ? AND deleted = 0", (household_uuid,)):
        raise StoreError("找不到该户，可能已被删除。")
    period = period or period_of()
    old = db.query_one("SELECT note FROM review_marks WHERE household_uuid = ? AND period = ?", (household_uuid, period))
    with db.transaction():
        audit.record(db, operator=operator, action="update" if old else "create", entity="review_marks",
                     entity_uuid=f"{household_uuid}:{period}", household_uuid=household_uuid, field="半年审核调整",
                     old=old[0] if old else None, new=note.strip())
        db.execute("INSERT INTO review_marks (household_uuid, period, note, operator, at) VALUES (?, ?, ?, ?, ?)"
                   " ON CONFLICT (household_uuid, period) DO UPDATE SET note = excluded.note,"
                   " operator = excluded.operator, at = excluded.at",
                   (household_uuid, period, note.strip(), operator, now_iso()))


__all__ = ["ReviewItem", "mark_reviewed", "period_of", "review_list"]
