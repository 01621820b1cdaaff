"""Registration years: the current year, frozen snapshots of closed years, the carry-over, counts.

The live tables hold the files of the year being worked on (``households.year``, 登记年度); a
closed year is a set of read-only snapshots in ``year_snapshots``, one per (household, year): the
whole file as JSON (the sync bundle shape, current rows only, plus the village's name) and the
columns the history, the counts and the review list read.  Nothing else in the store changes.

:func:`carry_over` (结转下一年度) snapshots every registered household of an earlier year and
rolls its live file to the new year as ``forms/years.toml`` declares (rules/years.py): incomes
and the year's 帮扶成效 cleared, members who left dropped (their reason stays in the snapshot),
last year's 人员变更 cleared.  It works in chunks, each one transaction: a household is
snapshotted and rolled together or not at all, so an interrupted run is completed by running it
again, and a second run carries nothing new.  The caller makes the backup first
(``services``/commands do: :func:`fupin_desktop.store.backups.before`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from fupin_desktop.domain.household import LEFT_HOUSEHOLD
from fupin_desktop.domain.roles import Action
from fupin_desktop.domain.text import pinyin_initials
from fupin_desktop.formspec import FormSpec
from fupin_desktop.store import access, audit, backups, search_index, settings
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.database import Database, StoreError, now_iso
from fupin_desktop.store.sync_records import SyncTables

if TYPE_CHECKING:  # the year rules are read when first needed (the window's year menu does not)
    from fupin_desktop.rules.years import CarryRules

CHUNK = 500
#: The reason of the backup a carry-over makes first (store/backups.py).
CARRY_REASON = "年度结转"
BIRTH, DEATH = "新生儿", "死亡"
YEAR_RANGE = (2013, 2100)
Progress = Callable[[int, int], None]


class YearRefused(StoreError):
    """A year operation that cannot be done; ``str(exc)`` says why and what to do.  Nothing changed."""


@dataclass
class CarryResult:
    from_year: int
    to_year: int
    carried: int = 0
    skipped: int = 0
    backup: str | None = None
    dropped_members: int = 0
    cleared_results: int = 0
    villages: dict[str, int] = field(default_factory=dict)  # village -> households carried
    cancelled: bool = False

    @property
    def change(self) -> Change:
        """Every view reloads: the live files moved to the new year, and the current year with them."""
        return Change.of(ChangeKind.IMPORT, everything=True, count=self.carried,
                         settings=(settings.CURRENT_YEAR.key,))

    def to_json(self) -> dict[str, Any]:
        return {"carried": self.carried, "skipped": self.skipped, "backup": self.backup,
                "from_year": self.from_year, "to_year": self.to_year, "dropped_members": self.dropped_members,
                "cleared_results": self.cleared_results, "villages": self.villages, "cancelled": self.cancelled}


# -- which township (at the county: each township's years) -------------------------------------------
#: A township's villages (NULL township code: the database's own township).
_TOWNSHIP_VILLAGES = ("SELECT v.id FROM villages v LEFT JOIN township t ON t.id = 1"
                      " WHERE COALESCE(v.township_code, t.code) = ?")


def _snapshots_of(township_code: str | None) -> tuple[str, tuple[Any, ...]]:
    """A condition keeping one township's snapshots (none: every township's)."""
    if township_code is None:
        return "", ()
    return " AND COALESCE(township_code, (SELECT code FROM township WHERE id = 1)) = ?", (township_code,)


def _households_of(township_code: str | None) -> tuple[str, tuple[Any, ...]]:
    """A condition keeping one township's live households (none: every township's)."""
    if township_code is None:
        return "", ()
    return f" AND village_id IN ({_TOWNSHIP_VILLAGES})", (township_code,)


# -- which year -------------------------------------------------------------------------------------
def live_year(db: Database, township_code: str | None = None) -> int:
    """The year of the live files (the latest 登记年度 held), this calendar year's when none;
    ``township_code``: that township's (at the county, townships carry over each in its time)."""
    where, params = _households_of(township_code)
    year = db.query_one(f"SELECT MAX(year) FROM households WHERE deleted = 0{where}", params)
    return int(year[0]) if year and year[0] else date.today().year


def current_year(db: Database) -> int:
    """The year the clerk works in or looks at: the setting, else the live files' year."""
    return settings.CURRENT_YEAR.get(db) or live_year(db)


def closed_years(db: Database, township_code: str | None = None) -> list[int]:
    where, params = _snapshots_of(township_code)
    return [int(r[0]) for r in db.query(f"SELECT DISTINCT year FROM year_snapshots WHERE 1 = 1{where} ORDER BY year",
                                        params)]


def years(db: Database, township_code: str | None = None) -> list[int]:
    """Every year the store holds files of: the closed years and the live one (of one township:
    at the county, a township whose new year's files have not arrived yet has its closed years)."""
    closed = closed_years(db, township_code)
    if township_code is not None and closed:
        where, params = _households_of(township_code)
        if not db.query_one(f"SELECT 1 FROM households WHERE deleted = 0{where} LIMIT 1", params):
            return closed
    return sorted(set(closed) | {live_year(db, township_code)})


def is_read_only_year(db: Database, year: int | None = None) -> bool:
    """Whether ``year`` (the current one when None) is a closed year, shown read-only."""
    return (year if year is not None else current_year(db)) != live_year(db)


def switch(db: Database, year: int) -> None:
    """Work in (or look at) ``year``; refused for a year the store holds no files of."""
    held = years(db)
    if year not in held:
        raise YearRefused(f"没有 {year} 年度的数据。已有年度：{'、'.join(map(str, held))}。"
                          "要建立下一年度，请用“结转下一年度”（fupin year carry-over --to 年度）。")
    settings.CURRENT_YEAR.put(db, 0 if year == live_year(db) else year)


# -- carry-over ---------------------------------------------------------------------------------------
def check_target(db: Database, to_year: int) -> int:
    """The year carried from; refuses a target that is not the live year or the next one."""
    live = live_year(db)
    if not YEAR_RANGE[0] <= to_year <= YEAR_RANGE[1]:
        raise YearRefused(f"年度应在 {YEAR_RANGE[0]}-{YEAR_RANGE[1]} 之间，现为 {to_year}。")
    if to_year not in (live, live + 1):
        raise YearRefused(f"当前登记年度是 {live} 年，只能结转到 {live + 1} 年（现为 {to_year}）。"
                          "请逐年结转，不能跳过或回到以前的年度。")
    return to_year - 1


def pending(db: Database, to_year: int) -> int:
    """Households a carry-over to ``to_year`` would still carry (0: a run would change nothing)."""
    return db.integer("SELECT COUNT(*) FROM households WHERE deleted = 0 AND COALESCE(year, ?) < ?",
                      (to_year - 1, to_year))


def carry_over(db: Database, to_year: int, operator: str, *, backup: str | None = None,
               progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> CarryResult:
    """Carry every registered household of an earlier year over to ``to_year`` (see the module)."""
    access.require(db, Action.CARRY_OVER)
    from fupin_desktop.rules.years import year_rules

    from_year = check_target(db, to_year)
    rules = year_rules().carry
    result = CarryResult(from_year=from_year, to_year=to_year, backup=backup)
    ids = [int(r[0]) for r in db.query(
        "SELECT id FROM households WHERE deleted = 0 AND COALESCE(year, ?) < ? ORDER BY id", (from_year, to_year))]
    result.skipped = db.integer("SELECT COUNT(*) FROM households WHERE deleted = 0 AND year >= ?", (to_year,))
    tables = SyncTables(db)
    for start in range(0, len(ids), CHUNK):
        if cancelled is not None and cancelled():
            result.cancelled = True
            break
        chunk = ids[start:start + CHUNK]
        now = now_iso()
        with db.transaction():
            villages = _village_names(db, chunk)
            for household_id, bundle in tables.bundles(chunk):
                if bundle["deleted"] or (bundle["year"] or from_year) >= to_year:
                    continue  # deleted or carried meanwhile
                village, township_code = villages[household_id]
                _carry_one(db, household_id, bundle, village, township_code, to_year, from_year, operator, now,
                           rules, result)
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    with db.transaction():
        if result.carried or not settings.CURRENT_YEAR.is_set(db):
            settings.CURRENT_YEAR.put(db, 0)  # work in the new year
        if result.carried:
            db.execute("INSERT INTO year_log (from_year, to_year, carried, skipped, backup, operator, at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (from_year, to_year, result.carried, result.skipped, backup or "", operator, now_iso()))
    return result


def carry_over_safely(db: Database, to_year: int, operator: str, *, progress: Progress | None = None,
                      cancelled: Callable[[], bool] | None = None) -> CarryResult:
    """:func:`carry_over` after the dated backup it is undone with (none when nothing is left to
    carry: a second run changes nothing).  A backup that cannot be made refuses the carry-over."""
    access.require(db, Action.CARRY_OVER)  # before the backup it would make
    check_target(db, to_year)
    backup = None
    if pending(db, to_year):
        backup = str(backups.before(db, CARRY_REASON).path)
    return carry_over(db, to_year, operator, backup=backup, progress=progress, cancelled=cancelled)


def _village_names(db: Database, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    marks = ",".join("?" * len(ids))
    rows = db.query("SELECT h.id, v.name, v.township_code FROM households h JOIN villages v ON v.id = h.village_id"
                    f" WHERE h.id IN ({marks})", tuple(ids))
    return {int(r[0]): (str(r[1]), r[2]) for r in rows}


def _carry_one(db: Database, household_id: int, bundle: dict[str, Any], village: str, township_code: str | None,
               to_year: int, from_year: int, operator: str, now: str, rules: CarryRules, result: CarryResult) -> None:
    year = int(bundle["year"] or from_year)
    payload = snapshot_payload(bundle, village, year)
    _insert_snapshot(db, payload, township_code, now)
    fields = {k: v for k, v in bundle["fields"].items() if k not in rules.clear_fields}
    fields["year"] = to_year
    db.execute("UPDATE households SET year = ?, fields = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
               (to_year, json.dumps(fields, ensure_ascii=False, sort_keys=True), now, household_id))
    dropped = False
    for row in bundle["members"]:
        if row["deleted"]:
            continue
        data = row["fields"]
        if data.get("change") in rules.drop_members_with_change:
            db.execute("UPDATE members SET deleted = 1, revision = revision + 1, updated_at = ? WHERE uuid = ?",
                       (now, row["uuid"]))
            result.dropped_members += 1
            dropped = True
        elif any(k in data for k in rules.clear_member_fields):
            kept = {k: v for k, v in data.items() if k not in rules.clear_member_fields}
            db.execute("UPDATE members SET fields = ?, revision = revision + 1, updated_at = ? WHERE uuid = ?",
                       (json.dumps(kept, ensure_ascii=False, sort_keys=True), now, row["uuid"]))
    for table in rules.clear_tables:
        live = [r["uuid"] for r in bundle[table] if not r["deleted"]]
        for uuid in live:  # table names come from forms/years.toml, checked against TABLES below
            db.execute(f"UPDATE {_table(table)} SET deleted = 1, revision = revision + 1, updated_at = ?"
                       " WHERE uuid = ?", (now, uuid))
        result.cleared_results += len(live)
    if dropped:
        from fupin_desktop.rules.years import current_of

        search_index.write(db, household_id, _search_text(bundle["number"], current_of(bundle["members"])))
    audit.record(db, operator=operator, action="carry_over", entity="household", entity_uuid=bundle["uuid"],
                 household_uuid=bundle["uuid"], field="year", old=year, new=to_year, at=now)
    result.carried += 1
    result.villages[village] = result.villages.get(village, 0) + 1


def _table(name: str) -> str:
    if name not in ("members", "helpers", "plans", "measures", "results"):
        raise ValueError(f"forms/years.toml names an unknown table {name!r}")
    return name


def _search_text(number: str, members: list[Any]) -> str:
    parts = [number]
    for m in members:
        name = str(m.get("name") or "")
        parts += [name, pinyin_initials(name), str(m.get("id_number") or "")]
    return " | ".join(p for p in parts if p)


# -- snapshots ------------------------------------------------------------------------------------------
def snapshot_payload(bundle: dict[str, Any], village: str, year: int) -> dict[str, Any]:
    """A household bundle as a closed year's file: current rows only, the village's name, the year."""
    payload = {k: v for k, v in bundle.items() if k not in ("members", "helpers", "plans", "measures", "results")}
    for table in ("members", "helpers", "plans", "measures", "results"):
        payload[table] = [r for r in bundle.get(table, []) if not r.get("deleted")]
    payload.update(village=village, year=year, deleted=False)
    return payload


def _insert_snapshot(db: Database, payload: dict[str, Any], township_code: str | None, now: str) -> bool:
    """Keep one closed year's file (a snapshot already kept for that year is never replaced)."""
    f = payload.get("fields") or {}
    members = [m.get("fields") or {} for m in payload.get("members", [])]
    causes = [c for c in [f.get("main_cause"), *(f.get("other_causes") or [])] if c]
    cur = db.execute(
        "INSERT INTO year_snapshots (household_uuid, year, township_code, village, group_name, number,"
        " head_name, exit_flag, household_type, causes, size, per_capita_income, identified_year, exit_year,"
        " births, deaths, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (household_uuid, year) DO NOTHING",
        (payload["uuid"], int(payload["year"]), township_code, payload.get("village") or "",
         payload.get("group_name") or "", payload.get("number") or "", payload.get("head_name") or "",
         f.get("exit_flag") or "", f.get("household_type") or "", json.dumps(causes, ensure_ascii=False),
         sum(1 for m in members if m.get("change") not in LEFT_HOUSEHOLD), str(f.get("per_capita_income") or ""),
         _year_or_none(f.get("identified_year")), _year_or_none(f.get("exit_year")),
         sum(1 for m in members if m.get("change") == BIRTH), sum(1 for m in members if m.get("change") == DEATH),
         json.dumps(payload, ensure_ascii=False, sort_keys=True), now),
    )
    return cur.rowcount > 0


def _year_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def add_snapshots(db: Database, snapshots: list[dict[str, Any]], township_code: str | None) -> int:
    """Keep snapshots another database made (a township's, at the county); returns how many were new."""
    now = now_iso()
    added = 0
    with db.transaction():
        for payload in snapshots:
            added += _insert_snapshot(db, payload, township_code, now)
    return added


def snapshot(db: Database, household_uuid: str, year: int) -> dict[str, Any] | None:
    row = db.query_one("SELECT payload FROM year_snapshots WHERE household_uuid = ? AND year = ?",
                       (household_uuid, year))
    return json.loads(row[0]) if row else None


@dataclass(frozen=True)
class SnapshotSummary:
    """One line of a closed year's household list."""

    household_uuid: str
    year: int
    village: str
    group: str
    number: str
    head_name: str
    size: int
    exit_flag: str
    household_type: str
    per_capita_income: str


def snapshot_summaries(db: Database, year: int, *, village: str | None = None) -> list[SnapshotSummary]:
    where = "year = ?"
    params: list[Any] = [year]
    if village is not None:
        where += " AND village = ?"
        params.append(village)
    rows = db.query("SELECT household_uuid, year, village, group_name, number, head_name, size, exit_flag,"
                    f" household_type, per_capita_income FROM year_snapshots WHERE {where}"
                    " ORDER BY village, group_name, number", tuple(params))
    return [SnapshotSummary(*tuple(r)) for r in rows]


def snapshots_since(db: Database, after_id: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row id, payload)`` of this township's own snapshots after ``after_id`` (for a sync batch)."""
    for r in db.query("SELECT id, payload FROM year_snapshots WHERE township_code IS NULL AND id > ? ORDER BY id",
                      (after_id,)):
        yield int(r[0]), json.loads(r[1])


# -- history ------------------------------------------------------------------------------------------------
def live_payload(db: Database, household_id: int) -> dict[str, Any] | None:
    """The live file of a household in the snapshot shape."""
    for _, bundle in SyncTables(db).bundles([household_id]):
        village = db.query_one("SELECT v.name FROM households h JOIN villages v ON v.id = h.village_id"
                               " WHERE h.id = ?", (household_id,))
        return snapshot_payload(bundle, str(village[0]) if village else "", int(bundle["year"] or live_year(db)))
    return None


def history(db: Database, spec: FormSpec, household_uuid: str) -> list[dict[str, Any]]:
    """Per year (oldest first): 脱贫状态, size, per-capita income, causes and what changed."""
    from fupin_desktop.rules.years import current_of, diff_labels, year_diff

    files = [json.loads(r[0]) for r in db.query(
        "SELECT payload FROM year_snapshots WHERE household_uuid = ? ORDER BY year", (household_uuid,))]
    live = db.query_one("SELECT id FROM households WHERE uuid = ? AND deleted = 0", (household_uuid,))
    current = live_payload(db, int(live[0])) if live is not None else None
    if current is not None and all(p["year"] != current["year"] for p in files):
        files.append(current)
    labels = diff_labels(spec)
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for p in files:
        f = p.get("fields") or {}
        out.append({
            "year": p["year"], "exit_status": f.get("exit_flag") or "", "size": len(current_of(p.get("members") or [])),
            "per_capita_income": f.get("per_capita_income"), "household_type": f.get("household_type") or "",
            "causes": [c for c in [f.get("main_cause"), *(f.get("other_causes") or [])] if c],
            "number": p.get("number") or "", "head_name": p.get("head_name") or "",
            "live": p is current,
            "changes": year_diff(previous, p, labels),
        })
        previous = p
    return out


def uuids_by_number(db: Database, number: str) -> list[str]:
    """Households (live first, then closed years only) holding this 户编号."""
    live = [str(r[0]) for r in db.query("SELECT uuid FROM households WHERE number = ? AND deleted = 0 ORDER BY id",
                                        (number,))]
    old = [str(r[0]) for r in db.query("SELECT DISTINCT household_uuid FROM year_snapshots WHERE number = ?",
                                       (number,)) if r[0] not in live]
    return live or old


# -- counts per year ---------------------------------------------------------------------------------------
def _year_files(db: Database, year: int, township_code: str | None = None) -> dict[str, tuple[str, int, int, int]]:
    """uuid -> (脱贫状态, size, births, deaths) of every file of ``year`` (snapshots, else the live ones)."""
    snap_where, snap_params = _snapshots_of(township_code)
    rows = db.query("SELECT household_uuid, exit_flag, size, births, deaths FROM year_snapshots WHERE year = ?"
                    f"{snap_where}", (year, *snap_params))
    if rows:
        return {str(r[0]): (str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}
    if year != live_year(db, township_code):
        return {}
    live_where, live_params = _households_of(township_code)
    events: dict[int, tuple[int, int]] = {  # household id -> (births, deaths): one pass over the members
        int(r[0]): (int(r[1]), int(r[2])) for r in db.query(
            "SELECT household_id, SUM(c = ?), SUM(c = ?) FROM (SELECT household_id,"
            " json_extract(fields, '$.change') AS c FROM members WHERE deleted = 0) AS m WHERE c IN (?, ?)"
            " GROUP BY household_id", (BIRTH, DEATH, BIRTH, DEATH))}
    out: dict[str, tuple[str, int, int, int]] = {}
    for r in db.query("SELECT id, uuid, COALESCE(json_extract(fields, '$.exit_flag'), ''), size FROM households"
                      f" WHERE deleted = 0 AND COALESCE(year, ?) = ?{live_where}", (year, year, *live_params)):
        births, deaths = events.get(int(r[0]), (0, 0))
        out[str(r[1])] = (str(r[2]), int(r[3]), births, deaths)
    return out


def year_counts(db: Database, year: int, township_code: str | None = None) -> dict[str, int]:
    """The township's counts of ``year`` from its files: registered households and persons, exits,
    returns and new entries (against the year before), births and deaths recorded in the year.
    At the county: every township's together, or one township's (``township_code``)."""
    from fupin_desktop.rules.years import year_rules

    rules = year_rules().review
    files = _year_files(db, year, township_code)
    before = _year_files(db, year - 1, township_code)
    exits = returns = new = 0
    for uuid, (status, _, _, _) in files.items():
        old = before.get(uuid)
        if old is None:
            new += 1 if before else 0
        if status in rules.exited and (old is None or old[0] not in rules.exited) and before:
            exits += 1
        if status == rules.returned and (old is None or old[0] != rules.returned) and before:
            returns += 1
    if not before:  # the first year held: entries and exits as the files themselves date them
        new = _dated(db, files, year, "identified_year", township_code)
        exits = _dated(db, files, year, "exit_year", township_code)
    return {"year": year, "households": len(files), "persons": sum(v[1] for v in files.values()),
            "exits": exits, "returns": returns, "new": new,
            "births": sum(v[2] for v in files.values()), "deaths": sum(v[3] for v in files.values())}


def _dated(db: Database, files: dict[str, Any], year: int, key: str, township_code: str | None = None) -> int:
    """Files of ``year`` whose ``key`` (新识别年度, 脱贫年度) is ``year``."""
    if not files:
        return 0
    snap_where, snap_params = _snapshots_of(township_code)
    n = db.integer(f"SELECT COUNT(*) FROM year_snapshots WHERE year = ? AND {key} = ?{snap_where}",
                   (year, year, *snap_params))
    if n or closed_years(db, township_code).count(year):
        return n
    live_where, live_params = _households_of(township_code)
    return db.integer(f"SELECT COUNT(*) FROM households WHERE deleted = 0 AND COALESCE(year, ?) = ?"
                      f" AND CAST(json_extract(fields, '$.{key}') AS TEXT) = ?{live_where}",
                      (year, year, str(year), *live_params))


def carry_log(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT from_year, to_year, carried, skipped, backup, operator, at"
                                      " FROM year_log ORDER BY id")]


__all__ = ["CarryResult", "SnapshotSummary", "YearRefused", "add_snapshots", "carry_log", "carry_over",
           "carry_over_safely",
           "check_target", "closed_years", "current_year", "history", "is_read_only_year", "live_year", "pending",
           "snapshot", "snapshot_summaries", "switch", "uuids_by_number", "year_counts", "years"]
