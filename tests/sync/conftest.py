from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.world import PASSPHRASE, World, make_world


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.sync import keys

    monkeypatch.setenv("FUPIN_PASSPHRASE", PASSPHRASE)
    # Keys made by the tests use a cheap scrypt cost (the cost is stored with each key, so
    # unlocking reads it back); the program's own default stays slow to guess.
    monkeypatch.setattr(keys, "SCRYPT_N", 2 ** 10)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.close()
