"""Text normalisation shared by forms, search and imports.

Invisible characters never reach the database: C0/C1 control characters (a tab or a line
break only where a multi-line note keeps them), Unicode format characters (zero-width
spaces and joiners, the bidi embeddings, overrides and isolates such as U+202E that show a
name reversed, the word joiner block U+2060-U+206F, the BOM, the tag block U+E0000-U+E007F)
and lone surrogates.  :func:`normalize_text` (every form field, import cell and search goes
through it) drops them; :func:`clean_multiline` does the same for notes; :func:`invisible_in`
tells an entry point what it dropped, so the clerk is told.  Private-use characters (the
造字 some rare-name fonts use) and variation selectors (which pick a rare character's
glyph) are kept.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Every Cc, Cf and Cs character (Unicode 15), the whole U+2060-U+206F and tag blocks, and the
#: interlinear annotation marks.  tests/test_text.py proves it covers the running Python's data.
INVISIBLE_CLASS = (
    "\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f"
)
#: In one-line text the whitespace controls (tab, line breaks, \x1c-\x1f, \x85) become a space.
_INVISIBLE_NOT_SPACE = re.compile(f"(?![\\t\\n\\v\\f\\r\\x1c-\\x1f\\x85])[{INVISIBLE_CLASS}]")
#: In a note a tab and a line break stay.
_INVISIBLE_IN_NOTE = re.compile(f"(?![\\t\\n])[{INVISIBLE_CLASS}]")
_SPACES = re.compile(r"\s+")


def invisible_in(text: str | None, *, multiline: bool = False) -> list[str]:
    """The invisible characters ``text`` holds, as ``U+202E`` (each once, in order); whitespace
    (and in a ``multiline`` note the tab and line breaks) does not count."""
    if not text or text.isprintable():  # no Cc, Cf, Cs or unassigned character: nothing to find
        return []
    if multiline:
        found = _INVISIBLE_IN_NOTE.findall(text.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        found = _INVISIBLE_NOT_SPACE.findall(text)
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for ch in found))


def describe_invisible(found: list[str]) -> str:
    """The clerk's words for what :func:`invisible_in` found (shown in messages and reports)."""
    shown = "、".join(found[:3]) + ("等" if len(found) > 3 else "")
    return f"不可见的控制字符（{shown}）"


def strip_invisible(text: str, *, multiline: bool = False) -> str:
    """``text`` without the characters :func:`invisible_in` finds (whitespace is left alone;
    in a ``multiline`` note every line break becomes ``\\n``)."""
    if text.isprintable():  # the usual text: nothing invisible, no line break
        return text
    if multiline:
        return _INVISIBLE_IN_NOTE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _INVISIBLE_NOT_SPACE.sub("", text)


def clean_multiline(text: str | None) -> str:
    """A note as typed: line breaks and tabs kept, invisible characters dropped, trimmed."""
    return "" if text is None else strip_invisible(str(text), multiline=True).strip()


#: Full-width characters folded to ASCII: digits, Latin letters and the signs that occur in
#: numbers, dates and codes.  Chinese punctuation (，。；：（）) is text and stays as typed.
_FOLD = frozenset(
    [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0B, 0xFF0D, 0xFF0E, 0xFF0F, 0xFF20]
)


#: :data:`_FOLD` and the ideographic space as a ``str.translate`` table (one C pass, not a Python loop).
_HALFWIDTH = {code: code - 0xFEE0 for code in _FOLD} | {0x3000: 0x20}


def to_halfwidth(text: str) -> str:
    """Full-width digits and letters (０-９, Ａ-Ｚ, ａ-ｚ, ＋－．／＠) and the ideographic space to ASCII.

    CJK text and Chinese punctuation, the middle dot of minority names and characters
    outside the BMP stay exactly as typed.
    """
    return text.translate(_HALFWIDTH)


def normalize_text(text: str | None) -> str:
    """Trim, drop invisible characters, fold full-width ASCII, collapse inner spaces."""
    if text is None:
        return ""
    text = to_halfwidth(strip_invisible(str(text)))
    return _SPACES.sub(" ", text).strip()


def normalize_digits(text: str | None) -> str:
    """Like :func:`normalize_text` but removes every space (IDs, phones, accounts)."""
    return normalize_text(text).replace(" ", "")


@functools.lru_cache(maxsize=65536)
def _ascii_only(chars: str) -> list[str]:
    return [c for c in chars if c.isascii()]


@functools.lru_cache(maxsize=65536)
def pinyin_initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters in ``text`` ("张三" -> "zs").

    Non-Chinese letters and digits are kept (lower-cased); a character pypinyin
    does not know (rare 生僻字) is skipped rather than guessed.
    """
    from pypinyin import Style, lazy_pinyin

    # pypinyin also takes an ``errors`` callback that returns a list (one item per character);
    # its type hints only allow a str.
    parts: list[str] = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=_ascii_only)  # type: ignore[arg-type]
    return "".join(p for p in parts if p.isascii() and p.isalnum()).lower()


#: In a :func:`pinyin_sort_key`: between syllables, and before the name itself.  Both sort
#: before digits and letters, and the second before the first.
SORT_SYLLABLE_SEPARATOR = "-"
SORT_TEXT_SEPARATOR = " "
#: Left out of the pinyin part of a sort key: punctuation (the · of 阿不都·热合曼), spaces,
#: symbols, control and invisible format characters.
_NOT_SORTED = ("P", "Z", "S", "Cc", "Cf")


@functools.lru_cache(maxsize=65536)
def pinyin_sort_key(name: str) -> str:
    """The key that sorts names as Excel and WPS sort Chinese: by pinyin (安 < 白 < 陈 < 张).

    The lower-case, tone-less pinyin of each character (ü written v: 吕 ``lv``), joined by
    ``-``, then a space and the name as written: ``"张三" -> "zhang-san 张三"``.  Compared as
    plain strings (Python, or SQLite's default BINARY collation), one syllable sorts before
    its longer ones (安 an < 昂 ang), a name before its continuations (张三 < 张三丰), names
    with the same pinyin by their characters (张三 < 章三), and equal keys mean equal names.

    - 多音字 take pypinyin's first reading of the single character (单 ``dan``, 曾 ``ceng``),
      whatever surrounds it, so every household of one surname stays together.
    - ASCII letters and digits (full-width ones too) are kept, lower-cased, a run as one part.
    - Punctuation, spaces and symbols (the · of minority names) are left out of the pinyin part.
    - A character pypinyin does not know (a 生僻字 such as 𠮷, a private-use 造字) stands for
      itself: after every syllable at its place, so 王𠮷 comes after all other 王 names and
      𠮷 after 张 — a stable place, the same on every save.
    - An empty name gives ``""`` (first when ascending).
    """
    if not name:
        return ""
    parts: list[str] = []
    run = ""
    for ch in name:
        folded = to_halfwidth(ch)
        if folded.isascii() and folded.isalnum():
            run += folded.lower()
            continue
        if run:
            parts.append(run)
            run = ""
        category = unicodedata.category(ch)
        if category[0] in _NOT_SORTED or category in _NOT_SORTED:
            continue
        parts.append(_syllable(ch))
    if run:
        parts.append(run)
    return SORT_SYLLABLE_SEPARATOR.join(parts) + SORT_TEXT_SEPARATOR + name


@functools.lru_cache(maxsize=65536)
def _syllable(ch: str) -> str:
    """pypinyin's tone-less reading of one character, or the character itself if it has none."""
    from pypinyin import lazy_pinyin

    reading = lazy_pinyin(ch)[0]  # unknown characters come back as they are
    return reading if reading.isascii() and reading.isalpha() else ch


def unicode_name_safe(text: str) -> str:
    """NFC-normalise without altering characters (a minority name's · stays)."""
    return unicodedata.normalize("NFC", text)
