"""Invisible characters pasted or committed by an input method into a field editor.

Text copied from a web page, a chat program or a spreadsheet may carry control characters,
zero-width spaces, bidi overrides (U+202E shows a name reversed) or tag characters.  The
field editors call :func:`clean_line_edit` / :func:`clean_plain_text_edit` on every change
the clerk makes: the characters are removed at once, the cursor stays where it was, and a
short notice (:data:`CLEANED`) is shown beside the field and as a tooltip, so the clerk
knows the text was changed.  What counts as invisible is decided by
:mod:`fupin_desktop.domain.text`, the same as for Excel imports and sync.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QToolTip, QWidget

from fupin_desktop.domain.text import invisible_in, strip_invisible

CLEANED = "已去掉不可见的控制字符"


def notice_text(found: list[str]) -> str:
    return f"{CLEANED}（{'、'.join(found[:3])}{'等' if len(found) > 3 else ''}），请核对内容。"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_prefix(text: str, units: int) -> str:
    """The first ``units`` UTF-16 code units of ``text`` (Qt counts positions that way)."""
    return text.encode("utf-16-le", "surrogatepass")[:2 * units].decode("utf-16-le", "ignore")


def clean_line_edit(edit: QLineEdit) -> str | None:
    """Remove invisible characters from ``edit``; the notice shown, or None if there were none."""
    text = edit.text()
    found = invisible_in(text)
    if not found:
        return None
    before = strip_invisible(_utf16_prefix(text, edit.cursorPosition()))
    edit.setText(strip_invisible(text))
    edit.setCursorPosition(_utf16_len(before))
    return _show(edit, found)


def clean_plain_text_edit(edit: QPlainTextEdit) -> str | None:
    """The same for a multi-line note: tabs and line breaks stay."""
    text = edit.toPlainText()
    found = invisible_in(text, multiline=True)
    if not found:
        return None
    position = edit.textCursor().position()
    before = strip_invisible(_utf16_prefix(text, position), multiline=True)
    edit.setPlainText(strip_invisible(text, multiline=True))
    cursor = edit.textCursor()
    cursor.setPosition(min(_utf16_len(before), len(edit.toPlainText().encode("utf-16-le")) // 2))
    edit.setTextCursor(cursor)
    edit.moveCursor(QTextCursor.MoveOperation.NoMove)
    return _show(edit, found)


def _show(widget: QWidget, found: list[str]) -> str:
    message = notice_text(found)
    QToolTip.showText(widget.mapToGlobal(QPoint(0, widget.height())), message, widget)
    return message
