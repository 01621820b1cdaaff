"""Encryption at rest (issue 18, item 4): SQLCipher with a data key wrapped once per user.

Real files throughout: the encrypted database, its -wal, its backups and its key file are read
back byte for byte (only after every connection to them is closed, or by another process that
died holding them) and hold no name or ID number of the demo; the ``fupin`` command runs as a
subprocess.  The store's, search's and sync's own tests also run on encrypted files
(tests/conftest.py ``BOTH_CIPHERS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import Store, backups, cipher, driver, encryption, restore
from fupin_desktop.store.access import LoginFailed
from tests.users.world import PASSWORDS, township_with_users

REPO = Path(__file__).resolve().parents[2]
ADMIN = "王管理"


def fupin(*argv: str, password: str | None = PASSWORDS[ADMIN], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FUPIN_P")}
    environ.update(PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1", **env)
    if password is not None:
        environ["FUPIN_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *argv], capture_output=True, text=True,
                          encoding="utf-8", env=environ, cwd=REPO, timeout=300, check=False,
                          stdin=subprocess.DEVNULL)


def files_of(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (closed: nobody in this process has them open) -> its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".inuse"}


def demo_secrets(db: Path) -> set[str]:
    """Every name and ID number in the database (read through the program, key unlocked)."""
    with Store(db, read_only=True) as store:
        found: set[str] = set()
        for household_id in store.households.ids():
            hh = store.households.get(household_id)
            assert hh is not None
            for m in hh.members:
                found.update({str(m.fields.get("name") or ""), str(m.fields.get("id_number") or "")})
    return {s for s in found if len(s) >= 2}


def every_row(db: Path, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, through the program's driver and key."""
    with backups.open_read_only(db) as conn:
        names = sorted(encryption.row_counts(conn))
        return {n: sorted((tuple(r) for r in conn.execute(f'SELECT * FROM "{n}"')), key=repr)
                for n in names if n not in skip}


SESSION = """
import os, sys
from fupin_desktop.store import Store, backups, cipher
db = sys.argv[1]
cipher.unlock(db, "王管理", os.environ["FUPIN_PASSWORD"])
store = Store(db)
store.accounts.login("王管理", os.environ["FUPIN_PASSWORD"])
backups.create(store.db)
hh = store.households.get(store.households.ids()[0])
hh.fields["phone"] = "13912345678"
store.households.save(hh, store.operator)
store.drafts.put("household:" + hh.uuid, hh.id, {"note": hh.members[0].fields["name"]})
print("ready", flush=True)
os._exit(0)  # dies holding the database: its -wal keeps the last transactions
"""


@pytest.mark.timeout(900)
def test_the_encrypted_demo_its_wal_backups_and_key_file_hold_no_name_or_id(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    built = fupin("demo", "--households", "40", "--encrypt", "--db", str(db), "--user", ADMIN, "--json")
    assert built.returncode == 0, built.stderr
    result = json.loads(built.stdout)
    assert result["encrypted"] is True and result["admin"] == ADMIN and result["households"] == 40
    session = subprocess.run([sys.executable, "-c", SESSION, str(db)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO), "FUPIN_PASSWORD": PASSWORDS[ADMIN]},
                             timeout=300, check=False)
    assert "ready" in session.stdout, session.stderr
    wal = db.with_name(db.name + "-wal")
    assert wal.stat().st_size > 4096  # the session's last transactions are in it, encrypted
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert {p.name for p in written} >= {"demo.db", "demo.db-wal", "demo.db.keys"}
    assert len([p for p in written if p.parent.name == "backups"]) == 2  # 加密前 and the session's
    contents = {p: p.read_bytes() for p in written}  # nobody holds them: the session died

    cipher.unlock(db, ADMIN, PASSWORDS[ADMIN])
    secrets = demo_secrets(db)
    assert len(secrets) > 100
    for path, data in contents.items():
        utf8, utf16 = data.decode("utf-8", errors="ignore"), data.decode("utf-16-le", errors="ignore")
        assert b"SQLite format 3" not in data[:16], path
        # A two-character name is 4 bytes in UTF-16 and GB18030: a megabyte of ciphertext holds one of
        # a few hundred such names by chance every few runs.  Those encodings are searched for names of
        # three characters or more (6+ bytes); clear text would show them as well.
        leaked = sorted(s for s in secrets
                        if s in utf8 or (len(s) >= 3 and (s in utf16 or s.encode("gb18030") in data)))
        assert not leaked, f"{path.name} holds {leaked[:3]}"
    # The same search finds them in the file once it is decrypted: the check above can see them.
    cipher.forget_all()
    plain = fupin("decrypt", "--db", str(db), "--user", ADMIN, "--json")
    assert plain.returncode == 0, plain.stderr
    text = db.read_bytes().decode("utf-8", errors="ignore")
    assert sum(s in text for s in secrets) > len(secrets) // 2


def test_a_wrong_password_an_unknown_user_or_a_missing_login_is_refused_and_nothing_is_written(
        tmp_path: Path) -> None:
    db = township_with_users(tmp_path)
    assert fupin("encrypt", "--db", str(db), "--user", ADMIN).returncode == 0
    before = files_of(tmp_path)
    attempts = [
        (("households", "--db", str(db), "--user", ADMIN, "--json"), "wrong-password", "用户名或密码不正确"),
        (("households", "--db", str(db), "--user", "无此人", "--json"), PASSWORDS[ADMIN], "用户名或密码不正确"),
        (("households", "--db", str(db), "--json"), PASSWORDS[ADMIN], "已加密：请用 --user 用户名 登录"),
        (("decrypt", "--db", str(db), "--user", ADMIN), "wrong-password", "用户名或密码不正确"),
        (("decrypt", "--db", str(db), "--user", "张录入"), PASSWORDS["张录入"], "只有管理员可以"),
        (("encrypt", "--db", str(db), "--user", ADMIN), PASSWORDS[ADMIN], "已经是加密的"),
    ]
    for argv, password, said in attempts:
        refused = fupin(*argv, password=password)
        assert refused.returncode == 2 and said in refused.stderr, (argv, refused.stderr)
        assert "Traceback" not in refused.stderr
    after = files_of(tmp_path)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    # The clerk's refused decrypt logged in first: that login and the refusal are in the audit trail,
    # inside the encrypted file, and the login replaced the clerk's wrap of the key (made from their
    # old hash when the file was encrypted: store/cipher.py); nothing else changed, no copy was made.
    assert changed <= {"township.db", "township.db.keys"}, changed
    assert set(after) == set(before) and cipher.names(db) == sorted(PASSWORDS)


def test_a_database_encrypted_with_another_key_is_refused_untouched(tmp_path: Path) -> None:
    ours = township_with_users(tmp_path / "ours")
    theirs = township_with_users(tmp_path / "theirs")
    for db in (ours, theirs):
        assert fupin("encrypt", "--db", str(db), "--user", ADMIN).returncode == 0
    # Another program's key: the file opens with no key file we have; our key file beside their file.
    cipher.write(theirs, cipher.read(ours))
    before = files_of(tmp_path / "theirs")
    refused = fupin("households", "--db", str(theirs), "--user", ADMIN, "--json")
    assert refused.returncode == 2 and "无法用它旁边的密钥文件打开" in refused.stderr, refused.stderr
    assert "其他程序或其他密钥加密" in refused.stderr and "没有对它做任何修改" in refused.stderr
    assert files_of(tmp_path / "theirs") == before
    # The key file missing: said so, with what to do.
    cipher.key_file(theirs).rename(tmp_path / "elsewhere.keys")
    missing = fupin("households", "--db", str(theirs), "--user", ADMIN, "--json")
    assert missing.returncode == 2 and "不是本程序的数据库文件" in missing.stderr, missing.stderr


def test_converting_keeps_every_row_and_backs_up_first_both_ways(tmp_path: Path) -> None:
    db = township_with_users(tmp_path, households=5)
    kept = ("audit", "users")  # a conversion adds its audit rows; the admin's login touches users
    rows = every_row(db, skip=kept)
    audit_rows = every_row(db)["audit"]

    done = fupin("encrypt", "--db", str(db), "--user", ADMIN, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["encrypted"] is True and result["users_with_key"] == 3 and result["rows"] > 100
    backup = Path(result["backup"])
    assert backup.parent == tmp_path / "backups" and "加密前" in backup.name
    assert b"SQLite format 3" not in backup.read_bytes()[:16]  # the backup made first is encrypted too

    cipher.unlock(db, ADMIN, PASSWORDS[ADMIN])
    assert backups.verify(backup).problem is None
    assert every_row(db, skip=kept) == rows == every_row(backup, skip=(*kept, backups.LABEL_TABLE))
    assert set(audit_rows) <= set(every_row(db)["audit"])  # (the audit trail only grows)
    with Store(db) as store:
        assert store.db.encrypted and driver.is_cipher(store.db.conn)
        kinds = [r["kind"] for r in store.db.query("SELECT kind FROM audit WHERE action = 'encrypt'")]
        assert kinds == ["encryption"]

    cipher.forget_all()
    back = fupin("decrypt", "--db", str(db), "--user", ADMIN, "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["encrypted"] is False
    assert not cipher.key_file(db).exists()
    assert db.read_bytes()[:16] == b"SQLite format 3\x00"
    assert every_row(db, skip=kept) == rows
    with Store(db) as store:
        assert not store.db.encrypted and store.households.count() == 5


def test_every_user_opens_it_with_their_password_and_user_changes_rewrap_the_key(tmp_path: Path) -> None:
    db = township_with_users(tmp_path)
    assert fupin("encrypt", "--db", str(db), "--user", ADMIN).returncode == 0
    assert cipher.names(db) == sorted(PASSWORDS)
    # Users other than the converting 管理员 got a wrap from their hash; their login replaces it.
    assert cipher.needs_new_wrap(db, "张录入") and not cipher.needs_new_wrap(db, ADMIN)
    cipher.unlock(db, "张录入", PASSWORDS["张录入"])
    with Store(db) as store:
        old_hash = store.accounts.users.password_hash(store.accounts.users.get("张录入").id)  # type: ignore[union-attr]
        store.accounts.login("张录入", PASSWORDS["张录入"])
        assert store.accounts.users.password_hash(store.accounts.users.get("张录入").id) != old_hash  # type: ignore[union-attr]
    assert not cipher.needs_new_wrap(db, "张录入")
    cipher.forget_all()

    cipher.unlock(db, ADMIN, PASSWORDS[ADMIN])
    with Store(db) as store:
        store.accounts.login(ADMIN, PASSWORDS[ADMIN])
        store.accounts.add("赵新", UserRole.CLERK, "zhao-pass-4")
        store.accounts.set_password("张录入", "new-clerk-pass-5")
        store.accounts.remove("李审核")
    cipher.forget_all()
    cipher.unlock(db, "赵新", "zhao-pass-4")
    cipher.unlock(db, "张录入", "new-clerk-pass-5")
    for name, password in (("张录入", PASSWORDS["张录入"]), ("李审核", PASSWORDS["李审核"])):
        with pytest.raises(cipher.WrongPassword, match="用户名或密码不正确"):
            cipher.unlock(db, name, password)
    with Store(db) as store:
        with pytest.raises(LoginFailed):
            store.accounts.login("李审核", PASSWORDS["李审核"])


def test_backups_of_an_encrypted_database_are_encrypted_listed_verified_and_restored(tmp_path: Path) -> None:
    db = township_with_users(tmp_path)
    plain_backup = fupin("backup", "create", "--db", str(db), "--user", ADMIN, "--json")
    assert plain_backup.returncode == 0, plain_backup.stderr
    assert fupin("encrypt", "--db", str(db), "--user", ADMIN).returncode == 0
    listed = fupin("backup", "list", "--db", str(db), "--user", ADMIN, "--json")
    assert listed.returncode == 0, listed.stderr
    cipher.unlock(db, ADMIN, PASSWORDS[ADMIN])
    with Store(db) as store:
        store.accounts.login(ADMIN, PASSWORDS[ADMIN])
        made = backups.create(store.db)
        assert b"SQLite format 3" not in made.path.read_bytes()[:16]
        assert backups.verify(made.path).problem is None and made.households == 3
        hh = store.households.get(store.households.ids()[0])
        assert hh is not None
        store.households.delete(hh.id, store.operator)
        assert store.households.count() == 2
        restored = restore.restore(store.db, made.path)
        assert restored.households == 3 and store.households.count() == 3
        # A plain backup (from before the encryption) cannot be copied into the encrypted file.
        old = Path(json.loads(plain_backup.stdout)["file"])
        with pytest.raises(backups.BackupRefused, match="没有加密，而当前数据库是加密的"):
            restore.restore(store.db, old)
        assert store.households.count() == 3


def test_a_new_county_database_is_encrypted_by_default_and_plain_only_when_asked(tmp_path: Path) -> None:
    env = {"FUPIN_PASSPHRASE": "county-secret-phrase-2016"}
    county = tmp_path / "county.db"
    made = fupin("sync", "init-county", "--county-code", "510822", "--county-name", "旺苍县", "--out",
                 str(tmp_path / "county.pub"), "--db", str(county), "--user", "县管理员", "--json", **env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["encrypted"] is True and cipher.names(county) == ["县管理员"]
    assert b"SQLite format 3" not in county.read_bytes()[:16]
    listed = fupin("user", "list", "--db", str(county), "--user", "县管理员", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["role"] == "管理员", listed.stderr
    plain = tmp_path / "plain.db"
    kept = fupin("sync", "init-county", "--county-code", "510822", "--county-name", "旺苍县", "--out",
                 str(tmp_path / "plain.pub"), "--db", str(plain), "--no-encrypt", "--json", **env)
    assert kept.returncode == 0 and json.loads(kept.stdout)["encrypted"] is False, kept.stderr
    assert plain.read_bytes()[:16] == b"SQLite format 3\x00" and not cipher.key_file(plain).exists()


def test_a_conversion_stopped_between_key_file_and_rename_leaves_a_database_that_opens(tmp_path: Path) -> None:
    """Encrypting writes the key file, then renames the encrypted file over the plain one: a stop
    in between leaves a key file beside a plain database, which opens (as plain) after the login."""
    db = township_with_users(tmp_path)
    with Store(db) as store:
        wraps = {u.name: cipher.wrap(u.name, store.accounts.users.password_hash(u.id), cipher.new_key())
                 for u in store.accounts.users.all()}
    cipher.write(db, wraps)
    shown = fupin("households", "--db", str(db), "--user", ADMIN, "--json")
    assert shown.returncode == 0 and len(json.loads(shown.stdout)) == 3, shown.stderr
    done = fupin("encrypt", "--db", str(db), "--user", ADMIN, "--json")  # and it can be encrypted again
    assert done.returncode == 0 and json.loads(done.stdout)["encrypted"] is True, done.stderr
