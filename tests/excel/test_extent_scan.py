"""The sheet pre-scan (``excel.extent.xlsx_extent``): streaming expat callbacks that still refuse
DTDs, entities and external references, and see the grid as the reader would build it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fupin_desktop.excel.extent import xlsx_extent
from fupin_desktop.excel.limits import ExcelRefused, Limits
from tests.excel import files

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def scan(tmp_path: Path, sheet: str, limits: Limits | None = None) -> tuple[int, int]:
    path = tmp_path / "花名册.xlsx"
    files._write_minimal_xlsx(path, sheet.encode())
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
        extent = xlsx_extent(archive, member, "花名册", path.name, limits or Limits())
    return extent.rows, extent.columns


def test_cells_with_values_make_the_grid(tmp_path: Path) -> None:
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="C1"><v>1</v></c></row>'
             '<row r="2"><c r="AA2" s="3"/><c r="B2"><v></v></c><c r="D2"><f>A1</f></c></row>'
             '<row><c><v>2</v></c><c><v>3</v></c></row></sheetData></worksheet>')
    assert scan(tmp_path, sheet) == (3, 3)


def test_a_prefixed_namespace_is_read_as_the_default_one(tmp_path: Path) -> None:
    sheet = (f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
             '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
             '<x:row r="900000"><x:c r="D900000"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    with pytest.raises(ExcelRefused, match="D900000"):
        scan(tmp_path, sheet)


def test_elements_of_another_namespace_are_not_cells(tmp_path: Path) -> None:
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{MAIN}" xmlns:o="urn:other"><sheetData>'
             '<row r="1"><c r="A1"><v>1</v></c><o:c r="XFD1"><o:v>1</o:v></o:c></row></sheetData></worksheet>')
    assert scan(tmp_path, sheet) == (1, 1)


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE worksheet [<!ENTITY a "x">]>',
    '<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">',
    '<!DOCTYPE worksheet>',
])
def test_dtds_and_entities_are_refused(tmp_path: Path, prolog: str) -> None:
    sheet = (f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{MAIN}"><sheetData>'
             '<row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>')
    with pytest.raises(ExcelRefused, match="XML 炸弹"):
        scan(tmp_path, sheet)


@pytest.mark.parametrize("sheet", [
    f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>',
    f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData><row r="1"></c></row></sheetData></worksheet>',
    "not xml at all",
])
def test_broken_xml_is_refused_as_damaged(tmp_path: Path, sheet: str) -> None:
    with pytest.raises(ExcelRefused, match="已损坏"):
        scan(tmp_path, sheet)


@pytest.mark.parametrize("ref", ["1A", "A", "A0x", "ABCD1"])
def test_a_bad_cell_reference_is_refused(tmp_path: Path, ref: str) -> None:
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
             f'<row r="1"><c r="{ref}"><v>1</v></c></row></sheetData></worksheet>')
    with pytest.raises(ExcelRefused, match="已损坏"):
        scan(tmp_path, sheet)


def test_the_first_cell_past_a_cap_stops_the_scan(tmp_path: Path) -> None:
    cells = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 200))
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{cells}<bad</worksheet>'
    with pytest.raises(ExcelRefused, match="A11"):
        scan(tmp_path, sheet, Limits(max_rows=10))


def test_only_values_count_also_across_read_chunks(tmp_path: Path) -> None:
    """A cell counts once its value shows (an inline string, or text in its ``v``); formula text,
    styled blanks and text after a ``v`` do not -- also when a cell straddles two 1 MB reads."""
    filler = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{"张" * 40}</t></is></c></row>'
                     for r in range(1, 12_000))  # ~1.4 MB: the last rows come in the second read
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{filler}'
             '<row r="12000"><c r="B12000"><v>7</v></c><c r="Z12000"><f>B1</f></c>'
             '<c r="Y12000"><v></v><x>text after the value</x></c><c r="X12000" s="2"/></row>'
             '<row r="12001"><c r="C12001" t="inlineStr"><is></is></c></row>'
             '</sheetData></worksheet>')
    assert scan(tmp_path, sheet) == (12001, 3)
