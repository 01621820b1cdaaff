"""A sheet's real size, streamed from its XML before any reader builds a grid.

The reader (python-calamine) builds a dense grid from A1 to the last filled cell: one cell
at XFD60000 makes it 60,000 × 16,384, and a few hundred bytes of .ods with
``table:number-rows-repeated`` / ``table:number-columns-repeated`` expand to millions of
cells.  So every worksheet is streamed first — an .xlsx sheet with straight expat callbacks
that look only at ``row``/``c``/``v``/``is`` (the cost of a 10,000-household sheet is most of
its reading), .ods content with defusedxml's ``iterparse``; both refuse DTDs, entities and
external references, and keep no element tree — and its grid — rows AND columns, from
every cell reference (.xlsx) or from the repeat attributes summed (.ods) — is checked
against :class:`~fupin_desktop.excel.limits.Limits` as it grows, so a hostile sheet is
refused after reading only as far as its first offending cell.

An .xlsx ``<dimension>`` element is not trusted: it may be stale or forged, and the reader
does not allocate from it; the cells decide.  Cells without a value (styled blanks, a
formula with no cached result) do not extend the grid, as they do not for the reader.

Pure Python, no Qt.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from fupin_desktop.excel.limits import ExcelRefused, Limits, bomb_message, check_extent, column_letter

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})$")
_ODS_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")


@dataclass
class Extent:
    """The grid a sheet needs: from A1 to its last filled row and column (1-based)."""

    rows: int = 0
    columns: int = 0
    row_at: str = ""  # the cell that set ``rows`` (named in a refusal)
    column_at: str = ""

    def grow(self, row: int, column: int) -> bool:
        grew = False
        if row > self.rows:
            self.rows, self.row_at, grew = row, f"{column_letter(column)}{row}", True
        if column > self.columns:
            self.columns, self.column_at, grew = column, f"{column_letter(column)}{row}", True
        return grew

    def check(self, name: str, limits: Limits) -> None:
        check_extent(name, self.rows, self.columns, limits, self.row_at, self.column_at)


class _Capped:
    """A zip member read with a cap on what it decompresses to (a forged size fails the CRC)."""

    def __init__(self, raw: IO[bytes], cap: int, file_name: str) -> None:
        self._raw, self._cap, self._file_name, self.seen = raw, cap, file_name, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size if 0 < size <= 1 << 20 else 1 << 20)
        self.seen += len(chunk)
        if self.seen > self._cap:
            raise ExcelRefused(bomb_message(self._file_name, self.seen, 0))
        return chunk


def _events(archive: zipfile.ZipFile, member: str, file_name: str,
            limits: Limits) -> Iterator[tuple[str, Any, Any]]:
    """(event, element, parent) for every start and end; each element is dropped at its end."""
    stack: list[Any] = []
    try:
        with archive.open(member) as raw:
            for event, elem in SafeET.iterparse(_Capped(raw, limits.max_member_bytes, file_name),
                                                events=("start", "end"), forbid_dtd=True):
                if event == "start":
                    yield event, elem, stack[-1] if stack else None
                    stack.append(elem)
                else:
                    stack.pop()
                    parent = stack[-1] if stack else None
                    yield event, elem, parent
                    if parent is not None:
                        parent.remove(elem)  # the element was just appended: it is the last child
    except (ExcelRefused, GeneratorExit):
        raise
    except DefusedXmlException as exc:
        raise ExcelRefused(f"文件“{file_name}”的内部 XML 含有实体或 DTD 声明，可能是“XML 炸弹”，已拒绝。") from exc
    except SafeET.ParseError as exc:
        raise ExcelRefused(f"文件“{file_name}”已损坏（内部部件 {member} 不是完整的 XML：{exc}）。") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError) as exc:
        raise ExcelRefused(f"文件“{file_name}”已损坏（内部部件 {member} 无法解压：{exc}）。") from exc


def _number(text: str | None, what: str, file_name: str) -> int:
    try:
        value = int(text or "1")
    except ValueError:
        raise ExcelRefused(f"文件“{file_name}”已损坏（{what}“{text}”不是数字）。") from None
    if value < 1:
        raise ExcelRefused(f"文件“{file_name}”已损坏（{what}“{text}”无效）。")
    return value


def xlsx_extent(archive: zipfile.ZipFile, member: str, sheet: str, file_name: str, limits: Limits) -> Extent:
    """Stream one worksheet part; refuses it as soon as its grid passes a cap.

    Straight expat callbacks (no element objects): only ``row``, ``c``, ``v`` and ``is`` are
    looked at, and text is only listened to inside a ``v``.  DTDs, entity declarations and
    external references are refused as defusedxml refuses them."""
    scan = _SheetScan(sheet, file_name, limits)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = scan.start  # the end of a ``v`` is listened to only inside one
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_entity
    parser.ExternalEntityRefHandler = _forbid_external
    scan.parser = parser
    try:
        with archive.open(member) as raw:
            capped = _Capped(raw, limits.max_member_bytes, file_name)
            while chunk := capped.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except ExcelRefused:
        raise
    except DefusedXmlException as exc:
        raise ExcelRefused(f"文件“{file_name}”的内部 XML 含有实体或 DTD 声明，可能是“XML 炸弹”，已拒绝。") from exc
    except expat.ExpatError as exc:
        raise ExcelRefused(f"文件“{file_name}”已损坏（内部部件 {member} 不是完整的 XML：{exc}）。") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError) as exc:
        raise ExcelRefused(f"文件“{file_name}”已损坏（内部部件 {member} 无法解压：{exc}）。") from exc
    return scan.extent


_ROW, _CELL, _VALUE, _INLINE = (f"{_MAIN[1:-1]} {name}" for name in ("row", "c", "v", "is"))


class _SheetScan:
    """The expat handlers of :func:`xlsx_extent`: the row and column of each cell that holds a value.

    A cell counts the moment it shows a value (its ``is`` starts, or its ``v`` holds text), so
    only elements' starts are listened to (and the end of a ``v``, to stop listening to text):
    a 10,000-household sheet has ~3 million elements and a Python call each is most of the cost.
    In a well-formed sheet ``v`` and ``is`` sit inside their ``c``; a stray one after a ``c``
    counts for that cell (an over-count: the scan never sees less of the grid than the reader)."""

    def __init__(self, sheet: str, file_name: str, limits: Limits) -> None:
        self.sheet, self.file_name, self.limits = sheet, file_name, limits
        self.extent = Extent()
        self.row = self.column = 0
        self.parser: Any = None
        self.columns: dict[str, int] = {}  # column letters -> index, worked out once each

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _CELL:
            ref = attrs.get("r")
            if ref is None:
                self.column += 1
            else:
                match = _REF.match(ref)
                if match is None:
                    raise ExcelRefused(f"文件“{self.file_name}”已损坏（工作表“{self.sheet}”中的单元格引用“{ref[:20]}”无效）。")
                letters, digits = match.groups()
                column = self.columns.get(letters)
                if column is None:
                    column = self.columns[letters] = _column_index(letters)
                self.row, self.column = int(digits), column
        elif tag == _INLINE:
            self.filled()
        elif tag == _VALUE:
            self.parser.CharacterDataHandler = self.text
            self.parser.EndElementHandler = self.end
        elif tag == _ROW:
            ref = attrs.get("r")
            self.row = _number(ref, "行号", self.file_name) if ref is not None else self.row + 1
            self.column = 0

    def filled(self) -> None:
        """The current cell holds a value: the grid reaches it."""
        extent = self.extent
        if (self.row > extent.rows or self.column > extent.columns) and extent.grow(self.row, self.column):
            extent.check(self.sheet, self.limits)

    def text(self, data: str) -> None:
        if data:
            self.filled()

    def end(self, tag: str) -> None:
        if tag == _VALUE:
            self.parser.CharacterDataHandler = None
            self.parser.EndElementHandler = None


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name: str, *_args: Any) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _forbid_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def ods_extents(archive: zipfile.ZipFile, file_name: str, limits: Limits) -> dict[str, Extent]:
    """Stream content.xml; every table's grid with its repeated rows and columns summed."""
    out: dict[str, Extent] = {}
    extent = Extent()
    name = ""
    row = column = 0
    repeat_rows = repeat_columns = 1
    row_filled = cell_filled = False
    row_width = 0
    depth = 0  # inside a cell: nested tables and paragraphs are content, not grid
    for event, elem, _parent in _events(archive, "content.xml", file_name, limits):
        tag = elem.tag
        if depth:
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth:
                cell_filled = cell_filled or bool((elem.text or "").strip()) or bool(elem.tail and elem.tail.strip())
                continue
        if event == "start":
            if tag == f"{_TABLE}table":
                name = elem.get(f"{_TABLE}name") or f"Sheet{len(out) + 1}"
                extent = out.setdefault(name, Extent())
                row = 0
            elif tag == f"{_TABLE}table-row":
                repeat_rows = _number(elem.get(f"{_TABLE}number-rows-repeated"), "重复行数", file_name)
                column, row_width, row_filled = 0, 0, False
            elif tag in _ODS_CELLS:
                repeat_columns = _number(elem.get(f"{_TABLE}number-columns-repeated"), "重复列数", file_name)
                cell_filled = elem.get(f"{_OFFICE}value-type") is not None
                depth = 1
        elif tag in _ODS_CELLS:  # the end of a cell (depth came back to 0)
            column += repeat_columns
            if cell_filled or bool((elem.text or "").strip()):
                row_filled, row_width = True, column
        elif tag == f"{_TABLE}table-row":
            row += repeat_rows
            if row_filled and extent.grow(row, row_width):
                extent.check(name, limits)
    return out


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index
