"""Qt's own texts in Chinese: the standard buttons (保存/放弃/取消, 是/否, 确定), the file dialog
and the other built-in dialogs.

Qt ships its catalogues as ``qtbase_zh_CN.qm``; PySide6 carries them in its translations folder
(``QLibraryInfo.path(TranslationsPath)``).  The frozen build also copies the catalogue into
``resources/translations`` (see build.spec), which is the second place looked in, so the build
stays Chinese even if PyInstaller leaves Qt's folder out.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from fupin_desktop.paths import RESOURCES_DIR

log = logging.getLogger(__name__)

#: The few strings Qt's own zh_CN catalogue leaves in English (Qt 6.11), in the clerk's words.
#: Keyed by (context, source text) exactly as Qt asks for them.
MISSING = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
}

#: The catalogues loaded, in order: Qt's widgets, dialogs and standard buttons.
CATALOGUES = ("qtbase",)
LOCALE = "zh_CN"


def translation_dirs() -> list[Path]:
    """Where the catalogues are looked for, best first."""
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    dirs = [Path(qt_dir)] if qt_dir else []
    return [*dirs, RESOURCES_DIR / "translations"]


def install_translations(app: QCoreApplication) -> list[QTranslator]:
    """Load Qt's zh_CN catalogues into ``app`` and return the translators (kept alive by the
    caller; ``app.removeTranslator`` undoes it), then a supplement for the few strings the
    catalogue lacks.  A missing catalogue is logged, never fatal:
    the program then shows Qt's own buttons in English."""
    translators: list[QTranslator] = []
    for name in CATALOGUES:
        translator = QTranslator(app)
        if any(translator.load(f"{name}_{LOCALE}", str(folder)) for folder in translation_dirs()):
            app.installTranslator(translator)
            translators.append(translator)
        else:
            log.warning("Qt translation %s_%s not found in %s", name, LOCALE,
                        ", ".join(map(str, translation_dirs())))
    supplement = _Supplement(app)  # installed last, so asked first; anything else falls through
    app.installTranslator(supplement)
    return [*translators, supplement]


class _Supplement(QTranslator):
    """Answers only the strings of :data:`MISSING`; ``None`` (a null string) lets Qt ask the next one."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        return MISSING.get((context, source))

    def isEmpty(self) -> bool:
        return False
