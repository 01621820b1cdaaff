"""The login at start-up, the first 管理员, the user management, the rights in the main window's
menus, the 操作记录 dialog (a scripted day's work, filtered, exported to Excel) and a household's
修改记录 tab -- real widgets, real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.printing.service import print_card
from fupin_desktop.store import Store
from fupin_desktop.ui.audit_view import AuditDialog
from fupin_desktop.ui.household_editor import HouseholdEditor
from fupin_desktop.ui.login_dialog import FirstAdminDialog, LoginDialog
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.users_dialog import UsersDialog
from tests.helpers import make_store
from tests.ui.conftest import DialogRecorder, dialogs  # noqa: F401 - the fixture
from tests.users.world import PASSWORDS, logged_in, township_with_users

SHOTS = Path("/tmp")


@pytest.fixture
def town(tmp_path: Path) -> Path:
    return township_with_users(tmp_path)


@pytest.fixture
def admin(town: Path) -> Iterator[Store]:
    store = logged_in(town, UserRole.ADMIN)
    yield store
    store.close()


def test_the_login_dialog_refuses_a_wrong_password_then_logs_in(qtbot, town: Path) -> None:
    store = Store(town)
    try:
        dialog = LoginDialog(store)
        qtbot.addWidget(dialog)
        dialog.name.setCurrentText("李审核")
        dialog.password.setText("wrong")
        assert not dialog.try_login()
        assert "再错 4 次" in dialog.error.text() and dialog.password.text() == ""
        dialog.show()
        dialog.grab().save(str(SHOTS / "fupin-users-login.png"))
        dialog.password.setText(PASSWORDS["李审核"])
        assert dialog.try_login() and dialog.result() == 1
        assert store.accounts.actor is not None and store.accounts.actor.role is UserRole.REVIEWER
    finally:
        store.close()


def test_the_first_start_creates_the_admin(qtbot, tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        dialog = FirstAdminDialog(store)
        qtbot.addWidget(dialog)
        dialog.name.setText("王管理")
        dialog.password.setText("admin-pass-1")
        dialog.again.setText("admin-pass-2")
        assert not dialog.create_admin() and "不一致" in dialog.error.text()
        dialog.again.setText("admin-pass-1")
        dialog.show()
        dialog.grab().save(str(SHOTS / "fupin-users-first-admin.png"))
        assert dialog.create_admin()
        assert [(u.name, u.role) for u in store.accounts.users.all()] == [("王管理", UserRole.ADMIN)]
        assert store.operator == "王管理"
    finally:
        store.close()


def test_the_main_window_shows_the_user_and_greys_out_what_the_role_may_not(qtbot, town: Path) -> None:
    clerk = logged_in(town, UserRole.CLERK)
    try:
        window = MainWindow(clerk)
        qtbot.addWidget(window)
        assert "用户：张录入（录入员）" in window.status_db.text()
        assert not window.act_delete.isEnabled() and "审核员或管理员" in window.act_delete.toolTip()
        assert not window.act_users.isEnabled() and not window.act_audit.isEnabled()
        assert not window.act_operator.isVisible()
        assert window.act_new.isEnabled() and window.act_export_excel.isEnabled()
    finally:
        clerk.close()
    admin = logged_in(town, UserRole.ADMIN)
    try:
        window = MainWindow(admin)
        qtbot.addWidget(window)
        window.show()
        window.grab().save(str(SHOTS / "fupin-users-main.png"))
        assert window.act_users.isEnabled() and window.act_audit.isEnabled() and window.act_delete.isEnabled()
    finally:
        admin.close()


def test_user_management_adds_resets_and_keeps_the_last_admin(qtbot, admin: Store,
                                                               dialogs: DialogRecorder) -> None:  # noqa: F811
    dialog = UsersDialog(admin)
    qtbot.addWidget(dialog)
    assert dialog.add_user("赵新人", UserRole.CLERK, "new-pass-4")
    assert [u.name for u in dialog.users] == ["王管理", "李审核", "张录入", "赵新人"]
    dialog.table.selectRow(0)
    assert not dialog.remove(confirm=False)
    assert "最后一个管理员" in dialogs.shown[-1][2]
    assert not dialog.change_role(UserRole.CLERK)
    dialog.table.selectRow(3)
    assert dialog.reset_password("another-pass-5")
    assert not dialog.add_user("钱短", UserRole.CLERK, "123")
    assert "至少" in dialogs.shown[-1][2]
    dialog.show()
    dialog.grab().save(str(SHOTS / "fupin-users-manage.png"))
    with Store(admin.path) as other:
        other.accounts.login("赵新人", "another-pass-5")


def test_the_audit_view_lists_a_scripted_day_filters_and_exports(qtbot, town: Path, tmp_path: Path) -> None:
    # The day: the clerk edits a household, fails to delete it, the reviewer prints its card.
    clerk = logged_in(town, UserRole.CLERK)
    first = clerk.households.ids()[0]
    hh = clerk.households.get(first)
    assert hh is not None
    old_phone = hh.fields.get("phone")
    hh.fields["phone"] = "13812345678"
    clerk.households.save(hh, clerk.operator)
    with pytest.raises(Exception, match="审核员或管理员"):
        clerk.households.delete(first, clerk.operator)
    clerk.close()
    reviewer = logged_in(town, UserRole.REVIEWER)
    print_card(reviewer, first, tmp_path / "card.pdf")
    try:
        dialog = AuditDialog(reviewer)
        qtbot.addWidget(dialog)
        kinds = {dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
        assert {"修改", "拒绝", "打印", "登录", "用户管理"} <= kinds
        dialog.user.setCurrentText("张录入")
        dialog.kind.setCurrentIndex(dialog.kind.findData("edit"))
        dialog.refresh()
        cells = [[dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
                 for r in range(dialog.table.rowCount())]
        assert len(cells) == 1 and cells[0][1] == "张录入" and cells[0][4] == hh.fields["number"]
        assert cells[0][7] == "户联系电话" or "电话" in cells[0][7]
        assert cells[0][8:] == [str(old_phone or ""), "13812345678"]
        dialog.user.setCurrentIndex(0)
        dialog.kind.setCurrentIndex(dialog.kind.findData("print"))
        dialog.refresh()
        assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "李审核"
        dialog.kind.setCurrentIndex(0)
        dialog.refresh()
        dialog.show()
        dialog.grab().save(str(SHOTS / "fupin-users-audit.png"))
        out = tmp_path / "操作记录.xlsx"
        assert dialog.export(str(out))
        book = openpyxl.load_workbook(out, read_only=True)
        rows = list(book["操作记录"].values)
        book.close()
        assert rows[0][:3] == ("时间", "用户", "类别") and len(rows) == dialog.table.rowCount() + 1
        assert any(r[1] == "张录入" and r[9] == "13812345678" for r in rows[1:])
        # The history tab of that household: who changed which field from what to what.
        editor = HouseholdEditor(reviewer, reviewer.households.get(first), draft="keep")
        qtbot.addWidget(editor)
        index = next(i for i in range(editor.form.count()) if editor.form.tabText(i) == "修改记录")
        tab = editor.form.widget(index)
        tab.refresh()
        history = [[tab.table.item(r, c).text() for c in range(tab.table.columnCount())]
                   for r in range(tab.table.rowCount())]
        assert ["张录入", "修改"] == history[1][1:3] or any(
            h[1] == "张录入" and h[6] == "13812345678" for h in history)
        editor.form.setCurrentIndex(index)
        editor.show()
        editor.grab().save(str(SHOTS / "fupin-users-history.png"))
        editor.undo_stack.setClean()  # pytest-qt closes it (closing deletes the editor)
    finally:
        reviewer.close()


def test_lists_mask_id_numbers_unless_the_role_may_see_them(qtbot, town: Path) -> None:
    for role, masked in ((UserRole.CLERK, True), (UserRole.REVIEWER, False)):
        store = logged_in(town, role)
        try:
            window = MainWindow(store)
            qtbot.addWidget(window)
            column = [key for key, _ in window.model.columns].index("head_id_number")
            shown = window.model.data(window.model.index(0, column))
            stored = window.model.summary(0).head_id_number
            assert len(stored) == 18 and (shown == stored[:6] + "********" + stored[-4:]) is masked
            assert (shown == stored) is not masked
        finally:
            store.close()


def test_the_print_centre_refuses_a_clerk_and_records_a_reviewer(qtbot, town: Path,
                                                                  dialogs: DialogRecorder) -> None:  # noqa: F811
    from fupin_desktop.ui.print_centre import PrintCentre

    for role in (UserRole.CLERK, UserRole.REVIEWER):
        store = logged_in(town, role)
        try:
            first = store.households.ids()[0]
            centre = PrintCentre(store, household_id=first)
            qtbot.addWidget(centre)
            before = store.db.integer("SELECT COUNT(*) FROM audit WHERE kind IN ('print', 'refused')")
            assert centre.generate() is not None
            qtbot.waitUntil(lambda c=centre: c._op is None, timeout=60_000)  # noqa: B023
            kinds = [r[0] for r in store.db.query("SELECT kind FROM audit WHERE kind IN ('print', 'refused')"
                                                  " ORDER BY id")][before:]
            if role is UserRole.CLERK:
                assert centre.result is None and kinds == ["refused"]
                assert "只有审核员或管理员可以" in dialogs.shown[-1][2]
            else:
                assert centre.result is not None and kinds == ["print"]
            centre.close()
        finally:
            store.close()


def test_a_role_changed_elsewhere_shows_in_the_menus_when_one_opens(qtbot, town: Path) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMenu

    clerk = logged_in(town, UserRole.CLERK)
    admin = logged_in(town, UserRole.ADMIN)
    try:
        window = MainWindow(clerk)
        qtbot.addWidget(window)
        window.show()
        assert not window.act_delete.isEnabled() and not window.act_carry.isEnabled()
        assert "审核员或管理员" in window.act_carry.toolTip()
        admin.accounts.set_role("张录入", UserRole.REVIEWER)  # the 管理员, at another PC
        menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title().startswith("年度"))
        menu.popup(QPoint(0, 0))  # the clerk opens the 年度 menu
        qtbot.waitUntil(menu.isVisible)
        menu.hide()
        assert window.act_carry.isEnabled() and window.act_delete.isEnabled()
        assert "审核员或管理员" not in window.act_carry.toolTip()
        admin.accounts.set_role("张录入", UserRole.CLERK)
        menu.popup(QPoint(0, 0))
        qtbot.waitUntil(menu.isVisible)
        menu.hide()
        assert not window.act_carry.isEnabled() and not window.act_delete.isEnabled()
        window.hide()
    finally:
        clerk.close()
        admin.close()
