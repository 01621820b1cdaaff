"""What every subcommand shares: the user-error type, JSON output, opening the database."""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fupin_desktop import fileio, services
from fupin_desktop.store import Store


class CliError(Exception):
    """A user error: printed as ``错误：…`` on stderr with exit code 2."""


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
    """Open (creating if needed) the database."""
    return Store(db_path(path))


def open_existing(path: str | None) -> Store:
    """Open a database that must already exist."""
    db = db_path(path)
    if not db.exists():
        raise CliError(f"数据库 {db} 不存在。请先用 fupin init 或 fupin demo 建立。")
    return Store(db)


@contextmanager
def new_database(path: str | None) -> Iterator[Store]:
    """Build a database that does not exist yet, so that a refusal, an error or Ctrl+C leaves no file.

    The block fills a database under a hidden temporary name beside the target (a name no other
    process knows); only when it ends without error is the closed file moved into place -- and
    never over a file that appeared meanwhile.  On any failure the connection is closed first, then
    the temporary file (and its -wal/-shm/-journal, if SQLite left them) is removed: only files
    this run created, only after they are closed.
    """
    target = db_path(path)
    tmp = target.with_name(f".{target.stem}.new-{os.getpid()}-{secrets.token_hex(4)}{target.suffix or '.db'}")
    leftovers = [tmp] + [Path(f"{tmp}{s}") for s in ("-wal", "-shm", "-journal")]
    store = Store(tmp)
    try:
        yield store
    except BaseException:
        store.close()
        fileio.remove_quietly(*leftovers)
        raise
    store.close()
    try:
        if any(fileio.exists(p) for p in leftovers[1:]):  # SQLite did not fold its log back in
            raise CliError(f"数据库 {target} 没有建成（临时文件未能关闭），没有留下文件。请再试一次。")
        _move_into_place(tmp, target)
    finally:
        fileio.remove_quietly(*leftovers)
    fileio.fsync_dir(target.parent)


def _move_into_place(tmp: Path, target: Path) -> None:
    """Give the finished file its name, refusing to replace one that appeared since the start."""
    exists = CliError(f"数据库 {target} 已存在（可能刚由另一个程序建立），本次没有改动它。")
    try:
        os.link(tmp, target)  # fails if target exists: no window where a file could be replaced
    except FileExistsError as exc:
        raise exists from exc
    except OSError as exc:  # no hard links here (FAT U 盘, some network drives): check, then rename
        if fileio.exists(target):
            raise exists from exc
        try:
            os.rename(tmp, target)
        except OSError as err:
            raise fileio.write_error(target, err) from err
