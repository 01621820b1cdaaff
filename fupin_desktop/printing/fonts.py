"""Fonts for the PDFs: registration, per-character fallback, and a report of missing characters.

Every PDF embeds (as subsets) TrueType fonts only: reportlab cannot embed CFF outlines.

* The main font is the bundled WenQuanYi Micro Hei (``resources/fonts/wqy-microhei.ttc``), or a
  font the office prefers (SimSun on Windows, say), chosen by :func:`resolve_font_choice`: an
  explicit choice, else the ``FUPIN_PRINT_FONT`` environment variable, else the ``print_font``
  setting.  A choice is a font file (``C:/Windows/Fonts/simsun.ttc``, ``font.ttc#1`` for the
  second face of a collection) or a known family name (``SimSun``, ``SimHei``, ``KaiTi``,
  ``FangSong``, ``Microsoft YaHei``) looked up in the system font folders.
* Characters the main font lacks (CJK Extension A/B in names: 䶮, 𠮷) are drawn from the bundled
  fallback fonts ``fupin-han-ext-a.ttf`` / ``fupin-han-ext-b.ttf`` (subsets of Hanazono Mincho,
  see ``tools/build_fallback_fonts.py``), switching font character by character.
* A character that no font has is drawn as 〓 (the typesetter's mark for a missing character)
  and recorded in :class:`MissingChars`: the services return it as a warning list, the
  command prints it and the GUI shows it.  Nothing is silently dropped.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from fupin_desktop.paths import FONTS_DIR

ENV_VAR = "FUPIN_PRINT_FONT"
BUNDLED_MAIN = FONTS_DIR / "wqy-microhei.ttc"
BUNDLED_FALLBACKS = (FONTS_DIR / "fupin-han-ext-a.ttf", FONTS_DIR / "fupin-han-ext-b.ttf")
#: Drawn in place of a character no font has (GB typesetting's 缺字 mark).
MISSING_MARK = "〓"

#: Family names an office may configure, with their usual file names (Windows).
KNOWN_FAMILIES: dict[str, tuple[str, ...]] = {
    "simsun": ("simsun.ttc", "simsun.ttf"),
    "宋体": ("simsun.ttc", "simsun.ttf"),
    "nsimsun": ("simsun.ttc#1",),
    "simhei": ("simhei.ttf",),
    "黑体": ("simhei.ttf",),
    "kaiti": ("simkai.ttf",),
    "楷体": ("simkai.ttf",),
    "fangsong": ("simfang.ttf",),
    "仿宋": ("simfang.ttf",),
    "microsoft yahei": ("msyh.ttc", "msyh.ttf"),
    "微软雅黑": ("msyh.ttc", "msyh.ttf"),
}

_LOCK = threading.RLock()


class FontError(ValueError):
    """A configured font cannot be used; ``str(exc)`` is a Chinese message."""


# -- reportlab's ToUnicode map for characters beyond the BMP ------------------------------------
# reportlab writes the ToUnicode entry of 𠮷 (U+20BB7) as <20BB7>, which PDF readers take for
# U+20BB and a stray digit: text extraction, search and copy-paste then lose the character.  PDF
# wants UTF-16BE there (a surrogate pair).  We correct the entries reportlab generates, nothing
# else; once reportlab writes them right the pattern no longer matches and this does nothing.
_ASTRAL_ENTRY = re.compile(r"^<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{5,6})>$", re.MULTILINE)
_original_cmap = ttfonts.makeToUnicodeCMap


def _utf16_entry(match: re.Match[str]) -> str:
    offset = int(match.group(2), 16) - 0x10000
    high, low = 0xD800 + (offset >> 10), 0xDC00 + (offset & 0x3FF)
    return f"<{match.group(1)}> <{high:04X}{low:04X}>"


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    return _ASTRAL_ENTRY.sub(_utf16_entry, _original_cmap(fontname, subset))


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


# -- choosing and registering fonts ---------------------------------------------------------------
@dataclass(frozen=True)
class FontFile:
    """One face of a TrueType file (``index`` selects the face of a .ttc collection)."""

    path: Path
    index: int = 0

    @property
    def label(self) -> str:
        return f"{self.path.name}#{self.index}" if self.index else self.path.name


def system_font_dirs() -> list[Path]:
    """Where an installed font may live on this machine."""
    dirs: list[Path] = []
    if sys.platform.startswith("win"):
        dirs.append(Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [Path("/System/Library/Fonts"), Path("/Library/Fonts"), Path.home() / "Library" / "Fonts"]
    else:
        dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
                 Path.home() / ".local" / "share" / "fonts"]
    return dirs


def _parse_file(text: str) -> FontFile:
    path, sep, index = text.rpartition("#")
    if sep and index.isdigit():
        return FontFile(Path(path), int(index))
    return FontFile(Path(text))


def find_font(choice: str) -> FontFile:
    """The font file a configured choice names (a path, ``path#index`` or a known family)."""
    choice = choice.strip()
    candidate = _parse_file(choice)
    if candidate.path.is_file():
        return candidate
    names = KNOWN_FAMILIES.get(choice.lower(), ())
    for folder in system_font_dirs():
        for name in names:
            wanted = _parse_file(name)
            direct = folder / wanted.path
            if direct.is_file():
                return FontFile(direct, wanted.index)
            if folder.is_dir() and not sys.platform.startswith("win"):
                for found in folder.rglob(wanted.path.name):
                    return FontFile(found, wanted.index)
    raise FontError(f"找不到打印字体“{choice}”：请填写字体文件的完整路径，或 SimSun、SimHei 等已安装的字体名。")


def resolve_font_choice(explicit: str | None = None, setting: str | None = None) -> str | None:
    """The configured main font: explicit choice, else ``FUPIN_PRINT_FONT``, else the setting."""
    for value in (explicit, os.environ.get(ENV_VAR), setting):
        if value and value.strip():
            return value.strip()
    return None


def _register(file: FontFile) -> str:
    """Register a face with reportlab (once) and return its reportlab name."""
    name = f"fupin-{file.path.stem}-{file.index}-{abs(hash(str(file.path.resolve()))) % 10**8}"
    with _LOCK:
        try:
            pdfmetrics.getFont(name)
        except KeyError:
            try:
                font = TTFont(name, str(file.path), subfontIndex=file.index)
            except TTFError as exc:
                raise FontError(
                    f"字体 {file.label} 不能嵌入 PDF（只支持 TrueType 轮廓的 .ttf/.ttc）：{exc}"
                ) from exc
            except OSError as exc:
                raise FontError(f"无法读取字体 {file.label}：{exc}") from exc
            pdfmetrics.registerFont(font)
    return name


@dataclass
class MissingChars:
    """Characters no font could draw, with where they occurred (for the warning list)."""

    found: dict[str, list[str]] = field(default_factory=dict)

    def add(self, char: str, where: str) -> None:
        places = self.found.setdefault(char, [])
        if where and where not in places and len(places) < 20:
            places.append(where)

    def __bool__(self) -> bool:
        return bool(self.found)

    def warnings(self) -> list[str]:
        """One Chinese line per missing character."""
        out = []
        for char, places in self.found.items():
            where = f"，见于：{'；'.join(places)}" if places else ""
            out.append(f"字体中没有“{char}”（U+{ord(char):04X}），已印作“{MISSING_MARK}”，请手工补写{where}")
        return out


#: Characters that take no room and need no glyph (zero-width marks, variation selectors, BOM).
def _invisible(char: str) -> bool:
    cp = ord(char)
    return (
        0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)
        or unicodedata.category(char) == "Cc"
    )


class FontSet:
    """A main font plus fallbacks: splits text into runs by the font that has each character."""

    def __init__(self, main: str, fallbacks: Iterable[str], main_label: str, warnings: list[str]) -> None:
        self.main = main
        self.fallbacks = tuple(fallbacks)
        self.main_label = main_label
        #: Problems choosing the font (a configured font that could not be used).
        self.warnings = list(warnings)
        self._cmaps = [
            (name, pdfmetrics.getFont(name).face.charToGlyph)
            for name in (main, *self.fallbacks)
        ]
        self._runs = functools.lru_cache(maxsize=20_000)(self._split)

    def font_for(self, char: str) -> str | None:
        cp = ord(char)
        for name, cmap in self._cmaps:
            if cp in cmap:
                return name
        return None

    def has(self, char: str) -> bool:
        return _invisible(char) or self.font_for(char) is not None

    def _split(self, text: str) -> tuple[tuple[str, str], ...]:
        runs: list[tuple[str, str]] = []
        for char in text:
            if _invisible(char):
                continue
            name = self.font_for(char)
            if name is None:
                name, char = self.main, MISSING_MARK
            if runs and runs[-1][0] == name:
                runs[-1] = (name, runs[-1][1] + char)
            else:
                runs.append((name, char))
        return tuple(runs)

    def runs(self, text: str, missing: MissingChars | None = None, where: str = "") -> tuple[tuple[str, str], ...]:
        """``(font name, text)`` runs for ``text``; records characters no font has."""
        if missing is not None:
            for char in text:
                if not self.has(char):
                    missing.add(char, where)
        return self._runs(text)

    def width(self, text: str, size: float) -> float:
        return sum(float(pdfmetrics.stringWidth(run, name, size)) for name, run in self._runs(text))


@functools.cache
def _font_set(choice: str | None) -> FontSet:
    warnings: list[str] = []
    main_file = FontFile(BUNDLED_MAIN)
    if choice:
        try:
            main_file = find_font(choice)
            main = _register(main_file)
        except FontError as exc:
            warnings.append(f"{exc} 已改用内置的文泉驿微米黑。")
            main_file = FontFile(BUNDLED_MAIN)
            main = _register(main_file)
    else:
        main = _register(main_file)
    fallbacks = [_register(FontFile(p)) for p in BUNDLED_FALLBACKS if p.is_file()]
    if main_file.path != BUNDLED_MAIN:
        # The office's own font first; the bundled one still covers what it lacks.
        fallbacks.insert(0, _register(FontFile(BUNDLED_MAIN)))
    return FontSet(main, fallbacks, main_file.label, warnings)


def font_set(choice: str | None = None) -> FontSet:
    """The fonts for a document (registered once per choice and process)."""
    with _LOCK:
        return _font_set(choice)
