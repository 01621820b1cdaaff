"""The database file: numbered migrations, pragmas, refusing newer or damaged files.

Every migration ``store/migrations/NNNN_name.sql`` needs a ``test_migration_NNNN_*`` test
here (checked by :func:`test_every_migration_has_a_test`, in the spirit of Picard's
config-upgrade hooks).
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from fupin_desktop.store import Database, DatabaseCorrupt, DatabaseTooNew, Store, StoreError
from fupin_desktop.store.database import migrations, schema_version
from tests.helpers import full_household, make_store

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TABLES_0001 = {
    "settings", "township", "villages", "village_groups", "households", "members", "helpers",
    "plans", "measures", "results", "drafts", "audit", "household_search",
}


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def table_names(db: Database) -> set[str]:
    return {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


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
    assert list(tmp_path.glob("*.bak")) == []


def test_migration_0002_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A populated version-1 township file moves to version 2 with its data intact and a backup."""
    from fupin_desktop.store import database

    first = migrations()[:1]
    with monkeypatch.context() as m:
        m.setattr(database, "migrations", lambda: first)
        store = make_store(tmp_path)
        # No reload: reading a household back joins version-2 tables (its township's names).
        saved = store.households.save(full_household(store.spec, seed=4), "测试", reload=False)
        assert store.db.user_version == 1
        store.close()
    path = tmp_path / "township.db"
    before = sqlite3.connect(path)
    counts = {t: before.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("villages", "village_groups", "households", "members", "audit")}
    before.close()

    with Store(path) as store:
        db = store.db
        assert db.user_version == 2
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
    backups = list(tmp_path.glob("*.before-v2.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1


# -- the migration machinery ---------------------------------------------------------
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
    assert list(tmp_path.glob("*.bak")) == []


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
