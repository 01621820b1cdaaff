"""贫困村识别与退出 (issue 17, item 4): the GUI of ``fupin village apply|advance|publicity|…``.

Opened from the 贫困村登记表 (its 识别与退出… button) or the village tree's context menu.  One row
per village: whether it is a poor village, where its case stands, its open objections; below, the
selected village's records.  The clerk picks villages (several for an application or an advance:
all or none), the date and the text the step needs (说明 / 理由 / 异议内容 / 核实情况), and presses
the step's button.  Every write runs in a :class:`~fupin_desktop.ui.ops.StoreOp` on its own
connection through the same services as the command (casework/villages.py, casework/core.py),
is announced on the change hub and refreshes this dialog; a refusal is shown in red under the
buttons, word for word the command's message, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.casework import core, publicity
from fupin_desktop.casework import villages as vc
from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.ops import QueryOp, StoreOp

TITLE = "贫困村识别与退出"
HEADERS = ["村名", "贫困村", "进度", "年度", "待核实异议"]
RECORD_HEADERS = ["日期", "阶段", "决定", "说明 / 理由", "文号", "特殊理由", "经办人"]
SUBJECT = vc.SUBJECT


class VillageCasesDialog(QDialog):
    def __init__(self, store: Store, village: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(TITLE)
        self.resize(980, 640)
        self.data: dict[str, Any] = {}
        self.last_op: Any = None  # the running StoreOp / QueryOp (tests wait on it)
        self.quota = QLabel()
        self.quota.setObjectName("village_quota")
        self.quota.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("village_cases")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_records)
        self.records = QTableWidget(0, len(RECORD_HEADERS))
        self.records.setObjectName("village_records")
        self.records.setHorizontalHeaderLabels(RECORD_HEADERS)
        self.records.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.records.verticalHeader().hide()
        self.records.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.records.horizontalHeader().setStretchLastSection(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.records)
        split.setSizes([300, 160])
        self.when = QDateEdit(QDate.currentDate())
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd")
        self.note = QLineEdit()
        self.note.setPlaceholderText("会议记录、不予认定或退回的理由、异议内容、核实情况")
        self.override = QLineEdit()
        self.override.setPlaceholderText("提前结束公示或超出贫困村规模时写明理由")
        self.document = QLineEdit()
        self.document.setPlaceholderText("县审定文件文号，如 青扶发〔2016〕3号")
        form = QFormLayout()
        form.addRow("日期", self.when)
        form.addRow("说明 / 理由", self.note)
        form.addRow("特殊理由", self.override)
        form.addRow("文号", self.document)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, (key, text, slot) in enumerate((
                ("apply", "村委会申请", self.apply), ("advance", "通过，进入下一步", self.advance),
                ("publicity", "开始贫困村公示", lambda: self.open_round(False)),
                ("approve", "县审定通过…", self.approve), ("refuse", "不予认定", self.refuse),
                ("return", "退回", self.send_back), ("exit", "申请退出", self.start_exit),
                ("exit_publicity", "开始退出公示", lambda: self.open_round(True)),
                ("objection", "登记异议", self.objection), ("upheld", "异议成立", lambda: self.resolve(True)),
                ("dismissed", "异议不成立", lambda: self.resolve(False)),
                ("print_round", "打印公示…", self.print_round), ("print_announce", "打印公告…", self.print_announce))):
            button = QPushButton(text)
            button.setObjectName(f"village_{key}")
            button.clicked.connect(slot)
            self.buttons[key] = button
            grid.addWidget(button, i // 5, i % 5)
        self.message = QLabel()
        self.message.setObjectName("village_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.quota)
        lay.addWidget(split, 1)
        lay.addLayout(form)
        lay.addLayout(grid)
        lay.addLayout(bottom)
        if store.read_only:
            for button in self.buttons.values():
                button.setEnabled(button.objectName().startswith("village_print"))
        self.refresh(select=village)
        hub(store).changed.connect(self.on_change)

    # -- reading -----------------------------------------------------------------------------------
    def on_change(self, change: Change) -> None:
        if change.kind in (ChangeKind.WORKFLOW, ChangeKind.POLICY, ChangeKind.BACKUP_RESTORE, ChangeKind.SYNC_IMPORT):
            self.refresh()

    def refresh(self, select: str | None = None) -> None:
        keep = [select] if select else self.selected()
        self.data = vc.village_status(self.store)
        quota = self.data["quota_villages"]
        self.quota.setText(
            f"贫困村：{'、'.join(self.data['poor_villages']) or '无'}。贫困村规模："
            f"{f'{quota} 个村' if quota is not None else '未设置（设置 → 政策参数）'}，已占用 {self.data['counted_villages']} 个"
            f"（贫困村和乡镇审核以后的申请村）。退出标准：贫困发生率低于 "
            f"{self.store.policy.get().village_exit_incidence}%。")
        rows = self.data["villages"]
        self.table.setRowCount(len(rows))
        for i, v in enumerate(rows):
            cells = [v["village"], "是" if v["is_poor"] else "", v["label"], v["year"] or "", v["open_objections"] or ""]
            for j, value in enumerate(cells):
                item = QTableWidgetItem(str(value))
                item.setData(Qt.ItemDataRole.UserRole, v["village"])
                self.table.setItem(i, j, item)
        self.select(keep)
        self._show_records()

    def select(self, names: list[str]) -> None:
        """Select exactly the rows of ``names`` (not selectRow: it toggles under held modifier keys)."""
        model = self.table.selectionModel()
        model.clearSelection()
        flags = model.SelectionFlag.Select | model.SelectionFlag.Rows
        for i in range(self.table.rowCount()):
            item = self.table.item(i, 0)
            if item is not None and item.text() in names:
                model.select(self.table.model().index(i, 0), flags)

    def selected(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        items = [self.table.item(r, 0) for r in rows]
        return [i.text() for i in items if i is not None]

    def _show_records(self) -> None:
        names = self.selected()
        found = next((v for v in self.data.get("villages", []) if names and v["village"] == names[0]), None)
        history = found.get("history", []) if found else []
        self.records.setRowCount(len(history))
        for i, h in enumerate(history):
            text = "；".join(x for x in (h["note"], h["reason"]) if x)
            for j, value in enumerate((h["date"], wf.stage_label(h["stage"]), h["decision"], text, h["reference"],
                                       h["override"], h["operator"])):
                self.records.setItem(i, j, QTableWidgetItem(value))

    def _date(self) -> date:
        qd = self.when.date()
        return date(qd.year(), qd.month(), qd.day())

    # -- writing -------------------------------------------------------------------------------------
    def _fail(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(f"未办理：{text}")

    def _run(self, label: str, work: Callable[[Store, list[int]], Any], done: str, *,
             needs_village: bool = True) -> None:
        """``work(own, village_ids)`` on the worker's connection (the names read here, on the GUI thread)."""
        names = self.selected()
        if needs_village and not names:
            self._fail("请先在列表中选中要办理的村（可多选）。")
            return

        def job(own: Store, _p: object, _c: object) -> Any:
            return work(own, vc.village_ids(own, names))

        def ok(result: Any) -> None:
            warnings = getattr(result, "warnings", [])
            self.message.setStyleSheet("")
            self.message.setText(done + ("；" + "；".join(warnings) if warnings else ""))
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._fail(str(exc))

        self.last_op = StoreOp(self, label, self.store, job, ok, failed, title=TITLE, cancellable=False).start()

    def apply(self) -> None:
        when, note = self._date(), self.note.text()
        self._run("正在受理…", lambda own, ids: vc.apply(own, ids, when, note=note), "已受理村委会申请")

    def advance(self) -> None:
        when, note, override = self._date(), self.note.text(), self.override.text()
        self._run("正在办理…", lambda own, ids: core.advance(own, ids, when, note=note, override=override,
                                                      subject_kind=SUBJECT), "已通过，进入下一步")

    def approve(self) -> None:
        when, doc, note = self._date(), self.document.text(), self.note.text()
        self._run("正在录入县审定…", lambda own, ids: core.county_decision(
            own, ids, when, approve=True, document=doc, note=note, subject_kind=SUBJECT), "县审定通过")

    def refuse(self) -> None:
        when, reason, doc = self._date(), self.note.text(), self.document.text()
        self._run("正在办理…", lambda own, ids: core.refuse(own, ids, when, reason, reference=doc,
                                                     subject_kind=SUBJECT), "已作出不予认定")

    def send_back(self) -> None:
        when, reason = self._date(), self.note.text()
        self._run("正在退回…", lambda own, ids: core.send_back(own, ids, when, reason, subject_kind=SUBJECT),
                  "已退回，公示将重新进行")

    def start_exit(self) -> None:
        when, note = self._date(), self.note.text()
        self._run("正在办理…", lambda own, ids: vc.start_exit(own, ids, when, note=note), "已提出贫困村退出")

    def open_round(self, exit_: bool) -> None:
        when = self._date()
        stage = "village_exit_publicity" if exit_ else "village_publicity"
        self._run("正在开始公示…", lambda own, ids: publicity.open_round(own, when, scope=wf.Scope.TOWNSHIP, stage=stage),
                  f"已开始{wf.stage_label(stage)}", needs_village=False)

    def _round_of(self, village: str) -> int | None:
        """The latest village round listing ``village`` (its case's current round)."""
        for rnd in reversed(self.store.publicity.rounds()):
            if village in [r["village"] for r in self.store.publicity.round_villages(rnd.id)]:
                return rnd.id
        return None

    def objection(self) -> None:
        names, when, claim = self.selected(), self._date(), self.note.text()
        round_id = self._round_of(names[0]) if len(names) == 1 else None
        if round_id is None:
            self._fail("请选中正在公示的一个村，并在“说明 / 理由”中写明异议内容。")
            return
        self._run("正在登记…", lambda own, ids: publicity.add_objection(own, round_id, ids[0], when, claim,
                                                                 subject_kind=SUBJECT), "已登记异议")

    def resolve(self, upheld: bool) -> None:
        names, when, note = self.selected(), self._date(), self.note.text()
        found = [o for o in self.store.publicity.objections(open_only=True)
                 if o.subject_kind == SUBJECT and names and o.village == names[0]]
        if not found:
            self._fail("选中的村没有待核实的异议。")
            return
        self._run("正在记录核实结果…", lambda own, ids: publicity.resolve(own, found[0].id, when, upheld, note),
                  "异议成立，该村不予认定" if upheld else "异议不成立")

    # -- printing ------------------------------------------------------------------------------------------
    def _path(self, name: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, "打印", str(Path.home() / name), "PDF 文件 (*.pdf)")
        return Path(chosen) if chosen else None

    def _print(self, label: str, work: Callable[[Store], Any], target: Path) -> None:
        def ok(_result: Any) -> None:
            self.message.setStyleSheet("")
            self.message.setText(f"已生成：{target}")

        self.last_op = QueryOp(self, label, self.store, lambda own, _p, _c: work(own), ok,
                               lambda exc: self._fail(str(exc)), title=TITLE, cancellable=False)
        self.last_op.start()

    def print_round(self, path: Path | None = None) -> None:
        from fupin_desktop.printing.village_notice import print_village_round

        names = self.selected()
        round_id = self._round_of(names[0]) if len(names) == 1 else None
        if round_id is None:
            self._fail("请选中一个已经公示过的村。")
            return
        target = path or self._path(f"贫困村公示{round_id}.pdf")
        if target is not None:
            self._print("正在生成公示…", lambda own: print_village_round(own, round_id, target), target)

    def print_announce(self, path: Path | None = None) -> None:
        from fupin_desktop.printing.village_notice import print_village_announcement

        year, exit_ = self._date().year, False
        names = self.selected()
        found = next((v for v in self.data["villages"] if names and v["village"] == names[0]), None)
        if found and found["year"]:
            year, exit_ = found["year"], found["kind"] == wf.Kind.EXIT.value
        target = path or self._path(f"{year}年贫困村{'退出' if exit_ else ''}公告.pdf")
        if target is not None:
            self._print("正在生成公告…", lambda own: print_village_announcement(own, year, target, exit_=exit_), target)


def open_dialog(store: Store, village: str | None = None, parent: QWidget | None = None) -> VillageCasesDialog:
    dialog = VillageCasesDialog(store, village, parent)
    dialog.show()
    return dialog
