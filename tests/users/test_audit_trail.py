"""Every write path leaves an audit row naming the logged-in user (issue 18)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.domain.township import Village
from fupin_desktop.excel.exporter import export_workbook
from fupin_desktop.excel.importer import import_file
from fupin_desktop.printing.service import print_card, print_notice
from fupin_desktop.rules.policy import Policy
from fupin_desktop.store import Store
from fupin_desktop.store.access import LoginFailed
from tests.helpers import full_household
from tests.users.world import logged_in, township_with_users


def _new_household(s: Store, t: Path) -> object:
    return s.households.save(full_household(s.spec, seed=9, number="510822105001009"), s.operator)


def _edit(s: Store, t: Path) -> object:
    hh = s.households.get(s.households.ids()[0])
    assert hh is not None
    hh.fields["phone"] = "13912345678"
    return s.households.save(hh, s.operator)


def _failed_login(s: Store, t: Path) -> None:
    with pytest.raises(LoginFailed):
        s.accounts.login("张录入", "wrong")


def _import(s: Store, t: Path) -> object:
    export_workbook(s, t / "full.xlsx", layout="full")
    hh = s.households.get(s.households.ids()[0])
    assert hh is not None
    s.households.delete(s.households.ids()[0], s.operator)  # the import brings it back as new rows
    return import_file(s, t / "full.xlsx")


#: write path -> (what it does, the audit kind it must leave)
PATHS: dict[str, tuple[Callable[[Store, Path], object], str]] = {
    "new household": (_new_household, "edit"),
    "edit household": (_edit, "edit"),
    "delete household": (lambda s, t: s.households.delete(s.households.ids()[0], s.operator), "delete"),
    "restore household": (lambda s, t: (s.households.delete(s.households.ids()[0], s.operator),
                                        s.recycle.restore(s.recycle.list()[0].id, s.operator)), "restore"),
    "add village": (lambda s, t: s.townships.add_village(Village(name="新村", quota=10), s.operator), "edit"),
    "add group": (lambda s, t: s.townships.add_group(s.townships.villages()[0].id or 0, "九组", s.operator), "edit"),
    "policy": (lambda s, t: s.policy.put(Policy(publicity_days=9), s.operator), "edit"),
    "import excel": (_import, "import"),
    "export excel": (lambda s, t: export_workbook(s, t / "roster.xlsx"), "export"),
    "print card": (lambda s, t: print_card(s, s.households.ids()[0], t / "card.pdf"), "print"),
    "print notice": (lambda s, t: print_notice(s, "炉场村", "first", t / "notice.pdf"), "print"),
    "add user": (lambda s, t: s.accounts.add("赵新人", UserRole.CLERK, "new-pass-4"), "user"),
    "set password": (lambda s, t: s.accounts.set_password("张录入", "clerk-pass-new"), "user"),
    "unlock": (lambda s, t: s.accounts.unlock("张录入"), "user"),
    "change role": (lambda s, t: s.accounts.set_role("张录入", UserRole.REVIEWER), "user"),
    "disable": (lambda s, t: s.accounts.set_disabled("张录入", True), "user"),
    "remove user": (lambda s, t: s.accounts.remove("张录入"), "user"),
    "login": (lambda s, t: s.accounts.login("王管理", "admin-pass-1"), "login"),
    "failed login": (_failed_login, "failed_login"),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_write_path_leaves_an_audit_row(tmp_path: Path, path: str) -> None:
    db = township_with_users(tmp_path)
    store = logged_in(db, UserRole.ADMIN)
    try:
        before = store.db.integer("SELECT MAX(id) FROM audit")
        work, kind = PATHS[path]
        work(store, tmp_path)
        rows = store.db.query("SELECT operator, kind FROM audit WHERE id > ?", (before,))
        assert rows, f"{path} left no audit row"
        assert kind in {r["kind"] for r in rows}
        assert {r["operator"] for r in rows} == {"王管理"} or path == "failed login"
    finally:
        store.close()
