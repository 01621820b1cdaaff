"""Shared helpers of the backup tests: a township with households, full dumps, the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fupin_desktop.demo import build_demo
from fupin_desktop.store import Store, backups
from tests.helpers import new_database_file

REPO = Path(__file__).resolve().parents[2]


def demo_store(path: Path, households: int = 12) -> Store:
    store = Store(new_database_file(path))
    build_demo(store, households=households)
    return store


def dump(path: Path) -> list[str]:
    """Every statement that rebuilds the database (schema and every row), read through SQLite."""
    with backups.open_read_only(Path(path)) as conn:  # (an encrypted file with its key: store/cipher.py)
        return list(conn.iterdump())


def integrity(path: Path) -> str:
    with backups.open_read_only(Path(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def fupin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=REPO, timeout=300, check=False,
                          input=stdin if stdin is not None else "")


def fupin_json(*args: str) -> object:
    proc = fupin(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
