"""``--database URL`` for the county's reading commands (``fupin validate``, ``fupin stats``).

A county (province) whose receiving database is on PostgreSQL checks and counts it as it would its
county SQLite file: ``--database postgresql://…`` (or ``FUPIN_DATABASE_URL`` when no ``--db`` is
given) opens it read-only — the server refuses any write on that connection.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fupin_desktop.commands._base import CliError, open_existing


def database_url(args: argparse.Namespace) -> str | None:
    """The PostgreSQL receiving database: ``--database``, else ``FUPIN_DATABASE_URL`` when no ``--db`` is
    given; None means the SQLite file of ``--db`` (or the default database).  (Light: the window's
    start uses it without loading the sync commands.)"""
    from fupin_desktop.store.pg.url import URL_ENV, is_url

    url = getattr(args, "database", None)
    if url is None and getattr(args, "db", None) is None:
        url = os.environ.get(URL_ENV) or None
    if url is not None and not is_url(url):
        raise CliError(f"--database 要求 PostgreSQL 地址（postgresql://用户名:密码@服务器:5432/库名），收到的是 {url!r}。"
                       "县级 SQLite 数据库文件请用 --db。")
    return url


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="URL", default=None,
                        help="县里/省里：接收端的 PostgreSQL 数据库 postgresql://…（只读；也可用环境变量 FUPIN_DATABASE_URL）")


def open_reading(args: argparse.Namespace) -> Any:
    """The store a reading command works on: the PostgreSQL receiving database (read-only) or ``--db``."""
    url = database_url(args)
    if url is None:
        return open_existing(args.db)
    from fupin_desktop.store.pg.store import PgStore

    return PgStore(url, read_only=True)
