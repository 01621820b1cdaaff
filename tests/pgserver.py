"""A throw-away PostgreSQL cluster for the tests (a real server, never a stand-in).

``FUPIN_TEST_PG_URL`` points at a server to use instead (``.ci/run`` starts one and exports it).
Otherwise the first test that needs PostgreSQL starts one: ``initdb`` + ``pg_ctl`` on a temporary
folder, listening only on a Unix socket in that folder, as the ``postgres`` user when the tests run
as root (``initdb`` refuses root).  Each test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg

URL_ENV = "FUPIN_TEST_PG_URL"


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class Cluster:
    """A started cluster; :meth:`new_database` makes an empty database and returns its URL."""

    def __init__(self, admin_url: str, folder: Path | None = None, data: Path | None = None) -> None:
        self.admin_url = admin_url
        self.folder = folder
        self.data = data

    @classmethod
    def start(cls, *, durable: bool = False) -> Cluster:
        """``durable``: the server's default fsync and commit settings (benchmarks); the tests skip
        flushing to disk (a throw-away cluster)."""
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise FileNotFoundError("PostgreSQL (initdb, pg_ctl) is not installed")
        folder = Path(tempfile.mkdtemp(prefix="fupin-pg-"))
        data = folder / "data"
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                     "--locale=C", "--lc-ctype=C.UTF-8", "--no-sync"]), check=True, capture_output=True)
        port = 54000 + os.getpid() % 1000
        fast = "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-w", "-l", str(folder / "server.log"), "-o",
                                     f"-p {port} -k {folder} -c listen_addresses=''{fast}", "start"]),
                       check=True, capture_output=True)
        url = f"postgresql://postgres@/postgres?host={quote(str(folder))}&port={port}"
        return cls(url, folder, data)

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # a generated name; identifiers cannot be bound
        base, _, query = self.admin_url.partition("?")
        return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")

    def stop(self) -> None:
        if self.data is None or self.folder is None:
            return
        pg_ctl = pg_bin("pg_ctl")
        if pg_ctl:
            subprocess.run(_as_postgres([pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"]),
                           capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
