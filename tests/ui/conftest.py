from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from fupin_desktop import services
from fupin_desktop.store import Store
from tests.ui.clerk import Clerk


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "town.db")
    services.init_township(
        s, code="510822105", name="茶坝乡", county="青川县", city="广元市", province="四川省",
        villages=[("炉场村", 95), ("兴龙村", 123), ("月明村", 112)], poor_villages={"月明村"},
    )
    for v in s.townships.villages():
        for g in ("一组", "二组", "三组"):
            s.townships.add_group(v.id, g, s.operator)
    yield s
    s.close()


@pytest.fixture
def clerk(qtbot: object) -> Clerk:
    return Clerk(qtbot)


class DialogRecorder:
    """Modal message boxes would block a test: record them and answer as configured."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.answer = QMessageBox.StandardButton.Yes

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for kind in ("warning", "critical", "information", "question"):
            def fake(parent, title, text, *args, _kind=kind, **kwargs):  # type: ignore[no-untyped-def]
                self.shown.append((_kind, title, text))
                return self.answer if _kind == "question" else QMessageBox.StandardButton.Ok
            monkeypatch.setattr(QMessageBox, kind, staticmethod(fake))


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogRecorder:
    rec = DialogRecorder()
    rec.install(monkeypatch)
    return rec
