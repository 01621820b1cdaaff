"""Text normalisation shared by forms, search and imports."""

from __future__ import annotations

import functools
import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ and the ideographic space) to half-width.

    Only the full-width forms block is touched, so CJK text, the middle dot of
    minority names and characters outside the BMP stay exactly as typed.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
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
