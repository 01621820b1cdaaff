"""The main window at county scale (issue 14), made to take a few households for one: the list
comes first page first, the tree's and the status bar's counts come from a worker thread, and a
save, a delete or a village switch shows the right rows and counts again."""

from __future__ import annotations

import pytest

from fupin_desktop.ui import background, household_list
from fupin_desktop.ui.main_window import MainWindow
from tests.helpers import full_household
from tests.ui.test_household_editor import activate

NAMES = [("张三", "李四"), ("王五",), ("张无忌", "赵敏"), ("周芷若",), ("张翠山", "殷素素"), ("谢逊",)]


@pytest.fixture
def county_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "LARGE", 1)
    monkeypatch.setattr(household_list, "ASYNC_FROM", 1)
    monkeypatch.setattr(household_list, "FIRST_PAGE", 2)


def heads(window: MainWindow) -> list[str]:
    return [window.model.summary(r).head_name for r in range(window.model.rowCount())]


def fill(store) -> list[int]:  # type: ignore[no-untyped-def]
    villages = ("炉场村", "兴龙村")
    return [store.households.save(full_household(store.spec, seed=i + 1, names=n, village=villages[i % 2]),
                                  "测试", reload=False).id for i, n in enumerate(NAMES)]


def test_the_list_shows_its_first_page_at_once_and_the_rest_below_it(qtbot, store, county_scale) -> None:
    fill(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    assert window.model.large
    # The first page is there before the worker's whole list is (its rows are the list's first).
    assert window.model.rowCount() in (2, 6)
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 6)
    everyone = heads(window)
    assert everyone == [s.head_name for s in store.households.summaries(store.households.ids())]
    window.table.selectRow(1)
    chosen = window.selected_household_id()
    window.model.set_search("张")
    assert heads(window) == [h for h in everyone if h.startswith("张")][:2]  # at once, in list order
    qtbot.waitUntil(lambda: not window.model.loading)
    assert heads(window) == [h for h in everyone if h.startswith("张")]
    window.model.set_search("")
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 6)
    assert heads(window) == everyone and chosen is not None


def test_counts_come_from_a_worker_and_follow_saves_deletes_and_villages(qtbot, store, county_scale, dialogs) -> None:
    ids = fill(store)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    qtbot.waitUntil(lambda: "共 6 户 9 人 · 当前列表 6 户" in window.status_counts.text())
    root = window.tree.topLevelItem(0)
    qtbot.waitUntil(lambda: root.text(1) == "6" and window.tree.topLevelItem(0).text(1) == "6")
    counts = {window.tree.topLevelItem(0).child(i).text(0): window.tree.topLevelItem(0).child(i).text(1)
              for i in range(window.tree.topLevelItem(0).childCount())}
    assert counts["炉场村"] == "3" and counts["兴龙村"] == "3"

    editor = window.open_household(ids[1])  # 王五 becomes 王大五
    model = editor.form.tables["members"].model
    column = [c.id for c in model.columns].index("name")
    assert model.setData(model.index(0, column), "王大五")
    assert editor.save(), editor.status.text()
    qtbot.waitUntil(lambda: "王大五" in heads(window) and "共 6 户 9 人 · 当前列表 6 户" in window.status_counts.text())
    store.households.delete(ids[0], "测试")
    window.refresh()
    qtbot.waitUntil(lambda: "共 5 户 7 人 · 当前列表 5 户" in window.status_counts.text())
    qtbot.waitUntil(lambda: window.tree.topLevelItem(0).text(1) == "5")

    village = next(window.tree.topLevelItem(0).child(i) for i in range(window.tree.topLevelItem(0).childCount())
                   if window.tree.topLevelItem(0).child(i).text(0).startswith("兴龙村"))
    window.tree.setCurrentItem(village)
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 3)
    assert "当前列表 3 户" in window.status_counts.text()
    editor.close()
