"""帮助 → 打开日志文件夹 opens the log folder in the system's file manager."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from fupin_desktop import applog
from fupin_desktop.ui.main_window import MainWindow


class Opened(QObject):
    """Stands in for the file manager: Qt hands it every file: URL opened."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_help_menu_opens_the_log_folder(qtbot, store, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(applog.LOG_DIR_ENV, str(tmp_path / "county-it" / "logs"))
    window = MainWindow(store)
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "帮助(&H)")
    [action] = [a for a in help_menu.actions() if a.text() == "打开日志文件夹(&L)"]
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in opened.urls] == [tmp_path / "county-it" / "logs"]
    assert (tmp_path / "county-it" / "logs").is_dir()
