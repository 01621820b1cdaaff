"""Times as a clerk reads them: stored as UTC ISO text with its offset, shown in local time."""

from __future__ import annotations

from datetime import UTC, datetime


def local_time(iso: str | None) -> str:
    """``2026-12-06T13:45:00.000+00:00`` -> ``2026-12-06 21:45`` in this computer's time zone.

    Text that is not an ISO time stamp is returned as it is (never an exception); a stamp
    without an offset is taken as UTC, as the program stores every time in UTC.
    """
    if not iso:
        return ""
    try:
        stamp = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")
