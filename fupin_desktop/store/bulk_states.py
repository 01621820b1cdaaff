"""What a county import's bulk loader knows of the households it looked up for one part of a batch:
their states, and which of them have writes waiting.  Shared by the SQLite loader
(``store/sync_bulk.py``, ``executemany``) and the PostgreSQL one (``store/pg/bulk.py``, ``COPY``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

#: (the database's own copy, the last received from a township) of one household, either may be None.
State = tuple[dict[str, Any] | None, dict[str, Any] | None]


class PrefetchedStates(ABC):
    """Households' prefetched states; a household with a write waiting must be asked again."""

    def __init__(self) -> None:
        self._states: dict[str, State] = {}
        self.touched: set[str] = set()  # households with writes waiting (their state must be asked again)

    @abstractmethod
    def flush(self) -> None:
        """Write what waits (inside the caller's transaction) and clear :attr:`touched`."""

    def state(self, uuid: str) -> State | None:
        """The prefetched state (None: not known here, ask the database — after writing what waits)."""
        if uuid in self.touched:
            self.flush()
            return None
        return self._states.get(uuid)

    def absent(self, uuid: str) -> bool:
        """True if the database has no such household (prefetched) and nothing waits for it."""
        known = self._states.get(uuid)
        return known is not None and known[0] is None and uuid not in self.touched

    def touch(self, uuid: str) -> None:
        """A write for this household waits: its prefetched state no longer holds."""
        self._states.pop(uuid, None)
        self.touched.add(uuid)
