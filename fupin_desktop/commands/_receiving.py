"""``--database URL`` for the county's reading commands (``fupin validate``, ``fupin stats``).

A county (province) whose receiving database is on PostgreSQL checks and counts it as it would its
county SQLite file: ``--database postgresql://…`` (or ``FUPIN_DATABASE_URL`` when no ``--db`` is
given) opens it read-only — the server refuses any write on that connection.
"""

from __future__ import annotations

import argparse
from typing import Any

from fupin_desktop.commands._base import open_existing


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="URL", default=None,
                        help="县里/省里：接收端的 PostgreSQL 数据库 postgresql://…（只读；也可用环境变量 FUPIN_DATABASE_URL）")


def open_reading(args: argparse.Namespace) -> Any:
    """The store a reading command works on: the PostgreSQL receiving database (read-only) or ``--db``."""
    from fupin_desktop.commands.sync import database_url

    url = database_url(args)
    if url is None:
        return open_existing(args.db)
    from fupin_desktop.store.pg.store import PgStore

    return PgStore(url, read_only=True)
