"""Logging in at start-up, the first 管理员, and what the main window shows of who is logged in
(issue 18).

:func:`login_at_start` runs before the main window opens: a database with users asks for a name
and password (:class:`LoginDialog`: a wrong password says how many tries are left, a locked
account until when); a database without users offers to create its 管理员 now
(:class:`FirstAdminDialog`; 暂不设置 keeps it working without logins, as before).
:class:`Rights` greys out the menu actions the user's role may not do, with a tooltip naming
the roles that may, and keeps them current: it asks again whenever a menu opens and whenever the
window comes back to the front, so a role changed by a 管理员 elsewhere (another window, another
PC on the same file) shows at once, and a user removed elsewhere sees everything protected greyed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.roles import Action, UserRole, who_may
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.access import NotLoggedIn

log = logging.getLogger(__name__)


def error_label() -> QLabel:
    """The red line under a login-like form that says what went wrong (hidden until then)."""
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b3261e;")
    label.hide()
    return label


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(128)
    return edit


class LoginDialog(QDialog):
    """用户登录: the user's name (chosen from the list) and password."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("用户登录")
        self.setMinimumWidth(380)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.addItems([u.name for u in store.accounts.users.all() if not u.disabled])
        self.password = password_edit()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("用户名：", self.name)
        form.addRow("密码：", self.password)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("登录", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"数据库：{store.path.name}"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.password.setFocus()

    def try_login(self) -> bool:
        try:
            self.store.accounts.login(self.name.currentText(), self.password.text())
        except StoreError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.password.clear()
            self.password.setFocus()
            return False
        self.accept()
        return True


class FirstAdminDialog(QDialog):
    """设置管理员: the first user of a database, a 管理员; 暂不设置 keeps working without logins."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("设置管理员")
        self.setMinimumWidth(440)
        intro = QLabel("这个数据库还没有用户。请设置管理员：以后每次启动都要登录，"
                       "管理员可以添加录入员和审核员、重设忘记的密码。")
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setMaxLength(20)
        self.password = password_edit()
        self.again = password_edit()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("管理员姓名：", self.name)
        form.addRow("密码：", self.password)
        form.addRow("再输入一次：", self.again)
        buttons = QDialogButtonBox()
        buttons.addButton("设置并登录", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later = buttons.addButton("暂不设置", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.create_admin)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def create_admin(self) -> bool:
        if self.password.text() != self.again.text():
            return self._refuse("两次输入的密码不一致。")
        try:
            self.store.accounts.add(self.name.text(), UserRole.ADMIN, self.password.text())
            self.store.accounts.login(self.name.text(), self.password.text())
        except StoreError as exc:
            return self._refuse(str(exc))
        self.accept()
        return True

    def _refuse(self, text: str) -> bool:
        self.error.setText(text)
        self.error.show()
        return False


def login_at_start(store: Store) -> bool:
    """Log a user in before the main window opens; False if the clerk quit."""
    if store.read_only and not store.accounts.users.any():
        return True  # nothing can be written: no administrator to create
    if store.accounts.users.any():
        from fupin_desktop.ui.encryption_dialog import take_credentials

        unlocked_by = take_credentials(store.path)  # an encrypted database: its password was just given
        if unlocked_by is not None:
            try:
                store.accounts.login(*unlocked_by)
                return True
            except StoreError as exc:  # a locked or disabled account: the dialog says so
                applog.refused(log, "login", exc)
        return bool(LoginDialog(store).exec())
    FirstAdminDialog(store).exec()  # 暂不设置: go on without users, as before
    return True


def who(store: Store) -> str:
    """The status bar's “用户：王管理（管理员）” (or the 录入员 setting while there are no users)."""
    try:
        actor = store.accounts.current()
    except NotLoggedIn:
        return "用户：未登录"
    if actor is not None:
        return f"用户：{actor.name}（{actor.role.value}）"
    if store.accounts.users.any():
        return "用户：未登录"
    return f"录入员：{store.operator}"


class Rights:
    """The protected menu actions of a window and the role that may use each (see the module)."""

    READ_ONLY_TIP = "数据库以只读方式打开，不能修改"
    UNAVAILABLE_TIP = "在 PostgreSQL 接收端数据库上不可用（请在县级数据库文件上使用）"

    def __init__(self, store: Store, actions: dict[Action, Any], *, writes: Sequence[Any] = (),
                 unavailable: Sequence[Any] = ()) -> None:
        self.store = store
        self.actions = actions
        self.writes = list(writes)  # switched off on a database opened read-only, whatever the role
        self.unavailable = list(unavailable)  # what the database does not offer (a PostgreSQL server)
        self.tips = {id(act): act.toolTip() for act in actions.values()}

    def refresh(self) -> None:
        """Enable what the logged-in user may do now (one look at the users table per action)."""
        read_only = self.store.read_only
        for act in self.unavailable:
            act.setEnabled(False)
            act.setToolTip(self.UNAVAILABLE_TIP)
        for action, act in self.actions.items():
            if any(act is u for u in self.unavailable):
                continue
            if read_only and any(act is w for w in self.writes):
                act.setEnabled(False)
                act.setToolTip(self.READ_ONLY_TIP)
            elif self.store.may(action):
                act.setEnabled(True)
                act.setToolTip(self.tips[id(act)])
            else:
                act.setEnabled(False)
                act.setToolTip(f"只有{who_may(action)}可以{action.value}")


def refused(parent: QWidget | None, title: str, exc: StoreError) -> None:
    """A refusal the store raised (a role without the right), said in a message box."""
    from PySide6.QtWidgets import QMessageBox

    applog.refused(log, title, exc)
    QMessageBox.warning(parent, title, str(exc))
