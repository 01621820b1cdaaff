"""Hostile spreadsheets: tiny files that would make the reader build a huge grid.

Each is read in a child Python under a memory cap (``RLIMIT_AS``, inherited by the reader's own
child process), so a regression fails the test instead of eating the machine.  Time is not
asserted; every case returns in a second or two.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fupin_desktop.excel.reader import ExcelRefused, open_workbook
from fupin_desktop.store import Store
from tests.excel import files
from tests.helpers import make_store

REPO = Path(__file__).resolve().parents[2]
#: The address space the test's child may use: far below what a hostile grid asks for (31 GB).
CAP = 1536 * 1024 * 1024
FIX = "请在 Excel 或 WPS 中删除多余的行列后另存为 .xlsx 再导入"

_READ = """
import json, sys
from fupin_desktop.excel.reader import ExcelRefused, Limits, open_workbook
limits = Limits(**json.loads(sys.argv[2]))
try:
    with open_workbook(sys.argv[1], limits) as book:
        sizes = {n: [len(book.sheet(n).rows), book.sheet(n).width] for n in book.sheet_names}
    print(json.dumps({"sizes": sizes}, ensure_ascii=False))
except ExcelRefused as exc:
    print(json.dumps({"refused": str(exc)}, ensure_ascii=False))
"""


def run_capped(argv: list[str], cap: int = CAP) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(argv, preexec_fn=limit, capture_output=True, text=True, encoding="utf-8",
                          env=env, cwd=REPO, timeout=600, check=False)


def read_capped(path: Path, **limits: Any) -> dict[str, Any]:
    proc = run_capped([sys.executable, "-c", _READ, str(path), json.dumps(limits)])
    assert proc.returncode == 0, f"the reader died under a {CAP >> 20} MB cap:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def refusal(path: Path, **limits: Any) -> str:
    result = read_capped(path, **limits)
    assert "refused" in result, result
    return result["refused"]


def test_a_stray_cell_at_xfd60000_is_refused_naming_it(tmp_path: Path) -> None:
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A4": "姓名", "XFD60000": 1})
    assert path.stat().st_size < 6000
    message = refusal(path)
    assert "XFD60000" in message and "16,384 列" in message and FIX in message


def test_a_3000_row_variant_is_refused_too(tmp_path: Path) -> None:
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A4": "姓名", "XFD3000": "x"})
    assert FIX in refusal(path)


def test_a_stray_cell_far_down_is_refused_naming_it(tmp_path: Path) -> None:
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A1": "姓名", "B1000000": "x"})
    message = refusal(path)
    assert "B1000000" in message and "1,000,000 行" in message and "400,000 行" in message


def test_rows_times_columns_is_capped(tmp_path: Path) -> None:
    """Within the row and the column cap, but 400,000 × 26 cells would be a 10-million-cell grid."""
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A1": "姓名", "Z1": "备注", "A400000": "x"})
    message = refusal(path)
    assert "400,000 行 × 26 列" in message and "800 万个单元格" in message


def test_a_cell_beyond_the_sheet_on_another_sheet_leaves_the_roster_readable(tmp_path: Path) -> None:
    """Only the sheet with the stray cell is refused; its message comes when that sheet is asked for."""
    path = files.write_messy_roster(tmp_path / "花名册.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(path)
    book.create_sheet("Sheet2")["XFD70000"] = "x"
    book.save(path)
    with open_workbook(path) as wb:
        assert wb.sheet("花名册").rows[0][0] == "青川县茶坝乡2016年建档立卡贫困人口花名册"
        with pytest.raises(ExcelRefused, match="XFD70000"):
            wb.sheet("Sheet2")


def test_a_forged_dimension_does_not_refuse_a_small_sheet(tmp_path: Path) -> None:
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A1": "姓名", "B2": "张三"},
                                   dimension="A1:XFD1048576")
    assert read_capped(path) == {"sizes": {"花名册": [2, 2]}}


def test_styled_blank_cells_far_away_do_not_count(tmp_path: Path) -> None:
    """Excel writes formatted empty cells; they hold no value and build no grid."""
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="XFD1" s="1"/></row>'
             '<row r="900000"><c r="A900000" s="1"><v></v></c></row></sheetData></worksheet>')
    files._write_minimal_xlsx(tmp_path / "花名册.xlsx", sheet.encode())
    assert read_capped(tmp_path / "花名册.xlsx") == {"sizes": {"花名册": [1, 1]}}


def test_ods_of_99000_repeated_rows_is_refused(tmp_path: Path) -> None:
    path = files.write_repeated_ods(tmp_path / "花名册.ods", 99_000, 100)
    assert path.stat().st_size < 1000
    message = refusal(path)
    assert "99,000 行 × 100 列" in message and FIX in message


def test_ods_of_2000_by_2000_is_refused(tmp_path: Path) -> None:
    message = refusal(files.write_repeated_ods(tmp_path / "花名册.ods", 2_000, 2_000))
    assert "2,000 列" in message and FIX in message


def test_ods_with_a_value_after_a_million_empty_rows_is_refused(tmp_path: Path) -> None:
    path = files.write_repeated_ods(tmp_path / "花名册.ods", 0, 0, header=["姓名", "证件号码"], trailing_empty=True)
    content = zipfile_text(path, "content.xml").replace(
        "</table:table>", '<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p>'
                          '</table:table-cell></table:table-row></table:table>')
    rewrite_member(path, "content.xml", content)
    message = refusal(path)
    assert "1,048,002 行" in message and "A1048002" in message


def test_ods_with_libreoffice_trailing_empty_rows_and_columns_is_read(tmp_path: Path) -> None:
    path = files.write_repeated_ods(tmp_path / "花名册.ods", 3, 2, header=["姓名", "证件号码"], trailing_empty=True)
    assert read_capped(path) == {"sizes": {"花名册": [4, 2]}}


def test_the_memory_limit_is_the_last_line_of_defence(tmp_path: Path) -> None:
    """With the size caps lifted, the reader's child runs out of its memory limit, not the machine."""
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A4": "姓名", "XFD3000": "x"})
    message = refusal(path, max_columns=2**20, max_cells=2**40, max_memory_bytes=512 * 1024 * 1024)
    assert "内存超过上限" in message and "0.5 GB" in message and FIX in message


def test_the_time_limit_stops_the_reader(tmp_path: Path) -> None:
    path = files.write_messy_roster(tmp_path / "花名册.xlsx")
    message = refusal(path, max_seconds=0)
    assert "超过 0 秒仍未完成" in message and "什么也没有导入" in message


def test_import_excel_refuses_the_hostile_file_with_nothing_written(tmp_path: Path) -> None:
    """The real ``fupin import-excel`` under the cap: a Chinese message, exit code 2, no household."""
    store = make_store(tmp_path)
    store.close()
    db = tmp_path / "township.db"
    path = files.write_sparse_xlsx(tmp_path / "花名册.xlsx", {"A4": "姓名", "XFD60000": 1})
    proc = run_capped([sys.executable, "-m", "fupin_desktop", "--db", str(db), "import-excel", str(path), "--json"])
    assert proc.returncode == 2 and proc.stdout == ""
    assert "XFD60000" in proc.stderr and FIX in proc.stderr and "Traceback" not in proc.stderr
    store = Store(db)
    assert store.households.count() == 0
    store.close()


def zipfile_text(path: Path, member: str) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read(member).decode()


def rewrite_member(path: Path, member: str, text: str) -> None:
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in parts:
            z.writestr(info, text.encode() if info.filename == member else data,
                       zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED)


def test_a_legacy_xls_with_a_cell_in_column_65536_is_refused(tmp_path: Path) -> None:
    """BIFF cells carry 16-bit columns: .xls is checked on the grid the reader built, in its child."""
    path = files.write_biff_xls(tmp_path / "花名册.xls", [(0, 0, 1.0), (5, 65535, 2.0)])
    message = refusal(path)
    assert "65,536 列" in message and FIX in message


def test_a_legacy_xls_filling_its_whole_grid_is_refused(tmp_path: Path) -> None:
    path = files.write_biff_xls(tmp_path / "花名册.xls", [(0, 0, 1.0), (65535, 255, 2.0)])
    assert "65,536 行 × 256 列" in refusal(path)


def test_a_small_legacy_xls_is_read(tmp_path: Path) -> None:
    path = files.write_biff_xls(tmp_path / "花名册.xls", [(0, 0, 1.0), (30, 20, 2.0)])
    assert read_capped(path) == {"sizes": {"Sheet1": [31, 21]}}


def test_a_legacy_xls_whose_grid_cannot_be_allocated_stops_at_the_memory_limit(tmp_path: Path) -> None:
    """A cell at (65535, 65535): the reader asks for a 4-billion-cell grid; its child stops, we do not."""
    path = files.write_biff_xls(tmp_path / "花名册.xls", [(0, 0, 1.0), (65535, 65535, 2.0)])
    message = refusal(path)
    assert "内存超过上限" in message and FIX in message


def test_a_lying_dimensions_record_does_not_refuse_a_small_xls(tmp_path: Path) -> None:
    path = files.write_biff_xls(tmp_path / "花名册.xls", [(0, 0, 1.0), (1, 1, 2.0)], dimensions=(65536, 256))
    assert read_capped(path) == {"sizes": {"Sheet1": [2, 2]}}


def test_a_cancel_stops_the_reading_child(tmp_path: Path) -> None:
    from fupin_desktop.excel.sandbox import ReadCancelled

    path = files.write_messy_roster(tmp_path / "花名册.xlsx")
    with open_workbook(path, cancelled=lambda: True) as book, pytest.raises(ReadCancelled, match="已取消读取"):
        book.sheet("花名册")
