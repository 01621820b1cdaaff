"""Drive real widgets the way a clerk does: keys for ASCII, input-method commits for Chinese."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


class Clerk:
    def __init__(self, qtbot: object) -> None:
        self.qtbot = qtbot

    @staticmethod
    def focus() -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has keyboard focus"
        return widget

    def type(self, text: str) -> None:
        """Type into the focused widget (Chinese arrives as an input-method commit)."""
        for chunk in _chunks(text):
            target = self.focus()
            if chunk.isascii():
                for ch in chunk:  # each key goes where the focus is now (an editor may just have opened)
                    QTest.keyClicks(self.focus(), ch)
                    QApplication.processEvents()
            else:
                event = QInputMethodEvent()
                event.setCommitString(chunk)
                QApplication.sendEvent(target, event)
            QApplication.processEvents()

    def press(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(self.focus(), key, modifiers)
        QApplication.processEvents()

    def tab(self, times: int = 1) -> None:
        for _ in range(times):
            self.press(Qt.Key.Key_Tab)

    def enter(self) -> None:
        self.press(Qt.Key.Key_Return)

    def field(self, text: str) -> None:
        """Type a value and move on with Tab (empty text: just Tab)."""
        if text:
            self.type(text)
        self.tab()

    def shortcut(self, keys: str) -> None:
        """Press a key sequence such as "Ctrl+S" on the focused widget."""
        from PySide6.QtGui import QKeySequence

        combo = QKeySequence(keys)[0]
        QTest.keyClick(self.focus(), combo.key(), combo.keyboardModifiers())
        QApplication.processEvents()


def _chunks(text: str) -> list[str]:
    """Split into runs of ASCII and non-ASCII characters."""
    out: list[str] = []
    for ch in text:
        if out and out[-1][-1].isascii() == ch.isascii():
            out[-1] += ch
        else:
            out.append(ch)
    return out
