"""The 贫困村登记表 editor: the seven parts as tabs in paper order, typed from the keyboard.

The same :class:`~fupin_desktop.ui.form_view.FormView` as the household form (Tab and Enter move in
the paper's reading order, code fields take numbers, names or pinyin initials).  Under each figure
the village's households also hold, the households' count is shown (grey), in red when the typed
figure disagrees (rule V001); the panel on the right says which of 一高一低一无 the village meets.
Ctrl+S saves (an empty required cell blocks, and is shown beside its field).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.village import VillageForm
from fupin_desktop.rules.policy import YEARS
from fupin_desktop.rules.village import TEST_LABELS, computed_fields, difference_message
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.village_view import default_year, form_or_blank, save_form, village_view
from fupin_desktop.ui import village_files
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.form_view import FormView

COMPUTED_STYLE = "color: #5f6368; font-size: 9pt;"
DIFFERENT_STYLE = "color: #c5221f; font-size: 9pt; font-weight: bold;"


class VillageFormDialog(QDialog):
    """One village's form of one year; the village and year can be switched at the top."""

    def __init__(self, store: Store, village: str | None = None, year: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("贫困村登记表")
        self.resize(1000, 720)
        self.form: VillageForm | None = None
        self.view: dict[str, Any] = {}
        top = QHBoxLayout()
        self.village_box = QComboBox()
        self.village_box.setObjectName("village_box")
        names = [v.name for v in store.townships.villages()]
        self.village_box.addItems([f"{n}★" if v.is_poor else n for n, v in zip(names, store.townships.villages(),
                                                                                   strict=True)])
        self._names = names
        self.year_box = QSpinBox()
        self.year_box.setRange(2013, YEARS[1])
        self.year_box.setValue(year or default_year(store))
        top.addWidget(QLabel("行政村"))
        top.addWidget(self.village_box)
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year_box)
        top.addWidget(QLabel("（标准时点 12月31日；★ 贫困村）"))
        top.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("village_status")
        top.addWidget(self.status)
        self.editor = FormView(store.village_forms.spec, {}, self)
        self.editor.editors["year"].set_readonly(True)  # type: ignore[attr-defined]
        self.editor.field_edited.connect(self._edited)
        self.tests = QLabel()
        self.tests.setObjectName("poor_village_tests")
        self.tests.setWordWrap(True)
        self.tests.setTextFormat(Qt.TextFormat.RichText)
        self.tests.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.tests.setMinimumWidth(230)
        self.tests.setMaximumWidth(260)
        middle = QHBoxLayout()
        middle.addWidget(self.editor, 1)
        middle.addWidget(self.tests)
        buttons = QHBoxLayout()
        for text, slot in (("打印(&P)…", lambda: village_files.print_form(self, store, self.village, self.year_box.value())),
                           ("打印空白表…", lambda: village_files.print_form(self, store, self.village,
                                                                       self.year_box.value(), blank=True)),
                           ("导出各村 Excel…", lambda: village_files.export_forms(self, store, self.year_box.value())),
                           ("从 Excel 导入…", lambda: village_files.import_forms(self, store, after=self.load)),
                           ("识别与退出…", self.open_cases)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        self.save_button = QPushButton("保存(&S)")
        self.save_button.clicked.connect(self.save)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(middle, 1)
        lay.addLayout(buttons)
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save)
        if store.read_only:
            self.editor.set_read_only()
            self.save_button.setEnabled(False)
        if village in names:
            self.village_box.setCurrentIndex(names.index(village))
        self.village_box.currentIndexChanged.connect(lambda _i: self.load())
        self.year_box.valueChanged.connect(lambda _y: self.load())
        self.load()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.editor.editors["village_type"].setFocus()  # type: ignore[attr-defined]

    def open_cases(self) -> QDialog:
        """贫困村识别与退出 with this village selected (ui/village_cases.py)."""
        from fupin_desktop.ui.village_cases import open_dialog

        self.cases_dialog = open_dialog(self.store, self.village, self)
        return self.cases_dialog

    @property
    def village(self) -> str:
        return self._names[self.village_box.currentIndex()] if self._names else ""

    # -- loading and showing ---------------------------------------------------------------------
    def load(self) -> None:
        if not self._names:
            return
        village = self.store.townships.village_by_name(self.village)
        assert village is not None
        self.form = form_or_blank(self.store, village, self.year_box.value())
        for fid in self.editor.editors:
            self.editor.set_field(fid, self.form.fields.get(fid))
        self.editor.set_field("year", self.form.year)
        self.setWindowTitle(f"贫困村登记表 — {self.village} {self.form.year}年" + ("" if self.form.id else "（新填）"))
        self.refresh_checks()
        first: QWidget = self.editor.editors["village_type"]  # type: ignore[assignment]
        self.editor.setCurrentIndex(0)
        first.setFocus()

    def _current(self) -> VillageForm:
        assert self.form is not None
        self.editor.commit_all()
        values = {fid: e.value() for fid, e in self.editor.editors.items() if not e.error()}
        values["year"] = self.form.year
        return VillageForm(village_id=self.form.village_id, village=self.form.village, year=self.form.year,
                           fields=values, id=self.form.id, uuid=self.form.uuid, revision=self.form.revision)

    def _edited(self, _field: str, _old: object, _new: object) -> None:
        self.refresh_checks(typed=True)

    def refresh_checks(self, typed: bool = False) -> None:
        """The households' counts under their fields, the differences in red, the three tests."""
        if self.form is None:
            return
        view = village_view(self.store, self.village, self.form.year)
        if typed:  # compare with what is typed now, not what is saved
            from fupin_desktop.rules.village import differences, poor_village_tests
            from fupin_desktop.store import stats

            current = self._current()
            counts = stats.village_counts(self.store.db, current.year, current.village_id).get(current.village_id, {})
            view["differences"] = differences(current, view["computed"], self.store.village_forms.spec)
            view["poor_village_tests"] = poor_village_tests(current, counts,
                                                            self.store.policy.get().village_references)
        self.view = view
        different = {d["field"]: d for d in view["differences"]}
        for c in computed_fields():
            label = self.editor.error_labels.get(c.field)
            if label is None or self.editor.editors[c.field].error():
                continue
            d = different.get(c.field)
            if d is not None:
                label.setText(f"与户档案不一致：{difference_message(d)}")
                label.setStyleSheet(DIFFERENT_STYLE)
            else:
                label.setText(f"户档案：{view['computed'][c.field]}")
                label.setStyleSheet(COMPUTED_STYLE)
            label.setToolTip("由本村当年建档立卡户档案计算")
            label.show()
        self.status.setText(f"{len(different)} 项与户档案不一致" if different else "与户档案一致")
        self.status.setStyleSheet("color: #c5221f;" if different else "color: #188038;")
        self._show_tests(view["poor_village_tests"])

    def _show_tests(self, tests: dict[str, Any]) -> None:
        lines = ["<b>贫困村识别“一高一低一无”</b><br>"]
        if tests.get("incidence") is not None:
            lines.append(f"贫困发生率：{tests['incidence']:.2f}%")
        for key, label in TEST_LABELS.items():
            met = tests[key]["met"]
            mark = ("<span style='color:#188038'>✔ 符合</span>" if met else
                    "<span style='color:#5f6368'>— 无法判断</span>" if met is None else
                    "<span style='color:#c5221f'>✘ 不符合</span>")
            lines.append(f"<p><b>{label}</b><br>{mark}<br><small>{tests[key]['text']}</small></p>")
        count = len(tests["met"])
        lines.append(f"<p>符合 {count} 项" + ("（三项均符合）" if count == 3 else "") + "</p>")
        self.tests.setText("".join(lines))

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.form is None or self.store.read_only:
            return False
        typed = self.editor.parse_errors()
        if typed:
            self.editor.focus_ref(typed[0].refs[0])
            self.status.setText(f"有 {len(typed)} 处填写有误，未保存")
            self.status.setStyleSheet("color: #c5221f;")
            return False
        try:
            result = save_form(self.store, self._current())
            saved, findings, change = result.saved, result.findings, result.change
        except StoreError as exc:
            QMessageBox.warning(self, "未保存", str(exc))
            return False
        if saved is None:
            errors = [f for f in findings if f.is_error]
            for f in errors:
                self.editor.show_field_message(f.refs[0].field, f.message)
                self.editor.error_labels[f.refs[0].field].setStyleSheet(DIFFERENT_STYLE)
            self.editor.focus_ref(errors[0].refs[0])
            self.status.setText(f"有 {len(errors)} 项必填项未填，未保存")
            self.status.setStyleSheet("color: #c5221f;")
            return False
        announce(self.store, change)
        self.form = saved
        self.setWindowTitle(f"贫困村登记表 — {self.village} {saved.year}年")
        self.refresh_checks()
        self.status.setText(f"已保存（第 {saved.revision} 版）" + (f"；{self.status.text()}" if self.view["differences"] else ""))
        return True


def open_from(main: Any) -> VillageFormDialog:
    """工具 → 贫困村登记表 in the main window: the form of the village picked in its tree."""
    village_id, _group = main.tree.current_scope()
    village = main.store.townships.village_by_id(village_id) if village_id else None
    dialog = VillageFormDialog(main.store, village.name if village else None, parent=main)
    dialog.show()
    return dialog
