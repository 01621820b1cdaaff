"""``fupin encrypt`` and ``fupin decrypt``: a database encrypted at rest, or back (issue 18).

    FUPIN_PASSWORD=… fupin encrypt --db township.db --user 王管理 [--json]
    FUPIN_PASSWORD=… fupin decrypt --db township.db --user 王管理 [--json]

Only a 管理员 may; the database must have users (their passwords open it once it is encrypted).
Both back the database up first and keep every row (store/encryption.py).  :func:`encrypt_new`
is what ``fupin demo --encrypt`` and a new county database (``fupin sync init-county --user``) use.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from fupin_desktop.commands import _base
from fupin_desktop.commands._base import CliError, ask_password, db_path, print_json
from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import Store, cipher, encryption


def register(add: Any) -> None:
    e = add("encrypt", "加密数据库（SQLCipher；先备份，保留全部数据；需管理员 --user）")
    e.set_defaults(func=lambda args: _convert(args, encrypt=True))
    d = add("decrypt", "解密数据库（先备份，保留全部数据；需管理员 --user）")
    d.set_defaults(func=lambda args: _convert(args, encrypt=False))


def _convert(args: argparse.Namespace, *, encrypt: bool) -> int:
    path = db_path(args.db)
    if not path.exists():
        raise CliError(f"数据库 {path} 不存在。请先用 fupin init 或 fupin demo 建立。")
    user = _base.login_user
    if user is None:
        raise CliError(f"{'加密' if encrypt else '解密'}数据库需要管理员登录：请加 --user 用户名（密码由环境变量 "
                       f"{_base.PASSWORD_ENV} 提供或在提示时输入）。数据库没有任何改动。")
    password = ask_password(f"用户“{user}”的密码：")

    def progress(done: int, total: int, what: str) -> None:
        if not getattr(args, "json", False):
            print(f"\r[{done}/{total}] {what}    ", end="", file=sys.stderr, flush=True)

    result = encryption.convert(path, encrypt=encrypt, user=user, password=password, progress=progress)
    return _report(args, result)


def _report(args: argparse.Namespace, result: encryption.Converted) -> int:
    if getattr(args, "json", False):
        print_json(result.to_json())
        return 0
    print(file=sys.stderr)
    if result.encrypted:
        print(f"数据库 {result.path} 已加密（{result.tables} 张表 {result.rows} 行，全部保留），"
              f"{result.users} 个用户可以用自己的密码打开。密钥文件：{result.path.name}.keys（请与数据库放在一起）。")
    else:
        print(f"数据库 {result.path} 已解密（{result.tables} 张表 {result.rows} 行，全部保留）。")
    print(f"转换前的备份（加密的）：{result.backup}")
    return 0


def encrypt_new(path: Path, admin: str | None) -> encryption.Converted:
    """Encrypt a database just built (the demo, a new county database): its first 管理员 ``admin``
    (``--user``; the demo's default 示范管理员) is created with ``FUPIN_PASSWORD`` (or the password
    asked twice), unless the database has users already (then ``admin`` logs in)."""
    name = admin or "示范管理员"
    password = ask_password(f"管理员“{name}”的密码：")
    with Store(path) as store:
        if not store.accounts.users.any():
            if _base.PASSWORD_ENV not in os.environ and getpass.getpass("再输入一次：") != password:
                raise CliError("两次输入的密码不一致，数据库没有加密。")
            store.accounts.add(name, UserRole.ADMIN, password)
    return encryption.convert(path, encrypt=True, user=name, password=password)


def demo_encrypt(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """``fupin demo --encrypt``: encrypt the demo database (see :func:`encrypt_new`)."""
    path = db_path(args.db)
    if cipher.is_encrypted(path):
        data["encrypted"] = True
        return
    result = encrypt_new(path, _base.login_user)
    data.update(encrypted=True, admin=_base.login_user or "示范管理员", backup=str(result.backup))


def new_county_encryption(args: argparse.Namespace) -> bool:
    """A county database just created by ``fupin sync init-county`` is encrypted (issue 18: on by
    default), its 管理员 being ``--user``; ``--no-encrypt`` keeps it plain.  Without ``--user`` it
    stays plain, and stderr says how to encrypt it.  Whether it is encrypted now."""
    if getattr(args, "no_encrypt", False):
        return False
    if _base.login_user is None:
        print("提示：县级数据库默认应加密，但没有给出管理员（--user），数据库未加密。请先设置管理员"
              "（fupin user add 姓名 --role 管理员），再用 fupin encrypt --user 姓名 加密。", file=sys.stderr)
        return False
    encrypt_new(db_path(args.db), _base.login_user)
    return True
