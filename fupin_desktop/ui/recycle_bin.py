"""编辑 → 已删除的户: the recycle bin, listing deleted households with who deleted them and when.

恢复 brings the selected household back (after a confirmation) with exactly the rows it had
when it was deleted; a clash with a current household's 户编号 or ID numbers is shown and
needs a second, explicit confirmation.  The store does the work (``store.recycle``); the main
window refreshes its list, village tree and status bar on :attr:`RecycleBinDialog.restored`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.clock import local_time
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.recycle import DeletedHousehold, RestoreConflict
from fupin_desktop.ui.changes import announce

log = logging.getLogger(__name__)
TITLE = "已删除的户"
#: (key, header, width); 乡镇 only on a county database.
COLUMNS = (("number", "户编号", 170), ("township", "乡镇", 80), ("village", "村", 80), ("group", "组", 60),
           ("head_name", "户主姓名", 90), ("size", "人数", 50), ("deleted_by", "删除人", 80),
           ("deleted_at", "删除时间", 130))


def restore_household(parent: QWidget, store: Store, item: DeletedHousehold, *, ask: bool = True) -> bool:
    """Restore one deleted household after the clerk confirms; True when it is back.

    A clash with a current household is shown and restored over only on a second "是".
    """
    if ask and QMessageBox.question(
        parent, TITLE, f"确定恢复 {item.label}吗？\n该户连同删除时的全部成员和帮扶等记录一起恢复，"
        "作为一次修改记入修改记录，并随下一批数据交换报送。",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
    ) != QMessageBox.StandardButton.Yes:
        return False
    try:
        try:
            restored = store.recycle.restore(item.id, store.operator)
        except RestoreConflict as clash:
            if QMessageBox.warning(
                parent, TITLE, f"{clash.household.label}与现有的户重复：\n"
                + "\n".join(f"· {c}" for c in clash.conflicts)
                + "\n\n恢复后两户会重复，数据质量检查会报出。仍然恢复吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            ) != QMessageBox.StandardButton.Yes:
                return False
            restored = store.recycle.restore(item.id, store.operator, force=True)
    except StoreError as exc:  # not deleted any more, a township's household at the county, a full disk...
        applog.refused(log, "restore household", exc, household=item.id)
        QMessageBox.warning(parent, TITLE, str(exc))
        return False
    announce(store, restored.change)
    return True


class RecycleBinDialog(QDialog):
    """The deleted households, searchable, newest deletion first."""

    restored = Signal(int)  # household id, after a successful restore

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.items: list[DeletedHousehold] = []
        self._summary = ""
        self.visible: list[DeletedHousehold] = []
        self.setObjectName("recycle_bin")
        self.setWindowTitle(TITLE)
        self.resize(860, 480)

        self.search = QLineEdit()
        self.search.setObjectName("recycle_search")
        self.search.setPlaceholderText("查找：户编号、户主姓名、拼音首字母（如 zs）、户主身份证号或村")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._fill())

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("recycle_table")
        self.table.setHorizontalHeaderLabels([label for _key, label, _w in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col, (_key, _label, width) in enumerate(COLUMNS):
            header.resizeSection(col, width)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())

        self.info = QLabel()
        self.info.setObjectName("recycle_info")
        self.info.setWordWrap(True)
        self.btn_restore = QPushButton("恢复(&R)…")
        self.btn_restore.setObjectName("restore")
        self.btn_restore.clicked.connect(self.restore_selected)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)

        top = QHBoxLayout()
        top.addWidget(QLabel("查找"))
        top.addWidget(self.search, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(self.btn_restore)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("删除的户不出现在列表和统计中，修改记录都保留。选中一户点“恢复”，"
                             "该户连同删除时的全部记录回到列表。"))
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self.reload()

    # -- list ---------------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            self.items = self.store.recycle.list()
        except StoreError as exc:  # e.g. a disk error: say so in the window
            applog.refused(log, "list deleted households", exc)
            QMessageBox.warning(self, TITLE, str(exc))
            self.items = []
        county = any(i.from_township for i in self.items)
        self.table.setColumnHidden(1, not county)
        self._fill()

    def _fill(self) -> None:
        text = self.search.text()
        self.visible = [i for i in self.items if i.matches(text)]
        self.table.setRowCount(len(self.visible))
        for row, item in enumerate(self.visible):
            values = (item.number, item.township, item.village, item.group, item.head_name, str(item.size),
                      item.deleted_by or "（未记录）", local_time(item.deleted_at))
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                if col == 5:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)
        header = self.table.horizontalHeader()
        for col, (_key, _label, width) in enumerate(COLUMNS[:-1]):  # long names and 删除人 are not cut
            header.resizeSection(col, max(width, self.table.sizeHintForColumn(col) + 8))
        if self.visible:
            self.table.selectRow(0)
        shown = f"共 {len(self.items)} 户已删除" + (f"，显示 {len(self.visible)} 户" if text.strip() else "")
        self._summary = shown if self.items else "没有已删除的户。"
        self._update_buttons()

    def selected(self) -> DeletedHousehold | None:
        rows = self.table.selectionModel().selectedRows()
        return self.visible[rows[0].row()] if rows and rows[0].row() < len(self.visible) else None

    def select_household(self, household_id: int) -> bool:
        for row, item in enumerate(self.visible):
            if item.id == household_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        item = self.selected()
        self.btn_restore.setEnabled(item is not None and not item.from_township)
        if item is not None and item.from_township:
            self.info.setText(f"{item.label}由{item.township or '乡镇'}删除，请在该乡镇的程序里恢复，随数据交换报到县里。")
        else:
            self.info.setText(self._summary)

    # -- actions ------------------------------------------------------------------------------
    def restore_selected(self) -> bool:
        item = self.selected()
        if item is None:
            return False
        if not restore_household(self, self.store, item):
            if self.store.recycle.get(item.id) is None:  # restored meanwhile by another program
                self.reload()
            return False
        self.reload()
        self.info.setText(f"已恢复 {item.label}，已在主窗口的列表中选中，双击即可打开。")
        self.restored.emit(item.id)
        return True
