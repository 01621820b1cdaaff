"""The headless face: fupin import-excel and fupin export-excel."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from fupin_desktop.cli import main
from tests.excel import files
from tests.helpers import full_household, make_store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    store = make_store(tmp_path)
    store.households.save(full_household(store.spec, seed=1), store.operator)
    store.close()
    return tmp_path / "township.db"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_excel_json_report(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = files.write_messy_roster(tmp_path / "r.xlsx")
    code, out, _ = run(capsys, "import-excel", "--db", str(db), str(roster), "--json",
                       "--errors", str(tmp_path / "e.xlsx"))
    data = json.loads(out)
    assert code == 1  # ran, but some households were rejected
    assert {"imported", "updated", "rejected", "warnings", "rows"} <= set(data)
    # row 1: a zero-width space removed; the last household has no 联系电话 or bank account (national B003)
    assert (data["imported"], data["warnings"], data["rejected"]) == (0, 3, 7)
    first = data["rows"][0]
    assert set(first) >= {"row", "household_number", "status", "reasons"}
    assert first["row"] == files.FIRST_DATA_ROW and first["household_number"] == files.N1
    assert {r["status"] for r in data["rows"]} == {"warning", "rejected"}
    assert openpyxl.load_workbook(tmp_path / "e.xlsx")["花名册"].max_row == 2 + 11


def test_import_excel_dry_run_and_sheet(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = files.write_messy_roster(tmp_path / "r.xlsx")
    code, out, _ = run(capsys, "import-excel", "--db", str(db), str(roster), "--dry-run", "--sheet", "花名册")
    assert code == 1 and "可导入：新增 3 户" in out
    code, out, _ = run(capsys, "households", "--db", str(db), "--json")
    assert len(json.loads(out)) == 1
    code, _, err = run(capsys, "import-excel", "--db", str(db), str(roster), "--sheet", "Sheet9")
    assert code == 2 and "没有名为“Sheet9”的工作表" in err


def test_import_excel_refuses_bad_files_with_a_message(db: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "照片.xlsx"
    png.write_bytes(files.PNG_BYTES)
    code, out, err = run(capsys, "import-excel", "--db", str(db), str(png), "--json")
    assert code == 2 and out == "" and "PNG 图片" in err


def test_export_excel_layouts(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for layout in ("national", "full", "template"):
        out_file = tmp_path / f"{layout}.xlsx"
        code, out, _ = run(capsys, "export-excel", "--db", str(db), "--out", str(out_file), "--layout", layout,
                           "--json")
        assert code == 0 and json.loads(out)["layout"] == layout and out_file.exists()
    code, out, _ = run(capsys, "export-excel", "--db", str(db), "--out", str(tmp_path / "v.xlsx"),
                       "--village", "炉场村")
    assert code == 0 and "已导出 1 户" in out
    code, _, err = run(capsys, "export-excel", "--db", str(db), "--out", str(tmp_path / "x.xlsx"),
                       "--village", "火星村")
    assert code == 2 and "本乡没有“火星村”" in err
    assert not (tmp_path / "x.xlsx").exists()
