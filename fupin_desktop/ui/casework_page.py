"""识别工作: the identification year of one village (or the whole township) on one page.

Top: the village, the year and the quota bars (已识别 / 办理中 / 规模 per village).  The board: the
procedure's stages as columns with their counts (and 未通过); a click on a column lists the
households at that stage; many can be selected and advanced (通过) with one date and meeting note,
refused (不予认定) or sent back (退回) with a reason.  Below: the publicity rounds with the days
left (开始公示, 打印公示) and the objections (登记异议, 核实：成立/不成立).  Printing: the appraisal
sheet and the 告知书.  Every write runs in :class:`~fupin_desktop.ui.ops.StoreOp` on its own
connection and is announced on the change hub; the page refreshes itself from the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.casework import core, publicity
from fupin_desktop.casework.quotas import quota_rows
from fupin_desktop.casework.status import status
from fupin_desktop.rules import workflow as wf
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change
from fupin_desktop.ui.casework_requests import CaseRequests
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.ops import BackgroundOp, QueryOp, StoreOp

ALL = "（全乡）"
REFUSED = "未通过"


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[Any]], keys: list[Any] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if keys is not None and c == 0:
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            table.setItem(r, c, item)


def _key(table: QTableWidget, row: int) -> Any:
    item = table.item(row, 0)
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def _two_lines(label: str) -> str:
    """A long stage name (村委会和驻村工作队核实) on two lines of the board's header."""
    return label if len(label) <= 6 else f"{label[:len(label) // 2]}\n{label[len(label) // 2:]}"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class CaseworkPage(CaseRequests):
    """The 识别工作 window."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("casework_page")
        self.setWindowTitle("识别工作")
        self.store = store
        self.last_op: BackgroundOp | None = None
        self.stage: str | None = None
        self.data: dict[str, Any] = {"households": [], "villages": []}
        self.ask_path: Callable[[str, str], str] = self._ask_path  # tests answer without a dialog
        self.resize(1240, 820)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_top())
        self.quota_box = QGroupBox("识别规模（已识别 + 办理中 / 规模，人）")
        self.quota_grid = QGridLayout(self.quota_box)
        layout.addWidget(self.quota_box)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._build_board())
        split.addWidget(self._build_lower())
        layout.addWidget(split, 1)
        self.message = QLabel()
        self.message.setObjectName("casework_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        hub(store).changed.connect(self._on_change)
        self.refresh()

    # -- building -------------------------------------------------------------------------------
    def _build_top(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.village = QComboBox()
        self.village.setObjectName("village")
        self.village.addItem(ALL)
        for v in self.store.townships.villages():
            self.village.addItem(v.name)
        self.village.currentIndexChanged.connect(lambda _i: self.refresh())
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        self.kind.addItems(["贫困户识别", "脱贫退出"])
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.year = QSpinBox()
        self.year.setObjectName("year")
        self.year.setRange(2000, 2100)
        self.year.setValue(self._default_year())
        self.year.valueChanged.connect(lambda _v: self.refresh())
        for label, widget in (("村：", self.village), ("办理：", self.kind), ("年度：", self.year)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addStretch(1)
        for text, name, slot in (("登记申请…", "apply", lambda: self.apply_for()),
                                 ("提出退出…", "propose_exit", lambda: self.propose_exit()),
                                 ("县审定…", "county_decision", lambda: self.county_decision()),
                                 ("打印评议表…", "print_appraisal", self.print_appraisal),
                                 ("打印告知书…", "print_refusal", self.print_refusal)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        return row

    def _build_board(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.board = QTableWidget(1, 0)
        self.board.setObjectName("board")
        self.board.verticalHeader().setVisible(False)
        self.board.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.board.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.board.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.board.setFixedHeight(80)
        self.board.cellClicked.connect(lambda _r, c: self.select_stage(c))
        layout.addWidget(self.board)
        self.households = _table(["户编号", "户主", "人口", "村", "状态", "待核实异议"], "stage_households")
        self.households.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout.addWidget(self.households, 1)
        actions = QHBoxLayout()
        self.when = QDateEdit(_qdate(date.today()))
        self.when.setObjectName("when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd")
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText("会议记录、说明（不予认定、退回时为理由）")
        self.override = QLineEdit()
        self.override.setObjectName("override")
        self.override.setPlaceholderText("提前结束公示或超出规模的理由（需要时填）")
        for label, widget in (("日期：", self.when), ("说明：", self.note), ("特殊理由：", self.override)):
            actions.addWidget(QLabel(label))
            actions.addWidget(widget, 1 if widget is not self.when else 0)
        for text, name, slot in (("通过（推进）", "advance", self.advance), ("不予认定", "refuse", self.refuse),
                                 ("退回", "send_back", self.send_back)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            actions.addWidget(button)
        layout.addLayout(actions)
        return box

    def _build_lower(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        rounds = QGroupBox("公示")
        rl = QVBoxLayout(rounds)
        self.rounds = _table(["编号", "范围", "阶段", "起止", "剩余天数", "户数", "待核实异议"], "rounds")
        self.rounds.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        rl.addWidget(self.rounds)
        buttons = QHBoxLayout()
        for text, name, slot in (("开始公示", "open_round", self.open_round),
                                 ("打印公示…", "print_notice", self.print_notice)):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        rl.addLayout(buttons)
        row.addWidget(rounds, 1)
        objections = QGroupBox("异议")
        ol = QVBoxLayout(objections)
        self.objections = _table(["编号", "户编号", "户主", "反映人", "内容", "受理日期", "核实结果"], "objections")
        self.objections.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        ol.addWidget(self.objections)
        buttons = QHBoxLayout()
        for text, name, slot in (("登记异议…", "add_objection", self.add_objection),
                                 ("核实：成立", "uphold", lambda: self.resolve(True)),
                                 ("核实：不成立", "dismiss", lambda: self.resolve(False))):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        ol.addLayout(buttons)
        row.addWidget(objections, 1)
        return box

    # -- reading -------------------------------------------------------------------------------
    def _default_year(self) -> int:
        years = self.store.publicity.quota_years()
        return years[-1] if years else date.today().year

    def village_ids(self) -> list[int] | None:
        if self.village.currentText() == ALL:
            return None
        found = self.store.townships.village_by_name(self.village.currentText())
        return [found.id] if found is not None and found.id is not None else []

    def procedure(self) -> wf.Procedure:
        if self.kind.currentIndex() == 1:
            return wf.EXIT
        return wf.procedure(wf.Kind.IDENTIFICATION, self.store.policy.get().procedure)

    def refresh(self) -> None:
        self.data = status(self.store, village_ids=self.village_ids(), year=self.year.value(), history=False)
        self._fill_quotas()
        self._fill_board()
        self._fill_households()
        self._fill_rounds()

    def _fill_quotas(self) -> None:
        while self.quota_grid.count():
            item = self.quota_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # type: ignore[call-overload]  # gone at once, not at the next event
                widget.deleteLater()
        for i, row in enumerate(quota_rows(self.store, self.year.value())):
            quota = row["quota_persons"]
            used = row["identified_persons"] + row["in_process_persons"]
            bar = QProgressBar()
            bar.setObjectName(f"quota_{row['village']}")
            bar.setRange(0, max(quota or 0, used, 1))
            bar.setValue(used)
            bar.setFormat(f"{row['identified_persons']} + {row['in_process_persons']} / {quota if quota is not None else '—'}")
            bar.setToolTip(f"已识别 {row['identified_persons']} 人，办理中 {row['in_process_persons']} 人，"
                           f"规模 {quota if quota is not None else '未设置'} 人")
            if quota is not None and used > quota:
                bar.setStyleSheet("QProgressBar::chunk { background: #d9534f; }")
                bar.setToolTip(f"超出规模 {used - quota} 人")
            self.quota_grid.addWidget(QLabel(row["village"]), i // 4, (i % 4) * 2)
            self.quota_grid.addWidget(bar, i // 4, (i % 4) * 2 + 1)

    def _board_columns(self) -> list[tuple[str, str]]:
        return [(s.key, s.label) for s in self.procedure().stages] + [(REFUSED, REFUSED)]

    def _in_view(self) -> list[dict[str, Any]]:
        exit_view = self.kind.currentIndex() == 1
        return [h for h in self.data["households"] if (h["kind"] == "exit") == exit_view]

    def _fill_board(self) -> None:
        columns = self._board_columns()
        counts = {key: 0 for key, _ in columns}
        for h in self._in_view():
            key = REFUSED if h["status"] == "refused" else h["stage"]
            counts[key] = counts.get(key, 0) + 1
        self.board.setColumnCount(len(columns))
        self.board.setHorizontalHeaderLabels([_two_lines(label) for _, label in columns])
        for c, (key, _label) in enumerate(columns):
            item = QTableWidgetItem(str(counts.get(key, 0)))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.board.setItem(0, c, item)
        keys = [k for k, _ in columns]
        if self.stage not in keys or not counts[self.stage]:
            self.stage = next((k for k in keys if counts[k]), keys[0])
        self.board.setCurrentCell(0, keys.index(self.stage))

    def select_stage(self, column: int) -> None:
        self.stage = self._board_columns()[column][0]
        self._fill_households()

    def _fill_households(self) -> None:
        rows, keys = [], []
        for h in self._in_view():
            key = REFUSED if h["status"] == "refused" else h["stage"]
            if key == self.stage:
                rows.append([h["number"], h["head_name"], h["persons"], h["village"], h["label"],
                             h["open_objections"] or ""])
                keys.append(h["household"])
        _fill(self.households, rows, keys)

    def _fill_rounds(self) -> None:
        today = self._date()
        wanted = set(self.village_ids() or [])
        rounds = [r for r in self.store.publicity.rounds() if (not wanted or r.village_id in wanted or r.village_id is None)
                  and r.stage not in wf.VILLAGE_STAGES]  # 贫困村公示: the 贫困村识别与退出 dialog's (issue 17)
        _fill(self.rounds, [[r.id, r.village or wf.SCOPE_LABELS[wf.Scope(r.scope)], wf.stage_label(r.stage),
                             f"{r.start.isoformat()} 至 {r.end.isoformat()}", publicity.days_left(r, today),
                             r.households, len(self.store.publicity.objections(round_id=r.id, open_only=True)) or ""]
                            for r in rounds], [r.id for r in rounds])
        objections = [o for r in rounds for o in self.store.publicity.objections(round_id=r.id)]
        _fill(self.objections, [[o.id, o.number, o.head_name, o.by_name or "匿名", o.claim, o.received.isoformat(),
                                 o.finding or "待核实"] for o in objections], [o.id for o in objections])

    def _on_change(self, change: Change) -> None:
        if self.isVisible():
            self.refresh()

    # -- acting ------------------------------------------------------------------------------
    def selected_households(self) -> list[int]:
        rows = sorted({i.row() for i in self.households.selectedIndexes()})
        return [int(_key(self.households, r)) for r in rows]

    def _selected_key(self, table: QTableWidget) -> int | None:
        rows = table.selectionModel().selectedRows()
        return int(_key(table, rows[0].row())) if rows else None

    def _run(self, label: str, work: Callable[[Store], Any], done: str) -> None:
        """Run a write on its own connection; the hub's broadcast refreshes this page."""
        self.message.setText("")

        def job(own: Store, _progress: Any, _cancelled: Any) -> Any:
            return work(own)

        def ok(result: Any) -> None:
            warnings = getattr(result, "warnings", [])
            self.message.setText(done + ("；" + "；".join(warnings) if warnings else ""))
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.message.setText(f"未办理：{exc}")
            QMessageBox.warning(self, "识别工作", str(exc))

        self.last_op = StoreOp(self, label, self.store, job, ok, failed, title="识别工作",
                               cancellable=False).start()

    def _date(self) -> date:
        qd = self.when.date()
        return date(qd.year(), qd.month(), qd.day())

    def _need_selection(self) -> list[int] | None:
        ids = self.selected_households()
        if not ids:
            QMessageBox.information(self, "识别工作", "请先在列表中选中要办理的户（可多选）。")
            return None
        return ids

    def advance(self) -> None:
        ids = self._need_selection()
        if ids:
            when, note, override = self._date(), self.note.text(), self.override.text()
            self._run("正在推进…", lambda own: core.advance(own, ids, when, note=note, override=override),
                      f"已推进 {len(ids)} 户")

    def refuse(self) -> None:
        ids = self._need_selection()
        if ids:
            when, reason = self._date(), self.note.text()
            self._run("正在办理…", lambda own: core.refuse(own, ids, when, reason), f"{len(ids)} 户不予认定")

    def send_back(self) -> None:
        ids = self._need_selection()
        if ids:
            when, reason = self._date(), self.note.text()
            self._run("正在退回…", lambda own: core.send_back(own, ids, when, reason), f"已退回 {len(ids)} 户")

    def open_round(self) -> None:
        village = None if self.village.currentText() == ALL else self.village.currentText()
        scope = wf.Scope.VILLAGE if village else wf.Scope.TOWNSHIP  # 全乡: the 三榜公示's 乡公示
        when = self._date()
        self._run("正在开始公示…", lambda own: publicity.open_round(own, when, village=village, scope=scope),
                  "已开始公示")

    def add_objection(self, text: str | None = None) -> None:
        round_id, ids = self._selected_key(self.rounds), self.selected_households()
        if round_id is None or len(ids) != 1:
            QMessageBox.information(self, "识别工作", "请选中一轮公示，并在上面的列表中选中被反映的那一户。")
            return
        if text is None:
            text, ok = QInputDialog.getText(self, "登记异议", "反映的内容：")
            if not ok:
                return
        when, who = self._date(), ids[0]
        self._run("正在登记…", lambda own: publicity.add_objection(own, round_id, who, when, text or ""), "已登记异议")

    def resolve(self, upheld: bool) -> None:
        objection = self._selected_key(self.objections)
        if objection is None:
            QMessageBox.information(self, "识别工作", "请先选中一件异议，并在“说明”中写明核实情况。")
            return
        when, note = self._date(), self.note.text()
        self._run("正在记录…", lambda own: publicity.resolve(own, objection, when, upheld, note),
                  "异议成立，该户不予认定" if upheld else "异议不成立")

    # -- printing ------------------------------------------------------------------------------
    def _ask_path(self, title: str, name: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, name, "PDF 文件 (*.pdf)")
        return path

    def _print(self, title: str, name: str, work: Callable[[Store, Path], Any]) -> None:
        path = self.ask_path(title, name)
        if not path:
            return

        def job(own: Store, _progress: Any, _cancelled: Any) -> Any:
            return work(own, Path(path))

        def failed(exc: BaseException) -> None:
            self.message.setText(f"未打印：{exc}")
            QMessageBox.warning(self, title, str(exc))

        self.last_op = QueryOp(self, f"正在生成{title}…", self.store, job,
                               lambda r: self.message.setText(f"已生成{title}：{path}（{r.pages} 页）"), failed,
                               title=title, cancellable=False).start()

    def print_notice(self) -> None:
        from fupin_desktop.printing.casework import print_round_notice

        round_id = self._selected_key(self.rounds)
        if round_id is None:
            QMessageBox.information(self, "打印公示", "请先选中一轮公示。")
            return
        self._print("公示名单", f"公示{round_id}.pdf", lambda own, p: print_round_notice(own, round_id, p))

    def print_appraisal(self) -> None:
        from fupin_desktop.printing.casework import print_appraisal

        village = self.village.currentText()
        if village == ALL:
            QMessageBox.information(self, "打印评议表", "请先选择村。")
            return
        year = self.year.value()
        self._print("民主评议表", f"{village}民主评议表.pdf", lambda own, p: print_appraisal(own, village, p, year=year))

    def print_refusal(self) -> None:
        from fupin_desktop.printing.casework import print_refusal

        ids = self.selected_households()
        if len(ids) != 1:
            QMessageBox.information(self, "打印告知书", "请在“未通过”一栏选中一户。")
            return
        self._print("告知书", "告知书.pdf", lambda own, p: print_refusal(own, ids[0], p))


def open_casework_page(store: Store, parent: QWidget | None = None) -> CaseworkPage:
    page = CaseworkPage(store, parent)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    page.show()
    return page
