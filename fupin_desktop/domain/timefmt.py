"""Stored times shown on the clerk's clock.

The database, batch files and JSON output keep times as ISO 8601 in UTC with the offset
(``2026-12-06T13:45:12.345+00:00``, ``store.database.now_iso``).  Everything a clerk reads (the
list's 最后修改, 已保存（…）, drafts, batch lists, audit rows, the text output of ``fupin``) goes
through :func:`local_time`, so it shows ``2026-12-06 21:45`` in 青川县, never a raw UTC string.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse(iso: str) -> datetime | None:
    """The instant an ISO 8601 time stamp names; a stamp without an offset is UTC (as stored)."""
    try:
        moment = datetime.fromisoformat(iso.strip())
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_time(iso: str | None, *, seconds: bool = False) -> str:
    """``2026-12-06 21:45`` (``…:45:12`` with ``seconds``) in the computer's time zone; "" for no
    time; a text that is not a time stamp (or a date alone, which has no zone) is shown as it is."""
    if not iso:
        return ""
    text = str(iso)
    if len(text.strip()) <= 10:  # a date: no time of day to convert
        return text
    moment = parse(text)
    if moment is None:
        return text
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
