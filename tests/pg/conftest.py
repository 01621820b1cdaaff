"""The receiving side on both back ends: a county SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import URL_ENV, Cluster, pg_bin

REQUIRE_ENV = "FUPIN_REQUIRE_PG"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    given = os.environ.get(URL_ENV)
    if given:
        yield Cluster(given)
        return
    if not (pg_bin("initdb") and pg_bin("pg_ctl")):
        if os.environ.get(REQUIRE_ENV):
            pytest.fail("PostgreSQL is required (FUPIN_REQUIRE_PG) but initdb/pg_ctl are not installed")
        pytest.skip("PostgreSQL is not installed here (.ci/run installs it); "
                    "install postgresql or set FUPIN_TEST_PG_URL")
    cluster = Cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    return pg_cluster.new_database()


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.sync import keys
    from tests.sync.world import PASSPHRASE

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the county receives: ``sqlite`` (a county file) or ``postgresql`` (a server URL)."""
    if request.param == "sqlite":
        return str(tmp_path / "county.db")
    return str(request.getfixturevalue("pg_url"))
