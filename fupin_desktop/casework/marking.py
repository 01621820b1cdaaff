"""What a finished case writes on the household: ``store/case_marking.py`` (shared with the county's
feedback), called with the store's household repository and operator."""

from __future__ import annotations

from datetime import date

from fupin_desktop.store import Store
from fupin_desktop.store.case_marking import mark_household as _mark
from fupin_desktop.store.cases import CaseRow


def mark_household(store: Store, case: CaseRow, when: date) -> None:
    """Mark the household for the case finished on ``when``."""
    _mark(store.households, case, store.operator)
