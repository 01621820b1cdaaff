"""设置 → 用户管理 (管理员 only): add users, reset a forgotten password, unlock, change a role,
disable or remove a user (issue 18).  Every change goes through ``store.accounts`` (which
refuses the last 管理员's removal and audits each change); a refusal is shown, nothing changed.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import applog
from fupin_desktop.domain.clock import local_time
from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.users import User

log = logging.getLogger(__name__)


class NewUserDialog(QDialog):
    """添加用户: name, role, password twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("添加用户")
        self.name = QLineEdit()
        self.name.setMaxLength(20)
        self.role = QComboBox()
        self.role.addItems([r.value for r in UserRole])
        self.password = QLineEdit()
        self.again = QLineEdit()
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        form.addRow("用户名：", self.name)
        form.addRow("角色：", self.role)
        form.addRow("密码：", self.password)
        form.addRow("再输入一次：", self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class UsersDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("用户管理")
        self.resize(620, 360)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["用户名", "角色", "状态", "建立时间"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        buttons = QHBoxLayout()
        for text, slot in (("添加用户…", self.add_user), ("重设密码…", self.reset_password), ("解锁", self.unlock),
                           ("改变角色…", self.change_role), ("停用/启用", self.toggle_disabled), ("删除", self.remove)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=slot: s())
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        roles = QLabel("录入员：录入和修改户档案；审核员：另可删除和恢复户、导入、打印和导出完整资料、数据交换、"
                       "查看操作记录；管理员：另可管理用户、政策参数、数据交换密钥、备份与恢复。")
        roles.setWordWrap(True)
        layout.addWidget(roles)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.users: list[User] = []
        self.refresh()

    def refresh(self) -> None:
        self.users = self.store.accounts.users.all()
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            state = "已停用" if user.disabled else (f"锁定至 {local_time(user.locked_until)}" if user.locked_until
                                                  else "正常")
            for col, text in enumerate((user.name, user.role.value, state, local_time(user.created_at))):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def selected(self) -> User | None:
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) else None

    def _do(self, what: str, change: object) -> bool:
        try:
            change()  # type: ignore[operator]
        except StoreError as exc:
            applog.refused(log, f"users {what}", exc)
            QMessageBox.warning(self, "用户管理", str(exc))
            return False
        self.refresh()
        return True

    def add_user(self, name: str | None = None, role: UserRole | None = None, password: str | None = None) -> bool:
        if name is None or role is None or password is None:
            form = NewUserDialog(self)
            if not form.exec():
                return False
            if form.password.text() != form.again.text():
                QMessageBox.warning(self, "用户管理", "两次输入的密码不一致，没有添加用户。")
                return False
            name, role, password = form.name.text(), UserRole(form.role.currentText()), form.password.text()
        return self._do("add", lambda: self.store.accounts.add(name, role, password))  # type: ignore[arg-type]

    def reset_password(self, password: str | None = None) -> bool:
        user = self.selected()
        if user is None:
            return False
        if password is None:
            password, ok = QInputDialog.getText(self, "重设密码", f"“{user.name}”的新密码：", QLineEdit.EchoMode.Password)
            if not ok:
                return False
        return self._do("password", lambda: self.store.accounts.set_password(user.name, password))

    def unlock(self) -> bool:
        user = self.selected()
        return user is not None and self._do("unlock", lambda: self.store.accounts.unlock(user.name))

    def change_role(self, role: UserRole | None = None) -> bool:
        user = self.selected()
        if user is None:
            return False
        if role is None:
            names = [r.value for r in UserRole]
            text, ok = QInputDialog.getItem(self, "改变角色", f"“{user.name}”的角色：", names,
                                            names.index(user.role.value), False)
            if not ok:
                return False
            role = UserRole(text)
        return self._do("role", lambda: self.store.accounts.set_role(user.name, role))  # type: ignore[arg-type]

    def toggle_disabled(self) -> bool:
        user = self.selected()
        return user is not None and self._do(
            "disable", lambda: self.store.accounts.set_disabled(user.name, not user.disabled))

    def remove(self, confirm: bool = True) -> bool:
        user = self.selected()
        if user is None:
            return False
        if confirm and QMessageBox.question(self, "删除用户", f"删除用户“{user.name}”？操作记录里仍保留其姓名。") \
                != QMessageBox.StandardButton.Yes:
            return False
        return self._do("remove", lambda: self.store.accounts.remove(user.name))
