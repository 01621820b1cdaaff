"""Shared helpers of the backup tests: a township with households, full dumps, the command."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fupin_desktop.demo import build_demo
from fupin_desktop.store import Store

REPO = Path(__file__).resolve().parents[2]


def demo_store(path: Path, households: int = 12) -> Store:
    store = Store(path)
    build_demo(store, households=households)
    return store


def dump(path: Path) -> list[str]:
    """Every statement that rebuilds the database (schema and every row), read through SQLite."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def fupin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=REPO, timeout=300, check=False,
                          input=stdin if stdin is not None else "")


def fupin_json(*args: str) -> object:
    proc = fupin(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
