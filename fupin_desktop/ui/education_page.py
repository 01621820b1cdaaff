"""The 教育资助 window (工具 → 教育资助): students of the registered households, per school year.

Left: the students (高中 and above, or with a school entered) with filters by village, school
type and state; right (``ui/education_panel.py``): the chosen student's school, what the table
gives, where to apply, the documents, the batch.  The list is read off the GUI thread (QueryOp);
every write is a StoreOp announced on the change hub; printing the 申请表 and exporting the
batch roster run off the GUI thread with progress.  Everything here is also ``fupin education``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.excel.education_roster import RosterResult, export_roster
from fupin_desktop.printing.education import print_education_form
from fupin_desktop.printing.service import PrintResult
from fupin_desktop.rules import education as rules
from fupin_desktop.store import Role, Store, settings
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.education import EducationRefused, EducationRepository, Student
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.education_panel import StudentPanel
from fupin_desktop.ui.education_table import EducationTableDialog
from fupin_desktop.ui.ops import BackgroundOp, QueryOp, StoreOp, failure_message

COLUMNS = ("村", "组", "户主", "学生", "身份证号", "在校生状况", "学校", "学校类型", "就读地", "批次")
STATES = (("", "全部"), ("unenrolled", "未登记学校"), ("waiting", "未纳入批次"), ("applied", "已纳入批次"))
Index = QModelIndex | QPersistentModelIndex
TITLE = "教育资助"


class StudentsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.students: list[Student] = []

    def set_students(self, students: list[Student]) -> None:
        self.beginResetModel()
        self.students = students
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        s = self.students[index.row()]
        e, app = s.enrolment, s.application
        return (s.village, s.group, s.head_name, s.name, s.id_number, s.school_status, e.school if e else "未登记",
                s.school_type or "待定", ("省内" if e.in_province else "省外") if e else "", app.batch_name if app else "",
                )[index.column()]


class EducationWindow(QMainWindow):
    """Students, entitlements, batches, the 申请表 and the roster of one school year."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("education_window")
        self.setWindowTitle(f"{TITLE} — 教育精准扶贫学生资助")
        self.resize(1320, 760)
        self.store = store
        self.op: BackgroundOp | None = None
        self._stale = False  # something changed while an op ran: read the list again after it
        #: Asks the reason for a late application (tests answer it); None or "" cancels.
        self.ask_override: Callable[[str], str | None] = self._ask_override
        #: Asks where to save (tests answer it); None cancels.
        self.ask_path: Callable[[str, str, str], str | None] = self._ask_path
        hub(store).changed.connect(self.on_change)

        self.year = QComboBox()
        self.year.setObjectName("school_year")
        self.village = QComboBox()
        self.village.setObjectName("village_filter")
        self.kind = QComboBox()
        self.kind.setObjectName("type_filter")
        self.state = QComboBox()
        self.state.setObjectName("state_filter")
        for key, label in STATES:
            self.state.addItem(label, key)
        self.kind.addItem("全部类型", "")
        for kind in rules.SCHOOL_TYPES:
            self.kind.addItem(kind, kind)
        self.table_button = QPushButton("资助标准…")
        self.table_button.setObjectName("edit_table")
        self.table_button.clicked.connect(lambda: EducationTableDialog(self.store, self.school_year, self).exec())
        self.roster_button = QPushButton("导出批次名册…")
        self.roster_button.setObjectName("export_roster")
        self.roster_button.clicked.connect(lambda: self.export_roster())
        self.full_ids = QCheckBox("名册显示完整身份证号")
        self.full_ids.setObjectName("full_ids")
        self.full_ids.setChecked(bool(settings.EDUCATION_FULL_ID.get(store.db)))
        self.full_ids.toggled.connect(self._full_ids_toggled)
        bar = QHBoxLayout()
        for label, box in (("学年", self.year), ("村", self.village), ("类型", self.kind), ("状态", self.state)):
            bar.addWidget(QLabel(label))
            bar.addWidget(box)
        bar.addStretch(1)
        bar.addWidget(self.table_button)
        bar.addWidget(self.full_ids)
        bar.addWidget(self.roster_button)

        self.model = StudentsModel(self)
        self.table = QTableView()
        self.table.setObjectName("students_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        for col, width in enumerate((60, 44, 56, 56, 166, 78, 130, 120, 46, 60)):
            self.table.horizontalHeader().resizeSection(col, width)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show(cur.row()))
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.panel = StudentPanel()
        self.panel.save_school.connect(self.save_school)
        self.panel.documents_changed.connect(self.set_documents)
        self.panel.apply_requested.connect(lambda batch, day: self.apply(batch, day))
        self.panel.withdraw_requested.connect(self.withdraw)
        self.panel.print_requested.connect(lambda: self.print_form())

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([830, 490])
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.addLayout(bar)
        outer.addWidget(split, 1)
        self.setCentralWidget(central)
        self._fill_choices()
        for box in (self.year, self.village, self.kind, self.state):
            box.currentIndexChanged.connect(lambda _i: self.reload())

    # -- choices ------------------------------------------------------------------------------
    def _fill_choices(self) -> None:
        policy = self.store.policy.get().education
        years = sorted(set(policy.years) | {rules.school_year_of(date.today())}, reverse=True)
        for box, items in ((self.year, [(y, f"{y} 学年") for y in years]),
                           (self.village, [("", "全部村")] + [(v.name, v.name) for v in self.store.townships.villages()])):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            for key, label in items:
                box.addItem(label, key)
            default = current if current is not None else (sorted(policy.years)[-1] if box is self.year and policy.years
                                                          else "")
            box.setCurrentIndex(max(box.findData(default), 0))
            box.blockSignals(False)
        self.panel.set_batches(policy.batches(self.school_year), self.school_year)

    @property
    def school_year(self) -> str:
        return str(self.year.currentData() or rules.SEED_SCHOOL_YEAR)

    # -- the list -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the students of the chosen year and filters off the GUI thread."""
        year, village, kind, state = (self.school_year, self.village.currentData() or None,
                                      self.kind.currentData() or None, self.state.currentData() or "")
        self.panel.set_batches(self.store.policy.get().education.batches(year), year)

        def work(own: Store, _progress: Any, _cancelled: Any) -> list[Student]:
            found = EducationRepository(own.db).students(year, village=village, school_type=kind)
            if state == "unenrolled":
                return [s for s in found if s.enrolment is None]
            if state in ("waiting", "applied"):
                return [s for s in found if (s.application is None) == (state == "waiting")]
            return found

        self._stale = False
        self._start(QueryOp[list[Student]](self, "正在读取在校生…", self.store, work, self._loaded, title=TITLE))

    def _loaded(self, students: list[Student]) -> None:
        chosen = self.panel.student.member_uuid if self.panel.student else None
        self.model.set_students(students)
        applied = [s for s in students if s.application]
        total = sum((s.application.total for s in applied if s.application), start=0)
        self.summary.setText(f"共 {len(students)} 名学生，已纳入批次 {len(applied)} 名，合计 {total:,.2f} 元")
        row = next((i for i, s in enumerate(students) if s.member_uuid == chosen), 0 if students else -1)
        if row >= 0:
            self.table.selectRow(row)
            self._show(row)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        student = self.model.students[row] if 0 <= row < len(self.model.students) else None
        self.show_student(student)

    def show_student(self, student: Student | None) -> None:
        entitlement, documents, where = "", [], ""
        if student is not None:
            kind = student.school_type
            if kind is None:
                entitlement = "学校类型待定（大专及以上）：请登记学校和类型。"
            else:
                try:
                    owed = rules.entitlement(self.store.policy.get().education, student.school_year, kind,
                                             set(student.received))
                    lines = [f"{item}：{amount:,.2f}" for item, amount in owed.items]
                    lines += [f"{item}：已享受，不再重复资助" for item in owed.skipped]
                    source = f"（沿用 {owed.table_year} 学年标准）" if owed.table_year != student.school_year else ""
                    entitlement = "\n".join(lines) + f"\n合计：{owed.total:,.2f} 元{source}"
                except rules.EducationError as exc:
                    entitlement = str(exc)
            if student.enrolment is not None:
                town = self.store.townships.get()
                documents = rules.checklist(student.enrolment.in_province)
                where = rules.where_to_apply(student.enrolment.school_type, student.enrolment.in_province,
                                             town.county if town else "")
        self.panel.show_student(student, entitlement, documents, where)

    def on_change(self, change: Change) -> None:
        """A write anywhere (a student here, a household saved, the policy): read the list again."""
        if change.kind is ChangeKind.POLICY:
            self._fill_choices()
        self._stale = True
        if self.isVisible() and self.op is None:
            self.reload()

    # -- writes -------------------------------------------------------------------------------
    def _write(self, label: str, work: Callable[[EducationRepository, Store, Student], Student],
               on_done: Callable[[Student], None] | None = None,
               on_failure: Callable[[BaseException], None] | None = None) -> None:
        student = self.panel.student
        if student is None:
            return
        number, year = student.id_number, student.school_year

        def job(own: Store, _progress: Any, _cancelled: Any) -> Student:
            repo = EducationRepository(own.db)
            return work(repo, own, repo.student(number, year))

        self._start(StoreOp[Student](self, label, self.store, job, on_done or (lambda s: self.show_student(s)),
                                     on_failure, title=TITLE, cancellable=False))

    def save_school(self, school: str, kind: str, in_province: bool, received: list[str]) -> None:
        self._write("正在保存学校…", lambda repo, own, s: repo.enrol(
            s, school=school, school_type=kind, in_province=in_province, received=received, operator=own.operator))

    def set_documents(self, keys: list[str]) -> None:
        self._write("正在保存材料清单…", lambda repo, own, s: repo.set_documents(s, keys, own.operator))

    def apply(self, batch: int, day: date, override: str | None = None) -> None:
        """Put the chosen student in ``batch``; a late date asks for the reason (``ask_override``)."""

        def failed(exc: BaseException) -> None:
            if isinstance(exc, EducationRefused) and exc.late and not override:
                reason = self.ask_override(str(exc))
                if reason and reason.strip():
                    self.apply(batch, day, reason)
                return
            QMessageBox.warning(self, TITLE, failure_message(TITLE, exc))

        self._write("正在纳入批次…", lambda repo, own, s: repo.apply(
            s, own.policy.get(), batch=batch, day=day, override=override, operator=own.operator), on_failure=failed)

    def withdraw(self) -> None:
        self._write("正在撤回申请…", lambda repo, own, s: repo.withdraw(s, own.operator))

    # -- outputs ------------------------------------------------------------------------------
    def print_form(self, path: str | None = None) -> None:
        student = self.panel.student
        if student is None:
            return
        path = path or self.ask_path("保存申请表", f"{student.name}_资助申请表.pdf", "PDF 文件 (*.pdf)")
        if not path:
            return
        number, year, out = student.id_number, student.school_year, Path(path)

        def work(own: Store, _progress: Any, _cancelled: Any) -> PrintResult:
            return print_education_form(own, number, year, out)

        self._start(QueryOp[PrintResult](self, "正在生成申请表…", self.store, work, self._printed, title=TITLE))

    def _printed(self, result: PrintResult) -> None:
        more = "\n".join(result.warnings)
        self.statusBar().showMessage(f"已生成申请表：{result.path}（{result.pages} 页）", 10_000)
        if more:
            QMessageBox.information(self, TITLE, f"申请表已生成，但有以下提示：\n{more}")

    def export_roster(self, path: str | None = None) -> None:
        batch = self.panel.batch.currentData()
        if batch is None:
            QMessageBox.information(self, TITLE, f"{self.school_year} 学年还没有设置批次。")
            return
        year = self.school_year
        path = path or self.ask_path("导出资助名册", f"{year}学年{rules.batch_name(batch)}资助名册.xlsx",
                                     "Excel 文件 (*.xlsx)")
        if not path:
            return
        out, full = Path(path), self.full_ids.isChecked()

        def work(own: Store, progress: Any, _cancelled: Any) -> RosterResult:
            return export_roster(own, year, int(batch), out, full_ids=full, progress=progress)

        self._start(QueryOp[RosterResult](self, "正在导出资助名册…", self.store, work, self._exported, title=TITLE))

    def _exported(self, result: RosterResult) -> None:
        self.statusBar().showMessage(f"已导出资助名册：{result.path}（{result.students} 人，"
                                     f"合计 {result.total:,.2f} 元）", 10_000)

    def _full_ids_toggled(self, on: bool) -> None:
        settings.EDUCATION_FULL_ID.put(self.store.db, 1 if on else 0)

    # -- plumbing -----------------------------------------------------------------------------
    def _start(self, op: BackgroundOp) -> None:
        if self.op is not None:
            self.op.wait()
        self.op = op
        op.finished.connect(lambda: self._op_done(op))
        op.start()

    def _op_done(self, op: BackgroundOp) -> None:
        if self.op is op:
            self.op = None
            if self._stale and self.isVisible():
                self.reload()  # a write of ours (or anyone's) while the op ran

    @property
    def busy(self) -> bool:
        return self.op is not None

    def _ask_override(self, message: str) -> str | None:
        reason, ok = QInputDialog.getText(self, TITLE, f"{message}\n\n确需受理，请填写理由：")
        return reason if ok else None

    def _ask_path(self, title: str, name: str, filters: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), filters)
        return path or None

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if self.op is None:
            self.reload()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.op is not None:
            self.op.wait()
        event.accept()


def open_education_window(parent: QWidget, store: Store) -> EducationWindow | QMainWindow:
    """The one 教育资助 window of ``parent`` (made on first use), shown and raised; at the county
    the townships' reported students (ui/received_students.py)."""
    if store.role is Role.COUNTY:
        from fupin_desktop.ui.received_students import open_received_students

        return open_received_students(parent, store)
    window = parent.findChild(EducationWindow)
    if window is None:
        window = EducationWindow(store, parent)
    window.show()
    window.raise_()
    window.activateWindow()
    return window
