"""Spreadsheets the Excel tests write themselves: a messy county roster and bad files.

Everything here writes REAL files (openpyxl, zipfile, raw bytes) that the code under test
then reads back; nothing is mocked.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from fupin_desktop.domain.idnumber import make_id

ZWSP = "\u200b"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RARE = "\U00020bb7"  # 𠮷, outside the BMP


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


# The people of the messy roster: valid IDs made from their birth dates.
HEAD1 = make_id("510822", date(1968, 3, 15), 11)  # 男
WIFE1 = next(i for s in range(0, 999, 2) if (i := make_id("510822", date(1970, 8, 9), s)).endswith("X"))  # 女
OLD15 = "510822" + "400315" + "017"  # an old 15-digit number: born 1940-03-15, 男 (odd)
HEAD2 = make_id("510822", date(1955, 1, 2), 31)
DAUGHTER2 = make_id("510822", date(1990, 6, 1), 42)
HEAD3 = make_id("510822", date(1960, 2, 3), 51)
WIFE3 = make_id("510822", date(1962, 5, 4), 62)
HEAD4_BAD = make_id("510822", date(1961, 7, 8), 71)[:-1] + "0"  # wrong check character
HEAD5 = make_id("510822", date(1963, 9, 10), 81)
SON5 = make_id("510822", date(1985, 11, 12), 91)
WIFE6 = make_id("510822", date(1966, 12, 13), 102)
HEAD7 = make_id("510822", date(1967, 1, 14), 111)
HEAD8 = make_id("510822", date(1971, 2, 15), 121)
TWICE = make_id("510822", date(1999, 3, 16), 132)  # in household 8 and household 9
HEAD9 = make_id("510822", date(1972, 4, 17), 141)
HEAD10 = make_id("510822", date(1973, 5, 18), 151)  # already stored in another household

HEADER_TOP = ["序号", "乡（镇）", "行政村", "村民小组", "户编号", "家庭成员信息", None, None, None, None, None,
              "参保情况", None, None, "健康状况", "贫困户属性", "主要致贫原因", "户联系电话", "人数"]
HEADER_LOW = [None, None, None, None, None, "姓 名", "性别", "身份证号码", "与户主关系", "民族", "出生日期",
              "是否参加新农合", "养老保险", "大病保险", None, None, None, None, None]
MERGED_DOWN = [0, 1, 2, 3, 4, 14, 15, 16, 17, 18]  # columns whose header spans both rows

N1, N2, N3, N4, N5, N6, N7, N8, N9, N10 = (f"51082210500100{i:02d}" for i in range(1, 11))


def roster_rows() -> list[list[Any]]:
    """Data rows: 序号, 乡镇, 村, 组, 户编号, 姓名, 性别, 证件号码, 关系, 民族, 出生日期, 新农合, 养老, 大病,
    健康, 属性, 原因, 电话, 人数."""
    return [
        # 1: imported, messy but valid: full-width ID with a zero-width space, lowercase x where it
        # applies, non-BMP name, minority name with "·", 15-digit ID, Excel date cell, 是/否 variants,
        # code numbers and aliases, 性别 missing.
        [1, "茶坝乡", "炉场村", "一组", N1, f" {RARE}祥 ", "", fullwidth(HEAD1) + ZWSP, "本人", "汉族",
         None, "√", "已参加", "Y", "1", "一般户", "07", "139 1234 5678", 3],
        [2, "茶坝乡", "炉场村", "一组", N1, "阿依古丽·买买提", None, WIFE1.lower(), "妻", "维吾尔",
         datetime(1970, 8, 9), "是", "未参加", "否", "健康", "一般户", "07", "139 1234 5678", 3],
        [3, "茶坝乡", "炉场村", "一组", N1, "李德全", "男", OLD15, "之父", "1", "1940-3-15", "1", "0",
         "N", "健康", "一般户", "07", "139 1234 5678", 3],
        # 2: imported with a new group (五组) added.
        [4, "茶坝乡", "兴龙村", "五组", N2, "王德明", "男", HEAD2, "户主", "汉族", date(1955, 1, 2), "是",
         "是", "是", "长期慢性病", "一般贫困户", "因病", "13800001111", 2],
        [5, "茶坝乡", "兴龙村", "五组", N2, "王秀英", "女", DAUGHTER2, "之女", "汉族", "", "是", "是",
         "是", "健康", "一般贫困户", "因病", "13800001111", 2],
        # 3: rejected, an ID stored by Excel as a number.
        [6, "茶坝乡", "炉场村", "二组", N3, "张国华", "男", float(HEAD3), "户主", "汉族", None, "是", "是",
         "是", "健康", "一般贫困户", "缺资金", "", 2],
        [7, "茶坝乡", "炉场村", "二组", N3, "刘桂兰", "女", WIFE3, "配偶", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺资金", "", 2],
        # 4: rejected, a wrong check character.
        [8, "茶坝乡", "炉场村", "二组", N4, "赵建国", "男", HEAD4_BAD, "户主", "汉族", None, "是", "是",
         "是", "健康", "一般贫困户", "缺技术", "", 1],
        # 5: rejected, two 户主.
        [9, "茶坝乡", "青新村", "四组", N5, "陈光明", "男", HEAD5, "户主", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "因灾", "", 2],
        [10, "茶坝乡", "青新村", "四组", N5, "陈建军", "男", SON5, "户主", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "因灾", "", 2],
        # 6: rejected, no 户主.
        [11, "茶坝乡", "青新村", "四组", N6, "周秀珍", "女", WIFE6, "配偶", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "因学", "", 1],
        # 7: rejected, a village the township does not have.
        [12, "茶坝乡", "火星村", "一组", N7, "吴世华", "男", HEAD7, "户主", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺水", "", 1],
        # 8 and 9: rejected, the same person in both households.
        [13, "茶坝乡", "炉场村", "一组", N8, "何文华", "男", HEAD8, "户主", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺土地", "", 2],
        [14, "茶坝乡", "炉场村", "一组", N8, "何小雨", "女", TWICE, "之女", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺土地", "", 2],
        [15, "茶坝乡", "炉场村", "一组", N9, "罗正才", "男", HEAD9, "户主", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺土地", "", 2],
        [16, "茶坝乡", "炉场村", "一组", N9, "何小雨", "女", TWICE, "之女", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺土地", "", 2],
        # 10: rejected, the head is already registered in another household of the database.
        [17, "茶坝乡", "兴龙村", "一组", N10, "唐永福", "男", HEAD10, "户主", "汉族", None, "是", "是", "是",
         "健康", "一般贫困户", "缺劳动力", "", 1],
    ]


FIRST_DATA_ROW = 5
STATUS_BY_HOUSEHOLD = {N1: "warning", N2: "warning", N3: "rejected", N4: "rejected", N5: "rejected",
                       N6: "rejected", N7: "rejected", N8: "rejected", N9: "rejected", N10: "rejected"}


def write_messy_roster(path: Path, rows: list[list[Any]] | None = None) -> Path:
    """A county roster: title and date rows, a merged two-row header, messy data, a footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["青川县茶坝乡2016年建档立卡贫困人口花名册"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER_TOP))
    ws.append(["填报单位：茶坝乡人民政府", None, None, None, None, "填报日期：2016年12月31日"])
    ws.append(HEADER_TOP)
    ws.append(HEADER_LOW)
    for col in MERGED_DOWN:
        ws.merge_cells(start_row=3, start_column=col + 1, end_row=4, end_column=col + 1)
    ws.merge_cells(start_row=3, start_column=6, end_row=3, end_column=11)
    ws.merge_cells(start_row=3, start_column=12, end_row=3, end_column=14)
    for row in rows if rows is not None else roster_rows():
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never let openpyxl read text as a formula
    ws.append([])
    ws.append(["填表人：张三", None, None, None, "审核人：李四"])
    wb.save(path)
    return path


# -- bad files ------------------------------------------------------------------------------
def write_plain_xlsx(path: Path, rows: list[list[Any]], title: str = "Sheet1") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_zip_bomb(path: Path, megabytes: int = 300) -> Path:
    """A zip named .xlsx whose sheet1.xml is huge but compresses to almost nothing."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                member.write(block)
    return path


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    '<si><t>&lol9;</t></si></sst>'
)


def write_xml_bomb(path: Path) -> Path:
    """A real workbook whose sharedStrings.xml carries a billion-laughs entity."""
    ok = path.with_name("ok-" + path.name)
    write_plain_xlsx(ok, [["姓名", "证件号码"], ["张三", HEAD1]])
    with zipfile.ZipFile(ok) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/sharedStrings.xml", BILLION_LAUGHS)
    ok.unlink()
    return path


def write_cfb_encrypted(path: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE/CFB container with
    EncryptionInfo and EncryptedPackage streams (a minimal, well-formed header and directory)."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")  # major version 3
    header[0x1C:0x1E] = (0xFFFE).to_bytes(2, "little")  # little endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # 512-byte sectors
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")  # directory starts at sector 1
    header[0x38:0x3C] = (4096).to_bytes(4, "little")
    header[0x3C:0x40] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x44:0x48] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x4C:0x50] = (0).to_bytes(4, "little")  # FAT at sector 0
    for i in range(1, 109):
        header[0x4C + 4 * i:0x50 + 4 * i] = (0xFFFFFFFF).to_bytes(4, "little")
    fat = bytearray(b"\xff" * sector)
    fat[0:4] = (0xFFFFFFFD).to_bytes(4, "little")
    fat[4:8] = (0xFFFFFFFE).to_bytes(4, "little")
    directory = bytearray()
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2), ("\x06DataSpaces", 1)):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry[0:len(raw)] = raw
        entry[0x40:0x42] = len(raw).to_bytes(2, "little")
        entry[0x42] = kind
        entry[0x44:0x50] = b"\xff" * 12
        directory += entry
    path.write_bytes(bytes(header) + bytes(fat) + bytes(directory).ljust(sector, b"\x00"))
    return path


PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
             b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
             b"\x00\x00\x00\x00IEND\xaeB`\x82")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def write_million_rows(path: Path, rows: int = 1_000_001) -> Path:
    """A minimal but valid .xlsx whose only sheet has ``rows`` rows (written as raw XML)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
                         b'.org/spreadsheetml/2006/main"><sheetData>')
            step = 50_000
            for start in range(1, rows + 1, step):
                member.write(b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r)
                                      for r in range(start, min(start + step, rows + 1))))
            member.write(b"</sheetData></worksheet>")
    return path


def write_ods(path: Path, rows: list[list[str]]) -> Path:
    """A minimal OpenDocument spreadsheet (what WPS or LibreOffice save as .ods)."""
    def cell(v: str) -> str:
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join(f"<table:table-row>{''.join(cell(v) for v in r)}</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="花名册">{body}</table:table>'
        '</office:spreadsheet></office:body></office:document-content>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


# -- hostile shapes: a small file that would make a reader build a huge grid ------------------
_SHEET_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def write_sparse_xlsx(path: Path, cells: dict[str, Any], dimension: str | None = None,
                      sheet_name: str = "花名册") -> Path:
    """A valid .xlsx whose sheet holds only ``cells`` ({"A4": "姓名", "XFD60000": 1}), written as
    raw XML so the cells can sit anywhere; ``dimension`` writes a <dimension ref=…> (maybe a lie)."""
    import re

    by_row: dict[int, list[str]] = {}
    for ref, value in cells.items():
        row = int(re.sub(r"^[A-Z]+", "", ref))
        if isinstance(value, str):
            xml = f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
        else:
            xml = f'<c r="{ref}"><v>{value}</v></c>'
        by_row.setdefault(row, []).append(xml)
    rows = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in sorted(by_row.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_SHEET_NS}>{dim}<sheetData>{rows}</sheetData></worksheet>'
    _write_minimal_xlsx(path, sheet.encode(), sheet_name)
    return path


def _write_minimal_xlsx(path: Path, sheet_xml: bytes, sheet_name: str = "花名册") -> None:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {_SHEET_NS}><sheets>'
                f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)


def write_repeated_ods(path: Path, rows: int, columns: int, value: str = "张三",
                       header: list[str] | None = None, trailing_empty: bool = False) -> Path:
    """A few hundred bytes of .ods that expand to ``rows`` × ``columns`` filled cells through
    table:number-rows-repeated and table:number-columns-repeated (what the campaign used)."""
    head = ""
    if header:
        head = "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
            for h in header) + "</table:table-row>"
    body = (f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="string" '
            f'table:number-columns-repeated="{columns}"><text:p>{value}</text:p></table:table-cell>'
            '</table:table-row>') if rows else ""
    if trailing_empty:  # what LibreOffice writes after the data: empty rows and cells to the sheet's end
        body += ('<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
                 'table:number-columns-repeated="1024"/></table:table-row>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="花名册">{head}{body}</table:table>'
        '</office:spreadsheet></office:body></office:document-content>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def write_biff_xls(path: Path, cells: list[tuple[int, int, float]], sheet_name: str = "Sheet1",
                   dimensions: tuple[int, int] | None = None) -> Path:
    """A minimal legacy .xls (BIFF8 in an OLE compound file) holding NUMBER cells at any (row, col),
    even where Excel would never put one (the record's fields are 16-bit); ``dimensions`` writes a
    DIMENSIONS record of (rows, columns) that may lie."""
    import struct

    def record(kind: int, body: bytes) -> bytes:
        return struct.pack("<HH", kind, len(body)) + body

    def bof(dt: int) -> bytes:
        return record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))

    name = sheet_name.encode("utf-16-le")
    globals_len = len(bof(5)) + len(record(0x0042, b"\xb0\x04")) + 4 + 8 + len(name) + 4
    sheet_rows, sheet_cols = dimensions or (max((r for r, _, _ in cells), default=0) + 1,
                                            max((c for _, c, _ in cells), default=0) + 1)
    stream = (bof(5) + record(0x0042, struct.pack("<H", 1200))
              + record(0x0085, struct.pack("<IBBBB", globals_len, 0, 0, len(sheet_name), 1) + name)
              + record(0x000A, b""))
    assert len(stream) == globals_len
    stream += bof(0x10) + record(0x0200, struct.pack("<IIHHH", 0, sheet_rows, 0, min(sheet_cols, 0xFFFF), 0))
    for row, col, value in cells:
        stream += record(0x0203, struct.pack("<HHHd", row, col, 0, value))
    stream += record(0x000A, b"")
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\x00")  # no mini stream

    sector = 512
    count = len(stream) // sector
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = bytearray(sector)
    header[0:8] = CFB_MAGIC
    header[0x18:0x22] = struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header[0x2C:0x34] = struct.pack("<II", 1, 1)  # one FAT sector; the directory at sector 1
    header[0x38:0x48] = struct.pack("<IIII", 4096, end, 0, end)
    header[0x4C:0x200] = struct.pack("<I", 0) + b"\xff" * (0x200 - 0x50)
    fat = [0xFFFFFFFD, end] + [3 + i if i < count - 1 else end for i in range(count)]
    fat_sector = b"".join(struct.pack("<I", v) for v in fat).ljust(sector, b"\xff")

    def entry(label: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (label.encode("utf-16-le") + b"\x00\x00").ljust(64, b"\x00")
        return raw + struct.pack("<HBBIII", len(label.encode("utf-16-le")) + 2, kind, 1, free, free, child) \
            + b"\x00" * 36 + struct.pack("<IQ", start, size)

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 2, len(stream))).ljust(sector, b"\x00")
    path.write_bytes(bytes(header) + fat_sector + directory + stream)
    return path

