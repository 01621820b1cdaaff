"""Issue 13 item 10: a new household is offered the next free 户编号 of its group (store side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_desktop.store import Store
from fupin_desktop.store.numbering import next_free_number
from tests.helpers import full_household, make_store


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with make_store(tmp_path) as s:
        yield s


def village(store: Store, name: str) -> int:
    v = store.townships.village_by_name(name)
    assert v is not None and v.id is not None
    return int(v.id)


def save(store: Store, number: str, *, village: str = "炉场村", group: str = "一组", seed: int = 1) -> int:
    hh = store.households.save(full_household(store.spec, seed=seed, village=village, group=group,
                                              number=number, names=("张三",)), "测试")
    return int(hh.id or 0)


def test_the_group_s_largest_number_plus_one_at_its_width(store: Store) -> None:
    save(store, "5108221050010010001", seed=1)
    save(store, "5108221050010010007", seed=2)
    save(store, "5108221050010010003", seed=3)
    save(store, "LC-一组-甲", seed=4)  # a hand-made number is not counted
    assert next_free_number(store.db, village(store, "炉场村"), "一组") == "5108221050010010008"


def test_a_deleted_household_s_number_is_skipped(store: Store) -> None:
    save(store, "5108221050010010001", seed=1)
    gone = save(store, "5108221050010010002", seed=2)
    store.households.delete(gone, "测试")
    # the deleted one is still the group's largest: restoring it must never clash with a new one
    assert next_free_number(store.db, village(store, "炉场村"), "一组") == "5108221050010010003"


def test_a_number_held_in_another_group_is_skipped(store: Store) -> None:
    save(store, "510822105001001001", seed=1)
    save(store, "510822105001001002", group="二组", seed=2)  # typed by hand into the wrong group
    assert next_free_number(store.db, village(store, "炉场村"), "一组") == "510822105001001003"


def test_an_empty_group_starts_at_serial_1_in_the_village_s_shape(store: Store) -> None:
    lc = village(store, "炉场村")
    # no household yet: township code + village place + group place + 3-digit serial
    assert next_free_number(store.db, lc, "二组") == "510822105001002001"
    assert next_free_number(store.db, village(store, "兴龙村"), "三组") == "510822105002002001"
    # the village's other groups use 4-digit serials: so does a new group
    save(store, "5108221050010010005", seed=1)
    assert next_free_number(store.db, lc, "二组") == "5108221050010020001"
    # a group not yet set up (typed in the form) comes after the village's groups
    assert next_free_number(store.db, lc, "五组") == "5108221050010030001"


def test_a_village_with_its_12_digit_code_uses_it(store: Store) -> None:
    v = store.townships.village_by_name("青新村")
    assert v is not None
    v.code = "510822105203"
    store.townships.update_village(v, store.operator)
    assert next_free_number(store.db, int(v.id or 0), "四组") == "510822105203001001"


def test_unknown_village_gives_nothing(store: Store) -> None:
    assert next_free_number(store.db, 99999, "一组") == ""
