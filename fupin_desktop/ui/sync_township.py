"""The township half of the 数据交换 page: keys, export to a U 盘 or folder, batches, upload, feedback."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from fupin_desktop import applog
from fupin_desktop.domain.clock import local_time
from fupin_desktop.store import Store, settings
from fupin_desktop.sync import keys
from fupin_desktop.sync.drives import removable_drives
from fupin_desktop.sync.feedback import STATE_LABELS, latest_feedback_view
from fupin_desktop.sync.format import SyncError
from fupin_desktop.ui.changes import announce
from fupin_desktop.ui.ops import StoreOp
from fupin_desktop.ui.sync_parts import SyncPageBase, _fill, _mono, _table

log = logging.getLogger(__name__)


class TownshipSide(SyncPageBase):
    """What the window shows and does on a township database."""

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
            announce(self.store, keys.trust_county(self.repo, pub, replace=replacing))
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
            imported = import_feedback(self.store, path)
        except SyncError as exc:
            applog.refused(log, "导入反馈", exc)
            QMessageBox.warning(self, "导入反馈", str(exc))
            return None
        announce(self.store, imported.change)
        self.refresh()
        return imported.value

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
