"""The main window's 年度 menu: the year in the title, switching, carry-over, earlier years, review.

* The title bar names the year being worked in (``2015年度``; a closed year being looked at is
  named too: ``2015年度｜查看 2014年度往年档案（只读）``).
* 切换年度… picks one of the years the store holds (store/years.py ``switch``); a closed year
  opens its list read-only (:class:`~fupin_desktop.ui.year_views.YearBrowser`) beside the live one.
* 结转下一年度… asks first, then runs off the GUI thread (:class:`~fupin_desktop.ui.ops.StoreOp`
  with progress and Cancel): the backup, then the carry-over; the report says what was carried,
  per village, and which backup undoes it.  Cancelling keeps the households already carried:
  running it again completes it.
* 往年档案…, 年度统计…, 半年审核调整… open their windows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QInputDialog,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.store import Store, settings, years
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.ops import StoreOp

if TYPE_CHECKING:
    from fupin_desktop.ui.main_window import MainWindow

COUNT_COLUMNS = (("households", "户数"), ("persons", "人数"), ("exits", "脱贫户"), ("returns", "返贫户"),
                 ("new", "新识别户"), ("births", "出生"), ("deaths", "死亡"))


def year_title(store: Store) -> str:
    """What the title bar says about the year (empty when the store cannot say)."""
    try:
        current, live = years.current_year(store.db), years.live_year(store.db)
    except Exception:  # noqa: BLE001 - a title never fails (a database being replaced, say)
        return ""
    # The window's list is always the live year's; a closed year being looked at opens beside it.
    return f" {live}年度" + (f"｜查看 {current}年度往年档案（只读）" if current != live else "")


def install(window: MainWindow) -> None:
    """Add the 年度 menu to the main window (a one-line call from main_window.py)."""
    menu = window.menuBar().addMenu("年度(&N)")
    window.years = YearsMenu(window)  # type: ignore[attr-defined]
    ym = window.years  # type: ignore[attr-defined]
    menu.addAction(window._action("切换年度(&S)…", ym.switch_year))
    act_carry = window._action("结转下一年度(&C)…", ym.carry_over)
    window.act_carry = act_carry  # (greyed by the window's Rights: its role, a read-only file)
    menu.addAction(act_carry)
    menu.addSeparator()
    menu.addAction(window._action("往年档案(&O)…", ym.open_browser))
    menu.addAction(window._action("年度统计(&T)…", ym.open_counts))
    menu.addAction(window._action("半年审核调整(&R)…", ym.open_review))


class YearsMenu:
    """What the 年度 menu does (see the module)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.store = window.store
        self.op: StoreOp[Any] | None = None
        self.report = ""
        self.windows: list[QWidget] = []

    def switch_year(self, year: int | None = None) -> bool:
        held = years.years(self.store.db)
        if year is None:
            current = years.current_year(self.store.db)
            labels = [f"{y}年度" + ("（往年，只读）" if y != held[-1] else "（当前）") for y in held]
            text, ok = QInputDialog.getItem(self.window, "切换年度", "在哪一年度工作或查看：", labels,
                                            held.index(current) if current in held else len(held) - 1, False)
            if not ok:
                return False
            year = held[labels.index(text)]
        years.switch(self.store.db, year)
        announce(self.store, Change.of(ChangeKind.SETTINGS, settings=(settings.CURRENT_YEAR.key,)))
        if year != years.live_year(self.store.db):
            self.open_browser(year)
        return True

    def carry_over(self, *, ask: bool = True, to: int | None = None) -> StoreOp[Any] | None:
        """结转下一年度 (``to``: the year, the live one's next by default; the live year itself
        finishes a cancelled run and, when done, carries nothing)."""
        live = years.live_year(self.store.db)
        target = to or live + 1
        waiting = years.pending(self.store.db, target)
        if ask:
            text = (f"把 {target - 1} 年度的 {waiting} 户档案结转到 {target} 年度？\n\n"
                    f"结转前先自动备份。{target - 1} 年度的档案冻结为只读的往年档案；{target} 年度的档案保留"
                    "家庭成员、住房、帮扶责任人等，清空收入和帮扶成效，待重新采集。重复结转不会重复。"
                    if waiting else f"{live} 年度的档案都已结转，没有要结转的户。")
            buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No if waiting \
                else QMessageBox.StandardButton.Ok
            if QMessageBox.question(self.window, "结转下一年度", text, buttons) != QMessageBox.StandardButton.Yes:
                return None

        def work(own: Store, progress: Any, cancelled: Any) -> years.CarryResult:
            return years.carry_over_safely(own.db, target, own.operator, progress=progress, cancelled=cancelled)

        def done(result: years.CarryResult) -> None:
            self.report = carry_report(result)
            QMessageBox.information(self.window, "结转下一年度", self.report)

        self.op = StoreOp(self.window, f"正在结转到 {target} 年度…", self.store, work, done,
                          title="结转下一年度")
        self.op.start()
        return self.op

    def open_browser(self, year: int | None = None) -> QWidget:
        from fupin_desktop.ui.year_views import YearBrowser

        browser = YearBrowser(self.store, year, self.window)
        browser.show()
        self.windows.append(browser)
        return browser

    def open_counts(self) -> QDialog:
        dialog = YearCounts(self.store, self.window)
        dialog.show()
        self.windows.append(dialog)
        return dialog

    def open_review(self) -> QWidget:
        from fupin_desktop.ui.review_page import ReviewWindow

        window = ReviewWindow(self.store, self.window.open_household, self.window)
        window.show()
        self.windows.append(window)
        return window


def carry_report(r: years.CarryResult) -> str:
    lines = [f"已从 {r.from_year} 年度结转到 {r.to_year} 年度：{r.carried} 户"
             + ("（已取消，其余的户再次结转即可完成）" if r.cancelled else "") + "。"]
    if r.skipped:
        lines.append(f"已在 {r.to_year} 年度的 {r.skipped} 户没有重复结转。")
    if r.villages:
        lines.append("；".join(f"{v} {n} 户" for v, n in sorted(r.villages.items())))
    if r.cleared_results or r.dropped_members:
        lines.append(f"清空帮扶成效 {r.cleared_results} 条；上年度已减少的成员 {r.dropped_members} 人留在往年档案中。")
    if r.backup:
        lines.append(f"结转前的备份：{r.backup}\n（要撤销这次结转，请在“文件 → 备份与恢复”中恢复这份备份。）")
    return "\n".join(lines)


class YearCounts(QDialog):
    """年度统计: the township's counts per year, from the files (store/years.py ``year_counts``)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("year_counts")
        self.setWindowTitle("年度统计")
        held = years.years(store.db)
        self.counts = [years.year_counts(store.db, y) for y in held]
        table = QTableWidget(len(held), len(COUNT_COLUMNS) + 1)
        table.setObjectName("counts_table")
        table.setHorizontalHeaderLabels(["年度", *(label for _, label in COUNT_COLUMNS)])
        for i, c in enumerate(self.counts):
            table.setItem(i, 0, QTableWidgetItem(f"{c['year']}"))
            for j, (key, _) in enumerate(COUNT_COLUMNS, start=1):
                table.setItem(i, j, QTableWidgetItem(str(c[key])))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(self)
        lay.addWidget(table)
        self.table = table
        self.resize(640, 120 + 30 * len(held))


__all__ = ["YearCounts", "YearsMenu", "carry_report", "install", "year_title"]
