"""Type sizes and fitted text for the printed forms: Chinese line breaking, wrap, shrink, cut.

Text always stays inside its cell: it is wrapped first (Chinese breaks between any two
characters, never before ，。、 or inside a number), then shrunk, and only cut with "…" (and a
warning) if it cannot fit even at the smallest size.  :class:`~fupin_desktop.printing.layout.Document`
draws with it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from reportlab.lib.units import mm

from fupin_desktop.printing.fonts import FontSet

# Chinese type sizes (号), in points.
SIZE_2 = 22.0  # 二号
SIZE_S2 = 18.0  # 小二
SIZE_3 = 16.0  # 三号
SIZE_4 = 14.0  # 四号
SIZE_S4 = 12.0  # 小四
SIZE_5 = 10.5  # 五号
SIZE_S5 = 9.0  # 小五
SIZE_6 = 7.5  # 六号
MIN_SIZE = 6.0
LEADING = 1.25
PAD = 1.6 * mm  # horizontal padding inside a cell
VPAD = 1.0 * mm


# -- line breaking --------------------------------------------------------------------------------
#: Never at the start of a line (Chinese line-breaking rules, 禁则).
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’…—%,.;:?!)]}·・")
#: Never at the end of a line.
NO_LINE_END = set("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"□[^\s\u3000□]+|[A-Za-z0-9_.,:/%+\-@#*×]+|[ \t\u3000]+|.", re.DOTALL)


def tokens(text: str) -> list[str]:
    """Unbreakable pieces: a number or Latin word, a run of spaces, or one character.

    Punctuation that may not start a line is glued to the piece before it, and an opening
    bracket to the piece after it.
    """
    out: list[str] = []
    glue_next = False
    for tok in _TOKEN.findall(text):
        if out and (glue_next or (tok[0] in NO_LINE_START)):
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = tok[-1] in NO_LINE_END
    return out


@dataclass(frozen=True)
class Fitted:
    """Text fitted into a box: the size used and the lines."""

    size: float
    lines: tuple[str, ...]
    truncated: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


class TextMeasure:
    """Wrapping and fitting with one font set (widths cached: the same labels recur a lot)."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        self.width = functools.lru_cache(maxsize=50_000)(fonts.width)

    def wrap(self, text: str, width: float, size: float, first_indent: float = 0.0) -> list[str]:
        """Lines of ``text`` no wider than ``width`` at ``size`` (explicit newlines kept);
        the very first line is ``first_indent`` narrower."""
        return self._wrap(text, width, size, first_indent)[0]

    def _wrap(self, text: str, width: float, size: float, first_indent: float = 0.0) -> tuple[list[str], bool]:
        """:meth:`wrap`, and whether a number or word had to be broken inside."""
        lines: list[str] = []
        broke = False
        for paragraph in text.replace("\r\n", "\n").split("\n"):
            line = ""
            line_w = first_indent if not lines else 0.0
            for tok in tokens(paragraph):
                tok_w = self.width(tok, size)
                if line and line_w + tok_w > width + 0.01:
                    lines.append(line.rstrip())
                    line, line_w = "", 0.0
                    if tok.isspace():
                        continue
                if tok_w > width - line_w + 0.01:  # wider than the box: break it by character
                    broke = broke or len(tok) > 1
                    for char in tok:
                        char_w = self.width(char, size)
                        if line and line_w + char_w > width + 0.01:
                            lines.append(line)
                            line, line_w = "", 0.0
                        line += char
                        line_w += char_w
                    continue
                if not line and tok.isspace():
                    continue
                line += tok
                line_w += tok_w
            lines.append(line.rstrip())
        return lines, broke

    def fit(
        self, text: str, width: float, height: float, size: float, min_size: float = MIN_SIZE,
        one_line_shrink: float = 1.0,
    ) -> Fitted:
        """Wrap at ``size``; if too tall, shrink in half points down to ``min_size``; cut last.

        A short label (``one_line_shrink`` < 1) first tries to stay on one line by shrinking
        down to that fraction of ``size``: "家庭人口" reads better small than as 家庭人/口.
        """
        width = max(width, 1.0)
        if one_line_shrink < 1.0 and "\n" not in text:
            natural = self.width(text, size)
            if natural > width and natural * one_line_shrink <= width and size * LEADING <= height + 0.01:
                s = max(min_size, size * width / natural - 0.05)
                return Fitted(s, (text,))
        # First without breaking a number (an ID number on two lines is misread): shrink instead.
        s = size
        while s > min_size:
            lines, broke = self._wrap(text, width, s)
            if not broke and len(lines) * s * LEADING <= height + 0.01:
                return Fitted(s, tuple(lines))
            if not broke and s < size * 0.75:
                break  # shrinking further would only save a break that is not there
            s = max(min_size, s - 0.5)
        s = size
        while True:
            lines = self.wrap(text, width, s)
            if len(lines) * s * LEADING <= height + 0.01 or s <= min_size:
                break
            s = max(min_size, s - 0.5)
        if len(lines) * s * LEADING <= height + 0.01:
            return Fitted(s, tuple(lines))
        keep = max(1, int(height // (s * LEADING)))
        last = lines[keep - 1]
        while last and self.width(last + "…", s) > width:
            last = last[:-1]
        return Fitted(s, (*lines[: keep - 1], last + "…"), truncated=True)

    def lines_needed(self, text: str, width: float, size: float) -> int:
        """Lines ``text`` takes at ``size`` when room is no object (numbers shrink, not break)."""
        if not text:
            return 1
        return len(self.fit(text, max(width, 1.0), 1e6, size, one_line_shrink=0.8).lines)
