"""Member changes, never deletions: adding or removing a member of a saved household asks why and when.

In a household already saved, 添加行 (Ctrl+Insert) in 家庭成员 asks for the 人员变更 that brings the
person in (新生儿、嫁入、其他转入 — 出生、婚入、迁入 typed as aliases) and its date; 删除行
(Ctrl+Delete) asks for the one that takes the person out (死亡、嫁出、出国定居、判刑收监、其他转出)
and its date, and keeps the row: the member stays in the file with the reason, shown grey and
struck through, and no longer counts in 家庭人口.  A row typed by mistake (or one not saved yet)
can still be deleted outright: the dialog offers “录入错误”.  The lists are forms/years.toml's.
A new household's members are its first registration, not changes: nothing is asked.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.rules.years import year_rules

if TYPE_CHECKING:
    from fupin_desktop.ui.household_editor import HouseholdEditor
    from fupin_desktop.ui.row_table import RowTable

MISTAKE = "录入错误（直接删除这一行）"


class MemberChangeDialog(QDialog):
    """Which 人员变更 and when: ``choice()`` after ``exec()`` (None for a mistaken row)."""

    def __init__(self, adding: bool, name: str, year: int, codes: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("member_change_dialog")
        rules = year_rules()
        self.setWindowTitle("新增家庭成员" if adding else "减少家庭成员")
        lay = QVBoxLayout(self)
        text = (f"新增成员属于哪一种人员变更？（{year}年度）" if adding else
                f"“{name or '这位成员'}”为什么减少？减少的成员保留在档案中，注明原因，不再计入家庭人口。")
        note = QLabel(text)
        note.setWordWrap(True)
        lay.addWidget(note)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("change_kind")
        for label in rules.added if adding else rules.removed:
            item = codes.by_label(label) if codes is not None else None
            self.kind.addItem(f"{item.code} {label}" if item is not None and item.code else label, label)
        if not adding:
            self.kind.addItem(MISTAKE, None)
        self.when = QDateEdit()
        self.when.setObjectName("change_date")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd")
        today = date.today()
        default = today if today.year == year else date(year, 12, 31)
        self.when.setDate(QDate(default.year, default.month, default.day))
        self.kind.currentIndexChanged.connect(lambda _i: self.when.setEnabled(self.kind.currentData() is not None))
        form.addRow("人员变更", self.kind)
        form.addRow("变更日期", self.when)
        lay.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(420, self.sizeHint().height())

    def choose(self, label: str | None, when: date | None = None) -> None:
        """Pick a change (None: 录入错误) and a date, as the clerk would."""
        self.kind.setCurrentIndex(self.kind.findData(label))
        if when is not None:
            self.when.setDate(QDate(when.year, when.month, when.day))

    def choice(self) -> tuple[str | None, date]:
        d = self.when.date()
        return self.kind.currentData(), date(d.year(), d.month(), d.day())


class MemberChanges:
    """The 家庭成员 table's add/remove of a saved household (see the module)."""

    def __init__(self, editor: HouseholdEditor) -> None:
        self.editor = editor
        self.dialog: MemberChangeDialog | None = None  # the one open now (tests answer it)

    def _ask(self, adding: bool, name: str) -> tuple[str | None, date] | None:
        spec = self.editor.store.spec
        change = next(f for f in spec.table("members").fields if f.id == "change")
        year = self.editor.household.fields.get("year")
        year = year if isinstance(year, int) else date.today().year
        self.dialog = MemberChangeDialog(adding, name, year, spec.code_list(change), self.editor)
        try:
            return self.dialog.choice() if self.dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            if self.dialog is not None:
                self.dialog.deleteLater()
            self.dialog = None
            self.editor.activateWindow()  # the keyboard goes back to the form

    def on_add(self, table: RowTable, at: int) -> bool:
        answer = self._ask(True, "")
        if answer is None:
            table.focus_cell(at - 1, 0)
            return True  # cancelled: no row added
        label, when = answer
        model = table.model

        def add() -> None:
            model.insert_row(at)
            model.rows[at].values.update(change=label, change_date=when)
        model.apply(add)
        table.focus_cell(at, 0, edit=False)
        return True

    def on_remove(self, table: RowTable, row: int) -> bool:
        state = table.model.rows[row]
        if state.id is None:
            return False  # typed in this window, never saved: an ordinary deletion
        column = max(table.view.currentIndex().column(), 0)
        answer = self._ask(False, str(state.values.get("name") or ""))
        table.focus_cell(row, column)
        if answer is None:
            return True  # cancelled: nothing changes
        label, when = answer
        if label is None:
            return False  # 录入错误: delete the row outright
        model = table.model

        def remove() -> None:
            model.rows[row].values.update(change=label, change_date=when)
            model.dataChanged.emit(model.index(row, 0), model.index(row, len(model.columns) - 1))
        model.apply(remove)
        return True


def install(editor: HouseholdEditor) -> None:
    """Members of a saved, writable household change through :class:`MemberChanges`."""
    if "members" in editor.form.tables and editor.household.id is not None and not editor.store.read_only:
        editor.form.when_built("members", lambda table: setattr(table, "changes", MemberChanges(editor)))


__all__ = ["MISTAKE", "MemberChangeDialog", "MemberChanges", "install"]
