"""Times as a clerk reads them: stored as UTC ISO text with its offset, shown in local time.

The database, batch files and ``--json`` output keep ISO 8601 in UTC with the offset
(``2026-12-06T13:45:12.345+00:00``, ``store.database.now_iso``).  Everything a clerk reads (the
list's 最后修改, 已保存（…）, drafts, batch lists, the recycle bin's who/when, the text output of
``fupin``) goes through :func:`local_time`: ``2026-12-06 21:45`` in 青川县, never raw UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime


def local_time(iso: str | None, *, seconds: bool = False) -> str:
    """``2026-12-06T13:45:00.000+00:00`` -> ``2026-12-06 21:45`` (``21:45:00`` with ``seconds``) in
    this computer's time zone.

    A stamp without an offset is taken as UTC, as the program stores every time in UTC.  Text that
    is not a time stamp, or a date alone (it has no time of day to convert), is returned as it is
    (never an exception); no time gives "".
    """
    if not iso:
        return ""
    text = str(iso)
    if len(text.strip()) <= 10:
        return text
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
