"""The one broadcast of what changed in a database (Anki's ``operation_did_execute``).

Every operation that writes hands its :class:`~fupin_desktop.store.changes.Change` to
:func:`announce`; whoever shows data of that database connects to ``hub(store).changed`` and
refreshes itself.  The hub is per database file, so a dialog needs no reference to the main
window, and a new view subscribes without anyone relaying to it::

    hub(store).changed.connect(self.on_change)   # a bound method of a QObject: disconnected
                                                 # when the receiver is destroyed
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from fupin_desktop.store import Store
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.pg.url import is_url, safe_url

log = logging.getLogger(__name__)


class ChangeHub(QObject):
    """Broadcasts each :class:`Change` of one database file on the GUI thread."""

    changed = Signal(object)  # the Change


_hubs: dict[str, ChangeHub] = {}


def _key(where: Store | str | Path) -> str:
    """A SQLite file by its resolved path; a PostgreSQL database by its address (without password)."""
    path = str(getattr(where, "path", where))  # a Store (SQLite file) or a PgStore (its address)
    if is_url(path):
        return safe_url(path)
    return str(Path(path).resolve())


def hub(where: Store | str | Path) -> ChangeHub:
    """The hub of the database at ``where`` (a Store or its path); made on first use."""
    key = _key(where)
    found = _hubs.get(key)
    if found is None:
        found = _hubs[key] = ChangeHub()
    return found


def announce(where: Store | str | Path, change: Change | None) -> None:
    """Tell every subscriber of the database at ``where`` what ``change`` touched (GUI thread only)."""
    if change is None:
        return
    log.debug("change %s households=%d everything=%s", change.kind.value, len(change.households),
              change.everything)
    hub(where).changed.emit(change)


__all__ = ["Change", "ChangeHub", "ChangeKind", "announce", "hub"]
