"""Typed background operations (ui/ops.py): own connection, progress, Cancel, result, change, failure."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from fupin_desktop import services
from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.changes import Change
from fupin_desktop.ui.changes import hub
from fupin_desktop.ui.ops import QueryOp, StoreOp
from tests.helpers import full_household


class WorkCancelled(Exception):
    pass


def test_a_query_reads_on_its_own_connection_and_returns_its_result(qtbot: Any, store: Store) -> None:
    store.households.save(full_household(store.spec, seed=1), "测试")
    seen: dict[str, Any] = {}

    def work(own: Store, progress: Any, cancelled: Any) -> int:
        seen["own"] = own is not store and own.db.conn is not store.db.conn
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        progress(1, 1)
        return own.households.count()

    results: list[int] = []
    op = QueryOp[int](None, "正在数…", store, work, results.append)
    with qtbot.waitSignal(op.finished, timeout=20_000):
        op.start()
    assert results == [1] and seen == {"own": True, "thread": True}


def test_a_store_op_announces_its_change_before_its_success_callback(qtbot: Any, store: Store) -> None:
    order: list[str] = []
    hub(store).changed.connect(lambda change: order.append(f"change {change.kind.value} {sorted(change.households)}"))

    def work(own: Store, progress: Any, cancelled: Any) -> services.SaveResult:
        return services.save_household(own, full_household(own.spec, seed=2))  # carries its change

    op = StoreOp[services.SaveResult](None, "正在保存…", store, work,
                                      lambda result: order.append(f"done {result.saved.id}"))
    with qtbot.waitSignal(op.finished, timeout=20_000):
        op.start()
    [hid] = store.households.ids()
    assert order == [f"change save [{hid}]", f"done {hid}"]


def test_a_failure_reaches_the_gui_thread_in_chinese_and_the_log(qtbot: Any, store: Store, dialogs: Any,
                                                                 caplog: Any) -> None:
    heard: list[Change] = []
    hub(store).changed.connect(heard.append)
    parent = QWidget()
    qtbot.addWidget(parent)

    def work(own: Store, progress: Any, cancelled: Any) -> None:
        raise StoreError("磁盘已满，没有保存。请清理磁盘空间后再试。")

    with caplog.at_level(logging.INFO, logger="fupin_desktop.ui.ops"):
        op = StoreOp[None](parent, "正在保存…", store, work, title="保存")
        with qtbot.waitSignal(op.finished, timeout=20_000):
            op.start()
    assert dialogs.shown == [("warning", "保存", "磁盘已满，没有保存。请清理磁盘空间后再试。")]
    assert not heard and op.change is None  # nothing changed, nothing announced
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_cancel_stops_the_work_and_says_nothing(qtbot: Any, store: Store, dialogs: Any, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()

    def work(own: Store, progress: Any, cancelled: Any) -> int:
        started.set()
        for n in range(10_000_000):
            if cancelled():
                raise WorkCancelled()
            progress(n, 10_000_000)
        return 0

    ended: list[int | None] = []
    op = QueryOp[int](parent, "正在检查…", store, work)
    op.finished.connect(lambda: ended.append(op.result))
    assert op._dialog.windowModality() == Qt.WindowModality.WindowModal
    op.start()
    assert started.wait(20)
    with qtbot.waitSignal(op.finished, timeout=20_000):
        op.cancel()
    assert ended == [None] and not dialogs.shown  # a cancel is no failure to report


def test_a_query_cannot_write(qtbot: Any, store: Store, dialogs: Any) -> None:
    def work(own: Store, progress: Any, cancelled: Any) -> int:
        return int(own.households.save(full_household(own.spec, seed=4), "测试").id)

    failures: list[BaseException] = []
    op = QueryOp[int](None, "正在读…", store, work, on_failure=failures.append)
    with qtbot.waitSignal(op.finished, timeout=20_000):
        op.start()
    assert [type(f).__name__ for f in failures] == ["DatabaseReadOnly"] and store.households.count() == 0
