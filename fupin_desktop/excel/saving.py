"""Saving an openpyxl workbook so that a failure leaves nothing behind -- not even noise on stderr.

openpyxl's ``Workbook.save`` opens a zip archive, writes each sheet through a temporary XML file
and closes the archive only when everything worked.  When a write fails (a full disk, a U 盘
pulled out) it leaves the archive and the sheet writers open; when they are collected later,
``ZipFile.__del__`` and the sheet writers' generators try to write again and Python prints
"Exception ignored ... Traceback ... Errno 28" after the program's own message.

:func:`save_book` does what ``Workbook.save`` does, and on failure closes the archive's file
without writing more, finishes the abandoned sheet writers at once with their (expected) errors
silenced, and removes openpyxl's temporary files of this save.  The exception is re-raised for
the caller (an ``OSError`` becomes the caller's Chinese :class:`~fupin_desktop.fileio.WriteError`).
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.worksheet import _writer as sheet_writer
from openpyxl.writer.excel import ExcelWriter


def save_book(book: Workbook, path: str | os.PathLike[str]) -> None:
    """``book.save(path)``, but a failure leaves no open archive, writer or temporary file."""
    if book.write_only and not book.worksheets:
        book.create_sheet()
    temp_before = set(_temp_files())
    archive = ZipFile(Path(path), "w", ZIP_DEFLATED, allowZip64=True)
    try:
        book.properties.modified = datetime.now(UTC).replace(tzinfo=None)
        ExcelWriter(book, archive).save()
    except BaseException as exc:
        _abandon(archive)
        discard(book)
        _finish_quietly(exc)
        for leftover in set(_temp_files()) - temp_before:
            _remove(leftover)
        raise


def _abandon(archive: ZipFile) -> None:
    """Close the archive's file without writing its directory (``ZipFile.__del__`` then has nothing to do)."""
    fp, archive.fp = archive.fp, None
    if fp is not None:
        try:
            fp.close()  # flushing may fail again on a full disk: the file is dropped anyway
        except OSError:
            pass


def _finish_quietly(exc: BaseException) -> None:
    """Let go of the frames of the failed save now, so the sheet writers they hold finish here --
    their closing writes fail as expected and are not reported -- and not later on stderr."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _temp_files() -> list[str]:
    return list(getattr(sheet_writer, "ALL_TEMP_FILES", []))


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
    temp = getattr(sheet_writer, "ALL_TEMP_FILES", None)
    if isinstance(temp, list) and path in temp:
        temp.remove(path)


def discard(book: Workbook) -> None:
    """After a failed or cancelled write: close openpyxl's half-written write-only sheets and
    remove their temporary files now (a full disk needs the space back; left alone they would
    print tracebacks on stderr when collected)."""
    for ws in book.worksheets:
        writer = getattr(ws, "_writer", None)
        for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                try:
                    stream.close()
                except Exception:  # noqa: BLE001 - writing the closing tags may fail: the file is dropped anyway
                    pass
        out = getattr(writer, "out", None)
        if isinstance(out, str):
            try:
                writer.cleanup()  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001
                pass
