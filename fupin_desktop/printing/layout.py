"""Page layout for the printed forms: A4 pages, fitted text, ruled grids and tables.

Everything is drawn with reportlab's canvas.  :class:`Document` keeps a cursor that moves down
the page, starts new pages (with a footer "第 n 页 共 N 页": the total is a form XObject
filled in at the end) and knows the fonts.  Text always stays inside its cell: it is wrapped
first (Chinese breaks between any two characters, never before ，。、 or inside a number), then
shrunk, and only cut with "…" (and a warning) if it cannot fit even at the smallest size.

Type sizes follow Chinese government forms (字号): 二号 22 pt and 小二 18 pt for titles, 小四
12 pt and 五号 10.5 pt for the body, 小五 9 pt in dense tables.  The sizes and the fitting of text
are in :mod:`~fupin_desktop.printing.textfit`; this module has the page, the cursor and the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fupin_desktop.printing.fonts import FontSet, MissingChars
from fupin_desktop.printing.textfit import (
    LEADING,
    MIN_SIZE,
    NO_LINE_END,
    NO_LINE_START,
    PAD,
    SIZE_2,
    SIZE_3,
    SIZE_4,
    SIZE_5,
    SIZE_6,
    SIZE_S2,
    SIZE_S4,
    SIZE_S5,
    VPAD,
    Fitted,
    TextMeasure,
    tokens,
)

# The type sizes and the text fitting live in printing/textfit.py; callers import them from here too.
__all__ = [
    "FORM_MARGINS", "FRAME_LINE", "GRID_LINE", "HEADER_FILL", "LEADING", "MIN_SIZE", "NOTICE_MARGINS",
    "NO_LINE_END", "NO_LINE_START", "PAD", "SIZE_2", "SIZE_3", "SIZE_4", "SIZE_5", "SIZE_6", "SIZE_S2",
    "SIZE_S4", "SIZE_S5", "TITLE_FILL", "VPAD", "Column", "Document", "Fitted", "Margins", "TextMeasure",
    "draw_header", "draw_table", "row_height", "scale_to", "split_columns", "tokens",
]

GRID_LINE = 0.5
FRAME_LINE = 1.0
HEADER_FILL = 0.92
TITLE_FILL = 0.85


@dataclass(frozen=True)
class Margins:
    top: float
    right: float
    bottom: float
    left: float


#: Forms (card, Handbook): a wider left margin for binding.
FORM_MARGINS = Margins(top=15 * mm, right=15 * mm, bottom=18 * mm, left=20 * mm)
#: Notices posted on a board: like an official document (公文).
NOTICE_MARGINS = Margins(top=22 * mm, right=20 * mm, bottom=20 * mm, left=25 * mm)


# -- the document ---------------------------------------------------------------------------------
class Document:
    """A PDF being drawn: canvas, fonts, a cursor moving down the page, footers, warnings."""

    def __init__(
        self,
        out: str | Path | BinaryIO,
        fonts: FontSet,
        *,
        title: str,
        margins: Margins = FORM_MARGINS,
        author: str = "",
        numbered: bool = True,
    ) -> None:
        self.fonts = fonts
        self.measure = TextMeasure(fonts)
        self.margins = margins
        self.missing = MissingChars()
        self.notes: list[str] = []  # other warnings (text cut to fit)
        self.numbered = numbered
        self.context = ""  # where we are (a household), for warnings
        self.footer_label = ""
        self.pagesize: tuple[float, float] = A4
        target = str(out) if isinstance(out, Path) else out
        self.canvas = Canvas(target, pagesize=A4, initialFontName=fonts.main, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author or "fupin-desktop")
        self.canvas.setCreator("fupin-desktop")
        self.canvas.setSubject(title)
        self.pages = 0
        self._open = False
        self.y = 0.0
        self._outline_keys = 0

    # geometry
    @property
    def left(self) -> float:
        return self.margins.left

    @property
    def right(self) -> float:
        return self.pagesize[0] - self.margins.right

    @property
    def top(self) -> float:
        return self.pagesize[1] - self.margins.top

    @property
    def bottom(self) -> float:
        return self.margins.bottom

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def space_left(self) -> float:
        return self.y - self.bottom

    # pages
    def new_page(self, *, label: str | None = None, landscape_page: bool = False) -> None:
        """Finish the current page (if any) and start the next one, with its footer."""
        if self._open:
            self.canvas.showPage()
        size = landscape(A4) if landscape_page else A4
        if size != self.pagesize:
            self.pagesize = size
        self.canvas.setPageSize(self.pagesize)
        if label is not None:
            self.footer_label = label
        self.pages += 1
        self._open = True
        self.y = self.top
        self._draw_footer()

    def ensure(self, height: float) -> bool:
        """Start a new page unless ``height`` fits below the cursor; True if a page was started."""
        if not self._open or self.y - height < self.bottom - 0.01:
            self.new_page(landscape_page=self.pagesize[0] > self.pagesize[1])
            return True
        return False

    def bookmark(self, title: str, level: int = 0) -> None:
        """An entry in the PDF's outline pointing at the current page."""
        self._outline_keys += 1
        key = f"p{self._outline_keys}"
        self.canvas.bookmarkPage(key)
        self.canvas.addOutlineEntry(title, key, level=level, closed=level == 0)

    def _draw_footer(self) -> None:
        c = self.canvas
        y = self.bottom - 9 * mm
        size = SIZE_S5
        # The page number sits at the right ("第 n 页" | "/ 共 N 页", the total drawn at the end):
        # the label (document, village, head, 户编号) gets the whole line up to it.
        middle = self.right - self.measure.width("/ 共 9999 页", size)
        page = f"第 {self.pages} 页"
        page_x = middle - 2 - self.measure.width(page, size)
        if self.footer_label:
            label = self.footer_label
            max_w = (page_x - 6 * mm if self.numbered else self.right) - self.left
            while label and self.measure.width(label, size) > max_w:
                label = label[:-2] + "…" if len(label) > 2 else ""
            if label != self.footer_label:
                self.notes.append(f"页脚过长，已截短：{self.footer_label}")
            self.text(self.left, y, label, size)
        if self.numbered:
            self.text(page_x, y, page, size)
            c.saveState()
            c.translate(middle + 2, y)
            c.doForm("fupin_total_pages")
            c.restoreState()

    def finish(self) -> int:
        """Write the total page count into every footer and save the PDF; returns the page count."""
        if not self._open:
            self.new_page()
        if self.numbered:
            c = self.canvas
            c.beginForm("fupin_total_pages", lowerx=0, lowery=-5, upperx=200, uppery=20)
            self.text(0, 0, f"/ 共 {self.pages} 页", SIZE_S5)
            c.endForm()
        self.canvas.showPage()
        self.canvas.save()
        return self.pages

    # text
    def text(
        self, x: float, y: float, text: str, size: float, *, bold: bool = False, gray: float = 0.0
    ) -> float:
        """Draw one line at baseline ``y``, switching fonts per character; returns its width."""
        c = self.canvas
        t = c.beginText(x, y)
        if bold:
            c.saveState()
            c.setLineWidth(size * 0.035)
            t.setTextRenderMode(2)  # fill and stroke: a bold face for fonts that have none
        if gray:
            t.setFillGray(gray)
            c.setStrokeGray(gray)
        for name, run in self.fonts.runs(text, self.missing, self.context):
            t.setFont(name, size)
            t.textOut(run)
        c.drawText(t)
        if bold:
            c.restoreState()
        elif gray:
            c.setStrokeGray(0)
        return self.measure.width(text, size)

    def text_in_box(
        self,
        x: float,
        y_top: float,
        w: float,
        h: float,
        text: str,
        size: float,
        *,
        align: str = "left",
        valign: str = "middle",
        bold: bool = False,
        min_size: float = MIN_SIZE,
        pad: float = PAD,
        gray: float = 0.0,
        one_line_shrink: float = 1.0,
    ) -> Fitted:
        """Fit ``text`` into the box (wrap, then shrink) and draw it."""
        if not text:
            return Fitted(size, ())
        inner_w, inner_h = w - 2 * pad, h - 2 * VPAD
        fitted = self.measure.fit(text, inner_w, inner_h, size, min_size, one_line_shrink)
        if fitted.truncated:
            self.notes.append(f"{self.context or ''}“{text[:20]}”太长，缩到最小字号仍放不下，已截断".strip())
        s = fitted.size
        block = fitted.height
        if valign == "top":
            first = y_top - VPAD - s * 0.9
        else:
            first = y_top - (h - block) / 2 - s * 0.9 - (s * (LEADING - 1)) / 2
        for i, line in enumerate(fitted.lines):
            baseline = first - i * s * LEADING
            line_w = self.measure.width(line, s)
            if align == "center":
                lx = x + (w - line_w) / 2
            elif align == "right":
                lx = x + w - pad - line_w
            else:
                lx = x + pad
            self.text(lx, baseline, line, s, bold=bold, gray=gray)
        return fitted

    def paragraph(
        self, text: str, size: float, *, indent: float = 0.0, first_indent_chars: int = 2, gap_after: float = 0.0,
        x: float | None = None, width: float | None = None,
    ) -> None:
        """A flowing paragraph (Chinese first-line indent of two characters), breaking pages."""
        x0 = self.left + indent if x is None else x
        avail = (self.width - indent) if width is None else width
        first = size * first_indent_chars
        lines = self.measure.wrap(text, avail, size, first_indent=first)
        step = size * 1.6
        for i, line in enumerate(lines):
            self.ensure(step)
            self.text(x0 + (first if i == 0 else 0.0), self.y - size, line, size)
            self.y -= step
        self.y -= gap_after

    def heading(self, text: str, size: float, *, align: str = "center", gap_after: float = 3 * mm) -> None:
        """A title, bold: on one line if it fits at 85% of ``size``, else on balanced lines."""
        fitted = self.measure.fit(text, self.width, size * LEADING * 2, size, SIZE_S4, one_line_shrink=0.85)
        if len(fitted.lines) > 1 and not fitted.truncated:
            # Balance the lines ("茶坝乡炉场村…第一次公 / 示" reads badly): narrow the measure
            # as long as the title still takes the same number of lines.
            lo, hi = self.width / len(fitted.lines), self.width
            for _ in range(12):
                mid = (lo + hi) / 2
                if len(self.measure.wrap(text, mid, fitted.size)) <= len(fitted.lines):
                    hi = mid
                else:
                    lo = mid
            fitted = Fitted(fitted.size, tuple(self.measure.wrap(text, hi, fitted.size)))
        self.ensure(fitted.height + gap_after)
        for line in fitted.lines:
            w = self.measure.width(line, fitted.size)
            lx = self.left + (self.width - w) / 2 if align == "center" else self.left
            self.text(lx, self.y - fitted.size, line, fitted.size, bold=True)
            self.y -= fitted.size * LEADING
        self.y -= gap_after

    # boxes
    def box(self, x: float, y_top: float, w: float, h: float, *, fill: float | None = None, line: float = GRID_LINE) -> None:
        c = self.canvas
        c.setLineWidth(line)
        if fill is not None:
            c.setFillGray(fill)
            c.rect(x, y_top - h, w, h, stroke=1, fill=1)
            c.setFillGray(0)
        else:
            c.rect(x, y_top - h, w, h, stroke=1, fill=0)

    def frame(self, y_top: float, y_bottom: float, x: float | None = None, w: float | None = None) -> None:
        """The thicker outer border of a ruled block."""
        x = self.left if x is None else x
        w = self.width if w is None else w
        self.canvas.setLineWidth(FRAME_LINE)
        self.canvas.rect(x, y_bottom, w, y_top - y_bottom, stroke=1, fill=0)
        self.canvas.setLineWidth(GRID_LINE)


# -- ruled tables ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    label: str
    width: float  # points
    align: str = "center"


def row_height(doc: Document, cells: Sequence[str], columns: Sequence[Column], size: float, minimum: float,
               cap_lines: int = 3) -> float:
    """The height a table row needs: wrap at ``size`` (up to ``cap_lines`` lines), at least ``minimum``."""
    lines = 1
    for text, col in zip(cells, columns, strict=False):
        if text:
            lines = max(lines, doc.measure.lines_needed(text, col.width - 2 * PAD, size))
    lines = min(lines, cap_lines)
    return float(max(minimum, lines * size * LEADING + 2 * VPAD + 1))


def draw_header(doc: Document, columns: Sequence[Column], size: float, x0: float | None = None) -> None:
    x = doc.left if x0 is None else x0
    # Labels that fit on one line at 80% are shrunk rather than broken (see TextMeasure.fit).
    needs = [c.label if doc.measure.width(c.label, size) * 0.8 > c.width - 2 * mm else "" for c in columns]
    h = row_height(doc, needs, columns, size, 8 * mm, cap_lines=4)
    doc.ensure(h)
    for col in columns:
        doc.box(x, doc.y, col.width, h, fill=HEADER_FILL)
        doc.text_in_box(x, doc.y, col.width, h, col.label, size, align="center", bold=True, pad=1.0 * mm,
                        one_line_shrink=0.8)
        x += col.width
    doc.y -= h


def draw_table(
    doc: Document,
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    *,
    size: float = SIZE_5,
    header_size: float = SIZE_S5,
    min_row: float = 7 * mm,
    title: str = "",
    on_page_break: Callable[[], None] | None = None,
    cap_lines: int = 3,
    padding: int = 0,
    padding_row: float = 9 * mm,
    reserve: float = 0.0,
) -> int:
    """A ruled table; on a page break the title (marked 续) and the header are repeated.

    ``rows`` may be a generator (long notices are streamed).  After them come up to ``padding``
    ruled empty rows for handwriting, as many as fit on the page above ``reserve`` (an empty
    row never starts a new page, unless the table has no row at all yet).  Returns the number of
    rows drawn.
    """
    width = sum(c.width for c in columns)

    def head(cont: bool) -> None:
        if title:
            h = 7 * mm
            doc.ensure(h + 16 * mm)
            doc.box(doc.left, doc.y, width, h, fill=TITLE_FILL)
            doc.text_in_box(doc.left, doc.y, width, h, title + ("（续）" if cont else ""), SIZE_5, bold=True)
            doc.y -= h
        draw_header(doc, columns, header_size)

    doc.ensure((7 * mm if title else 0) + 8 * mm + min(min_row, padding_row))
    head(False)
    block_top = doc.y
    count = 0
    for cells in rows:
        h = row_height(doc, cells, columns, size, min_row, cap_lines)
        if doc.y - h < doc.bottom:
            doc.frame(block_top, doc.y, w=width)
            doc.new_page()
            if on_page_break is not None:
                on_page_break()
            head(True)
            block_top = doc.y
        x = doc.left
        for text, col in zip(cells, columns, strict=False):
            doc.box(x, doc.y, col.width, h)
            doc.text_in_box(x, doc.y, col.width, h, text, size, align=col.align, one_line_shrink=0.8)
            x += col.width
        doc.y -= h
        count += 1
    for _ in range(padding):
        if doc.y - padding_row < doc.bottom + reserve - 0.01:
            break
        x = doc.left
        for col in columns:
            doc.box(x, doc.y, col.width, padding_row)
            x += col.width
        doc.y -= padding_row
        count += 1
    doc.frame(block_top, doc.y, w=width)
    return count


def split_columns(naturals: Sequence[float], available: float, squeeze: float = 0.78) -> list[list[int]]:
    """Indexes of the columns in each band: one band if it fits (squeezing to ``squeeze``),
    otherwise bands that each repeat the first (identifying) column."""
    if sum(naturals) * squeeze <= available or len(naturals) <= 2:
        return [list(range(len(naturals)))]
    bands: list[list[int]] = []
    band = [0]
    used = naturals[0]
    for i in range(1, len(naturals)):
        if used + naturals[i] > available and len(band) > 1:
            bands.append(band)
            band, used = [0], naturals[0]
        band.append(i)
        used += naturals[i]
    bands.append(band)
    return bands


def scale_to(widths: Sequence[float], available: float) -> list[float]:
    total = sum(widths) or 1.0
    return [w * available / total for w in widths]
