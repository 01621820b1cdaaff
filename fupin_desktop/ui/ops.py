"""Run long work off the GUI thread, with a progress dialog and Cancel.

In the spirit of Anki's ``aqt/operations``: the work function never touches
widgets; it receives ``progress(done, total)`` and ``cancelled()`` callables and
its result (or exception) comes back on the GUI thread.  One worker thread at a
time: database writes stay serialised.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from fupin_desktop import applog

log = logging.getLogger(__name__)

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class _Worker(QThread):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work) -> None:
        super().__init__()
        self._work = work
        self.cancel_event = threading.Event()

    def run(self) -> None:  # noqa: D102 - QThread entry point
        try:
            result = self._work(lambda d, t: self.progressed.emit(int(d), int(t)), self.cancel_event.is_set)
        except BaseException as exc:  # reported on the GUI thread
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class BackgroundOp(QObject):
    """One long job: ``BackgroundOp(parent, "正在导入…", work, on_success, on_failure).start()``."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        label: str,
        work: Work,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        cancellable: bool = True,
    ) -> None:
        super().__init__(parent)
        self._worker = _Worker(work)
        self._what = getattr(work, "__qualname__", "background work")  # for the log: never data
        self._dialog = QProgressDialog(label, "取消" if cancellable else "", 0, 0, parent)
        self._dialog.setWindowTitle("请稍候")
        self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialog.setMinimumDuration(300)
        self._dialog.setAutoClose(False)
        self._dialog.setAutoReset(False)
        if not cancellable:
            self._dialog.setCancelButton(None)
        self._dialog.canceled.connect(self.cancel)
        self._worker.progressed.connect(self._on_progress)
        self._worker.succeeded.connect(lambda r: self._done(on_success, r))
        self._worker.failed.connect(lambda e: self._failed(on_failure, e))

    @property
    def cancelled(self) -> bool:
        return self._worker.cancel_event.is_set()

    def start(self) -> BackgroundOp:
        self._worker.start()
        return self

    def cancel(self) -> None:
        self._worker.cancel_event.set()
        self._dialog.setLabelText("正在取消…")

    def wait(self, ms: int = 60_000) -> bool:
        return self._worker.wait(ms)

    def _on_progress(self, done: int, total: int) -> None:
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total else 0)

    def _failed(self, callback: Callable[[Any], None] | None, exc: BaseException) -> None:
        # The windowed build has no console: a worker's failure survives only in the log.
        applog.failed(log, self._what, exc)
        self._done(callback, exc)

    def _done(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        self._worker.wait()
        self._dialog.close()
        self._dialog.deleteLater()
        if callback is not None:
            callback(value)
        self.finished.emit()
        self.deleteLater()
