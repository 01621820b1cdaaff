"""Register the bundled CJK font so the GUI and screenshots render the same everywhere."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from fupin_desktop.paths import FONTS_DIR

#: Preferred families, best first: Windows' own UI fonts where present, then the bundled one.
PREFERRED = ("Microsoft YaHei UI", "Microsoft YaHei", "WenQuanYi Micro Hei", "SimSun")
#: Bundled rare-character fonts (CJK Extension A/B: 䶮, 𠮷), tried after the main family.
FALLBACKS = ("Fupin Han Ext A", "Fupin Han Ext B")


def register_fonts() -> list[str]:
    """Add every font in resources/fonts; returns the families now available from them."""
    families: list[str] = []
    for path in sorted(FONTS_DIR.iterdir()):
        if path.suffix.lower() in (".ttf", ".ttc", ".otf"):
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id >= 0:
                families += QFontDatabase.applicationFontFamilies(font_id)
    return families


def apply_default_font(app: QApplication, point_size: float = 10.5) -> QFont:
    register_fonts()
    available = set(QFontDatabase.families())
    family = next((f for f in PREFERRED if f in available), None)
    font = QFont(family) if family else app.font()
    # Qt tries these in order for a character the main family lacks, on every platform.
    font.setFamilies([font.family(), *(f for f in FALLBACKS if f in available)])
    font.setPointSizeF(point_size)
    app.setFont(font)
    return font
