"""Excel files on a full disk or in a place that cannot be written: nothing half-written, a Chinese message.

The disk is really full for the child process (its files may not grow past a limit); the folder
that is a file is a real file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.demo import build_demo
from fupin_desktop.excel.exporter import export_workbook
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Store
from tests import diskfull
from tests.excel import files
from tests.helpers import full_household, make_store


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, households=40)
    return tmp_path / "demo.db"


def test_export_excel_on_a_full_disk_exits_2_and_keeps_last_weeks_file(demo_db: Path, tmp_path: Path) -> None:
    stick = tmp_path / "U盘"
    stick.mkdir()
    out = stick / "茶坝乡扶贫手册完整格式.xlsx"
    out.write_bytes(b"last week's export")
    before = diskfull.db_digest(demo_db)

    proc = diskfull.fupin("export-excel", "--db", str(demo_db), "--layout", "full", "--out", str(out),
                          limit=diskfull.DB_MIN_LIMIT)

    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(f"错误：无法写入 {out}：磁盘空间已满")
    assert "原有的文件保持不变" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_bytes() == b"last week's export"
    assert diskfull.listing(stick) == [out.name], "no temporary file left on the stick"
    assert diskfull.db_digest(demo_db) == before


def test_export_into_a_folder_that_is_a_file_is_refused(demo_db: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "导出"
    blocker.write_bytes(b"a file")
    with Store(demo_db) as store, pytest.raises(WriteError, match="路径中有一部分"):
        export_workbook(store, blocker / "花名册.xlsx")
    code = main(["export-excel", "--db", str(demo_db), "--out", str(blocker / "花名册.xlsx")])
    assert code == 2 and "错误：无法写入" in capsys.readouterr().err
    assert blocker.read_bytes() == b"a file"


_ERRORS_ON_A_FULL_DISK = """
import json, resource, sys
from fupin_desktop.excel.errors import write_error_workbook
from fupin_desktop.excel.importer import import_file
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Store
with Store(sys.argv[1]) as store:
    report, plan = import_file(store, sys.argv[2], dry_run=True)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))  # the disk is full now
    try:
        write_error_workbook(plan, report, sys.argv[3])
        print(json.dumps({"error": None}))
    except WriteError as exc:
        print(json.dumps({"error": exc.kind, "message": str(exc)}, ensure_ascii=False))
"""


def test_error_workbook_on_a_full_disk_keeps_the_previous_one(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    store.households.save(full_household(store.spec, seed=1), store.operator)
    store.close()
    roster = files.write_messy_roster(tmp_path / "r.xlsx")
    folder = tmp_path / "退回"
    folder.mkdir()
    errors = folder / "r-未导入.xlsx"
    errors.write_bytes(b"yesterday's rejected rows")

    result = diskfull.last_json(diskfull.python(_ERRORS_ON_A_FULL_DISK, str(tmp_path / "township.db"),
                                                str(roster), str(errors), limit=10**9))

    assert result["error"] == "full" and "磁盘空间已满" in result["message"]
    assert errors.read_bytes() == b"yesterday's rejected rows"
    assert diskfull.listing(folder) == [errors.name]


def test_cli_says_the_import_ran_when_only_the_error_workbook_cannot_be_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = make_store(tmp_path)
    store.close()
    roster = files.write_messy_roster(tmp_path / "r.xlsx")
    blocker = tmp_path / "退回"
    blocker.write_bytes(b"a file")

    code = main(["import-excel", "--db", str(tmp_path / "township.db"), str(roster), "--dry-run",
                 "--errors", str(blocker / "e.xlsx")])

    err = capsys.readouterr().err
    assert code == 2 and "可导入：新增 3 户" in err and "未导入的行没有写出" in err and "路径中有一部分" in err
    assert blocker.read_bytes() == b"a file"
    code = main(["households", "--db", str(tmp_path / "township.db"), "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("limit", [diskfull.DB_MIN_LIMIT, 100_000, 160_000])
def test_a_full_disk_prints_exactly_the_message_and_nothing_after_it(demo_db: Path, tmp_path: Path, limit: int) -> None:
    """openpyxl left its zip and sheet writers open after a failed save; collected later they printed
    "Exception ignored ... Traceback ... Errno 28" after the message.  Now stderr is the message only."""
    with_findings = make_store(tmp_path, "findings.db")
    for seed in range(1, 41):  # every household twice: the same people in two households (X001)
        for copy in (0, 1):
            with_findings.households.save(full_household(with_findings.spec, seed=seed,
                                                         number=f"5108221050{copy}{seed:04d}"), "测试")
    with_findings.close()
    out = tmp_path / "out"
    out.mkdir()
    runs = [
        ("export-excel", "--db", str(demo_db), "--layout", "full", "--out", str(out / "a.xlsx")),
        ("export-excel", "--db", str(demo_db), "--out", str(out / "b.xlsx")),
        ("validate", "--db", str(tmp_path / "findings.db"), "--xlsx", str(out / "c.xlsx")),
    ]
    for argv in runs:
        proc = diskfull.fupin(*argv, limit=limit)
        assert proc.returncode == 2, (argv, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"错误：无法写入 {argv[-1]}：磁盘空间已满"), proc.stderr
        assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert diskfull.listing(out) == []
