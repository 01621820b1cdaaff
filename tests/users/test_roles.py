"""Each role logs in and tries every protected action: the allowed ones succeed, the others are
refused with a Chinese message naming the roles that may, nothing changed, the attempt audited."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.casework.core import CaseError, advance
from fupin_desktop.domain.roles import PERMISSIONS, Action, UserRole, may, who_may
from fupin_desktop.excel.exporter import export_workbook
from fupin_desktop.excel.importer import import_file
from fupin_desktop.printing.service import print_card, print_notice
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store, backups, restore
from fupin_desktop.store.access import NotLoggedIn, PermissionDenied
from fupin_desktop.sync import keys
from fupin_desktop.sync.export import export_batch
from fupin_desktop.sync.format import SyncError
from tests.users.world import BY_ROLE, logged_in, township_with_users


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = township_with_users(tmp_path_factory.mktemp("template"))
    store = Store(path)  # a deleted household to restore, a full export to import, a backup to restore
    store.accounts.login("王管理", "admin-pass-1")
    store.households.delete(store.households.ids()[-1], store.operator)
    export_workbook(store, path.parent / "full.xlsx", layout="full")
    backups.create(store.db, to=path.parent / "backups")
    store.close()
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template (by SQLite's backup API) for each try."""
    target = tmp_path / "township.db"
    src, dst = sqlite3.connect(template), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def _first(store: Store) -> int:
    return store.households.ids()[0]


def _deleted(store: Store) -> int:
    return store.recycle.list()[0].id


TRIES: dict[Action, Callable[[Store, Path, Path], object]] = {
    Action.EDIT_HOUSEHOLD: lambda s, t, tpl: s.households.save(s.households.get(_first(s)), s.operator),  # type: ignore[arg-type]
    Action.DELETE_HOUSEHOLD: lambda s, t, tpl: s.households.delete(_first(s), s.operator),
    Action.RESTORE_HOUSEHOLD: lambda s, t, tpl: s.recycle.restore(_deleted(s), s.operator),
    Action.IMPORT_EXCEL: lambda s, t, tpl: import_file(s, tpl.parent / "full.xlsx"),
    Action.EXPORT_ROSTER: lambda s, t, tpl: export_workbook(s, t / "roster.xlsx", layout="national"),
    Action.EXPORT_FULL: lambda s, t, tpl: export_workbook(s, t / "full.xlsx", layout="full"),
    Action.PRINT_NOTICE: lambda s, t, tpl: print_notice(s, "炉场村", "first", t / "notice.pdf"),
    Action.PRINT_FULL: lambda s, t, tpl: print_card(s, _first(s), t / "card.pdf"),
    Action.READ_AUDIT: lambda s, t, tpl: s.audit_rows(),
    Action.DECIDE: lambda s, t, tpl: advance(s, [_first(s)], date.today()),
    Action.SYNC: lambda s, t, tpl: export_batch(s, t / "out", passphrase="x" * 12),
    Action.SYNC_KEYS: lambda s, t, tpl: keys.init_county(s.sync, "510822", "青川县", "county-passphrase-1"),
    Action.POLICY: lambda s, t, tpl: s.policy.put(Policy(), s.operator),
    Action.BACKUP: lambda s, t, tpl: backups.create(s.db, to=t / "mine"),
    Action.USERS: lambda s, t, tpl: s.accounts.add("赵新人", UserRole.CLERK, "new-pass-4"),
}
#: Allowed, the action may still stop for its own reason (no county key trusted yet, say).
OWN_REFUSALS = (SyncError, CaseError)


def _audit_counts(store: Store) -> tuple[int, int]:
    rows = store.db.query("SELECT kind FROM audit")
    return sum(r[0] == "refused" for r in rows), sum(r[0] not in ("refused", "login") for r in rows)


@pytest.mark.parametrize("role", list(UserRole), ids=[r.name for r in UserRole])
@pytest.mark.parametrize("action", list(TRIES), ids=[a.name for a in TRIES])
def test_every_role_tries_every_protected_action(db: Path, tmp_path: Path, template: Path, role: UserRole,
                                                 action: Action) -> None:
    work = tmp_path / "work"
    work.mkdir()
    store = logged_in(db, role)
    try:
        refused_before, done_before = _audit_counts(store)
        households_before = store.households.count()
        if may(role, action):
            try:
                TRIES[action](store, work, template)
            except OWN_REFUSALS:
                pass
            assert _audit_counts(store)[0] == refused_before
        else:
            with pytest.raises(PermissionDenied) as refused:
                TRIES[action](store, work, template)
            message = str(refused.value)
            assert BY_ROLE[role] in message and role.value in message and who_may(action) in message
            assert "数据未作改动" in message
            refused_after, done_after = _audit_counts(store)
            assert refused_after == refused_before + 1
            assert done_after == done_before  # nothing else written: no edit, print, export row
            assert store.households.count() == households_before
            assert not any(work.iterdir())  # no file written either
            row = store.db.one("SELECT operator, field FROM audit WHERE kind = 'refused' ORDER BY id DESC LIMIT 1")
            assert (row[0], row[1]) == (BY_ROLE[role], action.name)
    finally:
        store.close()


def test_the_table_covers_every_action_and_the_admin_may_everything() -> None:
    assert set(PERMISSIONS) == set(Action)
    assert all(may(UserRole.ADMIN, a) for a in Action)
    assert who_may(Action.PRINT_FULL) == "审核员或管理员"
    assert not may("访客", Action.EDIT_HOUSEHOLD)


def test_nobody_logged_in_is_refused_once_users_exist(db: Path) -> None:
    store = Store(db)
    try:
        hh = store.households.get(_first(store))
        assert hh is not None
        with pytest.raises(NotLoggedIn, match="登录"):
            store.households.save(hh, store.operator)
        with pytest.raises(NotLoggedIn, match="登录"):
            store.require(Action.PRINT_FULL)
        assert store.db.integer("SELECT COUNT(*) FROM audit WHERE kind = 'refused' AND operator = '（未登录）'") >= 1
    finally:
        store.close()


def test_a_removed_user_is_logged_out_everywhere(db: Path) -> None:
    clerk = logged_in(db, UserRole.CLERK)
    admin = logged_in(db, UserRole.ADMIN)
    try:
        admin.accounts.remove("张录入")
        hh = clerk.households.get(_first(clerk))
        assert hh is not None
        with pytest.raises(NotLoggedIn, match="张录入.*已被管理员删除或停用"):
            clerk.households.save(hh, clerk.operator)
    finally:
        clerk.close()
        admin.close()


def test_a_role_changed_elsewhere_is_taken_up_at_once(db: Path, tmp_path: Path) -> None:
    reviewer = logged_in(db, UserRole.REVIEWER)
    admin = logged_in(db, UserRole.ADMIN)
    try:
        print_card(reviewer, _first(reviewer), tmp_path / "a.pdf")
        admin.accounts.set_role("李审核", UserRole.CLERK)
        with pytest.raises(PermissionDenied, match="录入员"):
            print_card(reviewer, _first(reviewer), tmp_path / "b.pdf")
    finally:
        reviewer.close()
        admin.close()


def test_restoring_a_backup_is_for_the_admin(db: Path, template: Path) -> None:
    backup = next((template.parent / "backups").glob("*.db"))
    store = logged_in(db, UserRole.REVIEWER)
    try:
        with pytest.raises(PermissionDenied, match="只有管理员可以"):
            restore.restore(store.db, backup)
    finally:
        store.close()
