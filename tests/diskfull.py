"""Real write failures for the tests: no mock of SQLite or of the file system.

* :func:`run_limited` runs a command in a child process whose files cannot grow past ``limit``
  bytes (``RLIMIT_FSIZE``, with SIGXFSZ ignored): a write past it fails with EFBIG exactly where a
  full disk fails with ENOSPC, in the program's own code, in openpyxl, reportlab and SQLite alike.
  SQLite needs 32 KiB for a WAL database's shared-memory file, so a limit for a command that opens
  a database is at least :data:`DB_MIN_LIMIT`.
* :func:`fill_database` makes a real database file full the way SQLite sees a full disk
  (``PRAGMA max_page_count``: not one more page).
* :func:`db_digest` hashes every row of every table through a connection of its own, to prove a
  refused write changed nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from fupin_desktop.store import Store

REPO = Path(__file__).resolve().parents[1]
#: The smallest file-size limit under which a WAL database still opens (its -shm file is 32 KiB).
DB_MIN_LIMIT = 40_000


def run_limited(argv: list[str], limit: int, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    child_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(argv, preexec_fn=limit_file_size, capture_output=True, text=True, encoding="utf-8",
                          env=child_env, cwd=REPO, timeout=300, check=False)


def fupin(*args: str, limit: int, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``fupin ARGS`` on a disk that takes no more than ``limit`` bytes per file."""
    return run_limited([sys.executable, "-m", "fupin_desktop", *args], limit, env)


def python(code: str, *args: str, limit: int) -> subprocess.CompletedProcess[str]:
    """Python ``code`` (``sys.argv[1:]`` = ``args``) under the same limit."""
    return run_limited([sys.executable, "-c", code, *args], limit)


def last_json(proc: subprocess.CompletedProcess[str]) -> dict:
    """The JSON object a child printed last on stdout (what it caught, and the message)."""
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the child printed no result:\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    return json.loads(lines[-1])


def fill_database(store: Store) -> None:
    """From now on this connection cannot add one page to the file: SQLite's "database or disk is full".

    Free pages would be used first, so there are none left (VACUUM).  A write still fits if its rows
    find room in pages already there: a test writes more than one page holds (a household with many
    members, a draft, text longer than a page of a ``page_size=512`` database)."""
    conn = store.db.conn
    if conn.execute("PRAGMA freelist_count").fetchone()[0]:
        conn.execute("VACUUM")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {int(pages)}")
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


def unfill_database(store: Store) -> None:
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")


def db_digest(path: Path) -> str:
    """Every row of every table and the schema version, read through a connection of its own."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for name in names:
            h.update(name.encode())
            for row in sorted(repr(tuple(r)) for r in conn.execute(f'SELECT * FROM "{name}"')):
                h.update(row.encode())
        h.update(str(conn.execute("PRAGMA user_version").fetchone()[0]).encode())
        return h.hexdigest()
    finally:
        conn.close()


def listing(folder: Path) -> list[str]:
    """Every name in ``folder`` (hidden temporary files too)."""
    return sorted(os.listdir(folder))
