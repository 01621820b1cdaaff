"""数据交换: the county-township exchange page.

On a township database: keys and fingerprints, export to a U 盘 (detected, with free space) or
any folder, the batches with their states, upload to the county, and the county's feedback
(what to fix).  On a county database: import many batches with progress, the batch log, the
conflict list (keep the county's version or take the township's), cross-township duplicates,
registered townships and feedback export.  Long work runs in :class:`~fupin_desktop.ui.ops.StoreOp` with its
own database connection; the page only shows results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.clock import local_time
from fupin_desktop.fileio import WriteError
from fupin_desktop.store import Role, Store, StoreError, settings
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.sync import keys
from fupin_desktop.sync.drives import removable_drives
from fupin_desktop.sync.feedback import STATE_LABELS, latest_feedback_view
from fupin_desktop.sync.format import SyncError, WrongPassphrase
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.ops import StoreOp, T

log = logging.getLogger(__name__)

STATUS_LABELS = {"imported": "已导入", "already-imported": "已导入过", "refused": "已拒绝"}


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return t


def _fill(table: QTableWidget, rows: list[list[Any]], keys_: list[Any] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if keys_ is not None and c == 0:
                item.setData(Qt.ItemDataRole.UserRole, keys_[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    # Sizing to contents also shrinks the last column of a shown table: stretch it again.
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setStretchLastSection(True)


def _mono(label: QLabel) -> QLabel:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label



class SyncPage(QDialog):
    """The 数据交换 window of the township or the county program."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.repo = store.sync
        self.county_mode = store.role is Role.COUNTY
        self._passphrase: str | None = None
        self.last_op: StoreOp[Any] | None = None
        self.setObjectName("sync_page")
        self.setWindowTitle("数据交换（县级）" if self.county_mode else "数据交换")
        self.resize(1100, 760)
        layout = QVBoxLayout(self)
        self.keys_box = QGroupBox("密钥与指纹（请与对方电话核对）")
        self.keys_form = QFormLayout(self.keys_box)
        layout.addWidget(self.keys_box)
        if self.county_mode:
            self._build_county(layout)
        else:
            self._build_township(layout)
        self.refresh()

    # -- passphrase ------------------------------------------------------------------------
    def passphrase(self, *, new: bool = False) -> str | None:
        """The private-key passphrase: FUPIN_PASSPHRASE, else asked once per window."""
        env = keys.env_passphrase()
        if env:
            return env
        if self._passphrase and not new:
            return self._passphrase
        prompt = (f"设置保护私钥的口令（至少 {keys.MIN_PASSPHRASE} 位，请牢记）：" if new
                  else "请输入私钥口令：")
        text, ok = QInputDialog.getText(self, "私钥口令", prompt, QLineEdit.EchoMode.Password)
        if not ok or not text:
            return None
        self._passphrase = text
        return text

    def _run(self, label: str, work: Callable[[Store, Any, Any], T], done: Callable[[T], None],
             changes: Callable[[T], Change | None] = lambda _result: None) -> StoreOp[T]:
        """``work`` on the worker's own connection; what it changed is announced (ui/changes.py)."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, WrongPassphrase):
                self._passphrase = None
            # SyncError, StoreError (database full, read-only, locked) and WriteError say it all in Chinese
            message = str(exc) if isinstance(exc, (SyncError, StoreError, WriteError)) else f"操作失败：{exc}"
            QMessageBox.warning(self, "数据交换", message)
            self.refresh()

        def succeeded(result: T) -> None:
            done(result)
            self.refresh()

        op = StoreOp[T](self, label, self.store, work, changes, succeeded, failed, title="数据交换")
        self.last_op = op
        op.start()
        return op

    # -- township ---------------------------------------------------------------------------
    def _build_township(self, layout: QVBoxLayout) -> None:
        self.own_fp = _mono(QLabel())
        self.own_fp.setObjectName("own_fingerprint")
        self.county_fp = _mono(QLabel())
        self.county_fp.setObjectName("county_fingerprint")
        self.keys_form.addRow("本乡签名密钥：", self.own_fp)
        self.keys_form.addRow("县公钥：", self.county_fp)
        buttons = QHBoxLayout()
        self.btn_trust = QPushButton("导入县公钥…")
        self.btn_trust.clicked.connect(self.trust_county_key)
        self.btn_own_key = QPushButton("导出本乡公钥…")
        self.btn_own_key.clicked.connect(self.export_township_key)
        buttons.addWidget(self.btn_trust)
        buttons.addWidget(self.btn_own_key)
        buttons.addStretch(1)
        self.keys_form.addRow(buttons)

        export_box = QGroupBox("导出到 U 盘")
        row = QHBoxLayout(export_box)
        self.drives = QComboBox()
        self.drives.setObjectName("drives")
        self.drives.setMinimumWidth(380)
        self.btn_drives = QPushButton("刷新")
        self.btn_drives.clicked.connect(self.refresh_drives)
        self.btn_folder = QPushButton("选择文件夹…")
        self.btn_folder.clicked.connect(self.choose_folder)
        self.full = QCheckBox("全部导出")
        self.full.setToolTip("导出本乡全部数据，而不只是上次导出以来的变更")
        self.btn_export = QPushButton("导出")
        self.btn_export.setObjectName("export_button")
        self.btn_export.setDefault(True)
        self.btn_export.clicked.connect(lambda: self.export_to(self.current_target()))
        for w in (QLabel("导出到："), self.drives, self.btn_drives, self.btn_folder, self.full, self.btn_export):
            row.addWidget(w)
        row.addStretch(1)
        layout.addWidget(export_box)
        self.export_note = QLabel()
        self.export_note.setObjectName("export_note")
        self.export_note.setWordWrap(True)
        layout.addWidget(self.export_note)

        batches_box = QGroupBox("批次")
        bl = QVBoxLayout(batches_box)
        self.batches = _table(["序号", "导出时间", "户数", "删除户", "状态", "说明", "文件"], "outbox_table")
        bl.addWidget(self.batches)
        up = QHBoxLayout()
        self.url = QLineEdit(settings.SYNC_COUNTY_URL.get(self.store.db))
        self.url.setPlaceholderText("县里接收地址，如 http://192.168.1.10:8765")
        self.btn_upload = QPushButton("上传待送批次")
        self.btn_upload.clicked.connect(self.upload)
        up.addWidget(QLabel("有网络时上传："))
        up.addWidget(self.url, 1)
        up.addWidget(self.btn_upload)
        bl.addLayout(up)
        layout.addWidget(batches_box, 2)

        feedback_box = QGroupBox("县里的反馈（需要改正或核对的）")
        fl = QVBoxLayout(feedback_box)
        top = QHBoxLayout()
        self.feedback_note = QLabel()
        self.feedback_note.setObjectName("feedback_note")
        self.btn_feedback = QPushButton("导入反馈…")
        self.btn_feedback.clicked.connect(self.choose_feedback)
        top.addWidget(self.feedback_note, 1)
        top.addWidget(self.btn_feedback)
        fl.addLayout(top)
        self.feedback = _table(["类别", "户编号", "户主", "村", "说明"], "feedback_table")
        fl.addWidget(self.feedback)
        layout.addWidget(feedback_box, 2)
        self.refresh_drives()

    def refresh_drives(self) -> None:
        current = self.drives.currentData()
        self.drives.clear()
        for d in removable_drives():
            self.drives.addItem(d.describe(), str(d.path))
        if self.drives.count() == 0:
            self.drives.addItem("未发现 U 盘：请插入 U 盘后点“刷新”，或“选择文件夹…”", None)
        if current:
            index = self.drives.findData(current)
            if index >= 0:
                self.drives.setCurrentIndex(index)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "导出到文件夹")
        if folder:
            self.drives.addItem(f"文件夹 {folder}", folder)
            self.drives.setCurrentIndex(self.drives.count() - 1)

    def current_target(self) -> Path | None:
        data = self.drives.currentData()
        return Path(data) if data else None

    def export_to(self, folder: Path | None) -> StoreOp[Any] | None:
        if folder is None:
            QMessageBox.information(self, "导出", "请先插入 U 盘并点“刷新”，或点“选择文件夹…”。")
            return None
        secret = self.passphrase()
        if secret is None:
            return None
        full = self.full.isChecked()

        def work(store: Store, progress: Any, cancelled: Any) -> Any:
            from fupin_desktop import quality
            from fupin_desktop.store.crossrecord import load_memory_records
            from fupin_desktop.sync.export import export_batch

            context = quality.context(store, load_memory_records(store.db))  # one bulk index, not a query each
            return export_batch(store, folder, passphrase=secret, full=full, progress=progress, cancelled=cancelled,
                                context=context)

        def done(result: Any) -> None:
            note = result.message
            if result.held_back:
                lines = [f"{h['village']}{h['group']} 户编号 {h['number']} {h['head_name']}：{h['errors'][0]}"
                         for h in result.held_back[:8]]
                note += "\n暂不导出：\n" + "\n".join(lines) + ("\n……" if len(result.held_back) > 8 else "")
            self.export_note.setText(note)

        return self._run("正在导出批次…", work, done)

    def trust_county_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入县公钥", "", "公钥文件 (*.pub);;所有文件 (*)")
        if not path:
            return
        try:
            pub = keys.read_key_file(Path(path))
            if not isinstance(pub, keys.CountyPublic):
                raise SyncError("这是乡镇公钥，不是县公钥。")
            old = self.repo.county()
            replacing = old is not None and old.fingerprint != pub.fingerprint
            warning = (f"\n\n注意：这将替换已信任的 {old.name}（{old.code}）县公钥（指纹 {old.fingerprint}），"
                       "之后的批次只有新密钥能解密。" if old is not None and replacing else "")
            answer = QMessageBox.question(
                self, "导入县公钥",
                f"{pub.name}（{pub.code}）\n指纹：{pub.fingerprint}\n\n请打电话与县扶贫办核对指纹，一致后再点“是”。"
                + warning)
            if answer != QMessageBox.StandardButton.Yes:
                return
            keys.trust_county(self.repo, pub, replace=replacing)
        except SyncError as exc:
            applog.refused(log, "导入县公钥", exc)
            QMessageBox.warning(self, "导入县公钥", str(exc))
        self.refresh()

    def export_township_key(self) -> None:
        try:
            pub = keys.township_public(self.repo)
            if pub is None:
                secret = self.passphrase(new=True)
                if secret is None:
                    return
                pub = keys.ensure_township_key(self.repo, secret)
            path, _ = QFileDialog.getSaveFileName(self, "导出本乡公钥", f"{pub.code}.pub", "公钥文件 (*.pub)")
            if not path:
                self.refresh()
                return
            keys.write_key_file(Path(path), pub)
        except SyncError as exc:
            applog.refused(log, "导出本乡公钥", exc)
            QMessageBox.warning(self, "导出本乡公钥", str(exc))
            return
        QMessageBox.information(self, "导出本乡公钥",
                                f"已写出 {path}\n指纹：{pub.fingerprint}\n请交县扶贫办登记，并电话核对指纹。")
        self.refresh()

    def upload(self) -> StoreOp[Any] | None:
        url = self.url.text().strip()
        if not url:
            QMessageBox.information(self, "上传", "请填写县里的接收地址。")
            return None
        settings.SYNC_COUNTY_URL.put(self.store.db, url)

        def work(store: Store, progress: Any, cancelled: Any) -> Any:
            from fupin_desktop.sync.upload import ping, upload_pending

            if not ping(url):
                raise SyncError(f"县里的接收地址 {url} 没有应答：请检查网络，或改用 U 盘。")
            return upload_pending(store, url)

        def done(results: Any) -> None:
            from fupin_desktop.sync.upload import UPLOAD_LABELS

            text = "\n".join(f"第 {r.sequence} 批：{UPLOAD_LABELS.get(r.state, r.state)}"
                              + (f"（{r.message}）" if r.state in ("problems", "failed") else "") for r in results)
            QMessageBox.information(self, "上传", text or "没有待上传的批次。")

        return self._run("正在上传…", work, done)

    def choose_feedback(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入县里的反馈", "", "反馈文件 (*.fpfeedback);;所有文件 (*)")
        if path:
            self.import_feedback_file(Path(path))

    def import_feedback_file(self, path: Path) -> dict[str, Any] | None:
        from fupin_desktop.sync.feedback import import_feedback

        try:
            view = import_feedback(self.store, path)
        except SyncError as exc:
            applog.refused(log, "导入反馈", exc)
            QMessageBox.warning(self, "导入反馈", str(exc))
            return None
        announce(self.store, Change.of(ChangeKind.SYNC_FEEDBACK, count=1))
        self.refresh()
        return view

    # -- county -------------------------------------------------------------------------------
    def _build_county(self, layout: QVBoxLayout) -> None:
        self.county_fp = _mono(QLabel())
        self.county_fp.setObjectName("county_fingerprint")
        self.keys_form.addRow("本县公钥：", self.county_fp)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        page = QWidget()
        pl = QVBoxLayout(page)
        row = QHBoxLayout()
        self.btn_import = QPushButton("导入批次…")
        self.btn_import.setObjectName("import_button")
        self.btn_import.clicked.connect(self.choose_batches)
        self.import_note = QLabel("可一次选择多个批次文件（U 盘上的 .fpsync 文件），每个批次要么全部导入，要么不动。")
        row.addWidget(self.btn_import)
        row.addWidget(self.import_note, 1)
        pl.addLayout(row)
        self.import_results = _table(["文件", "乡镇", "序号", "结果", "说明"], "import_results")
        pl.addWidget(self.import_results, 1)
        pl.addWidget(QLabel("已导入的批次"))
        self.batch_log = _table(["乡镇", "序号", "导入时间", "户数", "新增", "更新", "冲突", "拒收"], "batch_log")
        pl.addWidget(self.batch_log, 1)
        self.tabs.addTab(page, "导入批次")

        page = QWidget()
        pl = QVBoxLayout(page)
        self.conflicts = _table(["乡镇", "户编号", "户主", "原因", "不同之处", "乡镇修改于", "县里修改于"],
                                "conflict_table")
        pl.addWidget(self.conflicts, 1)
        row = QHBoxLayout()
        self.btn_keep = QPushButton("保留县里版本")
        self.btn_keep.clicked.connect(lambda: self.resolve_selected("county"))
        self.btn_take = QPushButton("采用乡镇版本")
        self.btn_take.clicked.connect(lambda: self.resolve_selected("township"))
        row.addStretch(1)
        row.addWidget(self.btn_keep)
        row.addWidget(self.btn_take)
        pl.addLayout(row)
        self.tabs.addTab(page, "冲突")

        page = QWidget()
        pl = QVBoxLayout(page)
        self.duplicates = _table(["身份证号", "姓名", "乡镇", "户编号", "另一乡镇", "另一户编号", "发现时间"],
                                 "duplicate_table")
        pl.addWidget(self.duplicates, 1)
        row = QHBoxLayout()
        self.btn_reviewed = QPushButton("标记为已核对")
        self.btn_reviewed.clicked.connect(self.review_selected)
        row.addStretch(1)
        row.addWidget(self.btn_reviewed)
        pl.addLayout(row)
        self.tabs.addTab(page, "跨乡重复")

        page = QWidget()
        pl = QVBoxLayout(page)
        self.townships = _table(["乡镇代码", "乡镇", "密钥指纹", "最新序号", "缺少的批次", "登记时间"], "township_table")
        pl.addWidget(self.townships, 1)
        row = QHBoxLayout()
        self.btn_register = QPushButton("登记乡镇公钥…")
        self.btn_register.clicked.connect(self.register_township_key)
        self.btn_county_key = QPushButton("导出本县公钥…")
        self.btn_county_key.clicked.connect(self.export_county_key)
        self.btn_write_feedback = QPushButton("导出给该乡镇的反馈…")
        self.btn_write_feedback.clicked.connect(self.choose_feedback_target)
        for b in (self.btn_register, self.btn_county_key):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.btn_write_feedback)
        pl.addLayout(row)
        self.tabs.addTab(page, "乡镇与反馈")

    def choose_batches(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "选择批次文件", "", "批次文件 (*.fpsync);;所有文件 (*)")
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_paths(self, paths: list[Path]) -> StoreOp[Any] | None:
        secret = self.passphrase()
        if secret is None:
            return None

        def work(store: Store, progress: Any, cancelled: Any) -> Any:
            from fupin_desktop.sync.county_import import import_files

            return import_files(store, paths, passphrase=secret, progress=progress, cancelled=cancelled)

        def done(results: Any) -> None:
            _fill(self.import_results, [[Path(r.batch).name, r.township_name or r.township or "", r.sequence or "",
                                         STATUS_LABELS[r.status], r.message] for r in results])

        def changes(results: Any) -> Change:
            imported = [r for r in results if r.status == "imported"]
            return Change.of(ChangeKind.SYNC_IMPORT, count=len(imported), everything=bool(imported))

        return self._run(f"正在导入 {len(paths)} 个批次…", work, done, changes)

    def _selected_key(self, table: QTableWidget) -> Any:
        rows = table.selectionModel().selectedRows()
        if not rows:
            return None
        item = table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def resolve_selected(self, resolution: str) -> None:
        from fupin_desktop.sync.county_import import RESOLUTIONS, resolve_conflict

        conflict_id = self._selected_key(self.conflicts)
        if conflict_id is None:
            QMessageBox.information(self, "冲突", "请先在列表中选中一户。")
            return
        answer = QMessageBox.question(self, "处理冲突", f"确定对选中的户“{RESOLUTIONS[resolution]}”吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            resolve_conflict(self.store, int(conflict_id), resolution)
        except SyncError as exc:
            applog.refused(log, "冲突", exc)
            QMessageBox.warning(self, "冲突", str(exc))
        else:
            announce(self.store, Change.of(ChangeKind.SYNC_IMPORT, count=1, everything=True))
        self.refresh()

    def review_selected(self) -> None:
        duplicate_id = self._selected_key(self.duplicates)
        if duplicate_id is not None:
            self.repo.review_duplicate(int(duplicate_id))
            self.refresh()

    def register_township_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "登记乡镇公钥", "", "公钥文件 (*.pub);;所有文件 (*)")
        if not path:
            return
        try:
            pub = keys.read_key_file(Path(path))
            if not isinstance(pub, keys.TownshipPublic):
                raise SyncError("这是县公钥，不是乡镇公钥。")
            answer = QMessageBox.question(
                self, "登记乡镇公钥",
                f"{pub.name}（{pub.code}）\n指纹：{pub.fingerprint}\n\n请打电话与该乡镇核对指纹，一致后再点“是”。")
            if answer != QMessageBox.StandardButton.Yes:
                return
            keys.register_township(self.repo, pub, self.store.operator)
            announce(self.store, Change.of(ChangeKind.SETTINGS, settings=["township_keys"]))
        except SyncError as exc:
            applog.refused(log, "登记乡镇公钥", exc)
            QMessageBox.warning(self, "登记乡镇公钥", str(exc))
        self.refresh()

    def export_county_key(self) -> None:
        pub = keys.own_county_public(self.repo)
        path, _ = QFileDialog.getSaveFileName(self, "导出本县公钥", "county.pub", "公钥文件 (*.pub)")
        if path:
            try:
                keys.write_key_file(Path(path), pub)
            except SyncError as exc:
                applog.refused(log, "导出本县公钥", exc)
                QMessageBox.warning(self, "导出本县公钥", str(exc))
                return
            QMessageBox.information(self, "导出本县公钥", f"已写出 {path}\n指纹：{pub.fingerprint}")

    def choose_feedback_target(self) -> None:
        code = self._selected_key(self.townships)
        if code is None:
            QMessageBox.information(self, "导出反馈", "请先在列表中选中一个乡镇。")
            return
        folder = QFileDialog.getExistingDirectory(self, "反馈文件存到")
        if folder:
            self.write_feedback_to(str(code), Path(folder))

    def write_feedback_to(self, code: str, folder: Path) -> str | None:
        from fupin_desktop.sync.feedback import write_feedback

        secret = self.passphrase()
        if secret is None:
            return None
        try:
            written = write_feedback(self.store, code, folder, passphrase=secret)
        except SyncError as exc:
            applog.refused(log, "导出反馈", exc)
            QMessageBox.warning(self, "导出反馈", str(exc))
            return None
        QMessageBox.information(self, "导出反馈", f"已写出 {written.path}")
        return written.path

    # -- both -------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.county_mode:
            self._refresh_county()
        else:
            self._refresh_township()

    def _refresh_township(self) -> None:
        own = keys.township_public(self.repo)
        self.own_fp.setText(own.fingerprint if own else "尚未生成（点“导出本乡公钥…”生成）")
        county = self.repo.county()
        self.county_fp.setText(f"{county.name}  {county.fingerprint}" if county else "尚未导入（向县扶贫办索取 county.pub）")
        outbox = self.repo.outbox()
        _fill(self.batches, [
            [b.sequence, local_time(b.created_at), b.counts.get("households", 0), b.counts.get("deleted_households", 0),
             STATE_LABELS.get(b.state, b.state), b.message or ("全部导出" if b.full else ""), b.file_name]
            for b in outbox], [b.hash for b in outbox])
        view = latest_feedback_view(self.store)
        if view is None:
            self.feedback_note.setText("尚未导入县里的反馈。")
            _fill(self.feedback, [])
            return
        note = f"{view['county']} {local_time(view['created_at'])} 的反馈：县里已收到 {len(view['batches'])} 批"
        if view["missing_sequences"]:
            note += f"，缺少第 {'、'.join(map(str, view['missing_sequences']))} 批（请补交）"
        self.feedback_note.setText(note + "。")
        rows = [["拒收", r["number"], r["head_name"], r["village"], "；".join(r["reasons"] or [])] for r in view["rejected"]]
        rows += [["冲突" if c["state"] == "open" else "冲突已处理", c["number"], c["head_name"], c["village"],
                  c["reason"] + ("" if c["state"] == "open" else
                                 "（县里保留了县里版本）" if c["state"] == "county" else "（县里采用了本乡版本）")]
                 for c in view["conflicts"]]
        rows += [["跨乡重复", d["number"], d["head_name"], d["village"], f"{d['member_name']} 也登记在 {d['other_township']}"]
                 for d in view["duplicates"] if not d.get("reviewed")]
        _fill(self.feedback, rows)

    def _refresh_county(self) -> None:
        county = self.repo.county()
        self.county_fp.setText(f"{county.name}（{county.code}）  {county.fingerprint}" if county else "")
        towns = {t.code: t for t in self.repo.townships()}
        log = self.repo.batch_log()
        _fill(self.batch_log, [
            [towns[b.township_code].name if b.township_code in towns else b.township_code, b.sequence,
             local_time(b.imported_at), b.counts.get("households", 0), b.merge.get("inserted", 0),
             b.merge.get("updated", 0), b.merge.get("conflicts", 0), b.merge.get("rejected", 0)] for b in log])
        from fupin_desktop.sync.county_import import conflict_differences

        conflicts = self.repo.conflicts()
        _fill(self.conflicts, [
            [c["township_name"] or c["township_code"], c["number"], c["local_head_name"] or c["head_name"], c["reason"],
             "、".join(conflict_differences(self.store, c["id"])), local_time(c["incoming_updated_at"]),
             local_time(c["local_updated_at"])] for c in conflicts], [c["id"] for c in conflicts])
        dups = self.repo.duplicates()
        _fill(self.duplicates, [
            [d["id_number"], d["name"], d["township_name"] or d["township_code"], d["number"],
             d["other_township_name"] or d["other_township_code"], d["other_number"], local_time(d["found_at"])]
            for d in dups], [d["id"] for d in dups])
        _fill(self.townships, [
            [t.code, t.name, t.fingerprint, t.last_sequence,
             "、".join(map(str, self.repo.missing_sequences(t.code))), local_time(t.registered_at)]
            for t in towns.values()], list(towns))
        self.tabs.setTabText(1, f"冲突（{len(conflicts)}）")
        self.tabs.setTabText(2, f"跨乡重复（{len(dups)}）")


def open_sync_page(store: Store, parent: QWidget | None = None) -> SyncPage:
    page = SyncPage(store, parent)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    page.show()
    return page


__all__ = ["SyncPage", "open_sync_page"]
