"""The Qt binding must not corrupt Python's reference counts.

PySide6 6.12.0 dropped a reference to ``None`` on every call of a method returning
void; on Python 3.11 (where None is not immortal) a clerk's session aborted with
"none_dealloc" after a few thousand such calls.  pyproject pins a good version; this
test catches a bad one before a clerk does.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLineEdit


def test_void_calls_keep_the_reference_count_of_none(qtbot) -> None:
    widget = QLineEdit()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        widget.setVisible(False)
        widget.setReadOnly(True)
        widget.setProperty("invalid", False)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # Allow for unrelated objects appearing or going; a leak per call would show as >= 500.
    assert all(b - a < 100 for a, b in zip(after, before, strict=True)), (before, after)
