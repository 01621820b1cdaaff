"""Parts both sides of the 数据交换 page share: tables, the passphrase, running work off the GUI thread.

:class:`SyncPageBase` holds what the township half (:mod:`~fupin_desktop.ui.sync_township`) and the
county half (:mod:`~fupin_desktop.ui.sync_county`) of :class:`~fupin_desktop.ui.sync_page.SyncPage` use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
)

from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync import keys
from fupin_desktop.sync.format import SyncError, WrongPassphrase
from fupin_desktop.ui.ops import StoreOp, T

STATUS_LABELS = {"imported": "已导入", "already-imported": "已导入过", "refused": "已拒绝"}


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return t


def _fill(table: QTableWidget, rows: list[list[Any]], keys_: list[Any] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if keys_ is not None and c == 0:
                item.setData(Qt.ItemDataRole.UserRole, keys_[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    # Sizing to contents also shrinks the last column of a shown table: stretch it again.
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setStretchLastSection(True)


def _mono(label: QLabel) -> QLabel:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SyncPageBase(QDialog):
    """The window's state and the helpers of both halves; :class:`~fupin_desktop.ui.sync_page.SyncPage`
    sets the state up."""

    store: Store
    repo: SyncRepository
    county_mode: bool
    _passphrase: str | None
    last_op: StoreOp[Any] | None
    keys_form: QFormLayout

    if TYPE_CHECKING:  # supplied by SyncPage, which shows both halves

        def refresh(self) -> None:
            """Show the keys, batches and conflicts as they are now."""

    # -- passphrase ------------------------------------------------------------------------
    def passphrase(self, *, new: bool = False) -> str | None:
        """The private-key passphrase: FUPIN_PASSPHRASE, else asked once per window."""
        env = keys.env_passphrase()
        if env:
            return env
        if self._passphrase and not new:
            return self._passphrase
        prompt = (f"设置保护私钥的口令（至少 {keys.MIN_PASSPHRASE} 位，请牢记）：" if new
                  else "请输入私钥口令：")
        text, ok = QInputDialog.getText(self, "私钥口令", prompt, QLineEdit.EchoMode.Password)
        if not ok or not text:
            return None
        self._passphrase = text
        return text

    def _run(self, label: str, work: Callable[[Store, Any, Any], T], done: Callable[[T], None]) -> StoreOp[T]:
        """``work`` on the worker's own connection; what its result says it changed is announced
        (ui/changes.py)."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, WrongPassphrase):
                self._passphrase = None
            # SyncError, StoreError (database full, read-only, locked) and WriteError say it all in Chinese
            message = str(exc) if isinstance(exc, (SyncError, StoreError, WriteError)) else f"操作失败：{exc}"
            QMessageBox.warning(self, "数据交换", message)
            self.refresh()

        def succeeded(result: T) -> None:
            done(result)
            self.refresh()

        op = StoreOp[T](self, label, self.store, work, succeeded, failed, title="数据交换")
        self.last_op = op
        op.start()
        return op
