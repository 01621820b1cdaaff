"""A sheet's cells kept compressed (excel/grid.py): the same rows as the reader's lists, in every use.

The reading child packs the rows as python-calamine hands them out; what the parent sees must be
exactly ``to_python(skip_empty_area=False)`` (the grid from A1), merged cells filled the same way.
"""

from __future__ import annotations

import copy
import pickle
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine as calamine

from fupin_desktop.excel import grid as grid_mod
from fupin_desktop.excel import headers as hdr
from fupin_desktop.excel.grid import Grid
from fupin_desktop.excel.reader import open_workbook
from tests.excel import files


def _rows(n: int, seed: int = 1) -> list[list[Any]]:
    rnd = random.Random(seed)
    cells: list[Any] = ["", "张三", "炉场村", 1.0, 3.5, True, date(2016, 1, 2), datetime(2016, 1, 2, 3, 4), "一组"]
    return [[rnd.choice(cells) for _ in range(rnd.randint(0, 7))] for _ in range(n)]


def test_a_grid_reads_like_the_list_of_rows() -> None:
    rows = _rows(grid_mod.BLOCK * 3 + 17)
    grid = Grid.build(copy.deepcopy(rows))
    assert len(grid) == len(rows) and list(grid) == rows and grid == rows
    assert grid[0] == rows[0] and grid[-1] == rows[-1] and grid[grid_mod.BLOCK] == rows[grid_mod.BLOCK]
    assert grid[5:300] == rows[5:300] and grid[:3] == rows[:3] and grid[::-7] == rows[::-7]
    assert grid.width == max(len(r) for r in rows)
    assert [grid[i] for i in (300, 2, 299, 3)] == [rows[i] for i in (300, 2, 299, 3)]  # back and forth
    again = pickle.loads(pickle.dumps(grid))
    assert again == rows and again.width == grid.width
    assert Grid.build([]) == [] and Grid.build([]).width == 0


def test_trailing_blank_rows_are_trimmed_like_popping_them() -> None:
    rows = [["a", 1.0], ["", None], [" ", ""], [None]]
    grid = Grid.build(rows)
    grid.trim(lambda v: v is None or (isinstance(v, str) and not v.strip()))
    assert grid == [["a", 1.0]] and len(grid) == 1 and list(grid) == [["a", 1.0]]


def test_merged_cells_are_filled_exactly_as_on_lists() -> None:
    rnd = random.Random(7)
    for trial in range(20):
        rows = [[f"{r}:{c}" for c in range(rnd.randint(1, 9))] for r in range(rnd.randint(1, grid_mod.BLOCK * 4))]
        merged = []
        for _ in range(rnd.randint(1, 60)):  # overlapping, out of range, single cells: anything
            r0, c0 = rnd.randint(0, len(rows) + 3), rnd.randint(0, 10)
            merged.append(((r0, c0), (r0 + rnd.randint(0, 300), c0 + rnd.randint(0, 4))))
        grid = Grid.build(copy.deepcopy(rows))
        hdr.fill_merged(rows, merged)
        hdr.fill_merged(grid, merged)
        assert grid == rows, trial
        assert pickle.loads(pickle.dumps(grid)) == rows


def _as_calamine_gives(path: Path) -> dict[str, list[list[Any]]]:
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        out = {}
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
                rows.pop()
            out[name] = rows
        return out


def test_the_reader_hands_out_the_cells_calamine_reads(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.xlsx"  # the data starts at C3: the empty area is kept
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["E5"], ws["D4"] = "户编号", 1.5, datetime(2016, 5, 4)
    ws["A40"] = "填表人"
    wb.save(sparse)
    paths = [sparse, files.write_messy_roster(tmp_path / "r.xlsx"),
             files.write_ods(tmp_path / "o.ods", [["", "", ""], ["", "姓名", "证件号码"], ["", "张三", files.HEAD1]]),
             files.write_biff_xls(tmp_path / "b.xls", [(2, 1, 3.0), (4, 3, 5.5)])]
    for path in paths:
        expected = _as_calamine_gives(path)
        with open_workbook(path) as book:
            for name in book.sheet_names:
                sheet = book.sheet(name)
                assert isinstance(sheet.rows, Grid)
                assert sheet.rows == expected[name], (path.name, name)
                assert sheet.width == max(len(r) for r in expected[name])
