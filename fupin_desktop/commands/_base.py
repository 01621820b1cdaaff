"""What every subcommand shares: the user-error type, JSON output, opening the database.

Logging in (issue 18) happens here, once for every command: ``fupin … --user NAME`` (every
subcommand has the option, added in cli.py) logs NAME in on each database the command opens with
:func:`open_store` / :func:`open_existing`, the password from ``FUPIN_PASSWORD`` or asked for (never
echoed).  A database with no users yet needs no ``--user``; once it has users, a command that
changes data without ``--user`` is refused (store/access.py), and so is a protected action (print a
Handbook, export the full Excel...) the user's role may not do.
"""

from __future__ import annotations

import argparse
import getpass
import json
import math
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from fupin_desktop import inuse, services
from fupin_desktop.services import new_database as _new_database
from fupin_desktop.store import READ_ONLY_MEDIUM, Store, cipher

#: What a command module's ``register(add)`` is given: ``add(name, help)`` -> its sub-parser.
AddCommand = Callable[[str, str], argparse.ArgumentParser]


class CliError(Exception):
    """A user error: printed as ``错误：…`` on stderr with exit code 2."""


#: The environment variable holding the password of ``--user`` (else it is asked for).
PASSWORD_ENV = "FUPIN_PASSWORD"
#: Who logs in on the databases this command opens (``--user``; set by cli.main), or None.
login_user: str | None = None


#: The password typed for ``--user`` (asked once per command, even if two steps need it).
_typed: dict[str, str] = {}


def ask_password(prompt: str, env: str = PASSWORD_ENV) -> str:
    """A password from ``env``, else typed at the terminal (not echoed); refused when neither."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if env == PASSWORD_ENV and login_user is not None and login_user in _typed:
        return _typed[login_user]
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(f"需要密码：请设置环境变量 {env}，或在终端中运行本命令以便输入密码。")
    try:
        typed = getpass.getpass(prompt)
    except EOFError as exc:
        raise CliError("没有输入密码，操作已取消。") from exc
    if env == PASSWORD_ENV and login_user is not None:
        _typed[login_user] = typed
    return typed


def unlock(path: Path) -> None:
    """An encrypted database (issue 18): ``--user``'s password unlocks its data key before it is
    opened (store/cipher.py); without ``--user`` it is refused, unopened."""
    if not cipher.is_encrypted(path) or cipher.key_for(path) is not None:
        return
    if login_user is None:
        raise CliError(f"数据库 {path} 已加密：请用 --user 用户名 登录（密码由环境变量 {PASSWORD_ENV} 提供或在提示时"
                       "输入）。数据库没有任何改动。")
    cipher.unlock(path, login_user, ask_password(f"用户“{login_user}”的密码："))


def log_in(store: Store) -> Store:
    """Log ``--user`` in on ``store`` (nothing to do without ``--user``); a wrong password, a locked
    or unknown account closes the store and is refused (and recorded in the audit trail)."""
    if login_user is None or not store.accounts.users.any():  # no users yet: nobody logs in
        return store
    try:
        store.accounts.login(login_user, ask_password(f"用户“{login_user}”的密码："))
    except BaseException:
        store.close()
        raise
    return store


#: The largest integer SQLite stores (ids, counts): anything larger is refused before a query.
SQLITE_MAX_INT = (1 << 63) - 1


def int_arg(low: int, high: int, what: str, hint: str = "") -> Callable[[str], int]:
    """An argparse ``type`` for a whole number in ``low..high``: anything else (a huge number, a
    word, 3.5) is refused with a Chinese message naming ``what`` and the range, never a traceback."""
    if high >= SQLITE_MAX_INT:
        message = f"{what}应为{'正' if low == 1 else f'不小于 {low} 的'}整数（最多 18 位）"
    else:
        message = f"{what}应为 {low}-{high} 的整数"

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{message}，现为“{text[:40]}”{hint}")
        return value

    parse.__name__ = what
    return parse


def float_arg(low: float, high: float, what: str) -> Callable[[str], float]:
    """As :func:`int_arg`, for a finite number in ``low..high``."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{what}应为 {low:g}-{high:g} 之间的数，现为“{text[:40]}”")
        return value

    parse.__name__ = what
    return parse


#: A household's id as ``fupin households`` lists it.
HOUSEHOLD_ID = int_arg(1, SQLITE_MAX_INT, "户的编号", "（用 fupin households 查看各户的编号）")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def db_path(path: str | None) -> Path:
    return Path(path) if path else services.default_db_path()


def open_store(path: str | None) -> Store:
    """Open (creating if needed) the database, to write into it."""
    unlock(db_path(path))
    return log_in(_announced(Store(db_path(path)), writes=True))


def open_existing(path: str | None, *, writes: bool = False) -> Store:
    """Open a database that must already exist.  ``writes``: the command changes it (it warns,
    on stderr, when the GUI has the file open; it still works: SQLite serialises writers)."""
    db = db_path(path)
    if not db.exists():
        raise CliError(f"数据库 {db} 不存在。请先用 fupin init 或 fupin demo 建立。")
    unlock(db)
    return log_in(_announced(Store(db), writes=writes))


def _announced(store: Store, *, writes: bool) -> Store:
    """Say on stderr (never in the JSON) what the clerk should know before the command runs."""
    if store.db.read_only_reason == READ_ONLY_MEDIUM:
        print(f"注意：数据库 {store.path} 所在的磁盘或文件夹是只读的，已以只读方式打开：可以查看、打印和导出，"
              "不能修改。", file=sys.stderr)
    elif writes:
        holder = inuse.holder(store.path)
        if holder is not None:
            print(f"注意：数据库正在被另一个程序使用（{holder.describe()}）。本命令照常写入；"
                  "若那边正在修改同一户，后保存的一方会被拒绝并保留草稿。", file=sys.stderr)
    return store


def new_database(path: str | None) -> AbstractContextManager[Store]:
    """:func:`fupin_desktop.services.new_database` at ``path`` (the default database if None)."""
    return _new_database(db_path(path))
