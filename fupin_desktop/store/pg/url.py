"""PostgreSQL addresses: which targets are servers, and how to name one without its password.

Kept apart from the driver so that telling a ``postgresql://`` address from a SQLite file does not
load psycopg (a township never needs it).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

#: The receiving database when a command is given neither ``--database`` nor ``--db``.
URL_ENV = "FUPIN_DATABASE_URL"


def is_url(target: object) -> bool:
    """True for a ``postgresql://`` / ``postgres://`` address (anything else is a SQLite file)."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in ("postgresql", "postgres")


def safe_url(url: str) -> str:
    """The address without its password, for messages and the log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
