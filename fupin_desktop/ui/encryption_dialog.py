"""Encryption at rest in the GUI (issue 18): unlocking an encrypted database at start-up, and
工具 → 加密数据库 / 解密数据库 for a 管理员.

:func:`unlock_interactive` runs before an encrypted database is opened (ui/app.py): the
:class:`UnlockDialog` asks for a user's name and password, which open that user's wrap of the
data key (store/cipher.py); the login that follows takes the same name and password
(:func:`take_credentials`) instead of asking again.

:func:`toggle_encryption` converts the open database (store/encryption.py): the 管理员 confirms
with their password (checked on the open database first: a wrong one changes nothing), the main
window closes (open forms are asked about as when quitting) and lets go of the file, the
conversion runs off the GUI thread with a progress dialog, and a new main window opens on the
converted file, logged in as the same 管理员 -- or on the file as it was, if the conversion
failed (the message says why).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog, inuse
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import Store, StoreError, cipher, encryption
from fupin_desktop.ui.login_dialog import error_label as _error_label
from fupin_desktop.ui.login_dialog import password_edit as _password_edit
from fupin_desktop.ui.ops import BackgroundOp

if TYPE_CHECKING:
    from fupin_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

_credentials: dict[Path, tuple[str, str]] = {}


def _fit(dialog: QDialog) -> None:
    """As tall as the wrapped text needs at the dialog's width (a label's height-for-width is not
    taken into account by the dialog's own size hint: the text would be clipped)."""
    layout = dialog.layout()
    if layout is None:
        return
    width = max(dialog.width(), dialog.minimumWidth())
    dialog.setMinimumHeight(layout.totalHeightForWidth(width))
    dialog.resize(width, layout.totalHeightForWidth(width))


class UnlockDialog(QDialog):
    """数据库已加密: a user's name and password open the database's key."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle("打开加密的数据库")
        self.name = QComboBox()
        self.name.setEditable(True)
        self.error = _error_label()
        try:
            self.name.addItems(cipher.names(path))
        except StoreError as exc:  # the key file is missing or damaged: said at once
            self.error.setText(str(exc))
            self.error.show()
        self.password = _password_edit()
        intro = QLabel(f"数据库 {path.name} 已加密。请输入您的用户名和密码打开它（也用于登录）。")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("用户名：", self.name)
        form.addRow("密码：", self.password)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("打开", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(440)
        _fit(self)
        self.password.setFocus()

    def try_unlock(self) -> bool:
        name, password = self.name.currentText(), self.password.text()
        try:
            cipher.unlock(self.path, name, password)
        except StoreError as exc:
            applog.refused(log, "unlock database", exc)
            self.error.setText(str(exc))
            self.error.show()
            _fit(self)
            self.password.clear()
            self.password.setFocus()
            return False
        _credentials[self.path.resolve()] = (name, password)
        self.accept()
        return True


def unlock_interactive(path: Path) -> bool:
    """Unlock ``path`` if it is encrypted and locked; False if the clerk quit."""
    if not cipher.is_encrypted(path) or cipher.key_for(path) is not None:
        return True
    return bool(UnlockDialog(path).exec())


def take_credentials(path: Path) -> tuple[str, str] | None:
    """The name and password that unlocked ``path`` (once: for the login that follows)."""
    return _credentials.pop(path.resolve(), None)


class EncryptionDialog(QDialog):
    """加密数据库 / 解密数据库: what it does, and the 管理员's password to confirm."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.encrypt = store.db.key is None
        verb = "加密" if self.encrypt else "解密"
        self.setWindowTitle(f"{verb}数据库")
        if self.encrypt:
            text = ("加密后，数据库文件、它的备份和草稿都是加密的：复制走的文件或丢失的电脑不会泄露其中的个人信息。"
                    "每个用户用自己的密码打开数据库；数据库旁会多一个密钥文件（.keys），请与数据库放在一起、一起备份。"
                    "加密前会先自动备份，全部数据保留。加密之前做的旧备份没有加密，请妥善保管或删除。")
        else:
            text = ("解密后，数据库文件不再加密：任何人复制走它都能读到其中的个人信息。解密前会先自动备份"
                    "（加密的），全部数据保留。")
        intro = QLabel(text + f"\n\n{verb}期间主窗口会关闭，完成后自动重新打开。")
        intro.setWordWrap(True)
        self.password = _password_edit()
        self.error = _error_label()
        form = QFormLayout()
        actor = store.accounts.actor
        form.addRow("管理员：", QLabel(actor.name if actor else ""))
        form.addRow("密码：", self.password)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(f"{verb}", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(520)
        _fit(self)

    def confirm(self) -> bool:
        """Check the password on the open database (a wrong one counts, as at the login)."""
        actor = self.store.accounts.actor
        try:
            if actor is None:
                raise StoreError("请先以管理员身份登录。")
            self.store.accounts.login(actor.name, self.password.text())
            self.store.require(Action.ENCRYPTION)
        except StoreError as exc:
            self.error.setText(str(exc))
            self.error.show()
            _fit(self)
            self.password.clear()
            return False
        self.accept()
        return True


def _held_lock(path: Path) -> inuse.InUseLock | None:
    from fupin_desktop.ui import app

    return next((lock for lock in app._held if lock.path.resolve() == inuse.lock_path(path).resolve()), None)  # noqa: SLF001


def toggle_encryption(window: MainWindow) -> None:
    """工具 → 加密数据库 / 解密数据库 (see the module docstring)."""
    dialog = EncryptionDialog(window.store, window)
    if not dialog.exec():
        return
    actor = window.store.accounts.actor
    assert actor is not None
    user, password, encrypt = actor.name, dialog.password.text(), dialog.encrypt
    qapp: Any = QApplication.instance()
    qapp.setQuitOnLastWindowClosed(False)
    if not window.close():  # an open form the clerk kept
        qapp.setQuitOnLastWindowClosed(True)
        return
    path = window.store.path
    window.store.close()
    lock = _held_lock(path)
    verb = "加密" if encrypt else "解密"

    def work(progress: Any, cancelled: Any) -> encryption.Converted:
        return encryption.convert(path, encrypt=encrypt, user=user, password=password, lock=lock,
                                  progress=lambda done, total, what: progress(done, total))

    def reopen(outcome: object) -> None:
        if isinstance(outcome, BaseException):
            QMessageBox.warning(None, f"{verb}数据库", f"{verb}没有完成：{outcome}")
        else:
            assert isinstance(outcome, encryption.Converted)
            QMessageBox.information(None, f"{verb}数据库", f"数据库已{verb}（{outcome.tables} 张表 {outcome.rows} 行，"
                                    f"全部保留）。{verb}前的备份：{outcome.backup.name}")
        open_window(path, user, password)
        qapp.setQuitOnLastWindowClosed(True)

    BackgroundOp(None, f"正在{verb}数据库…", work, on_success=reopen, on_failure=reopen, cancellable=False).start()


#: The main windows opened after a conversion (kept alive; their stores close when the program quits).
reopened: list[Any] = []


def open_window(path: Path, user: str, password: str) -> MainWindow:
    """A new main window on ``path``, logged in as ``user``."""
    from fupin_desktop.ui.main_window import MainWindow

    store = Store(path, check=False)
    store.accounts.login(user, password)
    window = MainWindow(store)
    qapp: Any = QApplication.instance()
    qapp.aboutToQuit.connect(store.close)
    reopened.append(window)
    window.show()
    return window
