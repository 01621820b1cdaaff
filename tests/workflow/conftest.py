"""A township database on disk with a few poor households in two villages (real SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fupin_desktop.store import Store
from tests.helpers import full_household, make_store


def add_households(store: Store, village: str, count: int, *, start: int = 0, size_note: str = "") -> list[int]:
    """``count`` 低保贫困户, 未脱贫, in ``village``; their ids."""
    ids = []
    for seed in range(start, start + count):
        hh = full_household(store.spec, village=village, seed=seed, number=f"51082210500{seed:05d}")
        hh.fields.update(exit_flag="未脱贫", household_type="低保贫困户", exit_year=None)
        saved = store.households.save(hh, "测试")
        assert saved.id is not None
        ids.append(saved.id)
    return ids


@pytest.fixture
def town(tmp_path: Path) -> Iterator[tuple[Store, list[int], list[int]]]:
    """The store, four households of 炉场村 and two of 兴龙村."""
    store = make_store(tmp_path)
    lu = add_households(store, "炉场村", 4)
    xing = add_households(store, "兴龙村", 2, start=10)
    yield store, lu, xing
    store.close()
