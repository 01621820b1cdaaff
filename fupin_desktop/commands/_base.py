"""What every subcommand shares: the user-error type, JSON output, opening the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fupin_desktop import inuse, services
from fupin_desktop.store import READ_ONLY_MEDIUM, Store


class CliError(Exception):
    """A user error: printed as ``错误：…`` on stderr with exit code 2."""


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def db_path(path: str | None) -> Path:
    return Path(path) if path else services.default_db_path()


def open_store(path: str | None) -> Store:
    """Open (creating if needed) the database, to write into it."""
    return _announced(Store(db_path(path)), writes=True)


def open_existing(path: str | None, *, writes: bool = False) -> Store:
    """Open a database that must already exist.  ``writes``: the command changes it (it warns,
    on stderr, when the GUI has the file open; it still works: SQLite serialises writers)."""
    db = db_path(path)
    if not db.exists():
        raise CliError(f"数据库 {db} 不存在。请先用 fupin init 或 fupin demo 建立。")
    return _announced(Store(db), writes=writes)


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
