"""The SQLite driver, in one place: Python's ``sqlite3`` for a plain database, SQLCipher
(``sqlcipher3``, from the ``sqlcipher3-wheels`` package) for an encrypted one (issue 18).

The two libraries read and write the same file format, but they are two copies of SQLite with
their own classes: SQLCipher's exceptions are not ``sqlite3.Error`` subclasses, its ``Row`` is
another type (``sqlite3.Row`` refuses its cursors) and its backup API only copies to another
SQLCipher connection.  The rest of the program does not care which one a connection comes from:

* :func:`connect` opens a file with the driver its key asks for (``key=None``: ``sqlite3``) and
  sets the matching ``Row`` factory;
* :data:`Error`, :data:`DatabaseError`, :data:`OperationalError`, :data:`IntegrityError` are the
  exception classes of both drivers, for ``except`` clauses;
* :data:`Connection` and :data:`Row` are the types both drivers' objects are used as (SQLCipher's
  have the same methods; the type checker sees ``sqlite3``'s).

One process never opens the same live file with both libraries: each copy of SQLite keeps its
own table of the POSIX locks it holds, and closing a descriptor in one drops the other's locks
(the bug that started issue 11).  store/cipher.py decides: a database with a key file beside it
is always opened with SQLCipher.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from types import ModuleType
from typing import cast

__all__ = [
    "KEY_BYTES", "Connection", "DatabaseError", "Error", "IntegrityError", "OperationalError", "Row",
    "complete_statement", "connect", "export", "is_cipher",
]

#: The length of a data key: 256 bits, given to SQLCipher raw (no PBKDF2 of its own).
KEY_BYTES = 32

Connection = sqlite3.Connection
Row = sqlite3.Row
complete_statement = sqlite3.complete_statement
_SQLCIPHER = "sqlcipher3.dbapi2"

# The exception classes of both drivers, made on first use by __getattr__ below: SQLCipher is
# imported only then (an encrypted file, or an error to match), not by every start of the window.
Error: tuple[type[Exception], ...]
DatabaseError: tuple[type[Exception], ...]
OperationalError: tuple[type[Exception], ...]
IntegrityError: tuple[type[Exception], ...]
_ERRORS = ("Error", "DatabaseError", "OperationalError", "IntegrityError")


def _sqlcipher() -> ModuleType:
    """SQLCipher's DB-API module (imported when first wanted: ~3 ms a plain database does without)."""
    from sqlcipher3 import dbapi2

    return dbapi2


def __getattr__(name: str) -> tuple[type[Exception], ...]:
    if name not in _ERRORS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    both: tuple[type[Exception], ...] = (getattr(sqlite3, name), getattr(_sqlcipher(), name))
    globals()[name] = both  # asked once
    return both


def _key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("a data key is 32 bytes")
    return f"\"x'{key.hex()}'\""


def connect(target: str | Path, *, key: bytes | None = None, cipher: bool = False, uri: bool = False,
            timeout: float = 30.0, check_same_thread: bool = True) -> Connection:
    """A connection in autocommit mode (``isolation_level=None``) with rows as ``Row``.

    ``key``: the database's 32-byte data key (SQLCipher); ``cipher=True`` without a key opens a
    plain file with SQLCipher (a file whose key file says it may be encrypted: see above)."""
    if key is None and not cipher:
        plain = sqlite3.connect(str(target), uri=uri, isolation_level=None, timeout=timeout,
                                check_same_thread=check_same_thread)
        plain.row_factory = sqlite3.Row
        return plain
    lib = _sqlcipher()
    conn = lib.connect(str(target), uri=uri, isolation_level=None, timeout=timeout,
                           check_same_thread=check_same_thread)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not stderr noise
        if key is not None:
            conn.execute(f"PRAGMA key = {_key_pragma(key)}")
    except BaseException:
        conn.close()
        raise
    conn.row_factory = lib.Row
    return cast(Connection, conn)


def is_cipher(conn: Connection) -> bool:
    """Whether ``conn`` is SQLCipher's (its backup API copies only to another SQLCipher connection)."""
    module = sys.modules.get(_SQLCIPHER)  # not imported yet: no connection can be SQLCipher's
    return module is not None and isinstance(conn, module.Connection)


def export(conn: Connection, target: Path, key: bytes | None) -> None:
    """Write every table, index, trigger and row of SQLCipher connection ``conn``'s database into the new
    file ``target``, encrypted with ``key`` (``None``: a plain file), with ``sqlcipher_export`` (the way
    SQLCipher converts between plain and encrypted: the backup API cannot).  The header fields it
    does not copy (``user_version``, ``application_id``) are copied after it."""
    if not is_cipher(conn):
        raise TypeError("sqlcipher_export needs a SQLCipher connection")
    attach_key = "''" if key is None else _key_pragma(key)
    version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
    app_id = int(conn.execute("PRAGMA main.application_id").fetchone()[0])
    conn.execute(f"ATTACH DATABASE ? AS converted KEY {attach_key}", (str(target),))
    try:
        conn.execute("SELECT sqlcipher_export('converted')")
        conn.execute(f"PRAGMA converted.user_version = {version}")
        conn.execute(f"PRAGMA converted.application_id = {app_id}")
    finally:
        conn.execute("DETACH DATABASE converted")
