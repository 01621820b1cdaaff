"""What one write changed: the record every writing operation hands back.

In the spirit of Anki's ``OpChanges``: a save, a delete, a restore from the recycle bin, an Excel
import, a sync import or feedback, a policy change, a backup restore or a setting each describe what
they touched, and the GUI broadcasts the record (``ui/changes.py``) so the household list, the village
tree, the data-quality view, the status bar and the title refresh themselves instead of being told
one by one.  Pure data: no Qt, nothing below needs it.

The operation that writes builds its record and returns it -- the record itself
(``HouseholdRepository.delete``), a result carrying it as ``.change`` (``SaveResult``, ``Restored``,
``RestoreResult``, ``ImportReport``), or :class:`Changed` (a value together with the record, Anki's
``OpChangesWith``).  Whatever carries a ``change`` is :class:`Changes`; the GUI only announces it and
never builds a record itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


class ChangeKind(StrEnum):
    SAVE = "save"
    DELETE = "delete"
    RESTORE = "restore"  # a household back from the recycle bin
    IMPORT = "import"  # Excel import
    SYNC_IMPORT = "sync_import"  # county: batches imported, a conflict resolved
    SYNC_FEEDBACK = "sync_feedback"  # township: the county's feedback read, keys, batches
    POLICY = "policy"
    BACKUP_RESTORE = "backup_restore"  # the whole database replaced
    SETTINGS = "settings"  # operator name and other settings
    SYNC_EXPORT = "sync_export"  # township: a batch written to the outbox (no household changed)
    EDUCATION = "education"  # students' schools and subsidy applications (教育资助)
    WORKFLOW = "workflow"  # identification cases, publicity rounds, objections, quotas (issue 15)
    VILLAGE_FORM = "village_form"  # a 贫困村登记表 saved or imported (issue 17)


@dataclass(frozen=True)
class Change:
    """One write: its kind, the households it touched (``everything`` when too many to name), the
    villages whose counts may have moved, how many records, and the settings it changed."""

    kind: ChangeKind
    households: frozenset[int] = frozenset()
    villages: frozenset[str] = frozenset()
    count: int = 0
    settings: frozenset[str] = frozenset()
    everything: bool = False  # a bulk change: reload every view, not just the named households

    @property
    def household_rows(self) -> bool:
        """Whether the household list, the tree's counts and the data-quality findings may differ."""
        return self.everything or bool(self.households)

    @property
    def rules(self) -> bool:
        """Whether every household's findings may differ (a policy, the whole data replaced)."""
        return self.everything or self.kind is ChangeKind.POLICY

    @property
    def title(self) -> bool:
        """Whether the window title (township or county name) may differ."""
        return self.kind in (ChangeKind.BACKUP_RESTORE, ChangeKind.SYNC_FEEDBACK, ChangeKind.SYNC_IMPORT)

    @property
    def change(self) -> Change:
        """A record is its own change (so an operation may return the bare record)."""
        return self

    @classmethod
    def of(cls, kind: ChangeKind, households: Iterable[int] = (), *, villages: Iterable[str | None] = (),
           count: int | None = None, settings: Iterable[str] = (), everything: bool = False) -> Change:
        ids = frozenset(int(h) for h in households)
        return cls(kind, ids, frozenset(v for v in villages if v), len(ids) if count is None else count,
                   frozenset(settings), everything)


@runtime_checkable
class Changes(Protocol):
    """What a writing operation returns: anything carrying the record of what it changed."""

    @property
    def change(self) -> Change | None: ...


@dataclass(frozen=True)
class Changed(Generic[T]):
    """An operation's value together with what it changed (Anki's ``OpChangesWith``)."""

    value: T
    change: Change


__all__ = ["Change", "ChangeKind", "Changed", "Changes"]
