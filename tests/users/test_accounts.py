"""Users, passwords, lock-out, the last 管理员, the audit trail's protection, and the ``fupin user``
and ``fupin audit`` commands (real subprocesses, the password from FUPIN_PASSWORD)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import Store
from fupin_desktop.store.access import AccountLocked, LoginFailed, UserRefused
from tests.helpers import full_household, make_store
from tests.users.world import PASSWORDS, township_with_users


def fupin(*argv: str, password: str | None = None, new: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FUPIN_PASSWORD", "FUPIN_NEW_PASSWORD")}
    if password is not None:
        env["FUPIN_PASSWORD"] = password
    if new is not None:
        env["FUPIN_NEW_PASSWORD"] = new
    return subprocess.run([sys.executable, "-m", "fupin_desktop.cli", *argv], capture_output=True, text=True,
                          encoding="utf-8", env=env, stdin=subprocess.DEVNULL, timeout=120)


def test_a_database_without_users_works_as_before(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        saved = store.households.save(full_household(store.spec, seed=1), store.operator)
        store.households.delete(saved.id or 0, store.operator)  # no login, no role: as before issue 18
        assert store.db.one("SELECT operator FROM audit ORDER BY id DESC LIMIT 1")[0] == "录入员"
    finally:
        store.close()


def test_the_first_user_is_an_admin_and_passwords_are_argon2_hashes(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    try:
        with pytest.raises(UserRefused, match="第一个用户必须是管理员"):
            store.accounts.add("张录入", UserRole.CLERK, "clerk-pass-3")
        with pytest.raises(UserRefused, match="至少"):
            store.accounts.add("王管理", UserRole.ADMIN, "abc")
        store.accounts.add("王管理", UserRole.ADMIN, "admin-pass-1")
        digest = store.db.one("SELECT password_hash FROM users")[0]
        assert digest.startswith("$argon2id$") and "admin-pass-1" not in digest
        with pytest.raises(UserRefused, match="已经存在"):
            store.accounts.login("王管理", "admin-pass-1")
            store.accounts.add("王管理", UserRole.CLERK, "another-1")
    finally:
        store.close()
    assert b"admin-pass-1" not in (tmp_path / "township.db").read_bytes()  # closed: safe to read


def test_five_wrong_passwords_lock_for_fifteen_minutes_and_the_admin_unlocks(tmp_path: Path) -> None:
    path = township_with_users(tmp_path)
    store = Store(path)
    try:
        for left in (4, 3, 2, 1):
            with pytest.raises(LoginFailed, match=f"再错 {left} 次"):
                store.accounts.login("张录入", "wrong")
        with pytest.raises(AccountLocked, match="锁定 15 分钟"):
            store.accounts.login("张录入", "wrong")
        with pytest.raises(AccountLocked, match="分钟后再试"):  # even the right password now
            store.accounts.login("张录入", PASSWORDS["张录入"])
        until = datetime.fromisoformat(store.db.one("SELECT locked_until FROM users WHERE name = '张录入'")[0])
        assert timedelta(minutes=14) < until - datetime.now(UTC) <= timedelta(minutes=15)
        store.accounts.login("王管理", PASSWORDS["王管理"])
        store.accounts.unlock("张录入")
        store.accounts.login("张录入", PASSWORDS["张录入"])
        kinds = [r[0] for r in store.db.query("SELECT kind FROM audit WHERE entity_uuid = '张录入' ORDER BY id")]
        assert kinds.count("failed_login") == 6 and kinds[-1] == "login" and "user" in kinds
    finally:
        store.close()


def test_an_expired_lock_lets_the_user_in_again(tmp_path: Path) -> None:
    path = township_with_users(tmp_path)
    store = Store(path)
    try:
        for _ in range(5):
            with pytest.raises(LoginFailed):
                store.accounts.login("李审核", "wrong")
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        with store.db.transaction():
            store.db.execute("UPDATE users SET locked_until = ? WHERE name = '李审核'", (past,))
        store.accounts.login("李审核", PASSWORDS["李审核"])
        assert store.db.one("SELECT failed_count, locked_until FROM users WHERE name = '李审核'")[:] == (0, None)
    finally:
        store.close()


def test_the_last_admin_cannot_be_removed_disabled_or_demoted(tmp_path: Path) -> None:
    path = township_with_users(tmp_path)
    store = Store(path)
    try:
        store.accounts.login("王管理", PASSWORDS["王管理"])
        for attempt in (lambda: store.accounts.remove("王管理"), lambda: store.accounts.set_disabled("王管理", True),
                        lambda: store.accounts.set_role("王管理", UserRole.CLERK)):
            with pytest.raises(UserRefused, match="最后一个管理员"):
                attempt()
        store.accounts.set_role("李审核", UserRole.ADMIN)
        store.accounts.set_role("王管理", UserRole.REVIEWER)  # another 管理员 now exists
        assert {u.name: u.role for u in store.accounts.users.all()}["王管理"] is UserRole.REVIEWER
    finally:
        store.close()


def test_audit_rows_cannot_be_changed_or_removed(tmp_path: Path) -> None:
    path = township_with_users(tmp_path)
    conn = sqlite3.connect(path)
    try:
        for sql in ("UPDATE audit SET operator = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="audit rows cannot"):
                conn.execute(sql)
        assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] > 0
    finally:
        conn.close()


def test_the_user_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    assert fupin("demo", "--db", db, "--households", "5").returncode == 0
    refused = fupin("user", "add", "张录入", "--role", "录入员", "--db", db, new="clerk-pass-3")
    assert refused.returncode == 2 and "第一个用户必须是管理员" in refused.stderr
    assert fupin("user", "add", "王管理", "--role", "管理员", "--db", db, password="admin-pass-1").returncode == 0
    bad_role = fupin("user", "add", "x", "--role", "组长", "--db", db)
    assert bad_role.returncode == 2 and "录入员、审核员、管理员" in bad_role.stderr
    no_login = fupin("user", "add", "张录入", "--role", "录入员", "--db", db, new="clerk-pass-3")
    assert no_login.returncode == 2 and "登录" in no_login.stderr
    ok = fupin("user", "add", "张录入", "--role", "录入员", "--db", db, "--user", "王管理",
               password="admin-pass-1", new="clerk-pass-3")
    assert ok.returncode == 0, ok.stderr
    listed = json.loads(fupin("user", "list", "--db", db, "--json").stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("王管理", "管理员"), ("张录入", "录入员")]
    assert "hash" not in json.dumps(listed)
    # A write without --user is refused once users exist; with the wrong password too.
    policy = fupin("policy", "set", "--db", db, "--publicity-days", "9")
    assert policy.returncode == 2 and "--user" in policy.stderr
    wrong = fupin("policy", "set", "--db", db, "--publicity-days", "9", "--user", "王管理", password="nope")
    assert wrong.returncode == 2 and "密码不正确" in wrong.stderr
    clerk = fupin("policy", "set", "--db", db, "--publicity-days", "9", "--user", "张录入", password="clerk-pass-3")
    assert clerk.returncode == 2 and "只有管理员可以" in clerk.stderr
    # A forgotten password: the 管理员 sets a new one; the clerk changes their own.
    assert fupin("user", "passwd", "张录入", "--db", db, "--user", "王管理", password="admin-pass-1",
                 new="clerk-pass-new").returncode == 0
    assert fupin("user", "passwd", "张录入", "--db", db, "--user", "张录入", password="clerk-pass-new",
                 new="clerk-pass-3").returncode == 0
    for _ in range(5):
        fupin("households", "--db", db, "--user", "张录入", password="wrong")
    locked = fupin("households", "--db", db, "--user", "张录入", password="clerk-pass-3")
    assert locked.returncode == 2 and "锁定" in locked.stderr
    assert fupin("user", "unlock", "张录入", "--db", db, "--user", "王管理", password="admin-pass-1").returncode == 0
    assert fupin("households", "--db", db, "--user", "张录入", password="clerk-pass-3").returncode == 0
    # The audit trail: for 审核员 and 管理员; --user filters by user.
    refused_audit = fupin("audit", "--db", db, "--as", "张录入", "--json", password="clerk-pass-3")
    assert refused_audit.returncode == 2 and "审核员或管理员" in refused_audit.stderr
    rows = json.loads(fupin("audit", "--db", db, "--as", "王管理", "--user", "张录入", "--kind", "failed_login",
                            "--json", password="admin-pass-1").stdout)
    assert len(rows) == 6 and {r["user"] for r in rows} == {"张录入"}
    xlsx = tmp_path / "操作记录.xlsx"
    assert fupin("audit", "--db", db, "--as", "王管理", "--user", "张录入", "--xlsx", str(xlsx), "--json",
                 password="admin-pass-1").returncode == 0
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert len(list(book["操作记录"].values)) > len(rows)  # the header and every row of 张录入
    book.close()
    refusals = json.loads(fupin("audit", "--db", db, "--as", "王管理", "--kind", "refused", "--json",
                                password="admin-pass-1").stdout)
    assert {r["user"] for r in refusals} == {"张录入", "（未登录）"}
    bad_kind = fupin("audit", "--db", db, "--kind", "偷看", "--json")
    assert bad_kind.returncode == 2 and "登录失败" in bad_kind.stderr


def test_a_database_opened_read_only_still_lets_its_users_log_in(tmp_path: Path) -> None:
    path = township_with_users(tmp_path)
    with Store(path, read_only=True) as store:
        with pytest.raises(LoginFailed):
            store.accounts.login("李审核", "wrong")
        store.accounts.login("李审核", PASSWORDS["李审核"])
        assert store.accounts.actor is not None and store.read_only


def test_show_masks_personal_numbers_for_nobody_logged_in(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.cli import main

    db = str(township_with_users(tmp_path))
    assert main(["show", "1", "--db", db, "--json"]) == 0
    masked = json.loads(capsys.readouterr().out)
    member = masked["members"][0]
    assert "********" in member["id_number"] and len(member["id_number"]) == 18
    assert not masked["household"]["bank_account"] or masked["household"]["bank_account"].startswith("*")
    monkeypatch.setenv("FUPIN_PASSWORD", PASSWORDS["张录入"])
    assert main(["show", "1", "--db", db, "--json", "--user", "张录入"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert "*" not in full["members"][0]["id_number"] and full["members"][0]["id_number"][-4:] == member["id_number"][-4:]
