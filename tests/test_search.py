"""The search box at any scale: every query class finds the right households, in the list's order,
first page first, and the index follows every save, delete, restore, import and sync.

The expected answer is computed here the plain way (every household's parts, substring, sorted
by 户编号 then id) and compared with what the store's index answers.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fupin_desktop.domain.text import pinyin_initials
from fupin_desktop.excel.importer import import_file
from fupin_desktop.store import Store, search_index
from fupin_desktop.store.households import search_text
from tests.excel import files
from tests.helpers import full_household, make_store

NAMES = [("张三", "李四"), ("张三丰", "王五"), ("赵敏", "张无忌"), ("周芷若",), ("张翠山", "殷素素"),
         ("谢逊",), ("王重阳", "张三"), ("𠮷祥", "李莫愁"), ("黄蓉", "郭靖"), ("欧阳锋",)]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = make_store(tmp_path)
    yield s
    s.close()


def fill(store: Store, count: int = 24, seed: int = 7) -> None:
    """``count`` households whose 户编号 order differs from their id order."""
    rng = random.Random(seed)
    serials = rng.sample(range(1, 9000), count)
    for i, serial in enumerate(serials):
        names = NAMES[i % len(NAMES)]
        village, group = (("炉场村", "一组"), ("炉场村", "二组"), ("兴龙村", "三组"))[i % 3]
        store.households.save(full_household(store.spec, seed=i + 1, names=names, village=village, group=group,
                                             number=f"5108221050{serial:09d}"), "测试", reload=False)


def expected(store: Store, query: str, *, village_id: int | None = None, group: str | None = None,
             descending: bool = False) -> list[int]:
    """The plain answer: households with a part (户编号, name, initials, ID) holding the query."""
    q = query.lower()
    found = []
    for hid in store.households.ids(order="updated_at"):  # every current household, any order
        hh = store.households.get(hid)
        parts = [str(hh.fields.get("number") or "")]
        for m in hh.members:
            name = str(m.get("name") or "")
            parts += [name, pinyin_initials(name), str(m.get("id_number") or "").lower()]
        row = store.db.one("SELECT village_id, group_name, number FROM households WHERE id = ?", (hid,))
        if (village_id is None or row[0] == village_id) and (group is None or row[1] == group) \
                and any(q in p for p in parts):
            found.append((row[2], hid))
    return [hid for _n, hid in sorted(found, reverse=descending)]


def query_classes(store: Store) -> list[str]:
    """One query of each class the search box promises, taken from the stored households."""
    hh = store.households.get(store.households.ids()[3])
    id_number = str(hh.members[0].get("id_number"))
    number = str(hh.fields["number"])
    return ["张", "三", "张三", "zs", "z", "x", "张三丰", "zsf", "𠮷", "𠮷祥",  # characters, initials
            "5", "51", "0", "19", "510", "5108", id_number[-4:], id_number[-3:],  # 1-4 digits
            number, number[-4:], id_number, id_number.lower(), str(hh.members[0].get("name")),  # whole ones
            "无此人", "qqq", "9x"]  # nothing (and an ID's X beside a digit)


def test_every_query_class_finds_the_right_households_in_the_list_order(store: Store) -> None:
    fill(store)
    for q in query_classes(store):
        want = expected(store, q)
        assert store.households.ids(search=q) == want, q
        assert store.households.ids(search=q, limit=5) == want[:5], q  # the first page first
        assert store.households.ids(search=q, descending=True) == want[::-1], q
    assert store.households.ids(search="张") and store.households.ids(search="zs")
    assert store.households.ids(search="  ＺＳ ") == expected(store, "zs")  # as the box normalizes


def test_a_filtered_list_searches_its_village_and_group_only(store: Store) -> None:
    fill(store)
    village = store.townships.village_by_name("炉场村")
    assert village is not None and village.id is not None
    for q in ("张", "zs", "5", "510", "张三丰"):
        assert store.households.ids(search=q, village_id=village.id) == expected(store, q, village_id=village.id)
        assert store.households.ids(search=q, village_id=village.id, group="二组", limit=3) == \
            expected(store, q, village_id=village.id, group="二组")[:3]
        # In another order (a clicked column) the same households.
        assert sorted(store.households.ids(search=q, village_id=village.id, order="head_name")) == \
            sorted(expected(store, q, village_id=village.id))


def test_a_query_with_many_matches_walks_the_list_order(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past FEW matches a longer query stops sorting and walks the list's order instead: same answer."""
    fill(store)
    monkeypatch.setattr(search_index, "FEW", 2)
    for q in ("510", "5108", "张三", "zsf", "19"):
        assert store.households.ids(search=q) == expected(store, q), q
        assert store.households.ids(search=q, limit=4, descending=True) == expected(store, q, descending=True)[:4]


def test_a_whole_household_number_whose_last_digits_many_share_is_found_without_walking(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every group's first household ends in …0010001: a longer end of the 户编号 is asked for then."""
    for i, group in enumerate(("一组", "二组", "三组")):
        store.households.save(full_household(store.spec, seed=i + 1, group=group,
                                             number=f"51082210500{i + 1}0010001"), "测试", reload=False)
    monkeypatch.setattr(search_index, "FEW", 1)  # the last six digits name all three: more than FEW
    walked: list[str] = []
    walk = search_index._walk
    monkeypatch.setattr(search_index, "_walk", lambda *a, **k: walked.append(a[1]) or walk(*a, **k))
    for number in ("5108221050020010001", "5108221050030010001", "50020010001"):
        assert store.households.ids(search=number) == expected(store, number), number
    assert walked == []
    assert store.households.ids(search="0010001") == expected(store, "0010001")  # all three: walked
    assert walked == ["0010001"]


def index_rows(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    docs = [tuple(r) for r in store.db.query(
        "SELECT household_id, number, village_id, group_name, text FROM search_docs ORDER BY household_id")]
    grams = [tuple(r) for r in store.db.query("SELECT gram, number, household_id FROM search_grams ORDER BY 1, 2, 3")]
    return docs, grams


def rebuilt(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The index as the current households make it."""
    docs, grams = [], set()
    for hid in sorted(store.households.ids()):
        hh = store.households.get(hid)
        row = store.db.one("SELECT number, village_id, group_name FROM households WHERE id = ?", (hid,))
        text = search_text(hh).lower()
        docs.append((hid, row[0], row[1], row[2], text))
        grams |= {(g, row[0], hid) for g in search_index.grams(text)}
    return docs, sorted(grams)


def test_the_index_follows_save_delete_and_restore(store: Store) -> None:
    fill(store, 6)
    assert index_rows(store) == rebuilt(store)
    hid = store.households.ids(search="谢逊")[0]
    hh = store.households.get(hid)
    hh.members[0].fields["name"] = "谢晓峰"
    hh.fields["number"] = "5108221050000000001"  # now first in the list
    store.households.save(hh, "测试")
    assert store.households.ids(search="谢逊") == []
    assert store.households.ids(search="谢晓") == [hid] == store.households.ids(search="xx")
    assert store.households.ids(search="5")[0] == hid
    assert index_rows(store) == rebuilt(store)
    store.households.delete(hid, "测试")
    assert store.households.ids(search="谢晓") == [] and hid not in store.households.ids(search="5")
    assert index_rows(store) == rebuilt(store)
    store.recycle.restore(hid, "测试")
    assert store.households.ids(search="谢晓") == [hid]
    assert index_rows(store) == rebuilt(store)


def test_the_index_follows_an_excel_import(store: Store, tmp_path: Path) -> None:
    report, _ = import_file(store, files.write_messy_roster(tmp_path / "r.xlsx"))
    assert store.households.ids()
    assert index_rows(store) == rebuilt(store)
    hh = store.households.get(store.households.ids()[0])
    name = str(hh.members[0].get("name"))
    assert store.households.ids(search=name[:1]) == expected(store, name[:1])
    assert store.households.ids(search=pinyin_initials(name)[:2]) == expected(store, pinyin_initials(name)[:2])


def test_a_bulk_import_indexes_many_households_at_once(store: Store) -> None:
    """search_index.write_many (for imports writing with executemany) leaves the index as saves do."""
    fill(store, 6)
    texts = [(hid, search_text(store.households.get(hid))) for hid in store.households.ids()]
    with store.db.transaction():
        for table in ("search_grams", "search_docs", "household_search"):
            store.db.execute(f"DELETE FROM {table}")
        search_index.write_many(store.db, texts)
    assert index_rows(store) == rebuilt(store)
    with store.db.transaction():
        search_index.write_many(store.db, texts[:2])  # again: replaced, not doubled
    assert index_rows(store) == rebuilt(store)
    assert store.households.ids(search="张") == expected(store, "张")
