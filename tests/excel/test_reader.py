"""Point 7 of the Excel issue: bad files are refused quickly, clearly, and nothing is written."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl.xml
import pytest

from fupin_desktop.excel.importer import import_file
from fupin_desktop.excel.reader import EmptySheet, ExcelRefused, Limits, open_workbook
from tests.excel import files
from tests.helpers import make_store


def refused(path: Path, **kwargs: object) -> str:
    with pytest.raises(ExcelRefused) as info:
        with open_workbook(path, **kwargs) as book:  # type: ignore[arg-type]
            for name in book.sheet_names:
                book.sheet(name)
    return str(info.value)


def test_a_real_workbook_opens_and_reads_with_its_merged_cells(tmp_path: Path) -> None:
    path = files.write_messy_roster(tmp_path / "roster.xlsx")
    with open_workbook(path) as book:
        assert book.format == "xlsx"
        assert book.sheet_names == ["花名册"]
        assert book.row_count("花名册") == 22  # counted while streaming, before the reader parsed it
        sheet = book.sheet("花名册")
    assert sheet.rows[0][0] == "青川县茶坝乡2016年建档立卡贫困人口花名册"
    assert ((2, 0), (3, 0)) in sheet.merged  # 序号 merged down the two header rows


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_text_file_is_not_an_excel_file(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("姓名,证件号码\n张三,510822197005010139\n", encoding="utf-8")
    assert "文本文件" in refused(path) and "不是 Excel 工作簿" in refused(path)


@pytest.mark.parametrize(("content", "kind"), [
    (files.PNG_BYTES, "PNG 图片"),
    (files.PDF_BYTES, "PDF 文档"),
    ("户主,张三\n".encode("gb18030"), "文本文件"),
])
def test_a_renamed_file_says_what_it_really_is(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(content)
    message = refused(path)
    assert kind in message and "改过扩展名" in message


def test_a_word_document_renamed_to_xlsx(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "花名册.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert "Word 文档" in refused(path)


def test_a_plain_zip_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "花名册.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("花名册.txt", "张三")
    assert "普通压缩包" in refused(path)


def test_password_protected_xlsx_is_refused(tmp_path: Path) -> None:
    path = files.write_cfb_encrypted(tmp_path / "加密.xlsx")
    assert "密码" in refused(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    assert "空的" in refused(empty)
    assert "找不到文件" in refused(tmp_path / "没有.xlsx")


def test_an_empty_sheet_and_a_missing_sheet(tmp_path: Path) -> None:
    path = files.write_plain_xlsx(tmp_path / "空表.xlsx", [], title="花名册")
    assert "是空的" in refused(path)
    with open_workbook(path) as book, pytest.raises(EmptySheet, match="工作表“花名册”是空的") as empty:
        book.sheet("花名册")
    assert empty.value.sheet == "花名册" and isinstance(empty.value, ExcelRefused)
    full = files.write_plain_xlsx(tmp_path / "有表.xlsx", [["姓名", "证件号码"], ["张三", files.HEAD1]])
    with open_workbook(full) as book, pytest.raises(ExcelRefused, match="没有名为“花名册”的工作表"):
        book.sheet("花名册")


def test_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    path = files.write_zip_bomb(tmp_path / "bomb.xlsx", megabytes=120)
    assert path.stat().st_size < 1_000_000
    started = time.perf_counter()
    message = refused(path)
    assert "压缩炸弹" in message
    assert time.perf_counter() - started < 1.0


def test_zip_bomb_with_a_forged_size_is_caught_while_streaming(tmp_path: Path) -> None:
    """The declared size of the member says 10 KB; decompressing finds far more."""
    import struct
    import zlib

    xml = b" " * (40 << 20)
    data = zlib.compress(xml, 9)[2:-4]  # raw deflate
    name = b"xl/worksheets/sheet1.xml"
    crc = zlib.crc32(xml)
    fake = 10_000
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), fake, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), fake,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    wb_name = b"xl/workbook.xml"
    wb = b"<workbook/>"
    wb_crc = zlib.crc32(wb)
    local2 = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, wb_crc, len(wb), len(wb), len(wb_name), 0)
    offset2 = len(local) + len(data)
    central2 = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, wb_crc, len(wb), len(wb),
                           len(wb_name), 0, 0, 0, 0, 0, offset2) + wb_name
    body = local + data + local2 + wb_name + wb
    directory = central + central2
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(directory), len(body), 0)
    path = tmp_path / "forged.xlsx"
    path.write_bytes(body + directory + end)
    message = refused(path)
    assert "已损坏" in message or "压缩炸弹" in message


def test_xml_bomb_is_refused(tmp_path: Path) -> None:
    path = files.write_xml_bomb(tmp_path / "laughs.xlsx")
    started = time.perf_counter()
    message = refused(path)
    assert "XML 炸弹" in message
    assert time.perf_counter() - started < 1.0


def test_a_million_rows_are_refused_before_parsing(tmp_path: Path) -> None:
    path = files.write_million_rows(tmp_path / "million.xlsx")
    started = time.perf_counter()
    with open_workbook(path) as book:
        assert book.row_count("花名册") == 1_000_001
        with pytest.raises(ExcelRefused, match="超过单次导入上限 400,000 行"):
            book.sheet("花名册")
    assert time.perf_counter() - started < 5.0


def test_the_row_limit_is_a_setting(tmp_path: Path) -> None:
    path = files.write_messy_roster(tmp_path / "roster.xlsx")
    assert "超过单次导入上限 10 行" in refused(path, limits=Limits(max_rows=10))


def test_a_refused_file_writes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    before = store.db.query_one("SELECT COUNT(*) FROM audit")[0]
    bomb = files.write_xml_bomb(tmp_path / "laughs.xlsx")
    with pytest.raises(ExcelRefused):
        import_file(store, bomb)
    assert store.households.count() == 0
    assert store.db.query_one("SELECT COUNT(*) FROM audit")[0] == before
    store.close()


def test_ods_is_read(tmp_path: Path) -> None:
    path = files.write_ods(tmp_path / "花名册.ods", [["姓名", "证件号码"], ["张三", files.HEAD1]])
    with open_workbook(path) as book:
        assert book.format == "ods"
        assert book.sheet("花名册").rows[1] == ["张三", files.HEAD1]
