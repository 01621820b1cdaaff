"""The household editor: the 扶贫手册 form, undo/redo, save with validation, drafts.

- Ctrl+S saves.  Blocking errors keep the household as it was in the database
  and keep the clerk's typing as a draft, offered back when the household is
  opened again.  The editor also autosaves a draft while it is dirty, so a
  crash or power cut loses at most a few seconds of typing.
- The findings list under the form jumps to the field on Enter/double-click.
- A database that cannot be written (full disk, read-only, locked by another program) never
  loses the typing: the save says why in Chinese, and the typing is kept as a draft if the
  draft can be written, otherwise it stays in the open window (still marked unsaved).
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Literal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from fupin_desktop import services
from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.household import Household
from fupin_desktop.rules import Finding
from fupin_desktop.rules.policy import priority_flags
from fupin_desktop.store import ConcurrentEdit, Store, StoreError
from fupin_desktop.store.numbering import next_free_number
from fupin_desktop.ui import conflict, member_changes
from fupin_desktop.ui.audit_view import HistoryView
from fupin_desktop.ui.casework_history import add_case_history_tab
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.form_view import FormView
from fupin_desktop.ui.row_table import RowsModel, RowState

log = logging.getLogger(__name__)

DraftChoice = Literal["ask", "restore", "keep"]
VALIDATE_DELAY_MS = 300
AUTOSAVE_MS = 5000
ROLE_FINDING = Qt.ItemDataRole.UserRole


class FieldCommand(QUndoCommand):
    """A committed grid edit.  The widget already shows ``new`` when pushed."""

    def __init__(self, editor: HouseholdEditor, field_id: str, old: Any, new: Any) -> None:
        label = editor.store.spec.field(field_id).label
        super().__init__(f"修改“{label}”")
        self.editor, self.field_id, self.old, self.new = editor, field_id, old, new
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.editor.apply_field(self.field_id, self.new)

    def undo(self) -> None:
        self.editor.apply_field(self.field_id, self.old)


class TableCommand(QUndoCommand):
    """A change of a repeating block, as before/after snapshots."""

    def __init__(self, editor: HouseholdEditor, model: RowsModel, before: list[RowState],
                 after: list[RowState]) -> None:
        super().__init__(f"修改“{model.group.title}”")
        self.editor, self.model, self.before, self.after = editor, model, before, after
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.model.restore(self.after)
        self.editor.after_change()

    def undo(self) -> None:
        self.model.restore(self.before)
        self.editor.after_change()


class HouseholdEditor(QMainWindow):
    saved = Signal(int)  # household id
    closed = Signal(str)  # household uuid

    def __init__(self, store: Store, hh: Household, parent: QWidget | None = None, *,
                 draft: DraftChoice = "ask") -> None:
        """``draft``: what to do with an unsaved draft of ``hh`` -- "ask" the clerk, "restore" it
        (the clerk already chose), or "keep" it untouched and show the saved household (screenshots)."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.store = store
        self.household = hh
        self.undo_stack = QUndoStack(self)
        # At the county two townships may each have a 炉场村: offer the household's own township's.
        summary = store.households.summaries([int(hh.id)]) if hh.id is not None else []
        township_code = summary[0].township_code if summary and summary[0].township_code else None
        self._villages = store.townships.villages(township_code)
        villages = {v.name: v.groups for v in self._villages}
        self.form = FormView(store.spec, villages, self)
        self.setCentralWidget(self.form)
        self.form.addTab(HistoryView(store, hh), "修改记录")  # who changed what (ui/audit_view.py)
        self._findings: list[Finding] = []
        self._unchecked = False

        self.findings_list = QListWidget()
        self.findings_list.setObjectName("findings")
        self.findings_list.setAccessibleName("问题列表")
        self.findings_list.setWordWrap(True)  # a message says what to do: show all of it
        self.findings_list.itemActivated.connect(self._jump)
        self.findings_list.itemDoubleClicked.connect(self._jump)
        dock = QDockWidget("问题列表（双击或回车跳到该项）", self)
        dock.setObjectName("findings_dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setWidget(self.findings_list)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.findings_list.setMaximumHeight(110)
        dock.setMaximumHeight(140)

        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)
        self.priority = QLabel()  # the county's "三优先" that apply, derived from the form
        self.priority.setObjectName("priority_flags")
        self.priority.setToolTip("优先识别（三优先）：由家庭成员和“是否独生子女户”自动判断，"
                                 "按本县政策参数（设置 → 政策参数）")
        self.statusBar().addPermanentWidget(self.priority)
        self._build_actions()

        self._validate_timer = QTimer(self, singleShot=True, interval=VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate)
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.save_draft)

        self._suggested = ""  # the 户编号 offered to a new household (re-offered while untouched)
        if hh.id is None and not hh.fields.get("number") and not store.read_only:
            self._suggested = self.suggest_number(hh.fields)
            if self._suggested:
                hh.fields["number"] = self._suggested
        self.form.load(hh)
        if hh.id is not None:  # a saved household: its 识别记录, read-only
            self.case_history = add_case_history_tab(self.form, store, hh.id)
        if store.read_only:  # a database opened read-only: show, never change (no draft either)
            self.form.set_read_only()
            self.act_save.setEnabled(False)
            draft = "keep"
        member_changes.install(self)  # adding/removing a member of a saved household asks why and when
        self.form.field_edited.connect(self._on_field_edited)
        self.form.table_changed.connect(self._on_table_changed)
        self.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        if draft == "restore":
            saved = self.store.drafts.get(hh.uuid)
            if saved is not None:
                self.restore_draft(saved.payload)
        elif draft == "ask":
            self._offer_draft()
        self._unchecked = True  # checked right after the form is first drawn (or when asked)
        QTimer.singleShot(0, self, self._first_check)
        if store.read_only:
            self.status.setText("只读：数据库以只读方式打开，这一户只能查看、打印，不能修改。")
        self._update_title()
        self.resize(1180, 800)
        first = self.form.first_field()
        if first is not None:
            QTimer.singleShot(0, first.setFocus)
        self.form.build_later()  # the rest of the form in idle time, a group at a time

    # -- actions -----------------------------------------------------------------
    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("档案(&H)")
        self.act_save = QAction("保存(&S)", self)
        self.act_save.setShortcut(QKeySequence.StandardKey.Save)
        self.act_save.triggered.connect(self.save)
        self.act_undo = self.undo_stack.createUndoAction(self, "撤销")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.undo_stack.createRedoAction(self, "重做")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.act_close = QAction("关闭(&C)", self)
        self.act_close.setShortcut(QKeySequence("Ctrl+W"))
        self.act_close.triggered.connect(self.close)
        self.act_next_problem = QAction("下一个问题(&N)", self)
        self.act_next_problem.setShortcut(QKeySequence("F8"))
        self.act_next_problem.triggered.connect(self.next_problem)
        menu.addActions([self.act_save, self.act_undo, self.act_redo, self.act_next_problem, self.act_close])
        from fupin_desktop.ui import year_views  # (imports this module)
        self.act_history = year_views.add_history_action(self, menu)  # 历年记录 (issue 16)
        for act in (self.act_save, self.act_undo, self.act_redo, self.act_close, self.act_next_problem):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(act)
        bar = self.addToolBar("档案")
        bar.setObjectName("editor_toolbar")
        bar.setMovable(False)
        bar.addActions([self.act_save, self.act_undo, self.act_redo, self.act_next_problem])

    # -- edits ---------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean() or self._draft_restored

    _draft_restored = False
    _store_failed = False  # the last Ctrl+S failed in the database (full, locked...), not on an error

    def _on_field_edited(self, field_id: str, old: Any, new: Any) -> None:
        self.undo_stack.push(FieldCommand(self, field_id, old, new))
        if field_id in ("village", "group") and self._suggested:
            self._resuggest_number()
        self.after_change()

    def suggest_number(self, fields: dict[str, Any]) -> str:
        """The next free 户编号 of the household's group ("" without a village and group)."""
        village = next((v for v in self._villages if v.name == fields.get("village")), None)
        group = str(fields.get("group") or "").strip()
        return next_free_number(self.store.db, int(village.id), group) if village and village.id and group else ""

    def _resuggest_number(self) -> None:
        """A new household moved to another village or group: if its 户编号 is still the one offered
        (the clerk did not type one), offer that group's instead, as an edit of its own (undoable)."""
        editor = self.form.editors["number"]
        if editor.value() != self._suggested:  # type: ignore[attr-defined]
            self._suggested = ""  # the clerk's own number: never overwritten
            return
        fresh = self.suggest_number(self.current_household().fields)
        if fresh and fresh != self._suggested:
            self.form.set_field("number", fresh)
            self.undo_stack.push(FieldCommand(self, "number", self._suggested, fresh))
            self._suggested = fresh

    def _on_table_changed(self, model: RowsModel, before: list[RowState], after: list[RowState]) -> None:
        self.undo_stack.push(TableCommand(self, model, before, after))
        self.after_change()

    def apply_field(self, field_id: str, value: Any) -> None:
        self.form.set_field(field_id, value)
        editor = self.form.editors[field_id]
        editor.setFocus()  # type: ignore[attr-defined]
        self.after_change()

    def after_change(self) -> None:
        self._refresh_derived()
        self._validate_timer.start()
        self._autosave_timer.start()
        self._update_title()

    def _refresh_derived(self) -> None:
        self.form.set_derived(self.current_household())

    def current_household(self) -> Household:
        hh = copy.copy(self.household)
        hh.fields = dict(self.household.fields)
        for name in ("members", "helpers", "plans", "measures", "results"):
            setattr(hh, name, [])
        self.form.fill(hh)
        return hh

    # -- validation ------------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        """What the last check found (checking now if the form was just opened)."""
        if self._unchecked:
            self.validate()
        return self._findings

    def _first_check(self) -> None:
        # Not for a form closed, never shown, or whose database was closed before the check's turn
        # came (``findings`` still checks when asked).
        if self._unchecked and self.isVisible() and not self.store.db.closed:
            self.validate()

    def validate(self) -> list[Finding]:
        """Check what the form shows now (while typing; a save checks once in the service)."""
        self._unchecked = False
        hh = self.current_household()
        findings = services.validate(self.store, hh, self.form.parse_errors())
        self.show_findings(findings, hh)
        return findings

    def show_findings(self, findings: list[Finding], hh: Household | None = None) -> None:
        """Show ``findings`` (of ``hh``, what the form shows now) on the form, in the list under it
        and in the status bar."""
        self._findings = findings
        self._unchecked = False
        self.form.show_findings(findings)
        self.findings_list.clear()
        for f in findings:
            prefix = "错误" if f.is_error else "提示"
            item = QListWidgetItem(f"［{prefix}］{f.message}")
            item.setToolTip(f.message)
            item.setData(ROLE_FINDING, f)
            item.setForeground(Qt.GlobalColor.darkRed if f.is_error else Qt.GlobalColor.darkYellow)
            self.findings_list.addItem(item)
        errors = sum(f.is_error for f in findings)
        warnings = len(findings) - errors
        self.status.setText(
            "检查通过，可以保存" if not findings else f"{errors} 个错误，{warnings} 个提示（F8 跳到下一个）"
        )
        flags = priority_flags(hh if hh is not None else self.current_household(), self.store.policy.get())
        self.priority.setText(f"优先识别：{'、'.join(flags)}" if flags else "")

    def _jump(self, item: QListWidgetItem) -> None:
        finding: Finding = item.data(ROLE_FINDING)
        if finding and finding.refs:
            self.form.focus_ref(finding.refs[0])

    def next_problem(self) -> None:
        count = self.findings_list.count()
        if not count:
            return
        row = (self.findings_list.currentRow() + 1) % count
        self.findings_list.setCurrentRow(row)
        self._jump(self.findings_list.item(row))

    # -- saving ----------------------------------------------------------------------
    def draft_payload(self) -> dict[str, Any]:
        hh = self.current_household()
        return {"values": services.household_json(hh, self.store.spec), "texts": self.form.bad_texts()}

    def save_draft(self) -> None:
        if self.dirty:
            failed = self.keep_draft()
            if failed is not None:  # autosave is best effort; say so, the typing is still here
                self.status.setText(f"草稿没有自动保存，录入的内容仍在窗口中。{failed}")

    def keep_draft(self) -> StoreError | None:
        """Write the typing as a draft; the error if the database cannot take it (full, locked...)."""
        return services.keep_draft(self.store, self.household, self.draft_payload())

    @staticmethod
    def _kept_note(failed: StoreError | None) -> str:
        if failed is None:
            return "您录入的内容已作为草稿保留，不会丢失。"
        return ("草稿也没能写入，已录入的内容仍在这个窗口中：请不要关闭窗口，"
                "按上面的提示处理后再按 Ctrl+S 保存。")

    def save(self) -> bool:
        """Save the household; on blocking errors keep a draft and show what to fix."""
        if self.store.read_only:
            QMessageBox.information(self, "只读", self.store.db.read_only_message("没有保存。"))
            return False
        self.form.commit_all()
        self._validate_timer.stop()  # the save checks once, and its findings are shown
        hh = self.current_household()
        result = services.save_household(self.store, hh, draft=self.draft_payload,  # made on a refusal only
                                         typed=self.form.parse_errors())
        self.show_findings(result.findings, hh)
        self._store_failed = result.refused is not None
        failed = result.draft_failed
        if isinstance(result.refused, ConcurrentEdit):  # saved elsewhere meanwhile: show what moved
            self.status.setText("没有保存：这一户已在别处被修改，您录入的内容已保留为草稿。")
            if conflict.ask(self, str(result.refused), self._kept_note(failed), deleted=result.refused.deleted):
                self.reload_keeping_mine(hh)
            return False
        if result.refused is not None:  # a full disk, a locked file...
            QMessageBox.critical(self, "保存失败", f"{result.refused}\n\n{self._kept_note(failed)}")
            self.status.setText(f"没有保存：{result.refused}")
            return False
        if result.saved is None:
            errors = result.errors
            kept = ("您录入的内容已作为草稿保留，不会丢失；改正后再按 Ctrl+S 保存。" if failed is None
                    else f"（草稿没能写入：{failed}）已录入的内容仍在这个窗口中，请不要关闭窗口。")
            QMessageBox.warning(
                self, "还不能保存",
                f"有 {len(errors)} 处错误需要改正，例如：\n\n{errors[0].message}\n\n{kept}",
            )
            if errors[0].refs:
                self.form.focus_ref(errors[0].refs[0])
            return False
        self.household = result.saved
        self._draft_restored = False
        self.undo_stack.setClean()
        self._update_title()
        self.status.setText(f"已保存（{local_time(self.household.updated_at, seconds=True)}）")
        announce(self.store, result.change)
        if self.household.id is not None:
            self.saved.emit(int(self.household.id))
        return True

    def reload_keeping_mine(self, mine: Household) -> conflict.Merge | None:
        """Show what is stored now, with the clerk's own changes (``mine``, against the version the
        form had loaded) put back on top; the clerk saves again after looking.  The draft keeps
        the clerk's typing meanwhile."""
        stored = self.store.households.get(int(self.household.id)) if self.household.id is not None else None
        if stored is None:
            QMessageBox.warning(self, "重新载入", "这一户已在别处被删除，无法重新载入。录入的内容留在这个窗口和草稿中。")
            return None
        result = conflict.merge(self.store.spec, self.household, mine, stored)
        self.household = stored
        self.form.load(result.household)
        self.undo_stack.clear()
        self._draft_restored = bool(result.applied)  # the clerk's changes are not saved yet
        self._store_failed = False
        self.validate()
        self._update_title()
        note = (f"已重新载入（别处修改后的内容）。补上了您改过的：{'、'.join(result.applied)}。请检查后按 Ctrl+S 保存。"
                if result.applied else "已重新载入（别处修改后的内容）。")
        if result.both:
            note += (f"\n\n下列项目两边都改过，表单中显示的是别处的修改：{'、'.join(result.both)}。"
                     "您录入的值已列在括号中，请对照后再改；再次保存之前，您原来的全部录入也还保留在草稿中。")
            QMessageBox.information(self, "重新载入", note)
        self.status.setText(note.split("\n")[0])
        return result

    def _offer_draft(self) -> None:
        draft = self.store.drafts.get(self.household.uuid)
        if draft is None:
            return
        answer = QMessageBox.question(
            self, "发现未保存的草稿",
            f"这一户有一份未保存的草稿（{local_time(draft.saved_at, seconds=True)}）。\n恢复草稿继续录入吗？\n"
            "选“否”将丢弃草稿，显示已保存的内容。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self._discard_draft()
            return
        self.restore_draft(draft.payload)

    def _discard_draft(self) -> None:
        try:
            self.store.drafts.discard(self.household.uuid)
        except StoreError:
            pass  # the database cannot be written now: the draft is offered again next time

    def restore_draft(self, payload: dict[str, Any]) -> None:
        restored = services.household_from_json(payload["values"], self.store.spec)
        restored.uuid, restored.id, restored.revision = (
            self.household.uuid, self.household.id, self.household.revision)
        for key in ("village", "group"):
            restored.fields.setdefault(key, self.household.fields.get(key))
        self.form.load(restored)
        self.form.restore_bad_texts(payload.get("texts", {}))
        self._draft_restored = True
        self._update_title()

    # -- window --------------------------------------------------------------------
    def _update_title(self) -> None:
        # What the form shows now (a restored draft may differ from what is saved).
        name = self.form.value("head_name") or self.household.head_name or "新户"
        number = self.form.value("number") or self.household.fields.get("number") or ""
        mark = "*" if self.dirty else ""
        ro = "（只读）" if self.store.read_only else ""
        self.setWindowTitle(f"{mark}扶贫手册 — {name} {number}{ro}".strip())

    def _close_as_draft(self) -> bool:
        """A save blocked by errors: the clerk may still close (e.g. to ask the village for a
        missing ID number) and find the typing again as a draft.  True to close."""
        keep = QMessageBox.question(
            self, "关闭档案",
            ("这一户没有保存（原因见刚才的提示）。" if self._store_failed else "这一户还有错误，暂时不能保存。")
            + "\n保留为草稿并关闭吗？录入的内容不会丢失：再打开这一户"
            "（没有保存过的新户：下次启动程序）时可以恢复，改正后再保存。\n选“否”留在这里改正。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        if keep != QMessageBox.StandardButton.Yes:
            return False
        failed = self.keep_draft()
        if failed is not None:
            QMessageBox.critical(self, "关闭档案", f"草稿没能写入：{failed}\n\n为了不丢失录入的内容，"
                                 "窗口保持打开。请按提示处理后再保存或关闭。")
            return False
        return True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.form.commit_all()
        if self.dirty:
            answer = QMessageBox.question(
                self, "关闭档案", "这一户有未保存的修改。保存吗？",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save and not self.save() and not self._close_as_draft():
                event.ignore()  # errors: stay open to correct them
                return
            if answer == QMessageBox.StandardButton.Discard:
                self._discard_draft()
        self._autosave_timer.stop()
        self._validate_timer.stop()
        self._unchecked = False  # no first check of a closed form
        self.undo_stack.cleanChanged.disconnect()  # the stack is destroyed with the window
        self.closed.emit(self.household.uuid)
        event.accept()
