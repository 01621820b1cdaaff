"""How big a spreadsheet may be, and the Chinese messages that refuse one that is bigger.

The caps fit the county's largest real roster with room to spare; a file beyond them is
refused before any reader builds a grid (see :mod:`fupin_desktop.excel.extent`), and the
reader itself runs in a child process held to :attr:`Limits.max_memory_bytes` and
:attr:`Limits.max_seconds` (see :mod:`fupin_desktop.excel.sandbox`).

Pure Python, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

#: Rows (titles and header included) one sheet may have: the county's largest roster.
MAX_ROWS = 400_000
#: Columns one sheet may reach (a roster has a few dozen; Excel allows 16,384).
MAX_COLUMNS = 300
#: Rows × columns of one sheet's grid, counted from A1 to its last filled cell.
MAX_CELLS = 8_000_000
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Uncompressed size of one zip member and of all of them.
MAX_MEMBER_BYTES = 400 * 1024 * 1024
MAX_TOTAL_BYTES = 600 * 1024 * 1024
#: Members bigger than this must not be compressed more than MAX_RATIO times.
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5_000
#: The child process that reads the cells: address space (POSIX) and wall-clock time.
MAX_MEMORY_BYTES = 3 * 1024 * 1024 * 1024
MAX_SECONDS = 180.0

FIX_HINT = "请在 Excel 或 WPS 中删除多余的行列后另存为 .xlsx 再导入"
SPLIT_HINT = "如果确有这么多行，请按村拆分成几个文件后分批导入"


class ExcelRefused(Exception):
    """The file cannot be imported; ``str(exc)`` tells the clerk why (nothing was written)."""


class EmptySheet(ExcelRefused):
    """The named sheet holds no cells: refused when it is the one to import, skipped when it
    is an optional sheet of the full workbook."""

    def __init__(self, sheet: str) -> None:
        super().__init__(f"工作表“{sheet}”是空的，没有可导入的内容。")
        self.sheet = sheet


@dataclass(frozen=True)
class Limits:
    max_rows: int = MAX_ROWS
    max_file_bytes: int = MAX_FILE_BYTES
    max_member_bytes: int = MAX_MEMBER_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: int = MAX_RATIO
    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS
    max_memory_bytes: int = MAX_MEMORY_BYTES
    max_seconds: float = MAX_SECONDS

    @classmethod
    def unlimited(cls) -> Limits:
        """No size caps (reading back a file the program wrote itself); the child's limits stay."""
        keep = {"max_memory_bytes", "max_seconds", "max_ratio"}
        return cls(**{f.name: 2**50 for f in fields(cls) if f.name not in keep})


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def too_many_rows(name: str, rows: int, limit: int) -> ExcelRefused:
    return ExcelRefused(
        f"工作表“{name}”有 {rows:,} 行，超过单次导入上限 {limit:,} 行。请按村拆分成几个文件后分批导入。"
    )


def too_long(name: str, rows: int, where: str, limit: int) -> ExcelRefused:
    """The last filled cell lies below the row cap (a stray value far down, or a real giant)."""
    return ExcelRefused(
        f"工作表“{name}”的单元格 {where} 还有内容，使表格长达 {rows:,} 行，超过单次导入上限 {limit:,} 行。"
        f"如果这些是多余的内容，{FIX_HINT}；{SPLIT_HINT}。"
    )


def too_wide(name: str, columns: int, where: str, limit: int) -> ExcelRefused:
    cause = f"的单元格 {where} 还有内容，使表格" if where else ""
    return ExcelRefused(
        f"工作表“{name}”{cause}宽达 {columns:,} 列（到第 {column_letter(columns)} 列），"
        f"远超花名册的正常列数（上限 {limit:,} 列）。{FIX_HINT}。"
    )


def too_many_cells(name: str, rows: int, columns: int, limit: int) -> ExcelRefused:
    return ExcelRefused(
        f"工作表“{name}”有 {rows:,} 行 × {columns:,} 列（约 {rows * columns / 10_000:,.0f} 万个单元格），"
        f"超过单次导入上限 {limit / 10_000:,.0f} 万个单元格。{FIX_HINT}；{SPLIT_HINT}。"
    )


def check_extent(name: str, rows: int, columns: int, limits: Limits,
                 row_at: str = "", column_at: str = "") -> None:
    """Refuse a sheet whose grid (A1 to its last filled row and column) is beyond the caps."""
    if rows > limits.max_rows:
        raise too_long(name, rows, row_at, limits.max_rows) if row_at else too_many_rows(name, rows, limits.max_rows)
    if columns > limits.max_columns:
        raise too_wide(name, columns, column_at, limits.max_columns)
    if rows * columns > limits.max_cells:
        raise too_many_cells(name, rows, columns, limits.max_cells)


def bomb_message(file_name: str, size: int, ratio: float) -> str:
    return (f"文件“{file_name}”解压后异常巨大（约 {size / 1024 / 1024:.0f} MB，压缩比 {ratio:.0f} 倍），"
            "疑似“压缩炸弹”，为保护电脑已拒绝读取。")


def out_of_memory(file_name: str, limits: Limits) -> str:
    return (f"读取文件“{file_name}”需要的内存超过上限（{limits.max_memory_bytes / 1024**3:.1f} GB），已停止读取，"
            f"电脑和数据都没有受影响。文件中可能有大量空白或多余的行列：{FIX_HINT}；{SPLIT_HINT}。")


def out_of_time(file_name: str, limits: Limits) -> str:
    return (f"读取文件“{file_name}”超过 {limits.max_seconds:.0f} 秒仍未完成，已停止读取，什么也没有导入。"
            f"文件可能过大或结构异常：{FIX_HINT}；{SPLIT_HINT}。")
