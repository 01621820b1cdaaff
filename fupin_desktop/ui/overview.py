"""接收端总览: counties > townships > villages with their households, read-only.

For whoever receives the townships' batches — a county on its SQLite file, a prefecture or a
province on PostgreSQL — one window lists what has arrived: each county, its townships (with the
last batch number), their villages, and the households of each.  It only reads; it is opened with
``fupin overview --database postgresql://…`` (or ``--db COUNTY.db``), and ``--json`` prints the same
tree (``fupin sync tree``).  The tree is read off the GUI thread on a connection of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.ui.ops import BackgroundOp, failure_message

#: Reads the tree on the worker thread (opens and closes its own connection).
TreeReader = Callable[[], list[dict[str, Any]]]


class OverviewWindow(QWidget):
    """A read-only tree of what the receiving database holds."""

    def __init__(self, where: str, read_tree: TreeReader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"接收端总览（只读）— {where}")
        self.resize(760, 560)
        self._read_tree = read_tree
        self.summary = QLabel("正在读取…")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["县 / 乡镇 / 村", "代码", "户数"])
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.reload_button = QPushButton("刷新")
        self.reload_button.clicked.connect(self.reload)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)
        layout.addWidget(self.reload_button, alignment=Qt.AlignmentFlag.AlignRight)
        self.op: BackgroundOp | None = None

    def reload(self) -> None:
        self.reload_button.setEnabled(False)
        self.summary.setText("正在读取…")

        def work(_progress: Callable[[int, int], None], _cancelled: Callable[[], bool]) -> list[dict[str, Any]]:
            return self._read_tree()

        self.op = BackgroundOp(self, "正在读取接收端的数据…", work, self.show_tree, self._failed, cancellable=False)
        self.op.start()

    def show_tree(self, counties: list[dict[str, Any]]) -> None:
        self.tree.clear()
        for c in counties:
            county = _item(c["name"] or c["code"], c["code"], c["households"])
            for t in c["townships"]:
                town = _item(t["name"], t["code"], t["households"])
                town.addChildren([_item(v["name"], "", v["households"]) for v in t["villages"]])
                county.addChild(town)
            self.tree.addTopLevelItem(county)
            county.setExpanded(len(counties) == 1)
        towns = sum(len(c["townships"]) for c in counties)
        total = sum(int(c["households"]) for c in counties)
        self.summary.setText(f"共 {len(counties)} 个县、{towns} 个乡镇、{_count(total)} 户（只读）。"
                             if counties else "还没有收到任何乡镇的批次。")
        self.reload_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(failure_message("读取失败", exc))
        self.reload_button.setEnabled(True)


def _item(name: str, code: str, households: int) -> QTreeWidgetItem:
    item = QTreeWidgetItem([name, code, _count(households)])
    item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _count(n: int) -> str:
    return f"{int(n):,}"


def run_overview(title: str, read_tree: TreeReader, tree: list[dict[str, Any]], *,
                 screenshot: str | None = None) -> int:
    """Open the window on ``tree`` (already read) until it is closed; ``screenshot``: save it and quit."""
    from PySide6.QtCore import QTimer

    from fupin_desktop.ui.app import make_app

    app: Any = make_app()
    window = OverviewWindow(title, read_tree)
    window.show_tree(tree)
    window.show()
    if screenshot:
        def shoot() -> None:
            window.grab().save(screenshot)
            app.quit()

        QTimer.singleShot(200, shoot)
    return int(app.exec())
