"""The database file: numbered migrations, pragmas, refusing newer or damaged files.

Every migration ``store/migrations/NNNN_name.sql`` needs a ``test_migration_NNNN_*`` test
here (checked by :func:`test_every_migration_has_a_test`, in the spirit of Picard's
config-upgrade hooks).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

import pytest

from fupin_desktop.domain.text import pinyin_sort_key
from fupin_desktop.store import Database, DatabaseCorrupt, DatabaseTooNew, Store, StoreError, backups
from fupin_desktop.store.database import (
    APPLICATION_ID,
    MIGRATIONS_PACKAGE,
    migration_hook,
    migrations,
    schema_version,
)
from tests.helpers import full_household, make_store

T = TypeVar("T")

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TABLES_0001 = {
    "settings", "township", "villages", "village_groups", "households", "members", "helpers",
    "plans", "measures", "results", "drafts", "audit", "household_search",
}


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def table_names(db: Database) -> set[str]:
    return {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def migrations_up_to(monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    """The program knows migrations 1..``version`` only (as that older program did)."""
    from fupin_desktop.store import database

    steps = migrations()[:version]
    monkeypatch.setattr(database, "migrations", lambda: steps)


def older_database(tmp_path: Path, version: int, fill: Callable[[Store], T]) -> tuple[Path, T]:
    """``tmp_path/township.db`` at schema ``version``, holding what ``fill(store)`` saved.

    ``fill`` writes with today's repositories into a current database (``current.db``); its rows
    are copied into a file made by migrations 1..``version`` only, in the columns each old table
    has (migrations add tables and columns, never drop them): the file an older program left.
    """
    current = make_store(tmp_path, "current.db")
    try:
        result = fill(current)
    finally:
        current.close()
    path = tmp_path / "township.db"
    with pytest.MonkeyPatch.context() as m:
        migrations_up_to(m, version)
        Database(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS today", (str(tmp_path / "current.db"),))
        conn.execute("BEGIN")
        for _schema, table, kind, *_ in conn.execute("PRAGMA main.table_list").fetchall():
            if table.startswith("sqlite_") or kind not in ("table", "virtual"):
                continue  # FTS5 keeps its index in shadow tables, filled by inserting into it
            new = {r[1] for r in conn.execute(f"PRAGMA today.table_info({table})")}
            old = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})") if r[1] in new]
            cols = ", ".join(["rowid"] * (kind == "virtual") + old)
            conn.execute(f"DELETE FROM main.{table}")
            conn.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM today.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE today")
    finally:
        conn.close()
    return path, result


# -- per-migration tests ------------------------------------------------------------
def test_migration_0001_init(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with Database(path) as db:
        assert db.user_version >= 1  # later migrations run too on a new file
        assert TABLES_0001 <= table_names(db)
        for table in ("township", "villages", "village_groups", "households", "members", "helpers",
                      "plans", "measures", "results"):
            columns = {r["name"] for r in db.query(f"PRAGMA table_info({table})")}
            assert {"uuid", "revision", "updated_at"} <= columns, table
            if table != "township":
                assert "deleted" in columns, table  # deletions are tombstones
        audit_columns = {r["name"] for r in db.query("PRAGMA table_info(audit)")}
        assert {"at", "operator", "action", "entity", "entity_uuid", "field", "old", "new"} <= audit_columns
        # FTS5 with the trigram tokenizer is available in this SQLite build.
        sql = db.query_one("SELECT sql FROM sqlite_master WHERE name = 'household_search'")[0]
        assert "trigram" in sql
        # A fresh database is not backed up (there is nothing to lose).
    assert not (tmp_path / "backups").exists()


def test_migration_0002_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A populated version-1 township file moves to version 2 with its data intact and a backup."""
    path, saved = older_database(
        tmp_path, 1, lambda store: store.households.save(full_household(store.spec, seed=4), "测试")
    )
    migrations_up_to(monkeypatch, 2)
    before = sqlite3.connect(path)
    assert before.execute("PRAGMA user_version").fetchone()[0] == 1
    counts = {t: before.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("villages", "village_groups", "households", "members", "audit")}
    before.close()

    with Store(path) as store:
        db = store.db
        assert db.user_version == schema_version()
        assert {"sync_keys", "sync_county", "sync_townships", "sync_batch_log", "sync_received",
                "sync_conflicts", "sync_duplicates", "sync_rejections", "sync_outbox", "sync_exported",
                "sync_feedback"} <= table_names(db)
        for table, n in counts.items():
            assert db.query_one(f"SELECT COUNT(*) FROM {table}")[0] == n, table
        # Existing villages belong to this database's own township.
        assert db.query_one("SELECT COUNT(*) FROM villages WHERE township_code IS NOT NULL")[0] == 0
        # Village names are now unique per township: another township may have a 炉场村 too.
        with db.transaction():
            db.execute("INSERT INTO villages (uuid, name, updated_at, township_code) VALUES ('x', '炉场村', 'now', '510822106')")
        with pytest.raises(sqlite3.IntegrityError), db.transaction():
            db.execute("INSERT INTO villages (uuid, name, updated_at) VALUES ('y', '炉场村', 'now')")
        summary = store.households.summaries([saved.id])[0]
        assert (summary.township, summary.township_code) == ("茶坝乡", "510822105")
        assert store.households.get(saved.id).fields["number"] == saved.fields["number"]
    # A dated, verified backup of reason 升级 in backups/ beside the database, still at version 1.
    [backup] = list((tmp_path / "backups").glob("茶坝乡-*-升级.db"))
    info = backups.verify(backup)
    assert info.problem is None and (info.reason, info.schema_version, info.households) == ("升级", 1, 1)
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.close()


HEADS_0003 = ("张三", "章三", "安娜", "白雪", "陈静", "曾国强", "单田芳", "王𠮷", "王五", "阿依古丽·买买提",
              "吕布", "卢小兵")
#: Their pinyin order, 曾 and 单 aside (a 多音字: pypinyin's reading may differ between its versions).
PINYIN_ORDER_0003 = ["阿依古丽·买买提", "安娜", "白雪", "陈静", "卢小兵", "吕布", "王五", "王𠮷", "张三", "章三"]
HOOK_0003 = f"{MIGRATIONS_PACKAGE}.0003_head_sort"


def save_heads(store: Store, heads: tuple[str, ...]) -> list[int]:
    return [store.households.save(full_household(store.spec, seed=i, names=(head, "李梅")), "测试", reload=False).id
            for i, head in enumerate(heads)]


def test_migration_0003_head_sort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A populated version-2 file: every household gets the pinyin key of its 户主姓名, under a
    partial index, and the list sorted by 户主姓名 is in pinyin order."""
    monkeypatch.setattr(importlib.import_module(HOOK_0003), "BATCH", 5)  # several batches, the last short

    def fill(store: Store) -> None:
        save_heads(store, HEADS_0003)
        gone = store.households.save(full_household(store.spec, seed=99, names=("艾青", "李梅")), "测试")
        store.households.delete(gone.id, "测试")

    path, _ = older_database(tmp_path, 2, fill)
    with sqlite3.connect(path) as before:
        assert before.execute("PRAGMA user_version").fetchone()[0] == 2
        stamps = before.execute("SELECT id, revision, updated_at FROM households ORDER BY id").fetchall()
        audit_rows = before.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    before.close()

    with Store(path) as store:
        db = store.db
        assert db.user_version == schema_version()
        rows = db.query("SELECT head_name, head_sort, deleted FROM households")
        assert len(rows) == len(HEADS_0003) + 1 and any(r["deleted"] for r in rows)  # tombstones too
        assert all(r["head_sort"] == pinyin_sort_key(r["head_name"]) != "" for r in rows)
        index = db.query_one("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'households_head_sort'")
        assert index is not None and "(head_sort) WHERE deleted = 0" in index[0]
        # Sorting the list by 户主姓名 reads that index (no sorting step) and gives pinyin order.
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        ids = store.households.ids(order="head_name")
        db.conn.set_trace_callback(None)
        plan = " ".join(r[3] for r in db.query("EXPLAIN QUERY PLAN " + statements[-1]))
        assert "USING INDEX households_head_sort" in plan and "TEMP B-TREE" not in plan, plan
        listed = [s.head_name for s in store.households.summaries(ids)]
        assert listed == sorted(HEADS_0003, key=pinyin_sort_key)
        assert [n for n in listed if n[0] not in "曾单"] == PINYIN_ORDER_0003
        # Filled in, not edited: revisions, times and the audit trail stay as they were.
        assert [tuple(r) for r in db.query("SELECT id, revision, updated_at FROM households ORDER BY id")] == stamps
        assert db.query_one("SELECT COUNT(*) FROM audit")[0] == audit_rows
    [backup] = list((tmp_path / "backups").glob("茶坝乡-*-升级.db"))
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 2
        assert old.execute("SELECT COUNT(*) FROM households").fetchone()[0] == len(HEADS_0003) + 1
        assert "head_sort" not in {r[1] for r in old.execute("PRAGMA table_info(households)")}
    old.close()


def test_migration_0003_a_failing_backfill_leaves_the_version_2_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Python step runs in the SQL step's transaction: a failure half-way undoes both."""
    path, _ = older_database(tmp_path, 2, lambda store: save_heads(store, ("张三", "安娜", "白雪")))
    hook = importlib.import_module(HOOK_0003)
    monkeypatch.setattr(hook, "BATCH", 1)
    calls: list[str] = []

    def failing(name: str) -> str:
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("pinyin failed")
        return pinyin_sort_key(name)

    monkeypatch.setattr(hook, "pinyin_sort_key", failing)
    with pytest.raises(RuntimeError, match="pinyin failed"):
        Store(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert "head_sort" not in {r[1] for r in conn.execute("PRAGMA table_info(households)")}
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'households_head_sort'").fetchone()[0] == 0
    conn.close()
    monkeypatch.setattr(hook, "pinyin_sort_key", pinyin_sort_key)  # the next start succeeds
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert store.db.query_one("SELECT COUNT(*) FROM households WHERE head_sort = ''")[0] == 0


# -- the migration machinery ---------------------------------------------------------
def test_migration_0012_speedbulk_kept_checks_start_empty(tmp_path: Path) -> None:
    """An older file gains ``household_checks`` empty: nothing is taken as checked until a household
    is imported or checked again by an export (tests/sync/test_kept_checks.py)."""
    mine = next(v for v, name, _sql in migrations() if "speedbulk" in name)
    path, saved = older_database(
        tmp_path, mine - 1, lambda store: store.households.save(full_household(store.spec, seed=4), "测试"))
    with Store(path) as store:
        assert "household_checks" in table_names(store.db)
        assert store.checks.all() == []
        assert store.households.get(saved.id) is not None


def test_migration_hooks_sit_beside_their_sql_and_define_upgrade() -> None:
    hooks = sorted(e.name.removesuffix(".py") for e in resources.files(MIGRATIONS_PACKAGE).iterdir()
                   if e.name.endswith(".py") and e.name[:4].isdigit())
    steps = {name.removesuffix(".sql") for _, name, _ in migrations()}
    assert "0003_head_sort" in hooks
    for hook in hooks:
        assert hook in steps, f"{hook}.py has no {hook}.sql beside it"
        assert callable(migration_hook(f"{hook}.sql"))
    assert migration_hook("0001_init.sql") is None


def test_a_migration_hook_that_ends_its_transaction_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.store import database

    path, _ = older_database(tmp_path, 2, lambda store: None)
    monkeypatch.setattr(database, "migration_hook",
                        lambda name: (lambda conn: conn.execute("COMMIT")) if name.startswith("0003") else None)
    with pytest.raises(RuntimeError, match="ended its transaction"):
        Database(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


def test_migration_0004_application_id(tmp_path: Path) -> None:
    """The file is marked as this program's; an older file gets the mark, its data intact."""
    path, saved = older_database(tmp_path, 3, lambda store: save_heads(store, ("张三", "李四")))
    with sqlite3.connect(path) as before:
        assert before.execute("PRAGMA application_id").fetchone()[0] == 0
    before.close()
    with Store(path) as store:
        assert store.db.query_one("PRAGMA application_id")[0] == APPLICATION_ID
        assert store.households.count() == 2


def test_migration_0007_years(tmp_path: Path) -> None:
    """Registration years: the snapshot, carry-over log and review tables appear; the live files
    stay as they were (they are the current year's)."""
    from fupin_desktop.store import years

    path, _ = older_database(tmp_path, 5, lambda store: save_heads(store, ("张三", "李四")))
    with Store(path) as store:
        assert {"year_snapshots", "year_log", "review_marks"} <= table_names(store.db)
        assert store.households.count() == 2 and years.closed_years(store.db) == []
        assert years.years(store.db) == [years.live_year(store.db)]


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = snapshot(path)
    with pytest.raises(DatabaseCorrupt) as info:
        Store(path)
    assert "其他程序" in str(info.value)
    assert snapshot(path) == before


def test_every_migration_has_a_test() -> None:
    names = [n for n, v in globals().items() if n.startswith("test_migration_") and callable(v)]
    for version, filename, _sql in migrations():
        prefix = f"test_migration_{version:04d}_"
        assert any(n.startswith(prefix) for n in names), f"{filename} has no {prefix}* test"


def test_migrations_are_numbered_without_gaps() -> None:
    steps = migrations()
    assert [v for v, _, _ in steps] == list(range(1, len(steps) + 1))
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.sql", name) for _, name, _ in steps)


def test_empty_file_migrates_to_latest_version_with_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    with Database(tmp_path / "t.db") as db:
        assert db.user_version == schema_version() == len(migrations())
        assert db.query_one("PRAGMA journal_mode")[0] == "wal"
        assert db.query_one("PRAGMA synchronous")[0] == 2  # FULL
        assert db.query_one("PRAGMA foreign_keys")[0] == 1


def test_reopening_a_current_database_changes_nothing_and_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "township.db"
    store = make_store(tmp_path)
    store.close()
    with Database(path) as db:
        assert db.user_version == schema_version()
        assert db.query_one("SELECT name FROM township")[0] == "茶坝乡"
    assert not (tmp_path / "backups").exists()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    with Database(tmp_path / "t.db") as db, pytest.raises(sqlite3.IntegrityError):
        with db.transaction():
            db.execute(
                "INSERT INTO households (uuid, village_id, created_at, updated_at) VALUES ('u', 999, 'x', 'x')"
            )


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_database_newer_than_the_program_is_refused_and_left_untouched(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "newer.db"
    make_store(tmp_path, "newer.db").close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute(f"PRAGMA user_version = {schema_version() + 5}")
    conn.close()
    before = snapshot(path)

    with pytest.raises(DatabaseTooNew) as info:
        Store(path)

    message = str(info.value)
    assert CHINESE.search(message) and "升级" in message
    assert str(schema_version() + 5) in message
    assert snapshot(path) == before


def test_random_bytes_are_refused_as_corrupt_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(random.Random(7).randbytes(20_000))
    before = snapshot(path)

    with pytest.raises(DatabaseCorrupt) as info:
        Database(path)

    assert CHINESE.search(str(info.value))
    assert snapshot(path) == before


def test_a_renamed_xlsx_is_refused_as_corrupt_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "花名册.db"
    with zipfile.ZipFile(path, "w") as zf:  # an .xlsx is a zip of XML parts
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    before = snapshot(path)

    with pytest.raises(DatabaseCorrupt) as info:
        Store(path)

    assert "不是本程序的数据库文件" in str(info.value)
    assert snapshot(path) == before


def test_a_directory_instead_of_a_file_is_a_store_error(tmp_path: Path) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()
    (folder / "x").write_text("x")
    with pytest.raises(StoreError) as info:
        Database(folder)
    assert CHINESE.search(str(info.value))


def _damaged_copy(tmp_path: Path) -> tuple[Path, int]:
    """A township database with data whose households table root page is overwritten."""
    store = make_store(tmp_path, "damaged.db")
    for seed in range(8):
        store.households.save(full_household(store.spec, seed=seed, number=f"N{seed}"), "测试")
    root = store.db.query_one("SELECT rootpage FROM sqlite_master WHERE name = 'households'")[0]
    page_size = store.db.query_one("PRAGMA page_size")[0]
    store.close()
    return tmp_path / "damaged.db", (root - 1) * page_size


def test_damaged_table_page_fails_quick_check_and_file_is_left_untouched(tmp_path: Path) -> None:
    path, offset = _damaged_copy(tmp_path)
    with open(path, "r+b") as fh:  # garbage over the b-tree page header and cell pointers
        fh.seek(offset)
        fh.write(b"\xfe" * 64)
    before = snapshot(path)

    with pytest.raises(DatabaseCorrupt) as info:
        Store(path)

    message = str(info.value)
    assert "已损坏" in message and "备份" in message
    assert snapshot(path) == before


def test_garbage_over_every_page_but_the_first_fails_quick_check(tmp_path: Path) -> None:
    path, _ = _damaged_copy(tmp_path)
    data = bytearray(path.read_bytes())
    data[4096:] = random.Random(3).randbytes(len(data) - 4096)
    path.write_bytes(bytes(data))
    before = snapshot(path)

    with pytest.raises(DatabaseCorrupt):
        Database(path)

    assert snapshot(path) == before


def test_backup_is_a_consistent_openable_copy(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    saved = store.households.save(full_household(store.spec), "测试")
    target = store.db.backup(tmp_path / "copies" / "backup.db")
    store.close()
    with Store(target) as copy:
        assert copy.households.ids() == [saved.id]
        assert copy.households.get(saved.id).fields["number"] == saved.fields["number"]


def test_close_leaves_no_wal_file_behind(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.households.save(full_household(store.spec), "测试")
    store.close()
    wal = tmp_path / "township.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert os.path.getsize(tmp_path / "township.db") > 0


# -- 0005: national code lists ----------------------------------------------------------------
HOOK_0005 = f"{MIGRATIONS_PACKAGE}.0005_national_codes"


def version_4_with(tmp_path: Path, old_values: list[dict[str, object]],
                   members: dict[int, dict[str, object]] | None = None) -> tuple[Path, list[int]]:
    """A version-4 file (the program before the national lists) whose households hold the old
    labels ``old_values[i]`` in their ``fields`` JSON (and member 0 of household i ``members[i]``)."""

    def fill(store: Store) -> list[int]:
        return [store.households.save(full_household(store.spec, seed=i + 1), "测试", reload=False).id
                for i in range(len(old_values))]

    path, ids = older_database(tmp_path, 4, fill)
    conn = sqlite3.connect(path)
    try:
        for i, (household_id, values) in enumerate(zip(ids, old_values, strict=True)):
            raw = json.loads(conn.execute("SELECT fields FROM households WHERE id = ?", (household_id,)).fetchone()[0])
            for key in ("dilapidated_grade", "identified_year", "exit_year", "return_cause", "broadcast"):
                raw.pop(key, None)  # fields the old program did not have
            raw.update(values)
            conn.execute("UPDATE households SET fields = ? WHERE id = ?", (json.dumps(raw, ensure_ascii=False), household_id))
            for key, value in (members or {}).get(i, {}).items():
                conn.execute(
                    "UPDATE members SET fields = json_set(fields, ?, ?) WHERE id = (SELECT MIN(id) FROM members"
                    " WHERE household_id = ?)", (f"$.{key}", value, household_id))
        conn.commit()
    finally:
        conn.close()
    return path, ids


def report_of(store: Store) -> list[tuple[int, str, str, str, str]]:
    return [(r["household_id"], r["field"], r["old"], r["new"], r["status"])
            for r in store.db.query("SELECT * FROM migration_report ORDER BY id")]


def test_migration_0005_national_codes_backs_up_maps_and_reports(tmp_path: Path) -> None:
    """A file of the program before the national lists: backed up first, old labels mapped,
    revisions and the audit trail untouched, the report listed by ``fupin migration-report``."""
    path, ids = version_4_with(tmp_path, [
        {"exit_flag": "脱贫", "household_type": "一般贫困户", "dilapidated": "C级", "main_cause": "缺劳动力",
         "other_causes": ["因病", "其他"]},
        {"exit_flag": "未脱贫", "household_type": "一般贫困户", "dilapidated": "否"},
    ])
    with sqlite3.connect(path) as before:
        stamps = before.execute("SELECT id, revision, updated_at FROM households ORDER BY id").fetchall()
        audit_rows = before.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    before.close()
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        a, b = (store.households.get(i) for i in ids)
        assert a.fields["exit_flag"] == "已脱贫（享受政策）"
        assert (a.fields["dilapidated"], a.fields["dilapidated_grade"]) == (True, "C级")
        assert a.fields["main_cause"] == "缺劳力" and a.fields["other_causes"] == ["因病", "其它"]
        assert (b.fields["exit_flag"], b.fields["household_type"], b.fields["dilapidated"]) == ("未脱贫", "一般贫困户", False)
        assert [tuple(r) for r in store.db.query("SELECT id, revision, updated_at FROM households ORDER BY id")] == stamps
        assert store.db.query_one("SELECT COUNT(*) FROM audit")[0] == audit_rows
        assert set(report_of(store)) == {
            (ids[0], "exit_flag", "脱贫", "已脱贫（享受政策）", "mapped"),
            (ids[0], "main_cause", "缺劳动力", "缺劳力", "mapped"),
            (ids[0], "other_causes", "因病、其他", "因病、其它", "mapped"),
            (ids[0], "dilapidated", "C级", "是，C级", "mapped"),
            (ids[1], "dilapidated", "否", "否", "mapped"),
        }
        findings = [f for hh in (a, b) for f in quality_findings(store, hh) if "代码表" in f]
        assert not findings, findings  # every migrated value is a value of the new lists
    [backup] = list((tmp_path / "backups").glob("*-升级.db"))
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 4
    old.close()
    run = subprocess.run([sys.executable, "-m", "fupin_desktop", "--db", str(path), "migration-report", "--json"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["mapped"], data["review"], data["review_households"]) == (5, 0, 0)
    assert {line["field"] for line in data["lines"]} == {"exit_flag", "main_cause", "other_causes", "dilapidated"}


def quality_findings(store: Store, hh: object) -> list[str]:
    from fupin_desktop.rules import RuleContext, check_household

    return [f.message for f in check_household(hh, RuleContext(spec=store.spec))]


@pytest.mark.parametrize(("old", "new", "status"), [
    ({"exit_flag": "预脱贫"}, {"exit_flag": "未脱贫"}, "review"),
    ({"exit_flag": "脱贫"}, {"exit_flag": "已脱贫（享受政策）"}, "mapped"),
    ({"exit_flag": "返贫"}, {"exit_flag": "返贫"}, None),
    ({"household_type": "低保贫困户"}, {"household_type": "低保贫困户"}, "review"),
    ({"household_type": "五保贫困户"}, {"household_type": "五保贫困户"}, "review"),
    ({"household_type": "低收入农户"}, {"household_type": "一般农户"}, "review"),
    ({"household_type": "一般贫困户"}, {"household_type": "一般贫困户"}, None),
    ({"main_cause": "缺劳动力"}, {"main_cause": "缺劳力"}, "mapped"),
    ({"other_causes": ["因婚"]}, {"other_causes": ["其它"]}, "review"),
    ({"other_causes": ["其他", "因婚"]}, {"other_causes": ["其它"]}, "review"),
    ({"other_causes": ["缺劳动力", "缺资金"]}, {"other_causes": ["缺劳力", "缺资金"]}, "mapped"),
    ({"dilapidated": "否"}, {"dilapidated": False, "dilapidated_grade": None}, "mapped"),
    ({"dilapidated": "C级"}, {"dilapidated": True, "dilapidated_grade": "C级"}, "mapped"),
    ({"dilapidated": "D级"}, {"dilapidated": True, "dilapidated_grade": "D级"}, "mapped"),
    ({"dilapidated": "是"}, {"dilapidated": True, "dilapidated_grade": None}, "review"),
])
def test_migration_0005_maps_each_old_value(tmp_path: Path, old: dict, new: dict, status: str | None) -> None:
    path, [household_id] = version_4_with(tmp_path, [old])
    with Store(path) as store:
        fields = store.households.get(household_id).fields
        assert {k: fields[k] for k in new} == new
        statuses = {r[4] for r in report_of(store) if r[1] in old}
        assert statuses == ({status} if status else set())
        if status == "review":
            note = store.db.query_one("SELECT note FROM migration_report WHERE status = 'review'")[0]
            assert CHINESE.search(note)  # says what to check


@pytest.mark.parametrize(("old", "new", "status"), [
    ("残疾证", "残疾人证", "mapped"), ("户口簿", "户口簿", "review"), ("居民身份证", "居民身份证", None),
])
def test_migration_0005_maps_member_id_types(tmp_path: Path, old: str, new: str, status: str | None) -> None:
    path, [household_id] = version_4_with(tmp_path, [{}], {0: {"id_type": old}})
    with Store(path) as store:
        assert store.households.get(household_id).members[0].get("id_type") == new
        rows = store.db.query("SELECT entity, row_uuid, status FROM migration_report WHERE field = 'id_type'")
        assert [r["status"] for r in rows] == ([status] if status else [])
        if rows:
            assert rows[0]["entity"] == "members"
            assert rows[0]["row_uuid"] == store.households.get(household_id).members[0].uuid


def test_migration_0005_a_new_database_has_an_empty_report(tmp_path: Path) -> None:
    with Store(tmp_path / "new.db") as store:
        assert store.db.query_one("SELECT COUNT(*) FROM migration_report")[0] == 0


def test_migration_0005_runs_again_without_harm(tmp_path: Path) -> None:
    """A restored backup whose version says 4 again: the step runs again, nothing doubles."""
    path, [household_id] = version_4_with(
        tmp_path, [{"exit_flag": "预脱贫", "dilapidated": "D级", "household_type": "低保贫困户"}])
    with Store(path) as store:
        first = report_of(store)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 4")
    conn.close()
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert report_of(store) == first and len(first) == 3  # 预脱贫, 危房, 低保贫困户
        fields = store.households.get(household_id).fields
        assert (fields["exit_flag"], fields["dilapidated"], fields["dilapidated_grade"]) == ("未脱贫", True, "D级")


def test_migration_0006_workflow_adds_the_case_tables_to_an_older_file(tmp_path: Path) -> None:
    """A file of the schema before the identification workflow opens with households kept, the
    workflow's tables empty, and its records append-only; running the step again does no harm."""
    version = next(v for v, name, _ in migrations() if name.endswith("_workflow.sql"))
    path, ids = older_database(tmp_path, version - 1, lambda store: [
        store.households.save(full_household(store.spec, seed=1), "测试", reload=False).id])
    with Store(path) as store:
        assert {"cases", "case_records", "publicity_rounds", "objections", "quotas"} <= table_names(store.db)
        assert store.households.get(ids[0]) is not None and store.cases.all_records() == []
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {version - 1}")
    conn.close()
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        triggers = {r[0] for r in store.db.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"case_records_no_update", "case_records_no_delete"} <= triggers


# -- 0008: the search index (issue 14) ------------------------------------------------------------
def test_migration_0008_speedgui_indexes_the_existing_households_for_search(tmp_path: Path) -> None:
    """A file of the program before the search index: every current household is found by each
    query class afterwards (a deleted one is not), and the rows' revisions are left alone."""
    from fupin_desktop.store import search_index
    from tests.test_search import expected, index_rows, rebuilt

    version = next(v for v, name, _sql in migrations() if name.endswith("_speedgui.sql"))

    def fill(store: Store) -> list[int]:
        ids = [store.households.save(full_household(store.spec, seed=s, names=names), "测试", reload=False).id
               for s, names in ((1, ("张三", "李四")), (2, ("张三丰",)), (3, ("王五", "赵六")))]
        store.households.delete(ids[2], "测试")
        return ids

    path, ids = older_database(tmp_path, version - 1, fill)
    with sqlite3.connect(path) as before:
        assert "search_grams" not in {r[0] for r in before.execute("SELECT name FROM sqlite_master")}
        stamps = before.execute("SELECT id, revision, updated_at FROM households ORDER BY id").fetchall()
    before.close()
    with Store(path) as store:
        assert index_rows(store) == rebuilt(store) and len(index_rows(store)[0]) == 2
        for q in ("张", "张三", "zs", "z", "5", "51", "张三丰", "王五"):
            assert store.households.ids(search=q) == expected(store, q), q
        assert store.households.ids(search="王五") == [] and search_index.grams("王五") == {"王", "五", "王五"}
        assert [tuple(r) for r in store.db.query("SELECT id, revision, updated_at FROM households ORDER BY id")] \
            == stamps


def test_migration_0009_village(tmp_path: Path) -> None:
    """The 贫困村登记表 table (issue 17) arrives empty beside the households, which stay as they were.
    (Found by its name, not its number: the merge of parallel branches renumbers migrations.)"""
    version = next(v for v, name, _ in migrations() if name.endswith("_village.sql"))
    path, ids = older_database(tmp_path, version - 1, lambda store: save_heads(store, ("张三", "李四")))
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert store.households.count() == 2 and store.village_forms.count() == 0
        assert sorted(store.households.ids()) == sorted(ids)
        # the statistics' narrow tables are filled from the households' JSON, then kept by triggers
        facts = store.db.query("SELECT household_id, size, main_cause FROM household_facts ORDER BY household_id")
        assert [(r[0], r[1]) for r in facts] == [(i, store.households.get(i).size) for i in sorted(ids)]
        assert store.db.integer("SELECT COUNT(*) FROM member_facts") == store.db.integer("SELECT COUNT(*) FROM members")
        hh = store.households.get(ids[0])
        hh.fields["main_cause"] = "因学"
        store.households.save(hh, "测试")
        assert store.db.query_one("SELECT main_cause FROM household_facts WHERE household_id = ?", (ids[0],))[0] == "因学"


def test_migration_0010_education_adds_the_student_tables_and_keeps_the_households(tmp_path: Path) -> None:
    """Education subsidies (issue 16): an older file gains the enrolment and application tables,
    its households untouched, and a student can be entered at once.  (Found by name, not number:
    the merge renumbers migrations.)"""
    from fupin_desktop.store.education import EducationRepository

    mine = next(v for v, name, _ in migrations() if name.endswith("_education.sql"))
    path, saved = older_database(tmp_path, mine - 1, lambda store: save_heads(store, ("张三", "李四")))
    with sqlite3.connect(path) as before:
        assert "education_enrolments" not in {r[0] for r in before.execute("SELECT name FROM sqlite_master")}
    before.close()
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert {"education_enrolments", "education_applications"} <= table_names(store.db)
        assert store.households.count() == 2
        hh = store.households.get(saved[0])
        member = hh.current_members[0]
        repo = EducationRepository(store.db)
        student = repo.student(member.get("id_number"), "2015-2016")
        repo.enrol(student, school="绥阳中学", school_type="普通高中", in_province=True, operator="t")
        assert repo.student(member.get("id_number"), "2015-2016").enrolment.school == "绥阳中学"


# -- users (issue 18) -----------------------------------------------------------------------------
def test_migration_0011_users_keeps_old_audit_rows_readable_and_guards_them(tmp_path: Path) -> None:
    """A file from before users: its audit rows (typed operators) get a kind and stay readable;
    afterwards no audit row can be changed or removed; the database has no users (no login)."""
    version = next(v for v, name, _ in migrations() if name.endswith("_users.sql"))

    def fill(store: Store) -> int:
        saved = store.households.save(full_household(store.spec), "老录入员")
        store.households.delete(saved.id, "老录入员")
        return saved.id

    path, _ = older_database(tmp_path, version - 1, fill)
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert not store.accounts.users.any()
        kinds = {r["kind"] for r in store.db.query("SELECT kind FROM audit WHERE operator = '老录入员'")}
        assert kinds == {"edit", "delete"}
        assert store.operator == "录入员"  # no users yet: the setting, as before
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("DELETE FROM audit")
    finally:
        conn.close()


# -- issue 16, the rest: the county's education students, the list's label indexes ----------------
def test_migration_0013_year_lists_adds_received_education_and_the_label_indexes(tmp_path: Path) -> None:
    """An older file gains the county's education table and the indexes the list's 脱贫状态 /
    贫困户属性 filters use; its households stay and the filters find them."""
    mine = next(v for v, name, _ in migrations() if name.endswith("_year_lists.sql"))

    def fill(store: Store) -> list[int]:
        ids = []
        for seed, flag in ((1, "未脱贫"), (2, "返贫")):
            hh = full_household(store.spec, seed=seed)
            hh.fields["exit_flag"] = flag
            ids.append(store.households.save(hh, "测试").id)
        return ids

    path, saved = older_database(tmp_path, mine - 1, fill)
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert "received_education" in table_names(store.db)
        indexes = {r[0] for r in store.db.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"households_exit_flag", "households_household_type", "year_snapshots_list"} <= indexes
        assert store.households.ids(exit_flag="返贫") == [saved[1]]
        plan = " ".join(str(tuple(r)) for r in store.db.query(
            "EXPLAIN QUERY PLAN SELECT id FROM households WHERE deleted = 0"
            " AND json_extract(fields, '$.exit_flag') = ?", ("返贫",)))
        assert "households_exit_flag" in plan


def test_migration_0014_card_holders_indexes_disability_card_numbers_by_their_id_number(tmp_path: Path) -> None:
    """An older file gains the partial index that finds 残疾人证 numbers (20 characters) by the ID
    number they begin with; the county import's holder query uses it, and its households stay."""
    mine = next(v for v, name, _ in migrations() if name.endswith("_card_holders.sql"))

    def fill(store: Store) -> list[int]:
        hh = full_household(store.spec, seed=3)
        return [store.households.save(hh, "测试").id]

    path, saved = older_database(tmp_path, mine - 1, fill)
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        assert store.households.get(saved[0]) is not None
        plan = " ".join(str(tuple(r)) for r in store.db.query(
            "EXPLAIN QUERY PLAN SELECT id FROM members WHERE deleted = 0 AND length(id_number) = 20"
            " AND substr(id_number, 1, 18) IN (?, ?)", ("510822199001011234", "510822199001011242")))
        assert "members_card_holder" in plan


def test_migration_0015_deferred_facts_skips_the_recount_of_a_deferred_household_only(tmp_path: Path) -> None:
    """An older file gains facts_deferred; a member row written for a listed household leaves its
    counts to the one recount at the end (store/facts.py), any other household is recounted at once,
    and the counts come out as the triggers alone give them."""
    from fupin_desktop.store import facts

    mine = next(v for v, name, _ in migrations() if name.endswith("_deferred_facts.sql"))

    def fill(store: Store) -> list[int]:
        return [store.households.save(full_household(store.spec, seed=s), "测试").id for s in (1, 2)]

    path, saved = older_database(tmp_path, mine - 1, fill)
    with Store(path) as store:
        assert store.db.user_version == schema_version()
        before = store.db.query("SELECT * FROM household_facts ORDER BY household_id")
        counts = "SELECT members FROM household_facts WHERE household_id = ?"
        members = {h: store.db.integer(counts, (h,)) for h in saved}
        assert all(members.values())
        extra = "INSERT INTO members (uuid, household_id, seq, fields, updated_at) VALUES (?, ?, 99, '{}', '2026-01-01')"
        with store.db.transaction():
            with facts.counted_after(store.db, [saved[0]]):
                store.db.execute(extra, ("m-deferred", saved[0]))
                store.db.execute(extra, ("m-now", saved[1]))
                assert store.db.integer(counts, (saved[0],)) == members[saved[0]]  # not yet
                assert store.db.integer(counts, (saved[1],)) == members[saved[1]] + 1  # at once
            assert store.db.integer(counts, (saved[0],)) == members[saved[0]] + 1
            assert store.db.integer("SELECT COUNT(*) FROM facts_deferred") == 0
            store.db.execute("DELETE FROM members WHERE uuid IN ('m-deferred', 'm-now')")
        assert store.db.query("SELECT * FROM household_facts ORDER BY household_id") == before
