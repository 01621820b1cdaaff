"""Reads that keep the GUI thread free at county scale (counts for the tree and the status bar,
the household list's full id list, the integrity check after start-up).

:class:`Fetch` runs ``work(reader)`` on a daemon thread with its own read connection
(``Store.reader()``, never the GUI's) and hands the result to ``deliver`` on the GUI thread; of
several requests only the newest is delivered.  A failure is logged and handed to ``failed`` if
given.  No dialog and no Cancel: these are quick reads the clerk never waits for (long work uses
ui/ops.py).

:func:`is_large` tells whether a database is big enough for that: a township's few thousand
households are counted in a few milliseconds on the GUI thread, as before.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from fupin_desktop.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
#: From this many households on, counts and lists are fetched off the GUI thread.
LARGE = 20_000
#: Daemon threads that run the reads (started as needed, then kept: starting a thread costs the
#: GUI thread a wait for it); one may be busy with the integrity check for seconds.
WORKERS = 3
_jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_workers: list[threading.Thread] = []
_idle = threading.Semaphore(0)


def submit(job: Callable[[], None]) -> None:
    """Run ``job`` on one of the daemon reader threads (it must catch its own errors)."""
    _jobs.put(job)
    if _idle.acquire(blocking=False):
        return  # a worker is waiting for it
    if len(_workers) < WORKERS:
        thread = threading.Thread(target=_work, name=f"fupin-read-{len(_workers) + 1}", daemon=True)
        _workers.append(thread)
        thread.start()


def _work() -> None:
    while True:
        job = _jobs.get()
        try:
            job()
        except BaseException:  # a job reports its own errors: this one escaped
            log.exception("background job failed")
        _idle.release()


def is_large(store: Store) -> bool:
    """Whether ``store`` holds county-scale data (decided from the largest household id: instant)."""
    return store.households.size_hint() >= LARGE


class _Delivery(QObject):
    done = Signal(int, object, bool)


class Fetch(QObject, Generic[T]):
    """One kind of background read of a database; the newest request wins."""

    def __init__(self, store: Store, name: str, deliver: Callable[[T], None],
                 failed: Callable[[BaseException], None] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.name = name
        self._deliver = deliver
        self._failed = failed
        self._generation = 0
        self.pending = False
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._done)

    def start(self, work: Callable[[Store], T]) -> None:
        self._generation += 1
        generation = self._generation
        self.pending = True
        store = self.store

        def run() -> None:
            try:
                with store.reader() as reader:
                    result: Any = work(reader)
                ok = True
            except BaseException as exc:  # delivered to the GUI thread
                result, ok = exc, False
            try:
                self._delivery.done.emit(generation, result, ok)
            except RuntimeError:  # the receiver is gone (its window closed meanwhile)
                pass

        submit(run)

    def _done(self, generation: int, result: Any, ok: bool) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.pending = False
        if ok:
            self._deliver(result)
            return
        log.warning("background read %s failed: %s", self.name, result)
        if self._failed is not None:
            self._failed(result)
