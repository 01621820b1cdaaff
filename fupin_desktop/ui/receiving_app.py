"""The county (province) window on a PostgreSQL receiving database: ``fupin --database postgresql://…``.

The same :class:`~fupin_desktop.ui.main_window.MainWindow` as on a county SQLite file, opened on a
:class:`~fupin_desktop.store.pg.store.PgStore` read-only: the village tree (county > townships >
villages), the household list and its search, each household's form (to read and print), 数据质量
and 统计.  The households are the townships' own: they change only by the townships' batches, so
nothing here writes.  A wrong address, a refused login or another program's database is said in
Chinese before any window opens, and nothing is written.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fupin_desktop import applog, fileio
from fupin_desktop.store import StoreError

log = logging.getLogger(__name__)
TITLE = "无法打开接收端数据库"


def open_receiving_read_only(url: str) -> object:
    """The read-only PgStore, or a StoreError whose message says what went wrong and what to do."""
    from fupin_desktop.store.pg.store import PgStore

    return PgStore(url, read_only=True)


def run_receiving(app: object, url: str, screenshot: str | None = None) -> int:
    """Open the window on ``url``; a refusal is a Chinese message box (stderr for a screenshot)."""
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    from fupin_desktop.ui.main_window import MainWindow

    try:
        store = open_receiving_read_only(url)
    except StoreError as exc:
        applog.refused(log, "open receiving database", exc)
        if screenshot:
            print(f"错误：{exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, TITLE, str(exc))
        return 2
    try:
        window = MainWindow(store)  # type: ignore[arg-type]  # a PgStore reads like a county Store
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
        store.close()  # type: ignore[attr-defined]
    return int(code)
