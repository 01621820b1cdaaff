"""The county half of the 数据交换 page: batch import and log, conflicts, duplicates, townships, feedback."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.clock import local_time
from fupin_desktop.store import Store
from fupin_desktop.sync import keys
from fupin_desktop.sync.format import SyncError
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.ops import StoreOp
from fupin_desktop.ui.sync_parts import STATUS_LABELS, SyncPageBase, _fill, _mono, _table

log = logging.getLogger(__name__)


class CountySide(SyncPageBase):
    """What the window shows and does on a county database."""

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

        def done(imported: Any) -> None:
            _fill(self.import_results, [[Path(r.batch).name, r.township_name or r.township or "", r.sequence or "",
                                         STATUS_LABELS[r.status], r.message] for r in imported.value])

        return self._run(f"正在导入 {len(paths)} 个批次…", work, done)

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
            change = resolve_conflict(self.store, int(conflict_id), resolution)
        except SyncError as exc:
            applog.refused(log, "冲突", exc)
            QMessageBox.warning(self, "冲突", str(exc))
        else:
            announce(self.store, change)
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
            announce(self.store, keys.register_township(self.repo, pub, self.store.operator))
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
