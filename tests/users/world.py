"""A township database with one user of each role (issue 18's tests)."""

from __future__ import annotations

from pathlib import Path

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import Store
from tests.helpers import full_household, make_store

PASSWORDS = {"王管理": "admin-pass-1", "李审核": "review-pass-2", "张录入": "clerk-pass-3"}
ROLES = {"王管理": UserRole.ADMIN, "李审核": UserRole.REVIEWER, "张录入": UserRole.CLERK}
BY_ROLE = {role: name for name, role in ROLES.items()}


def township_with_users(tmp_path: Path, households: int = 3) -> Path:
    """A township file with ``households`` households and the three users; returns its path."""
    store = make_store(tmp_path)
    for seed in range(1, households + 1):
        store.households.save(full_household(store.spec, seed=seed, number=f"51082210500100{seed}"), "测试")
    add_users(store)
    path = store.path
    store.close()
    return path


def add_users(store: Store) -> None:
    """The three users (one per role) on an open store, left logged in as the 管理员."""
    store.accounts.add("王管理", UserRole.ADMIN, PASSWORDS["王管理"])
    store.accounts.login("王管理", PASSWORDS["王管理"])
    for name in ("李审核", "张录入"):
        store.accounts.add(name, ROLES[name], PASSWORDS[name])


def logged_in(path: Path, role: UserRole) -> Store:
    store = Store(path)
    name = BY_ROLE[role]
    store.accounts.login(name, PASSWORDS[name])
    return store
