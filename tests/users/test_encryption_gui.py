"""Encryption at rest in the GUI (issue 18): the unlock at start-up and 工具 → 加密数据库 / 解密数据库
-- real widgets, real files, the conversion run off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import Store, cipher
from fupin_desktop.ui import encryption_dialog
from fupin_desktop.ui.encryption_dialog import EncryptionDialog, UnlockDialog, take_credentials
from fupin_desktop.ui.login_dialog import login_at_start
from fupin_desktop.ui.main_window import MainWindow
from tests.ui.conftest import DialogRecorder, dialogs  # noqa: F401 - the fixture
from tests.users.test_encryption import fupin
from tests.users.world import PASSWORDS, logged_in, township_with_users

ADMIN = "王管理"


def test_an_encrypted_database_is_unlocked_by_a_users_password_which_also_logs_in(qtbot, tmp_path: Path) -> None:
    db = township_with_users(tmp_path)
    assert fupin("encrypt", "--db", str(db), "--user", ADMIN).returncode == 0
    dialog = UnlockDialog(db)
    qtbot.addWidget(dialog)
    assert [dialog.name.itemText(i) for i in range(dialog.name.count())] == sorted(PASSWORDS)
    dialog.name.setCurrentText("李审核")
    dialog.password.setText("wrong-password")
    assert not dialog.try_unlock()
    assert "用户名或密码不正确" in dialog.error.text() and cipher.key_for(db) is None
    dialog.show()
    dialog.grab().save("/tmp/fupin-unlock.png")
    dialog.password.setText(PASSWORDS["李审核"])
    assert dialog.try_unlock() and cipher.key_for(db) is not None
    with Store(db) as store:
        assert login_at_start(store)  # no second question: the unlock's name and password log in
        assert store.accounts.actor is not None and store.accounts.actor.name == "李审核"
    assert take_credentials(db) is None  # (used once)


def test_an_admin_encrypts_the_open_database_from_the_tools_menu_and_decrypts_it_again(
        qtbot, tmp_path: Path, dialogs: DialogRecorder) -> None:  # noqa: F811
    db = township_with_users(tmp_path)
    encryption_dialog.reopened.clear()
    window = MainWindow(logged_in(db, UserRole.ADMIN))
    window.show()
    households = window.store.households.count()
    assert window.act_encryption.isEnabled() and window.act_encryption.text().startswith("加密数据库")
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, EncryptionDialog)
        dialog.grab().save(f"/tmp/fupin-{'encrypt' if dialog.encrypt else 'decrypt'}-dialog.png")
        dialog.password.setText("wrong-password")
        dialog.ok.click()  # refused, the dialog stays
        asked.append(dialog.error.text())
        dialog.password.setText(PASSWORDS[ADMIN])
        dialog.ok.click()

    QTimer.singleShot(0, answer)
    window.act_encryption.trigger()
    qtbot.waitUntil(lambda: len(encryption_dialog.reopened) == 1, timeout=180_000)
    assert "用户名或密码不正确" in asked[0]
    assert not window.isVisible()
    encrypted = encryption_dialog.reopened[-1]
    qtbot.addWidget(encrypted)
    assert encrypted.store.db.key is not None and cipher.is_encrypted(db)
    assert encrypted.store.households.count() == households
    assert encrypted.store.accounts.actor is not None and encrypted.store.accounts.actor.name == ADMIN
    assert dialogs.shown[-1][0] == "information" and "数据库已加密" in dialogs.shown[-1][2]
    assert encrypted.act_encryption.text().startswith("解密数据库")

    QTimer.singleShot(0, answer)
    encrypted.act_encryption.trigger()
    qtbot.waitUntil(lambda: len(encryption_dialog.reopened) == 2, timeout=180_000)
    plain = encryption_dialog.reopened[-1]
    qtbot.addWidget(plain)
    assert plain.store.db.key is None and not cipher.is_encrypted(db)
    assert plain.store.households.count() == households
    assert "数据库已解密" in dialogs.shown[-1][2]
    plain.close()
    plain.store.close()


def test_only_an_admin_may_turn_encryption_on(qtbot, tmp_path: Path) -> None:
    db = township_with_users(tmp_path)
    window = MainWindow(logged_in(db, UserRole.REVIEWER))
    qtbot.addWidget(window)
    try:
        assert not window.act_encryption.isEnabled()
        assert "只有管理员可以加密或解密数据库" in window.act_encryption.toolTip()
    finally:
        window.store.close()
