"""The county (province) window on a PostgreSQL receiving database: ``fupin --database postgresql://…``.

The same :class:`~fupin_desktop.ui.main_window.MainWindow` as on a county SQLite file, opened on a
:class:`~fupin_desktop.store.pg.store.PgStore`: the village tree (county > townships > villages), the
household list and its search, each household's form (read-only), 数据质量, 统计 and 数据交换
(batches, conflicts, the townships' keys, feedback).  The households are the townships' own: they
change only by the townships' batches, never in this window.  A wrong address, a refused login or another program's database is said in
Chinese before any window opens, and nothing is written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fupin_desktop import applog, fileio
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import StoreError

log = logging.getLogger(__name__)
TITLE = "无法打开接收端数据库"


def open_for_window(url: str) -> Any:
    """The window's PgStore (households read-only), or a StoreError saying what went wrong and what to do."""
    from fupin_desktop.store.pg.store import PgStore

    return PgStore(url, households_read_only=True)


def county_window(store: Any) -> Any:
    """The county main window on ``store`` (a PgStore reads like a county Store)."""
    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(store)
    # The households are read-only here, but 数据交换 (batches, conflicts, keys, feedback) is this
    # database's own work: as on a county file.
    window.act_sync.setEnabled(store.may(Action.SYNC))
    window.act_sync.setToolTip("")
    return window


def run_receiving(app: object, url: str, screenshot: str | None = None) -> int:
    """Open the window on ``url``; a refusal is a Chinese message box (stderr for a screenshot)."""
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    try:
        store = open_for_window(url)
    except StoreError as exc:
        applog.refused(log, "open receiving database", exc)
        if screenshot:
            print(f"错误：{exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, TITLE, str(exc))
        return 2
    try:
        window = county_window(store)
        if screenshot:
            window.offer_drafts = False
            window.show()
            for _ in range(5):
                QApplication.processEvents()
            try:
                with fileio.atomic_path(Path(screenshot)) as tmp:
                    if not window.grab().save(str(tmp)):
                        raise fileio.WriteError(f"无法写入 {screenshot}：图片没有保存。请换一个位置后再试。",
                                                path=Path(screenshot))
            except fileio.WriteError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 2
            window.close()
            print(screenshot)
            return 0
        window.show()
        code = app.exec()  # type: ignore[attr-defined]
    finally:
        store.close()
    return int(code)
