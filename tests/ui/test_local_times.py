"""What the clerk reads is on the clerk's clock: 最后修改, 已保存（…）, drafts, batch lists."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.sync_page import SyncPage
from tests.helpers import full_household
from tests.sync.world import World
from tests.ui.test_sync_page import cells, run_op, world  # noqa: F401 - the fixture

SHANGHAI = timedelta(hours=8)


@pytest.fixture(autouse=True)
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def in_shanghai(stored: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    moment = datetime.fromisoformat(stored)
    assert moment.utcoffset() == timedelta(0)  # stored in UTC
    return (moment.replace(tzinfo=None) + SHANGHAI).strftime(fmt)


def test_list_editor_and_draft_show_local_time(qtbot, store, dialogs) -> None:  # type: ignore[no-untyped-def]
    saved = store.households.save(full_household(store.spec, seed=1), "测试")
    window = MainWindow(store)
    qtbot.addWidget(window)
    column = [key for key, _label in window.model.columns].index("updated_at")
    shown = window.model.data(window.model.index(0, column))
    assert shown == in_shanghai(saved.updated_at)
    assert shown != saved.updated_at[:16].replace("T", " ")  # never the raw UTC text

    editor = window.open_household(saved.id)
    assert editor is not None
    editor.form.editors["phone"].setFocus()
    editor.form.load(full_household(store.spec, seed=1, names=("王五", "赵六", "孙七")))
    editor.household.revision = saved.revision
    assert editor.save()
    stored = editor.household.updated_at
    assert editor.status.text() == f"已保存（{in_shanghai(stored, '%Y-%m-%d %H:%M:%S')}）"
    assert window.model.data(window.model.index(0, column)) == in_shanghai(stored)
    editor.close()

    # A draft kept from an earlier session is offered with the time it was kept, local.
    store.drafts.put(saved.uuid, saved.id, editor.draft_payload())
    kept = store.drafts.get(saved.uuid).saved_at
    dialogs.answer = dialogs.answer.No
    window.open_household(saved.id)
    [offer] = [text for kind, title, text in dialogs.shown if title == "发现未保存的草稿"]
    assert f"（{in_shanghai(kept, '%Y-%m-%d %H:%M:%S')}）" in offer


def test_sync_batch_list_shows_local_time(world: World, qtbot, dialogs) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = SyncPage(world.town)
    qtbot.addWidget(page)
    run_op(qtbot, lambda: page.export_to(world.stick))
    [batch] = SyncRepository(world.town.db).outbox()
    assert cells(page.batches, 1) == [in_shanghai(batch.created_at)]
