"""The users table: names, roles, password hashes, failed logins and locks (issue 18).

Only SQL lives here; hashing, the lock-out rule and the permission check are
:mod:`fupin_desktop.store.access`.  A password is never stored: only its Argon2id hash.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from fupin_desktop.domain.roles import UserRole
from fupin_desktop.store import driver
from fupin_desktop.store.database import Database, now_iso


@dataclass(frozen=True)
class User:
    """A user as stored (the hash stays inside the store: it is not shown or exported)."""

    id: int
    name: str
    role: UserRole
    failed_count: int
    locked_until: str | None
    disabled: bool
    created_at: str

    def json(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role.value, "failed_count": self.failed_count,
                "locked_until": self.locked_until, "disabled": self.disabled, "created_at": self.created_at}


_COLUMNS = "id, name, role, failed_count, locked_until, disabled, created_at"


def _user(row: sqlite3.Row) -> User:
    return User(id=int(row["id"]), name=str(row["name"]), role=UserRole(row["role"]),
                failed_count=int(row["failed_count"]), locked_until=row["locked_until"],
                disabled=bool(row["disabled"]), created_at=str(row["created_at"]))


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def any(self) -> bool:
        """Whether the database has users yet (until then it works as before: no logins)."""
        try:
            return self.db.query_one("SELECT 1 FROM users LIMIT 1") is not None
        except driver.OperationalError:  # a file opened before its migration (a reader of an old file)
            return False

    def all(self) -> list[User]:
        return [_user(r) for r in self.db.query(f"SELECT {_COLUMNS} FROM users ORDER BY id")]

    def get(self, name: str) -> User | None:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,))
        return None if row is None else _user(row)

    def by_id(self, user_id: int) -> User | None:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return None if row is None else _user(row)

    def password_hash(self, user_id: int) -> str:
        return str(self.db.one("SELECT password_hash FROM users WHERE id = ?", (user_id,))[0])

    def active_admins(self) -> int:
        return self.db.integer("SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0", (UserRole.ADMIN.value,))

    # -- writes (the caller holds the transaction) -------------------------------------------------
    def insert(self, name: str, role: UserRole, password_hash: str) -> int:
        now = now_iso()
        cur = self.db.execute(
            "INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (name, role.value, password_hash, now, now))
        return int(cur.lastrowid or 0)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.db.execute("UPDATE users SET password_hash = ?, failed_count = 0, locked_until = NULL, updated_at = ?"
                        " WHERE id = ?", (password_hash, now_iso(), user_id))

    def set_role(self, user_id: int, role: UserRole) -> None:
        self.db.execute("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", (role.value, now_iso(), user_id))

    def set_disabled(self, user_id: int, disabled: bool) -> None:
        self.db.execute("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
                        (int(disabled), now_iso(), user_id))

    def failed(self, user_id: int, locked_until: str | None) -> None:
        self.db.execute("UPDATE users SET failed_count = failed_count + 1,"
                        " locked_until = COALESCE(?, locked_until) WHERE id = ?", (locked_until, user_id))

    def unlock(self, user_id: int) -> None:
        self.db.execute("UPDATE users SET failed_count = 0, locked_until = NULL, updated_at = ? WHERE id = ?",
                        (now_iso(), user_id))

    def delete(self, user_id: int) -> None:
        self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))
