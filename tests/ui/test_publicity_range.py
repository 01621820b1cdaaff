"""One range of publicity days everywhere: the policy, ``policy set``, ``print notice``, the print
centre's and the policy dialog's spin boxes, and the stored setting that printing falls back to."""

from __future__ import annotations

import pytest

from fupin_desktop.printing import service
from fupin_desktop.rules.policy import PUBLICITY_DAYS, PolicyError, check_publicity_days
from fupin_desktop.store import Store, settings
from fupin_desktop.ui.policy_dialog import PolicyDialog
from fupin_desktop.ui.print_centre import PrintCentre


def test_the_spin_boxes_offer_exactly_the_policy_range(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    centre = PrintCentre(store)
    qtbot.addWidget(centre)
    dialog = PolicyDialog(store)
    qtbot.addWidget(dialog)
    for box in (centre.days, dialog.days):
        assert (box.minimum(), box.maximum()) == PUBLICITY_DAYS == (1, 60)
    assert centre.copies.maximum() == service.MAX_COPIES


def test_printing_refuses_and_ignores_days_outside_the_range(store: Store) -> None:
    for bad in (0, 61, 100_000, True, "7"):
        with pytest.raises(PolicyError, match="1-60"):
            check_publicity_days(bad)
    with pytest.raises(service.PrintError, match="1-60"):
        service.notice_info(store, "炉场村", "first", days=100_000)
    assert service.notice_info(store, "炉场村", "first", days=60).days == 60
    settings.PUBLICITY_DAYS.put_raw(store.db, "100000")  # an old or hand-edited setting
    assert 1 <= service.publicity_days(store) <= 60
    with pytest.raises(service.PrintError, match="份数"):
        service.print_blank("card", "/dev/null", copies=service.MAX_COPIES + 1)
