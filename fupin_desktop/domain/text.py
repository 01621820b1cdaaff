"""Text normalisation shared by forms, search and imports."""

from __future__ import annotations

import functools
import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


#: Full-width characters folded to ASCII: digits, Latin letters and the signs that occur in
#: numbers, dates and codes.  Chinese punctuation (，。；：（）) is text and stays as typed.
_FOLD = frozenset(
    [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0B, 0xFF0D, 0xFF0E, 0xFF0F, 0xFF20]
)


def to_halfwidth(text: str) -> str:
    """Full-width digits and letters (０-９, Ａ-Ｚ, ａ-ｚ, ＋－．／＠) and the ideographic space to ASCII.

    CJK text and Chinese punctuation, the middle dot of minority names and characters
    outside the BMP stay exactly as typed.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if code in _FOLD:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalize_text(text: str | None) -> str:
    """Trim, drop zero-width characters, fold full-width ASCII, collapse inner spaces."""
    if text is None:
        return ""
    text = to_halfwidth(str(text).translate(_ZERO_WIDTH))
    return _SPACES.sub(" ", text).strip()


def normalize_digits(text: str | None) -> str:
    """Like :func:`normalize_text` but removes every space (IDs, phones, accounts)."""
    return normalize_text(text).replace(" ", "")


@functools.lru_cache(maxsize=65536)
def pinyin_initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters in ``text`` ("张三" -> "zs").

    Non-Chinese letters and digits are kept (lower-cased); a character pypinyin
    does not know (rare 生僻字) is skipped rather than guessed.
    """
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: [c for c in chars if c.isascii()])
    return "".join(p for p in parts if p.isascii() and p.isalnum()).lower()


def unicode_name_safe(text: str) -> str:
    """NFC-normalise without altering characters (a minority name's · stays)."""
    return unicodedata.normalize("NFC", text)
