"""Converting a database to encrypted and back, keeping every row (issue 18, encryption at rest).

:func:`convert` turns a plain database into an encrypted one (``encrypt=True``) or back:

1. the 管理员 logs in on the file (only a 管理员 may, ``Action.ENCRYPTION``) and nothing else of
   this process has it open; another program holding it (its ``.inuse`` lock) refuses;
2. the whole database is written into a new file beside it by SQLCipher's ``sqlcipher_export``
   (store/driver.py), encrypted with a new random data key or plain;
3. the new file is checked (``integrity_check``, and the number of rows of every table equal to
   the old file's) before anything is replaced;
4. a dated backup of the database as it was is made before it is replaced (reason 加密前 / 解密前:
   store/backups.py), encrypted in both cases: decrypting, a copy of the encrypted file; encrypting,
   a copy of the new encrypted file (same rows) -- a plain copy in the backup folder would give
   away what the encryption protects;
5. encrypting: the key file is written (the key wrapped for every user, store/cipher.py), then
   the new file renamed over the old; decrypting: the new file renamed over the old, then the
   key file removed.  A stop between the two steps leaves a key file beside a plain database,
   which opens as plain (store/database.py); the backup of step 2 is there in any case.

A failure before the rename leaves the database exactly as it was (the half-written new file is
removed).  The conversion is recorded in the audit trail (kind ``encryption``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin_desktop import fileio, inuse
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import audit, backups, cipher, driver
from fupin_desktop.store.access import Accounts, hash_password
from fupin_desktop.store.database import Database, StoreError

log = logging.getLogger(__name__)

ENCRYPT_REASON, DECRYPT_REASON = "加密前", "解密前"
#: ``progress(done, total, what)``: a step of the conversion done (for a progress dialog).
Progress = Callable[[int, int, str], None]
_STEPS = 5


class ConversionRefused(StoreError):
    """The conversion cannot start or did not finish; the database is as it was (Chinese message)."""


@dataclass(frozen=True)
class Converted:
    path: Path
    encrypted: bool
    backup: Path
    tables: int
    rows: int
    users: int

    def to_json(self) -> dict[str, Any]:
        return {"db": str(self.path), "encrypted": self.encrypted, "backup": str(self.backup),
                "tables": self.tables, "rows": self.rows, "users_with_key": self.users}


def row_counts(conn: driver.Connection) -> dict[str, int]:
    """Every table's number of rows (FTS shadow tables included: they are rows too)."""
    names = [str(r[0]) for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: int(conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}


def convert(path: str | Path, *, encrypt: bool, user: str | None, password: str | None,
            lock: inuse.InUseLock | None = None, progress: Progress | None = None) -> Converted:
    """Encrypt (or decrypt) the database at ``path``; ``user``/``password`` a 管理员's.  ``lock``: the
    caller's own in-use lock of ``path`` (the GUI's), else one is taken here for the conversion."""
    path = Path(path)
    step = progress or (lambda done, total, what: None)
    verb = "加密" if encrypt else "解密"
    if not fileio.exists(path):
        raise ConversionRefused(f"数据库 {path} 不存在。")
    if fileio.is_live_database(path):
        raise ConversionRefused(f"数据库 {path.name} 正在本程序中打开，{verb}前要先关闭它。数据库没有任何改动。")
    own_lock = None
    if lock is None or not lock.held:
        own_lock = inuse.InUseLock(path)
        if not own_lock.acquire():
            holder = own_lock.holder()
            raise ConversionRefused(f"数据库正在被另一个程序使用（{holder.describe() if holder else '未知'}），"
                                    f"不能{verb}：请先关闭那个程序。数据库没有任何改动。")
    try:
        return _convert(path, encrypt, user, password, step)
    finally:
        if own_lock is not None:
            own_lock.release()


def _convert(path: Path, encrypt: bool, user: str | None, password: str | None, step: Progress) -> Converted:
    verb = "加密" if encrypt else "解密"
    step(0, _STEPS, "检查数据库和用户")
    if cipher.is_encrypted(path) and cipher.key_for(path) is None and user is not None and password is not None:
        cipher.unlock(path, user, password)
    key = cipher.new_key() if encrypt else None
    with Database(path) as db:
        if (db.key is not None) == encrypt:
            raise ConversionRefused(f"数据库 {path.name} {'已经是加密的' if encrypt else '没有加密'}，不需要{verb}。")
        if db.read_only:
            raise ConversionRefused(db.read_only_message(f"不能{verb}，数据库没有任何改动。"))
        accounts = Accounts(db)
        if not accounts.users.any():
            raise ConversionRefused("加密的数据库要用用户的密码才能打开，而这个数据库还没有用户：请先设置管理员"
                                    "（fupin user add 姓名 --role 管理员），再加密。数据库没有任何改动。")
        if user is None or password is None:
            raise ConversionRefused(f"{verb}数据库需要管理员登录（命令行用 --user 用户名）。数据库没有任何改动。")
        actor = accounts.login(user, password)
        accounts.require(Action.ENCRYPTION)
        backup = None if encrypt else backups.before(db, DECRYPT_REASON)  # encrypted, as the database
        with db.transaction():
            if key is not None:  # the converting 管理员's wrap comes from a new hash (see store/cipher.py)
                accounts.users.set_password_hash(actor.user_id, hash_password(password))
            audit.record(db, operator=actor.name, action="encrypt" if encrypt else "decrypt", entity="database",
                         entity_uuid=path.name, field="encryption", new=verb)
        wraps = ({u.name: cipher.wrap(u.name, accounts.users.password_hash(u.id), key, fresh=u.id == actor.user_id)
                  for u in accounts.users.all()} if key is not None else {})
        with db.snapshot() as conn:
            before = row_counts(conn)
        old_key = db.key
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    if fileio.file_size(wal) > 0:
        raise ConversionRefused(f"数据库 {path.name} 还在被其他程序读写，不能{verb}：请关闭其他程序后再试。数据库没有任何改动。")
    step(1, _STEPS, f"{verb}全部数据")
    target = path.with_name(path.name + ".converting")
    fileio.remove_quietly(target, f"{target}-journal", f"{target}-wal", f"{target}-shm")  # a stopped conversion's
    try:
        source = driver.connect(path, key=old_key, cipher=True)
        try:
            driver.export(source, target, key)
        finally:
            source.close()
        step(2, _STEPS, "检查转换后的数据")
        _check(target, key, before)
        if key is not None:
            # The backup made first is the database as it was, already encrypted: a plain copy
            # in the backup folder would give away what the encryption protects.
            step(3, _STEPS, "备份（加密的）")
            cipher.remember(path, key)  # (the backup's check opens it with the keys unlocked here)
            with Database(target, key=key, check=False, migrate=False) as copy:
                backup = backups.before(copy, ENCRYPT_REASON)
            cipher.write(path, wraps)
        step(4, _STEPS, "换用转换后的文件")
        os.replace(target, path)
        fileio.fsync_dir(path.parent)
    except BaseException as exc:
        fileio.remove_quietly(target, f"{target}-journal", f"{target}-wal", f"{target}-shm")
        if key is not None and _opens(path, old_key):  # the rename did not happen: all as it was
            fileio.remove_quietly(cipher.key_file(path))
            cipher.forget(path)
        if isinstance(exc, StoreError) or not isinstance(exc, driver.Error + (OSError,)):
            raise
        reason = fileio.reason(exc) if isinstance(exc, OSError) else str(exc)
        raise ConversionRefused(f"{verb}没有完成（{reason}），数据库保持原样。请清理磁盘空间后再试。") from exc
    if key is None:
        fileio.remove_quietly(cipher.key_file(path))
        cipher.forget(path)
    step(_STEPS, _STEPS, "完成")
    log.info("database %s file=%s tables=%d rows=%d", "encrypted" if encrypt else "decrypted", path,
             len(before), sum(before.values()))
    assert backup is not None
    return Converted(path=path, encrypted=encrypt, backup=backup.path, tables=len(before),
                     rows=sum(before.values()), users=len(wraps))


def _check(target: Path, key: bytes | None, expected: dict[str, int]) -> None:
    conn = driver.connect(target, key=key, cipher=True)
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        counts = row_counts(conn)
    finally:
        conn.close()
    if problems or counts != expected:
        different = sorted(t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t))
        raise ConversionRefused(f"转换后的数据检查没有通过（{problems[0] if problems else '表 ' + '、'.join(different[:5])}），"
                                "已放弃转换，数据库保持原样。请把数据库交给县扶贫办技术人员检查。")


def _opens(path: Path, key: bytes | None) -> bool:
    """Whether the file at ``path`` still opens with ``key`` (None: as a plain file)."""
    try:
        conn = driver.connect(path, key=key, cipher=True)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except driver.Error:
        return False
    return True
