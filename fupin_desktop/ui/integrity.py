"""After the window is up: the integrity check and the warm-up the GUI thread should not wait for.

``PRAGMA quick_check`` reads the whole file (700 MB at a county's 100,000 households: 0.7 s with
the file cached, several seconds without), so the window opens without it (``Store(check=False)``)
and :func:`check_integrity` runs it on a worker thread with its own connection at every start --
after an unclean shutdown too -- while the clerk already works.  A damaged file is then said so,
with the way out: 备份与恢复 lists the dated backups to restore.  (The daily backup verifies its
copy the same way, off the GUI thread, in store/backups.py.)  A file about to be migrated is
still checked before the migration touches it (store/database.py).

:func:`warm_up` loads pypinyin's dictionaries on a daemon thread, so the first save (pinyin
initials and sort keys) does not wait a quarter of a second for them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtWidgets import QMessageBox

from fupin_desktop.store import DatabaseCorrupt, Store

log = logging.getLogger(__name__)


def check_integrity(window: Any) -> Any:
    """Run ``PRAGMA quick_check`` of ``window.store`` off the GUI thread; report a damaged file."""
    from fupin_desktop.ui.background import Fetch

    def failed(exc: BaseException) -> None:
        if not isinstance(exc, DatabaseCorrupt):
            return  # the check could not run (the file is busy...): the next start checks again
        log.error("integrity check failed: %s", exc)
        box = QMessageBox(QMessageBox.Icon.Critical, "数据库已损坏", str(exc), parent=window)
        box.setInformativeText("请不要再录入。可以在“文件 → 备份与恢复”中选择最近的备份恢复；"
                               "也可以把这个文件交给县扶贫办技术人员处理。")
        restore = box.addButton("备份与恢复…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("以后再说", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is restore:
            window.open_backups()

    def ok(_result: None) -> None:
        log.info("integrity check passed file=%s", window.store.path)

    def work(reader: Store) -> None:
        reader.db.quick_check()

    fetch: Fetch[None] = Fetch(window.store, "integrity-check", ok, failed, parent=window)
    fetch.start(work)
    window.integrity_check = fetch
    return fetch


def warm_up() -> threading.Thread:
    """Load pypinyin's dictionaries (the first save needs them), the household form's modules and the
    rule modules (the first household opened needs them; the main window comes up without) on a
    daemon thread."""

    def load() -> None:
        from fupin_desktop.domain.text import pinyin_initials, pinyin_sort_key

        pinyin_initials("张三")
        pinyin_sort_key("张三")
        from fupin_desktop.domain.idnumber import address_warning

        address_warning("510822199001010000")  # the address-code table the first check reads
        import fupin_desktop.ui.household_editor  # noqa: F401  (module code only: no widget is made here)
        from fupin_desktop.rules import all_rules

        all_rules()  # the rule modules, which the first check of a household needs

    thread = threading.Thread(target=load, name="pinyin-warm-up", daemon=True)
    thread.start()
    return thread
