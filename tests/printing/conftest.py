from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fupin_desktop.demo import build_demo
from fupin_desktop.domain.household import Household
from fupin_desktop.store import Store
from tests.helpers import full_household, make_store

#: Names on purpose: Extension B (𠮷), Extension A (䶮), a minority name with the middle dot.
RARE_NAMES = ("䶮明", "𠮷祥", "阿依古丽·买买提")


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[Household]]]:
    """A township with four households (three in 炉场村, one in 兴龙村), rare names included."""
    store = make_store(tmp_path_factory.mktemp("town"))
    saved = [
        store.households.save(full_household(store.spec, seed=1), "测试"),
        store.households.save(full_household(store.spec, seed=2, names=("张三", "李梅", "张小明")), "测试"),
        store.households.save(full_household(store.spec, seed=3, group="二组", names=RARE_NAMES), "测试"),
        store.households.save(full_household(store.spec, seed=4, village="兴龙村", group="三组",
                                             names=("王五", "赵六")), "测试"),
    ]
    yield store, saved
    store.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo township with 400 households: sick and disabled members, 因病/因残 causes, phones."""
    store = Store(tmp_path_factory.mktemp("demo") / "demo.db")
    build_demo(store, households=400, seed=3)
    yield store
    store.close()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out.pdf"
