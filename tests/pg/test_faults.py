"""PostgreSQL faults: a wrong address, a missing database, another program's database, a connection
lost mid-batch, a process killed mid-batch, the receiving service on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from fupin_desktop.cli import main
from fupin_desktop.store.errors import StoreError
from fupin_desktop.store.pg.database import ForeignDatabase, PgDatabase, PgUnavailable
from fupin_desktop.store.pg.store import PgStore
from fupin_desktop.sync import county_merge
from fupin_desktop.sync.keys import init_county
from fupin_desktop.sync.server import make_server
from fupin_desktop.sync.upload import upload_pending
from tests.helpers import full_household
from tests.pg.test_receiving_backends import link
from tests.sync.world import COUNTY_CODE, COUNTY_NAME, PASSPHRASE, export, import_, make_township

REPO = Path(__file__).resolve().parents[2]


def _county(url: str) -> PgStore:
    store = PgStore(url)
    init_county(store.sync, COUNTY_CODE, COUNTY_NAME, PASSPHRASE, store.operator)
    return store


@pytest.fixture
def pair(pg_url: str, tmp_path: Path) -> Iterator[tuple[PgStore, object]]:
    county = _county(pg_url)
    town = make_township(tmp_path / "town.db")
    link(town, county)
    for seed in range(1, 41):
        town.households.save(full_household(town.spec, seed=seed, number=f"5108221050{seed:06d}"), "测试")
    yield county, town
    county.close()
    town.close()


def test_an_unreachable_server_is_a_chinese_message_that_hides_the_password() -> None:
    with pytest.raises(PgUnavailable) as err:
        PgDatabase("postgresql://clerk:s3cret@127.0.0.1:1/county", connect_timeout=2)
    assert "无法连接 PostgreSQL" in str(err.value) and "s3cret" not in str(err.value) and "***" in str(err.value)


def test_a_missing_database_says_to_create_it(pg_url: str) -> None:
    base, _, query = pg_url.partition("?")
    missing = f"{base.rsplit('/', 1)[0]}/no_such_db?{query}"
    with pytest.raises(PgUnavailable) as err:
        PgDatabase(missing)
    assert "没有" in str(err.value) and "createdb" in str(err.value)


def test_a_malformed_address_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "import", "x.fpb", "--database", "/tmp/county.db"]) != 0
    assert "PostgreSQL 地址" in capsys.readouterr().err


def test_another_programs_database_is_refused_untouched(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int PRIMARY KEY, amount numeric)")
        conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    with pytest.raises(ForeignDatabase) as err:
        PgStore(pg_url)
    assert "其他程序" in str(err.value)
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables == {"invoices"}


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    PgStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE fupin_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError) as err:
        PgStore(pg_url)
    assert "更新版本" in str(err.value)


def test_a_connection_lost_mid_batch_refuses_the_batch_and_changes_nothing(pair, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    county, town = pair
    before = county.sync.table_digest()
    batch = export(town, town.path.parent / "stick").batch
    original = county_merge._Merger.household
    seen = {"n": 0}

    def cut_after_some(self, b):  # type: ignore[no-untyped-def]
        seen["n"] += 1
        if seen["n"] == 20:  # half the batch written inside the transaction: the server drops us
            with psycopg.connect(county.url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(?)".replace("?", "%s"), (county.db.conn.info.backend_pid,))
        return original(self, b)

    monkeypatch.setattr(county_merge._Merger, "household", cut_after_some)
    [r] = import_(county, batch)
    assert r.status == "refused" and "未作任何改动" in r.message and "PostgreSQL" in r.message
    fresh = PgStore(county.url)
    assert fresh.sync.table_digest() == before and fresh.household_count() == 0
    # The township sends it again later: it is taken whole.
    [again] = import_(fresh, batch)
    assert again.status == "imported" and fresh.household_count() == 40
    fresh.close()


def test_an_import_killed_mid_batch_leaves_postgresql_as_before(pair) -> None:  # type: ignore[no-untyped-def]
    county, town = pair
    before = county.sync.table_digest()
    batch = export(town, town.path.parent / "stick").batch
    env = {**os.environ, "FUPIN_PASSPHRASE": PASSPHRASE}
    # The child imports with a slowed-down merger so we can kill it while its transaction is open.
    code = ("import sys, time; from fupin_desktop.sync import county_merge as m;"
            "orig = m._Merger.household\n"
            "def slow(self, b):\n    time.sleep(0.05); return orig(self, b)\n"
            "m._Merger.household = slow\n"
            "from fupin_desktop.cli import main; sys.exit(main(sys.argv[1:]))")
    child = subprocess.Popen([sys.executable, "-c", code, "sync", "import", str(batch), "--database", county.url],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the child's transaction holds rows
        with psycopg.connect(county.url, autocommit=True) as admin:
            busy = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fupin-desktop'"
                                 " AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()").fetchone()
        if busy and busy[0]:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the child never opened its transaction: {child.communicate(timeout=5)}")
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL  # killed mid-batch, not finished
    time.sleep(0.5)  # the server notices the broken connection and rolls back
    assert county.sync.table_digest() == before
    [r] = import_(county, batch)  # the same batch, sent again, is taken whole
    assert r.status == "imported" and county.household_count() == 40


def test_the_receiving_service_imports_into_postgresql(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    county, town = pair
    server = make_server(county.url, "127.0.0.1", 0, passphrase=PASSPHRASE, spool=tmp_path / "spool")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        export(town, tmp_path / "stick")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        [r] = upload_pending(town, url, sleep=lambda _s: None, timeout=10)
        assert r.state == "acknowledged" and r.result and r.result["status"] == "imported"
        assert county.household_count() == 40
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        server.receiver.close()


def test_serve_on_postgresql_needs_a_spool_folder(pg_url: str) -> None:
    _county(pg_url).close()
    with pytest.raises(Exception) as err:
        make_server(pg_url, "127.0.0.1", 0, passphrase=PASSPHRASE)
    assert "--spool" in str(err.value)


def test_init_county_and_trust_on_postgresql_by_command(pg_url: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "init-county", "--database", pg_url, "--county-code", COUNTY_CODE,
                 "--county-name", COUNTY_NAME, "--out", str(tmp_path / "county.pub"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["county"] == COUNTY_CODE and (tmp_path / "county.pub").exists()
    town = make_township(tmp_path / "t.db")
    assert main(["sync", "trust", "--db", str(tmp_path / "t.db"), "--county-key", str(tmp_path / "county.pub")]) == 0
    assert main(["sync", "township-key", "--db", str(tmp_path / "t.db"), "--out", str(tmp_path / "t.pub")]) == 0
    os.environ.pop("FUPIN_DATABASE_URL", None)
    assert main(["sync", "trust", "--database", pg_url, "--township-key", str(tmp_path / "t.pub"), "--json"]) == 0
    capsys.readouterr()
    town.households.save(full_household(town.spec, seed=3), "测试")
    batch = export(town, tmp_path / "stick").batch
    town.close()
    assert main(["sync", "import", str(batch), "--database", pg_url, "--json"]) == 0
    [r] = json.loads(capsys.readouterr().out)
    assert r["status"] == "imported" and r["merge"]["inserted"] == 1


def test_a_connection_lost_during_serve_answers_retry_and_the_upload_is_taken_next_time(
        pair, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    county, town = pair
    server = make_server(county.url, "127.0.0.1", 0, passphrase=PASSPHRASE, spool=tmp_path / "spool")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    original = county_merge._Merger.household
    cut = {"done": False, "n": 0}

    def cut_once(self, b):  # type: ignore[no-untyped-def]
        cut["n"] += 1
        if not cut["done"] and cut["n"] == 10:
            cut["done"] = True
            receiving_db = server.receiver.store.db
            with psycopg.connect(county.url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (receiving_db.conn.info.backend_pid,))
        return original(self, b)

    monkeypatch.setattr(county_merge._Merger, "household", cut_once)
    sleeps: list[float] = []
    try:
        export(town, tmp_path / "stick")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        [r] = upload_pending(town, url, sleep=sleeps.append, timeout=10)
        assert cut["done"] and sleeps, "the first try must have failed and been retried"
        assert r.state == "acknowledged" and r.result and r.result["status"] == "imported"
        assert county.household_count() == 40
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        server.receiver.close()
