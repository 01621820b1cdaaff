"""The 教育资助 window's right side: one student's school, entitlement, checklist and batch.

Pure widgets: the panel shows a :class:`~fupin_desktop.store.education.Student` and emits what
the clerk asked for (save the school, tick a document, apply to a batch, withdraw, print); the
window (``ui/education_page.py``) runs each request as a StoreOp/QueryOp.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.rules import education as rules
from fupin_desktop.store.education import Student

RECEIVABLE = (rules.TUITION, rules.TEXTBOOKS, rules.LODGING)
#: The checklist in a few words (the tooltip has the seed's whole sentence).
SHORT_LABELS = {
    "form": "《申请表》", "id": "身份证或户口簿（原件和复印件）",
    "card": "《贫困户登记卡》（有学生名字，县扶贫部门钢印或红章）",
    "bank": "学生资助卡或银行储蓄卡（原件和复印件）", "enrolment": "在校证明（加盖学校公章）",
}


class StudentPanel(QWidget):
    """The chosen student: school form, what the table gives, where to apply, documents, batch."""

    save_school = Signal(str, str, bool, list)  # school, type, in province, items received
    documents_changed = Signal(list)  # ticked keys
    apply_requested = Signal(int, object)  # batch, date
    withdraw_requested = Signal()
    print_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.student: Student | None = None
        self.setMinimumWidth(400)
        self.title = QLabel("请在左边选一名学生")
        self.title.setObjectName("student_title")
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.title.setWordWrap(True)

        school_box = QGroupBox("本学年就读学校")
        self.school = QLineEdit()
        self.school.setObjectName("school_name")
        self.school.setMaxLength(60)
        self.school.setPlaceholderText("学校全称")
        self.school_type = QComboBox()
        self.school_type.setObjectName("school_type")
        self.school_type.addItems(rules.SCHOOL_TYPES)
        self.outside = QCheckBox("在省外就读")
        self.outside.setObjectName("outside_province")
        self.received = {item: QCheckBox(item.replace("免（补助）", "")) for item in RECEIVABLE}
        received_row = QHBoxLayout()
        for item, box in self.received.items():
            box.setObjectName(f"received_{rules.ITEMS.index(item)}")
            received_row.addWidget(box)
        received_row.addStretch(1)
        self.save_button = QPushButton("保存学校")
        self.save_button.setObjectName("save_school")
        self.save_button.clicked.connect(self._save)
        form = QFormLayout(school_box)
        form.addRow("学校名称", self.school)
        form.addRow("学校类型", self.school_type)
        form.addRow("", self.outside)
        form.addRow("已享受政府或学校的同类资助", received_row)
        form.addRow("", self.save_button)

        money_box = QGroupBox("可享受的资助（元/生·年）")
        self.entitlement = QLabel()
        self.entitlement.setObjectName("entitlement")
        self.entitlement.setWordWrap(True)
        self.entitlement.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(money_box).addWidget(self.entitlement)

        apply_box = QGroupBox("申请与材料")
        self.where = QLabel()
        self.where.setObjectName("where_to_apply")
        self.where.setWordWrap(True)
        self.documents_layout = QVBoxLayout()
        self.document_boxes: dict[str, QCheckBox] = {}
        self.batch = QComboBox()
        self.batch.setObjectName("batch")
        self.batch.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.day = QDateEdit()
        self.day.setObjectName("apply_date")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate.currentDate())
        self.apply_button = QPushButton("纳入批次")
        self.apply_button.setObjectName("apply")
        self.apply_button.clicked.connect(self._apply)
        self.withdraw_button = QPushButton("撤回申请")
        self.withdraw_button.setObjectName("withdraw")
        self.withdraw_button.clicked.connect(self.withdraw_requested)
        self.status = QLabel()
        self.status.setObjectName("application_status")
        self.status.setWordWrap(True)
        self.print_button = QPushButton("打印申请表（附登记卡）…")
        self.print_button.setObjectName("print_form")
        self.print_button.clicked.connect(self.print_requested)
        batch_row = QHBoxLayout()
        batch_row.addWidget(QLabel("批次"))
        batch_row.addWidget(self.batch)
        batch_row.addStretch(1)
        date_row = QHBoxLayout()
        date_row.addWidget(QLabel("申请日期"))
        date_row.addWidget(self.day)
        date_row.addStretch(1)
        date_row.addWidget(self.apply_button)
        lay = QVBoxLayout(apply_box)
        lay.addWidget(self.where)
        lay.addWidget(QLabel("提交材料（勾选已交的）："))
        lay.addLayout(self.documents_layout)
        lay.addLayout(batch_row)
        lay.addLayout(date_row)
        lay.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        lay.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(school_box)
        outer.addWidget(money_box)
        outer.addWidget(apply_box)
        outer.addStretch(1)
        self.show_student(None, "", [], "")

    # -- showing -----------------------------------------------------------------------------
    def set_batches(self, batches: tuple[rules.Batch, ...], year: str = "") -> None:
        """The batches of ``year``; the date offered is today, or in a past school year the last batch's
        deadline (a clerk keying in old applications)."""
        today = date.today()
        if year and rules.school_year_of(today) != year:
            last = next((b.deadline for b in reversed(batches) if b.deadline), None)
            day = last or date(int(year[:4]) + 1, 3, 1)
            self.day.setDate(QDate(day.year, day.month, day.day))
        current = self.batch.currentData()
        self.batch.clear()
        for b in batches:
            self.batch.addItem(f"{b.name}（{'截止 ' + b.deadline.isoformat() if b.deadline else '未定截止日期'}）", b.number)
        self.batch.setCurrentIndex(max(self.batch.findData(current), 0))
        texts = [self.batch.itemText(i) for i in range(self.batch.count())]
        widest = max((self.batch.fontMetrics().horizontalAdvance(t) for t in texts), default=60)
        self.batch.setMinimumWidth(widest + 40)  # the arrow and the frame: never a cut-off date

    def show_student(self, student: Student | None, entitlement: str, documents: list[tuple[str, str]],
                     where: str) -> None:
        """Show ``student`` with the entitlement text, the checklist (key, label) and the office."""
        self.student = student
        for widget in (self.school, self.school_type, self.outside, self.save_button, *self.received.values()):
            widget.setEnabled(student is not None)
        if student is None:
            self.title.setText("请在左边选一名学生")
        else:
            self.title.setText(f"{student.name}　{student.id_number}\n{student.village}{student.group}　"
                               f"户主 {student.head_name}　在校生状况：{student.school_status or '未填'}")
        e = student.enrolment if student is not None else None
        self.school.setText(e.school if e else "")
        kind = (e.school_type if e else student.school_type if student else None) or rules.HIGH_SCHOOL
        self.school_type.setCurrentIndex(max(self.school_type.findText(kind), 0))
        self.outside.setChecked(bool(e and not e.in_province))
        for item, box in self.received.items():
            box.setChecked(bool(e and item in e.received))
        self.entitlement.setText(entitlement)
        self.where.setText(f"受理单位：{where}" if where else "登记学校后显示受理单位和材料清单。")
        while self.documents_layout.count():
            old = self.documents_layout.takeAt(0)
            gone = old.widget() if old is not None else None
            if gone is not None:
                gone.hide()  # deleteLater alone leaves it painted where it was until the next loop
                gone.deleteLater()
        self.document_boxes = {}
        for key, label in documents:
            box = QCheckBox(SHORT_LABELS.get(key, label))
            box.setToolTip(label)
            box.setObjectName(f"document_{key}")
            box.setChecked(bool(e and key in e.documents))
            box.toggled.connect(lambda _on: self.documents_changed.emit(self.ticked()))
            self.document_boxes[key] = box
            self.documents_layout.addWidget(box)
        app = student.application if student is not None else None
        if app is not None:
            late = f"；逾期受理理由：{app.override}" if app.override else ""
            self.status.setText(f"已纳入 {student.school_year if student else ''} 学年{app.batch_name}（{app.applied_on}），"
                                f"合计 {app.total:,.2f} 元{late}")
        else:
            self.status.setText("尚未纳入批次。" if student is not None else "")
        self.apply_button.setEnabled(bool(e) and app is None)
        self.withdraw_button.setEnabled(app is not None)
        self.print_button.setEnabled(bool(e))

    def ticked(self) -> list[str]:
        return [k for k, box in self.document_boxes.items() if box.isChecked()]

    # -- requests ----------------------------------------------------------------------------
    def _save(self) -> None:
        received = [item for item, box in self.received.items() if box.isChecked()]
        self.save_school.emit(self.school.text(), self.school_type.currentText(), not self.outside.isChecked(), received)

    def _apply(self) -> None:
        if self.batch.currentData() is None:
            return
        qd = self.day.date()
        self.apply_requested.emit(int(self.batch.currentData()), date(qd.year(), qd.month(), qd.day()))
