"""Read a workbook's cells in a child process held to a memory and a time limit.

The last line of defence behind the checks of :mod:`~fupin_desktop.excel.reader` and
:mod:`~fupin_desktop.excel.extent`: python-calamine is native code that aborts the whole
process when an allocation fails (a 60,000 × 16,384 grid asks for 31 GB), and parses an
.ods or .xls completely when it opens one.  So the parsing happens in a child process
(``multiprocessing`` "spawn": the same on Linux and Windows, and safe from the GUI's
threads) that

* streams each .xlsx worksheet / the .ods content first and refuses a sheet whose grid is
  beyond the caps before the reader is even opened (an .ods is refused whole: its reader
  builds every table at open);
* limits its own address space (``RLIMIT_AS``, where the platform has it) to
  :attr:`Limits.max_memory_bytes`, and is killed after :attr:`Limits.max_seconds`;
* checks each grid the reader built (rows and columns; .xls/.et/.xlsb are only checked
  here, their format caps them at 65,536 × 256 or the memory limit stops them) before
  turning it into Python lists;
* sends back, per sheet, the cells or the Chinese reason it was refused.

A child that runs out of memory or time, or dies, becomes an :class:`ExcelRefused` with a
Chinese message in the parent, which was never at risk.

Pure Python, no Qt.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fupin_desktop.excel.grid import Grid
from fupin_desktop.excel.limits import ExcelRefused, Limits, check_extent, out_of_memory, out_of_time

OK, REFUSED = "ok", "refused"
#: SIGABRT: what a native allocation failure ends in (Rust's ``handle_alloc_error``).
_ABORTED = -6


@dataclass
class SheetData:
    rows: Grid | None = None  # compressed blocks of rows: never all the cells as Python objects
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    refused: str = ""  # why the sheet cannot be read (then ``rows`` is None)


@dataclass
class BookData:
    sheet_names: list[str]
    hidden: set[str]
    sheets: dict[str, SheetData]


class ReadCancelled(ExcelRefused):
    """The clerk cancelled while the file was being read (the child was stopped)."""


def read_book(path: Path, fmt: str, members: dict[str, str], limits: Limits,
              cancelled: Callable[[], bool] | None = None) -> BookData:
    """Every worksheet of ``path``, read in a limited child process; raises :class:`ExcelRefused`.

    ``members`` maps .xlsx sheet names to their worksheet parts (streamed before reading);
    ``cancelled()`` is polled while the child works: true stops it (:class:`ReadCancelled`)."""
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(sender, str(path), fmt, members, limits),
                        name="fupin-excel-reader", daemon=True)
    child.start()
    sender.close()
    deadline = time.monotonic() + limits.max_seconds
    try:
        while True:
            if cancelled is not None and cancelled():
                raise ReadCancelled(f"已取消读取文件“{path.name}”，什么也没有导入。")
            if receiver.poll(max(min(0.05, deadline - time.monotonic()), 0)):
                break
            if time.monotonic() >= deadline:
                raise ExcelRefused(out_of_time(path.name, limits))
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):
            child.join(5)
            raise ExcelRefused(_died(path, child.exitcode, limits)) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == OK:
        book: BookData = payload  # the child sends a BookData or the reason it refused
        return book
    if kind == "memory":
        raise ExcelRefused(out_of_memory(path.name, limits))
    raise ExcelRefused(payload)


def _died(path: Path, exitcode: int | None, limits: Limits) -> str:
    if exitcode == _ABORTED and _can_limit_memory():
        return out_of_memory(path.name, limits)
    return (f"读取文件“{path.name}”时读取程序意外退出（代码 {exitcode}），什么也没有导入。文件可能已损坏或过大："
            "请在 Excel 或 WPS 中打开它，删除多余的行列后另存为 .xlsx 再导入。")


def _can_limit_memory() -> bool:
    try:
        import resource  # noqa: F401  (POSIX only)
    except ImportError:
        return False
    return True


# -- the child ---------------------------------------------------------------------------
def _child(conn: Any, path: str, fmt: str, members: dict[str, str], limits: Limits) -> None:
    _quiet_stderr()
    _limit_memory(limits.max_memory_bytes)
    try:
        result: tuple[str, Any] = (OK, _read(Path(path), fmt, members, limits))
    except ExcelRefused as exc:
        result = (REFUSED, str(exc))
    except MemoryError:
        result = ("memory", None)
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


def _quiet_stderr() -> None:
    """A native abort prints "memory allocation of … failed": not for the clerk's console."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the caps checked before reading and the time limit remain
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read(path: Path, fmt: str, members: dict[str, str], limits: Limits) -> BookData:
    import python_calamine as calamine

    from fupin_desktop.excel.extent import ods_extents, xlsx_extent

    refused: dict[str, str] = {}
    if fmt in ("xlsx", "ods"):
        with zipfile.ZipFile(path) as archive:
            if fmt == "ods":
                ods_extents(archive, path.name, limits)  # refuses the file: its reader parses every table
            for sheet, member in members.items():
                try:
                    xlsx_extent(archive, member, sheet, path.name, limits)
                except ExcelRefused as exc:
                    refused[sheet] = str(exc)
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise ExcelRefused(password_message(path.name)) from exc
    except calamine.CalamineError as exc:
        raise ExcelRefused(f"文件“{path.name}”已损坏或不是有效的 Excel 工作簿（{exc}）。") from exc
    except MemoryError:
        raise
    except Exception as exc:  # the reader library reports some damage as plain errors
        raise ExcelRefused(f"文件“{path.name}”无法读取，可能已损坏（{exc}）。") from exc
    with book:
        meta = [m for m in book.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
        names = [m.name for m in meta]
        hidden = {m.name for m in meta if m.visible != calamine.SheetVisibleEnum.Visible}
        sheets = {name: SheetData(refused=refused[name]) if name in refused else _sheet(book, name, limits)
                  for name in names}
    return BookData(names, hidden, sheets)


def _sheet(book: Any, name: str, limits: Limits) -> SheetData:
    import python_calamine as calamine

    try:
        raw = book.get_sheet_by_name(name)
        if raw.end:
            check_extent(name, raw.end[0] + 1, raw.end[1] + 1, limits)
        rows = _grid(raw)
        merged = list(raw.merged_cell_ranges or [])
    except ExcelRefused as exc:
        return SheetData(refused=str(exc))
    except calamine.CalamineError as exc:
        return SheetData(refused=f"工作表“{name}”无法读取（文件可能已损坏）：{exc}")
    return SheetData(rows=rows, merged=merged)


def _grid(raw: Any) -> Grid:
    """The sheet's cells from A1, as ``to_python(skip_empty_area=False)`` gives them, packed row by
    row as the reader hands them out (the whole sheet is never a Python list of lists here)."""
    start, end = raw.start, raw.end
    if not end or not hasattr(raw, "iter_rows"):  # python-calamine before 0.3 has no iter_rows
        return Grid.build(raw.to_python(skip_empty_area=False))
    left = [""] * (start[1] if start else 0)
    grid = Grid.build(left + list(row) for row in raw.iter_rows())
    if len(grid) != end[0] + 1 or grid.width != end[1] + 1:  # a reader that skips the empty area above
        grid = Grid.build(raw.to_python(skip_empty_area=False))
    return grid


def password_message(file_name: str) -> str:
    return (f"文件“{file_name}”设置了打开密码（已加密），程序无法读取。"
            "请在 Excel 或 WPS 中输入密码打开，取消密码后另存为 .xlsx 再导入。")
