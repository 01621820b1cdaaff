"""Open a spreadsheet safely and read its sheets (python-calamine).

Everything that can be refused is refused here, quickly and before the reader
library parses anything, with a Chinese message for the clerk:

* not a spreadsheet at all, or another kind of file given an Excel name (a PNG,
  a PDF, a Word document, a text/CSV file, a plain zip);
* a password-protected workbook (an .xlsx saved with a password is an OLE/CFB
  container holding ``EncryptionInfo`` and ``EncryptedPackage`` streams);
* a zip bomb: the sizes and compression ratios the zip directory declares are
  checked first, then every member is streamed once with a cap (a forged size
  fails the CRC check) while counting each worksheet's rows;
* an XML bomb: a spreadsheet part never needs a DTD, so any ``<!DOCTYPE`` or
  ``<!ENTITY`` refuses the file; the small workbook parts are parsed with
  defusedxml;
* an empty or missing sheet, and more rows than :data:`~fupin_desktop.excel.limits.MAX_ROWS`;
* a sheet whose grid would be huge (a stray cell at XFD60000, thousands of repeated .ods
  rows): every worksheet's real size, rows AND columns, is streamed before the reader
  builds anything (:mod:`~fupin_desktop.excel.extent`), and the reader itself runs in a
  child process held to a memory and a time limit (:mod:`~fupin_desktop.excel.sandbox`).

Pure Python, no Qt.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from fupin_desktop import fileio
from fupin_desktop.excel.grid import Grid, as_grid
from fupin_desktop.excel.limits import (
    MAX_MEMBERS,
    RATIO_FLOOR_BYTES,
    EmptySheet,
    ExcelRefused,
    Limits,
    bomb_message,
    too_many_rows,
)
from fupin_desktop.excel.sandbox import BookData, SheetData, password_message, read_book

__all__ = ["EmptySheet", "ExcelRefused", "Limits", "Sheet", "Workbook", "open_workbook"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xlsb")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class Sheet:
    """The cells of one sheet, top-left at A1 (``rows[i][j]`` is row i+1, column j+1), kept
    compressed (:class:`~fupin_desktop.excel.grid.Grid`, a sequence of rows)."""

    def __init__(self, name: str, rows: Grid | list[list[Any]],
                 merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None) -> None:
        self.name = name
        self.rows = as_grid(rows)
        self.merged = merged or []

    @property
    def width(self) -> int:
        return self.rows.width


class Workbook:
    """A spreadsheet that passed every check on its container.

    Its cells are read on first use, all sheets at once, in a child process with a memory and
    a time limit (:mod:`~fupin_desktop.excel.sandbox`), after each sheet's size was checked."""

    def __init__(self, path: Path, fmt: str, row_counts: dict[str, int], members: dict[str, str],
                 limits: Limits, cancelled: Callable[[], bool] | None = None) -> None:
        self.path = path
        self.format = fmt
        self._row_counts = row_counts
        self._members = members
        self._limits = limits
        self._data: BookData | None = None
        self._cancelled = cancelled

    def _book(self) -> BookData:
        if self._data is None:
            data = read_book(self.path, self.format, self._members, self._limits, self._cancelled)
            if not data.sheet_names:
                raise ExcelRefused(f"文件“{self.path.name}”中没有工作表。")
            self._data = data
        return self._data

    @property
    def sheet_names(self) -> list[str]:
        return self._book().sheet_names

    @property
    def hidden(self) -> set[str]:
        return self._book().hidden

    def row_count(self, name: str) -> int | None:
        """Rows the sheet holds, known before reading it (xlsx only)."""
        return self._row_counts.get(name)

    def sheet(self, name: str) -> Sheet:
        """One sheet; refuses a missing or empty sheet and one beyond the size limits."""
        known = self._row_counts.get(name)  # counted while streaming: no need to start the reader
        if known is not None and known > self._limits.max_rows:
            raise too_many_rows(name, known, self._limits.max_rows)
        book = self._book()
        if name not in book.sheet_names:
            shown = "、".join(book.sheet_names) or "（无）"
            raise ExcelRefused(f"文件中没有名为“{name}”的工作表。现有工作表：{shown}")
        data: SheetData = book.sheets[name]
        if data.rows is None:
            raise ExcelRefused(data.refused)
        rows = data.rows
        rows.trim(_blank)
        if not rows:
            raise EmptySheet(name)
        return Sheet(name=name, rows=rows, merged=data.merged)

    def close(self) -> None:
        self._data = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workbook(path: str | Path, limits: Limits | None = None, *,
                  cancelled: Callable[[], bool] | None = None) -> Workbook:
    """Check ``path`` thoroughly and open it; raises :class:`ExcelRefused` with the reason.

    ``cancelled()`` is polled while the cells are read (the reading child is stopped)."""
    limits = limits or Limits()
    path = Path(path)
    if not path.exists():
        raise ExcelRefused(f"找不到文件 {path}")
    if path.is_dir():
        raise ExcelRefused(f"{path} 是文件夹，请选择 Excel 文件。")
    if fileio.is_live_database(path):  # opening it here would drop the database's locks
        raise ExcelRefused(f"“{path.name}”是本程序正在使用的数据库文件，不是 Excel 工作簿。请选择要导入的 Excel 文件。")
    size = path.stat().st_size
    if size == 0:
        raise ExcelRefused(f"文件“{path.name}”是空的（0 字节），不是 Excel 工作簿。")
    if size > limits.max_file_bytes:
        raise ExcelRefused(
            f"文件“{path.name}”有 {size / 1024 / 1024:.0f} MB，超过单次导入上限 "
            f"{limits.max_file_bytes // 1024 // 1024} MB，请按村拆分后分批导入。"
        )
    with open(path, "rb") as fh:
        head = fh.read(8)
    row_counts: dict[str, int] = {}
    members: dict[str, str] = {}
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        fmt, row_counts, members = _check_zip(path, limits)
    elif head.startswith(CFB_MAGIC):
        fmt = _check_cfb(path)
    else:
        raise ExcelRefused(_not_excel_message(path))
    return Workbook(path, fmt, row_counts, members, limits, cancelled)


# -- container checks ---------------------------------------------------------------
def _check_zip(path: Path, limits: Limits) -> tuple[str, dict[str, int], dict[str, str]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExcelRefused(f"文件“{path.name}”已损坏，无法作为 Excel 工作簿打开（{exc}）。") from exc
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        fmt = _zip_format(archive, names, path)
        _check_declared_sizes(infos, path, limits)
        worksheets = _worksheet_members(archive, names) if fmt == "xlsx" else {}
        counts = _stream_members(archive, infos, set(worksheets.values()), path, limits)
    return fmt, {sheet: counts.get(member, 0) for sheet, member in worksheets.items()}, worksheets


def _zip_format(archive: zipfile.ZipFile, names: set[str], path: Path) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "mimetype" in names:
        kind = archive.read("mimetype")[:100]
        if kind.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if b"opendocument.text" in kind:
            raise ExcelRefused(f"文件“{path.name}”是文字处理文档（.odt），不是电子表格。")
    if "word/document.xml" in names:
        raise ExcelRefused(f"文件“{path.name}”实际上是 Word 文档（.docx），不是 Excel 工作簿（可能改过扩展名）。")
    if any(n.startswith("ppt/") for n in names):
        raise ExcelRefused(f"文件“{path.name}”实际上是 PowerPoint 演示文稿，不是 Excel 工作簿。")
    raise ExcelRefused(
        f"文件“{path.name}”是一个普通压缩包（zip），不是 Excel 工作簿。请解压后选择其中的 .xlsx 文件。"
    )


def _check_declared_sizes(infos: list[zipfile.ZipInfo], path: Path, limits: Limits) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ExcelRefused(f"文件“{path.name}”内部有 {len(infos)} 个部件，远超正常工作簿，已拒绝（疑似压缩炸弹）。")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (info.file_size > limits.max_member_bytes or total > limits.max_total_bytes
                or (info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio)):
            raise ExcelRefused(bomb_message(path.name, info.file_size, ratio))


def _stream_members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], worksheets: set[str],
                    path: Path, limits: Limits) -> dict[str, int]:
    """Decompress every member once with a cap; refuse DTDs; count worksheet rows."""
    counts: dict[str, int] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        is_xml = info.filename.endswith((".xml", ".rels", ".vml")) or info.filename == "[Content_Types].xml"
        is_sheet = info.filename in worksheets
        seen = 0
        rows = 0
        tail = b""
        prolog_checked = not is_xml
        try:
            with archive.open(info) as member:
                while True:
                    chunk = member.read(1 << 20)
                    if not chunk:
                        break
                    seen += len(chunk)
                    total += len(chunk)
                    if seen > limits.max_member_bytes or total > limits.max_total_bytes:
                        raise ExcelRefused(bomb_message(path.name, seen, seen / max(info.compress_size, 1)))
                    if not prolog_checked:
                        if _DTD.search(tail + chunk[:65536]):
                            raise ExcelRefused(
                                f"文件“{path.name}”的内部 XML 含有实体声明（<!DOCTYPE/<!ENTITY>），"
                                "正常的 Excel 文件不会有，可能是“XML 炸弹”，已拒绝。"
                            )
                        prolog_checked = seen >= 65536
                    if is_sheet:
                        # Count tags starting before the last 64 bytes; those carry over, so a tag
                        # split across two chunks is counted exactly once.
                        window = tail + chunk
                        cut = max(len(window) - 64, 0)
                        rows += sum(1 for m in _ROW_TAG.finditer(window) if m.start() < cut)
                        tail = window[cut:]
                    else:
                        tail = chunk[-16:]
        except ExcelRefused:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise ExcelRefused(f"文件“{path.name}”已损坏（内部部件 {info.filename} 无法解压：{exc}）。") from exc
        if is_sheet:
            rows += len(_ROW_TAG.findall(tail))
            counts[info.filename] = rows
    return counts


def _worksheet_members(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name -> worksheet part path, from workbook.xml and its rels (parsed with defusedxml)."""
    try:
        book = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels_raw = archive.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
        rels = SafeET.fromstring(rels_raw) if rels_raw else None
    except DefusedXmlException as exc:
        raise ExcelRefused("工作簿的内部 XML 含有实体或 DTD 声明，可能是“XML 炸弹”，已拒绝。") from exc
    except Exception as exc:  # noqa: BLE001 - any XML damage is a damaged file
        raise ExcelRefused(f"工作簿结构已损坏（{exc}）。") from exc
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
            target = rel.get("Target") or ""
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[rel.get("Id") or ""] = member
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        member = targets.get(sheet.get(f"{_NS_REL}id") or "")
        if member and member in names:
            out[sheet.get("name") or ""] = member
    return out


def _check_cfb(path: Path) -> str:
    """An OLE compound file: a legacy .xls/.et, or an encrypted (password-protected) .xlsx."""
    with open(path, "rb") as fh:
        data = fh.read()

    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("EncryptedPackage") or has("EncryptionInfo"):
        raise ExcelRefused(password_message(path.name))
    if has("WordDocument"):
        raise ExcelRefused(f"文件“{path.name}”实际上是 Word 文档（.doc），不是 Excel 工作簿。")
    if has("PowerPoint Document"):
        raise ExcelRefused(f"文件“{path.name}”实际上是 PowerPoint 演示文稿，不是 Excel 工作簿。")
    if has("Workbook") or has("Book"):
        return "xls"
    raise ExcelRefused(f"文件“{path.name}”不是 Excel 工作簿（OLE 文件中没有工作簿）。")


# -- messages -------------------------------------------------------------------------
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"%PDF", "PDF 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"SQLite format 3", "SQLite 数据库"),
    (b"MZ", "程序文件（exe）"),
)


def _not_excel_message(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    kind = next((label for magic, label in _SIGNATURES if head.startswith(magic)), None)
    if kind is None:
        lowered = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
        if lowered.startswith((b"<html", b"<!doctype html", b"<table")):
            kind = "网页（HTML）文件"
        elif lowered.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            kind = "Excel 2003 XML 表格"
        elif _looks_like_text(head):
            kind = "文本文件（可能是 CSV）"
    renamed = path.suffix.lower() in EXCEL_SUFFIXES
    if kind is None:
        return f"文件“{path.name}”不是 Excel 工作簿（无法识别的文件格式）。"
    hint = "请在 Excel 或 WPS 中打开它，另存为 .xlsx 后再导入。" if "表格" in kind or "CSV" in kind or "HTML" in kind else ""
    if renamed:
        return f"文件“{path.name}”实际上是{kind}，不是 Excel 工作簿（可能改过扩展名）。{hint}"
    return f"文件“{path.name}”是{kind}，不是 Excel 工作簿。{hint}"


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
