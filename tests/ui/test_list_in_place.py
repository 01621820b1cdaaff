"""After a save the household list updates the saved household's row in place (issue 14): no
re-read of the list, the selection and the scroll position stay.  When the save moves the row (a
new 户编号) or takes it out of what the list shows (a name that no longer matches the search), the
list is read again, in the township and at county scale."""

from __future__ import annotations

import pytest

from fupin_desktop.ui import background, household_list
from fupin_desktop.ui.main_window import MainWindow
from tests.ui.test_county_scale import NAMES, fill, heads


@pytest.fixture(params=["township", "county"])
def scale(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "county":
        monkeypatch.setattr(background, "LARGE", 1)
        monkeypatch.setattr(household_list, "ASYNC_FROM", 1)
        monkeypatch.setattr(household_list, "FIRST_PAGE", 2)
    return str(request.param)


def ready(qtbot, store) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(store)
    window.offer_drafts = False
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == len(NAMES))
    return window


def rename_head(qtbot, window: MainWindow, household_id: int, name: str) -> None:  # type: ignore[no-untyped-def]
    editor = window.open_household(household_id)
    assert editor is not None
    model = editor.form.tables["members"].model
    assert model.setData(model.index(0, [c.id for c in model.columns].index("name")), name)
    assert editor.save(), editor.status.text()
    editor.close()


def test_a_saved_household_is_updated_in_its_row_without_reading_the_list_again(qtbot, store, scale) -> None:
    ids = fill(store)
    window = ready(qtbot, store)
    row = window.model.row_of(ids[3])
    assert row is not None
    window.table.selectRow(row)
    before = heads(window)
    reads: list[bool] = []
    window.model.busy.connect(reads.append)
    with qtbot.assertNotEmitted(window.model.modelReset), qtbot.waitSignal(window.model.dataChanged) as changed:
        rename_head(qtbot, window, ids[3], "周芷晴")
    assert reads == []  # the list was not fetched again (at county scale: no worker either)
    assert changed.args[0].row() == row and changed.args[1].row() == row
    assert changed.args[1].column() == window.model.columnCount() - 1
    assert heads(window) == [*before[:row], "周芷晴", *before[row + 1:]]
    assert window.selected_household_id() == ids[3]


def test_a_household_that_leaves_the_search_is_taken_off_the_list(qtbot, store, scale) -> None:
    ids = fill(store)
    window = ready(qtbot, store)
    window.model.set_search("张")
    qtbot.waitUntil(lambda: not window.model.loading and len(heads(window)) == 3)
    rename_head(qtbot, window, ids[2], "赵无忌")  # 张无忌 no longer matches 张
    qtbot.waitUntil(lambda: not window.model.loading and heads(window) == ["张三", "张翠山"])


def test_a_household_whose_number_moves_it_is_put_in_its_new_place(qtbot, store, scale) -> None:
    ids = fill(store)
    window = ready(qtbot, store)
    assert heads(window)[0] == "张三"
    editor = window.open_household(ids[0])
    assert editor is not None
    editor.apply_field("number", "5108221059999999")  # after every other 户编号
    assert editor.save(), editor.status.text()
    editor.close()
    qtbot.waitUntil(lambda: not window.model.loading and heads(window)[-1] == "张三")
    assert heads(window) == [s.head_name for s in store.households.summaries(store.households.ids())]
    assert window.model.rowCount() == len(NAMES)


def test_rows_sorted_by_another_column_stay_in_that_order_after_a_save(qtbot, store, scale) -> None:
    ids = fill(store)
    window = ready(qtbot, store)
    column = [key for key, _label in window.model.columns].index("head_name")
    window.model.sort(column)
    qtbot.waitUntil(lambda: not window.model.loading)
    rename_head(qtbot, window, ids[5], "阿谢逊")  # 阿 sorts first in pinyin order
    qtbot.waitUntil(lambda: not window.model.loading and heads(window)[0] == "阿谢逊")
    assert heads(window) == [s.head_name for s in store.households.summaries(store.households.ids(order="head_name"))]
