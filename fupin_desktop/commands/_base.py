"""What every subcommand shares: the user-error type, JSON output, opening the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fupin_desktop import services
from fupin_desktop.store import Store


class CliError(Exception):
    """A user error: printed as ``错误：…`` on stderr with exit code 2."""


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def db_path(path: str | None) -> Path:
    return Path(path) if path else services.default_db_path()


def open_store(path: str | None) -> Store:
    """Open (creating if needed) the database."""
    return Store(db_path(path))


def open_existing(path: str | None) -> Store:
    """Open a database that must already exist."""
    db = db_path(path)
    if not db.exists():
        raise CliError(f"数据库 {db} 不存在。请先用 fupin init 或 fupin demo 建立。")
    return Store(db)
