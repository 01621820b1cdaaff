"""The Excel import streams (issue 14 item 5): households are read, built and checked a chunk at a
time, the ones to write wait in a temporary spool, and the commit writes them a chunk at a time.

Whatever the chunk sizes, an import must write exactly the same households, members, search rows,
audit rows and groups, report the same findings on the same file rows and write the same error
workbook: the same roster is imported with chunks of one or two households (every cross-chunk
path: duplicate ID numbers far apart, households whose rows are spread over the file, two file
households matching one stored household, updates of stored households) and with one chunk for
the whole file, into two copies of one database, and everything written is compared.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fupin_desktop.demo import build_demo
from fupin_desktop.excel import importer, spool, staging, staging_rows
from fupin_desktop.excel.errors import write_error_workbook
from fupin_desktop.excel.exporter import export_workbook
from fupin_desktop.excel.importer import import_file, read_source, stage
from fupin_desktop.store import Store
from tests.excel import files
from tests.helpers import make_store

TABLES = ("members", "helpers", "plans", "measures", "results")
#: The tables an import writes to, and the columns that hold the time of writing.
WRITTEN = ("households", *TABLES, "household_search", "audit", "village_groups", "household_checks",
           "search_docs", "search_grams", "household_facts", "member_facts")
CLOCK = {"created_at", "updated_at", "at"}


def written(store: Store) -> dict[str, Any]:
    """Every row the import writes, with the (random) UUIDs replaced by 户编号 and row positions."""
    names: dict[str, str] = {}
    households = {}
    for household_id in store.households.ids():
        hh = store.households.get(household_id)
        assert hh is not None
        label = f"{hh.fields.get('village')}/{hh.fields.get('number')}/{hh.members[0].get('id_number') if hh.members else ''}"
        names[hh.uuid] = label
        for t in TABLES:
            for i, r in enumerate(hh.table(t)):
                names[r.uuid] = f"{label}:{t}:{i}"
        households[label] = (hh.fields, [(t, [(r.fields, r.revision) for r in hh.table(t)]) for t in TABLES],
                             hh.revision)

    for r in store.db.query("SELECT uuid, village_id, name FROM village_groups"):
        names[r[0]] = f"group {r[1]}/{r[2]}"

    def plain(row: Any) -> tuple[Any, ...]:
        return tuple(names.get(v, v) if isinstance(v, str) else v for v in row)

    out: dict[str, Any] = {"households": households}
    for table in WRITTEN:  # every column but the clock's
        columns = [r[1] for r in store.db.query(f"PRAGMA table_info({table})") if r[1] not in CLOCK]
        out[table] = sorted((plain(r) for r in store.db.query(f"SELECT {', '.join(columns)} FROM {table}")), key=repr)
    return out


def workbook_cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}


def small(monkeypatch: pytest.MonkeyPatch, households: int, bulk: int) -> None:
    monkeypatch.setattr(staging, "CHUNK", households)
    monkeypatch.setattr(importer, "BULK", bulk)
    monkeypatch.setattr(staging_rows, "_MEMO", 3)  # the parse cache emptied again and again
    monkeypatch.setattr(spool, "IN_MEMORY", 1)  # the spool on disk from the first household


def copy_db(source: Path, target: Path) -> Path:
    """Through the SQLite backup API (never a file copy of a database)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def import_both_ways(monkeypatch: pytest.MonkeyPatch, db: Path, path: Path, tmp_path: Path,
                     chunks: tuple[int, int]) -> list[dict[str, Any]]:
    out = []
    for n, (households, bulk) in enumerate([(10_000, 10_000), chunks]):
        with monkeypatch.context() as m:
            small(m, households, bulk)
            target = copy_db(db, tmp_path / f"target-{n}.db")
            with Store(target) as store:
                report, plan = import_file(store, path)
                errors = tmp_path / f"errors-{n}.xlsx"
                rows = write_error_workbook(plan, report, errors) if report.rejected else 0
                out.append({"report": report.to_json(), "summary": report.summary(), "written": written(store),
                            "errors": workbook_cells(errors) if rows else None})
    return out


def test_the_messy_roster_in_chunks_of_one_writes_what_one_chunk_writes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with make_store(tmp_path, "base.db"):
        pass
    path = files.write_messy_roster(tmp_path / "r.xlsx")
    whole, chunked = import_both_ways(monkeypatch, tmp_path / "base.db", path, tmp_path, (1, 1))
    assert whole["report"]["rejected"] > 0 and whole["report"]["created"] > 0 and whole["errors"]
    assert chunked == whole


def _roster(tmp_path: Path, db: Path) -> Path:
    """The demo township's roster, changed: the second half's rows shuffled (households spread over
    it), a person repeated in a household far away, phones changed (updates), a member moved down
    as the 户主 of a household without 户编号 (matching the stored household of the first), a stored
    person as the head of a new household."""
    with Store(db) as store:
        path = export_workbook(store, tmp_path / "national.xlsx", "national").path
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    header = [c.value for c in ws[3]]
    col = {name: i for i, name in enumerate(header)}
    rows = [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    rnd = random.Random(5)
    tail = rows[len(rows) // 2:]
    rnd.shuffle(tail)  # the second half's households spread over it
    rows[len(rows) // 2:] = tail
    rows[3][col["户联系电话"]] = "13900000001"  # an update of a stored household
    rows[-2][col["成员联系电话"]] = "13900000002"
    far = list(rows[len(rows) // 4])  # the same person again, in a household at the other end of the file
    far[col["户编号"]] = rows[-1][col["户编号"]]
    far[col["与户主关系"]] = "之子"
    rows.append(far)
    son = rows.pop(2)  # without 户编号 and as a 户主 further down: a second household matching the first
    son[col["户编号"]] = None
    son[col["与户主关系"]] = "户主"
    rows.insert(len(rows) // 3, son)
    stranger = list(rows[5])  # a new household whose head is a stored person of another household
    stranger[col["户编号"]] = "5108229999999990002"
    stranger[col["与户主关系"]] = "户主"
    rows.append(stranger)
    ws.delete_rows(4, ws.max_row)
    for r in rows:
        ws.append(r)
    out = tmp_path / "changed.xlsx"
    book.save(out)
    return out


def test_a_changed_demo_roster_in_small_chunks_writes_what_one_chunk_writes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    with Store(db) as store:
        build_demo(store, households=30)
    path = _roster(tmp_path, db)
    whole, chunked = import_both_ways(monkeypatch, db, path, tmp_path, (2, 3))
    report = whole["report"]
    assert report["rejected"] > 0 and report["changed"] > 0 and report["unchanged"] > 0, whole["summary"]
    reasons = "".join(r for row in report["rows"] for r in row["reasons"])
    assert "在表中出现了" in reasons and "对应库中同一户" in reasons and "同一人不能在两户中" in reasons
    assert chunked == whole


def test_a_dry_run_keeps_no_households_and_a_staged_plan_commits_from_its_spool(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    small(monkeypatch, 1, 1)
    store = make_store(tmp_path)
    path = files.write_messy_roster(tmp_path / "r.xlsx")
    report, plan = import_file(store, path, dry_run=True)
    assert plan.spool is None and all(h.spooled is None for h in plan.households)
    staged = stage(store, read_source(store, path))
    assert staged.spool is not None
    spooled = [h for h in staged.households if h.spooled is not None]
    assert len(spooled) == report.created + report.changed  # only what the commit writes
    done = importer.commit(store, staged)
    assert (done.created, done.rejected) == (report.created, report.rejected)
    with pytest.raises(ValueError):
        importer.commit(store, plan)  # a dry run's plan holds nothing to write
    with pytest.raises(ValueError):
        importer.commit(store, staged)  # its spool went with its commit: never written twice
    store.close()


_SPOOL_ON_A_FULL_DISK = """
import json, resource, sys
from fupin_desktop.excel import spool
from fupin_desktop.excel.importer import import_file
from fupin_desktop.excel.reader import ExcelRefused
from fupin_desktop.store import Store
spool.IN_MEMORY = 1  # the households to write go to the temporary folder at once
with Store(sys.argv[1]) as store:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # the disk is full now
    try:
        import_file(store, sys.argv[2])
        print(json.dumps({"error": None}))
    except ExcelRefused as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
"""


def test_a_full_temporary_folder_refuses_the_import_in_chinese_and_writes_nothing(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from tests.diskfull import db_digest

    with make_store(tmp_path):
        pass
    path = files.write_messy_roster(tmp_path / "r.xlsx")
    before = db_digest(tmp_path / "township.db")
    proc = subprocess.run([sys.executable, "-c", _SPOOL_ON_A_FULL_DISK, str(tmp_path / "township.db"), str(path)],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    error = json.loads(proc.stdout.strip().splitlines()[-1])["error"]
    assert error is not None and "无法写入临时文件夹" in error and "什么也没有导入" in error, error
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    assert db_digest(tmp_path / "township.db") == before
