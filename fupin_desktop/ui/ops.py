"""Run long work off the GUI thread, with a progress dialog and Cancel.

In the spirit of Anki's ``aqt/operations``: the work function never touches
widgets; it receives ``progress(done, total)`` and ``cancelled()`` callables and
its result (or exception) comes back on the GUI thread.  One worker thread at a
time: database writes stay serialised.

Work on a database uses the typed ops, which open the worker's own connection from the
database's path (never the GUI's):

* :class:`QueryOp` ``[T]`` reads: ``work(reader, progress, cancelled) -> T``;
* :class:`StoreOp` ``[T]`` writes: the same; the operation's result carries what it changed
  (``result.change``, see :class:`~fupin_desktop.store.changes.Changes`), which is announced on the
  database's hub (``ui/changes.py``) after success, before ``on_success`` runs.  The GUI never builds
  a change record itself.

A failure is logged (``applog.failed``) and reaches the GUI thread: ``on_failure(exc)`` if given,
else a message box titled ``title`` with the Chinese message (nothing for a cancel).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from fupin_desktop import applog
from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, Changes

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
Work = Callable[[Progress, Cancelled], Any]
StoreWork = Callable[[Store, Progress, Cancelled], T]


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


def is_cancel(exc: BaseException) -> bool:
    return type(exc).__name__.endswith("Cancelled") or isinstance(exc, KeyboardInterrupt)


def failure_message(title: str, exc: BaseException) -> str:
    """The Chinese message for a failed operation: the program's own refusals say it all."""
    if type(exc).__module__.startswith("fupin_desktop."):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{title}没有完成：{exc.strerror or exc}"
    return f"{title}没有完成（{type(exc).__name__}：{exc}）。"


class QueryOp(BackgroundOp, Generic[T]):
    """Read-only work on its own read-only connection: ``QueryOp(parent, label, store, work, ...)``."""

    def __init__(
        self,
        parent: QWidget | None,
        label: str,
        store: Store,
        work: StoreWork[T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        title: str = "操作",
        cancellable: bool = True,
    ) -> None:
        self.path = store.path
        self._open_own = store.worker  # opens the worker's own connection (SQLite file or PostgreSQL)
        self.title = title
        self.result: T | None = None
        self._on_success, self._on_failure = on_success, on_failure

        def job(progress: Progress, cancelled: Cancelled) -> T:
            with self.open_store() as own:  # the worker's own connection
                return work(own, progress, cancelled)

        job.__qualname__ = getattr(work, "__qualname__", "background work")
        super().__init__(parent, label, job, self._succeeded, self._report_failure, cancellable)

    def open_store(self) -> Store:
        """The worker's own connection (opened on the worker thread): no start-up checks, the GUI
        did them.  A query's connection is read-only (SQLite refuses any write on it); WAL lets it
        read beside the GUI's connection."""
        return self._open_own(read_only=True)

    def _succeeded(self, result: T) -> None:
        self.result = result
        if self._on_success is not None:
            self._on_success(result)

    def _report_failure(self, exc: BaseException) -> None:
        if self._on_failure is not None:
            self._on_failure(exc)
        elif not is_cancel(exc):
            QMessageBox.warning(self.parent() if isinstance(self.parent(), QWidget) else None,  # type: ignore[arg-type]
                                self.title, failure_message(self.title, exc))


class StoreOp(QueryOp[T]):
    """Work that writes, on its own writer connection; what its result says it changed
    (``result.change``) is announced on the database's hub after success (before ``on_success``).
    A result carrying no change (an upload: only the outbox's states) announces nothing."""

    def __init__(
        self,
        parent: QWidget | None,
        label: str,
        store: Store,
        work: StoreWork[T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        title: str = "操作",
        cancellable: bool = True,
    ) -> None:
        self.change: Change | None = None
        super().__init__(parent, label, store, work, on_success, on_failure, title=title, cancellable=cancellable)

    def open_store(self) -> Store:
        """The worker's own writer connection (read-only only when the clerk chose so: then every
        write is refused with the usual message)."""
        return self._open_own(read_only=False)

    def _succeeded(self, result: T) -> None:
        from fupin_desktop.ui.changes import announce

        self.change = result.change if isinstance(result, Changes) else None
        announce(self.path, self.change)
        super()._succeeded(result)
