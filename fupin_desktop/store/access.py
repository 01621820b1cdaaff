"""Logins, the permission check and the users' management (issue 18).

A database without users works as it always did: nobody logs in, every action is allowed and the
audit rows carry the 录入员 setting.  Once the first user (a 管理员) exists, every change needs a
logged-in user: :meth:`Accounts.operator` (the name the audit rows carry) raises
:class:`NotLoggedIn` otherwise, and :meth:`Accounts.require` refuses an action the user's role may
not do (the roles are declared once, in :data:`fupin_desktop.domain.roles.PERMISSIONS`).

Passwords are hashed with Argon2id (argon2-cffi, memory-hard); the password itself is never stored
or logged.  Five wrong passwords in a row lock the account for 15 minutes; a 管理员 unlocks it or
sets a new password.  The last 管理员 can be neither removed, disabled nor demoted.  Every login,
failed login, refusal and change of a user leaves an audit row.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from fupin_desktop.domain.roles import Action, UserRole, may, who_may
from fupin_desktop.store import audit, cipher
from fupin_desktop.store.database import Database, StoreError
from fupin_desktop.store.users import User, UserRepository

if TYPE_CHECKING:
    from argon2 import PasswordHasher

log = logging.getLogger(__name__)

MAX_FAILED = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 6
MAX_NAME = 20
NOBODY = "（未登录）"


@functools.cache
def _hasher() -> PasswordHasher:
    """Argon2id, argon2-cffi's defaults (RFC 9106 low-memory profile); loaded with the first password,
    not at every start (argon2-cffi and cffi cost a window's start-up ~20 ms)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


class AccessError(StoreError):
    """A refusal about users and rights; ``str(exc)`` says, in Chinese, why and what to do."""


class PermissionDenied(AccessError):
    """The logged-in user's role may not do the action (the message names the roles that may)."""


class NotLoggedIn(AccessError):
    """The database has users and nobody (or a user since removed) is logged in."""


class LoginFailed(AccessError):
    """Wrong name or password, a disabled account."""


class AccountLocked(LoginFailed):
    """Too many wrong passwords: the account waits until ``locked_until``."""


class UserRefused(AccessError):
    """A user's name, role or password that cannot be taken, or the last 管理员 kept."""


@dataclass(frozen=True)
class Actor:
    """Who is logged in on a connection."""

    user_id: int
    name: str
    role: UserRole


def _now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password: str) -> str:
    """The password if it may be used; UserRefused otherwise."""
    if len(password) < MIN_PASSWORD:
        raise UserRefused(f"密码至少要 {MIN_PASSWORD} 个字符。")
    if len(set(password)) == 1:
        raise UserRefused("密码不能全是同一个字符。")
    return password


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise UserRefused("用户名不能为空。")
    if len(name) > MAX_NAME:
        raise UserRefused(f"用户名最多 {MAX_NAME} 个字。")
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in name):
        raise UserRefused("用户名不能含有控制字符或不可见字符。")
    return name


class Accounts:
    """Logins and rights on one connection (``store.accounts``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = UserRepository(db)

    # -- who is logged in -----------------------------------------------------------------------
    @property
    def actor(self) -> Actor | None:
        actor = self.db.actor
        return actor if isinstance(actor, Actor) else None

    def current(self) -> Actor | None:
        """The logged-in user as the database knows them now: a user removed or disabled
        elsewhere is logged out (NotLoggedIn), a changed role is taken up at once."""
        actor = self.actor
        if actor is None:
            return None
        user = self.users.by_id(actor.user_id)
        if user is None or user.disabled or user.name != actor.name:
            self.db.actor = None
            raise NotLoggedIn(f"用户“{actor.name}”已被管理员删除或停用，不能再修改数据。"
                              "请关闭程序，用其他用户重新登录。")
        if user.role is not actor.role:
            actor = Actor(user.id, user.name, user.role)
            self.db.actor = actor
        return actor

    def operator(self, fallback: str) -> str:
        """The name the audit rows carry: the logged-in user's; ``fallback`` (the 录入员 setting)
        while the database has no users; NotLoggedIn when it has users and nobody is logged in."""
        actor = self.current()
        if actor is not None:
            return actor.name
        if self.users.any():
            if not self.db._depth:  # (inside a transaction the row would go with its rollback)
                audit.event(self.db, operator=NOBODY, action="refused", entity="action", entity_uuid="WRITE",
                            field="WRITE", new="修改数据")
            raise NotLoggedIn("这个数据库已设置用户：修改数据前请先登录（命令行用 --user 用户名，"
                              "密码由环境变量 FUPIN_PASSWORD 提供或在提示时输入）。数据未作改动。")
        return fallback

    def may(self, action: Action) -> bool:
        """Whether the logged-in user may do ``action`` (anyone may, while there are no users)."""
        try:
            actor = self.current()
        except NotLoggedIn:
            return False
        if actor is None:
            return not self.users.any()
        return may(actor.role, action)

    def require(self, action: Action, *, household_uuid: str | None = None) -> None:
        """Refuse ``action`` unless the logged-in user's role may do it: a Chinese message naming
        the roles that may, nothing changed, the attempt in the audit trail."""
        actor = self.current()
        if actor is None:
            if not self.users.any():
                return
            self._refused(NOBODY, action, household_uuid)
            raise NotLoggedIn(f"{action.value}需要先登录（{who_may(action)}）。数据未作改动。")
        if may(actor.role, action):
            return
        self._refused(actor.name, action, household_uuid)
        raise PermissionDenied(f"“{actor.name}”是{actor.role.value}，不能{action.value}：只有{who_may(action)}可以。"
                               "数据未作改动。")

    def _refused(self, operator: str, action: Action, household_uuid: str | None) -> None:
        log.warning("refused %s for a %s", action.name, "user" if operator != NOBODY else "nobody logged in")
        audit.event(self.db, operator=operator, action="refused", entity="action", entity_uuid=action.name,
                    household_uuid=household_uuid, field=action.name, new=action.value)

    # -- logging in -----------------------------------------------------------------------------
    def login(self, name: str, password: str) -> Actor:
        """Log ``name`` in on this connection, or refuse (wrong password, locked, disabled)."""
        name = unicodedata.normalize("NFC", name).strip()
        user = self.users.get(name)
        if user is None:
            self._failed_event(name[:MAX_NAME] or NOBODY, "no such user")
            raise LoginFailed("用户名或密码不正确。")
        if user.disabled:
            self._failed_event(user.name, "disabled")
            raise LoginFailed(f"用户“{user.name}”已停用，请找管理员。")
        now = _now()
        if user.locked_until and datetime.fromisoformat(user.locked_until) > now:
            minutes = max(1, int((datetime.fromisoformat(user.locked_until) - now).total_seconds() + 59) // 60)
            self._failed_event(user.name, "locked")
            raise AccountLocked(f"用户“{user.name}”因连续 {MAX_FAILED} 次密码错误已被锁定，请 {minutes} 分钟后再试，"
                                "或请管理员解锁（fupin user unlock）。")
        if not self._verify(user, password):
            attempts = (user.failed_count if not user.locked_until else 0) + 1
            lock = (now + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds") \
                if attempts >= MAX_FAILED else None
            if not self.db.read_only:  # a database opened read-only keeps no count (nothing can be written)
                with self.db.transaction():
                    if user.locked_until:  # an expired lock: counting starts again
                        self.users.unlock(user.id)
                    self.users.failed(user.id, lock)
                    audit.record(self.db, operator=user.name, action="failed_login", entity="user",
                                 entity_uuid=user.name, field="password")
            if lock:
                raise AccountLocked(f"密码错误。用户“{user.name}”已连续 {MAX_FAILED} 次输错密码，"
                                    f"已锁定 {LOCK_MINUTES} 分钟；忘记密码请找管理员重设。")
            raise LoginFailed(f"用户名或密码不正确（再错 {MAX_FAILED - attempts} 次将锁定 {LOCK_MINUTES} 分钟）。")
        if not self.db.read_only:
            rehash = _hasher().check_needs_rehash(self.users.password_hash(user.id)) or (
                self.db.key is not None and cipher.needs_new_wrap(self.db.path, user.name))
            digest = hash_password(password) if rehash else None
            with self._key_file(user.name, digest) if digest else nullcontext(), self.db.transaction():
                if user.failed_count or user.locked_until:
                    self.users.unlock(user.id)
                if digest:
                    self.users.set_password_hash(user.id, digest)
                audit.record(self.db, operator=user.name, action="login", entity="user", entity_uuid=user.name)
        actor = Actor(user.id, user.name, user.role)
        self.db.actor = actor
        log.info("login role=%s", user.role.name)
        return actor

    def _verify(self, user: User, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return _hasher().verify(self.users.password_hash(user.id), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _failed_event(self, name: str, why: str) -> None:
        log.warning("login refused: %s", why)
        audit.event(self.db, operator=name, action="failed_login", entity="user", entity_uuid=name, field=why)

    def adopt(self, actor: Actor | None) -> None:
        """Another connection of this program acts for the same logged-in user (a worker's)."""
        self.db.actor = actor

    # -- managing users -------------------------------------------------------------------------
    def add(self, name: str, role: UserRole, password: str) -> User:
        """A new user.  The first user of a database must be a 管理员 (and needs no login); after
        that only a 管理员 adds users."""
        first = not self.users.any()
        if first and role is not UserRole.ADMIN:
            raise UserRefused("第一个用户必须是管理员（fupin user add 姓名 --role 管理员）。")
        if not first:
            self.require(Action.USERS)
        name = check_name(name)
        if self.users.get(name) is not None:
            raise UserRefused(f"用户“{name}”已经存在。")
        digest = hash_password(check_password(password))
        with self._key_file(name, digest), self.db.transaction():
            user_id = self.users.insert(name, role, digest)
            audit.record(self.db, operator=self.actor.name if self.actor else name, action="user", entity="user",
                         entity_uuid=name, field="add", new=role.value)
        user = self.users.by_id(user_id)
        assert user is not None
        return user

    def _target(self, name: str) -> User:
        user = self.users.get(unicodedata.normalize("NFC", name).strip())
        if user is None:
            raise UserRefused(f"没有用户“{name}”（用 fupin user list 查看）。")
        return user

    def _admin_change(self, name: str) -> User:
        self.require(Action.USERS)
        return self._target(name)

    def _record(self, target: User, what: str, new: object = None) -> None:
        actor = self.actor
        audit.record(self.db, operator=actor.name if actor else NOBODY, action="user", entity="user",
                     entity_uuid=target.name, field=what, new=new)

    def set_password(self, name: str, password: str) -> None:
        """A 管理员 sets anyone's password (a forgotten one); a user may set their own."""
        actor = self.current()
        target = self._target(name)
        if actor is None or actor.user_id != target.id:
            self.require(Action.USERS)
        digest = hash_password(check_password(password))
        with self._key_file(target.name, digest), self.db.transaction():
            self.users.set_password_hash(target.id, digest)  # also unlocks
            self._record(target, "password")

    def unlock(self, name: str) -> None:
        target = self._admin_change(name)
        with self.db.transaction():
            self.users.unlock(target.id)
            self._record(target, "unlock")

    def set_role(self, name: str, role: UserRole) -> None:
        target = self._admin_change(name)
        if target.role is UserRole.ADMIN and role is not UserRole.ADMIN and not target.disabled:
            self._keep_an_admin(target)
        with self.db.transaction():
            self.users.set_role(target.id, role)
            self._record(target, "role", role.value)

    def set_disabled(self, name: str, disabled: bool) -> None:
        target = self._admin_change(name)
        if disabled and target.role is UserRole.ADMIN and not target.disabled:
            self._keep_an_admin(target)
        with self.db.transaction():
            self.users.set_disabled(target.id, disabled)
            self._record(target, "disable" if disabled else "enable")

    def remove(self, name: str) -> None:
        """Remove a user (their audit rows keep their name)."""
        target = self._admin_change(name)
        if target.role is UserRole.ADMIN and not target.disabled:
            self._keep_an_admin(target)
        with self._key_file(target.name, None), self.db.transaction():
            self.users.delete(target.id)
            self._record(target, "remove")

    @contextmanager
    def _key_file(self, name: str, digest: str | None) -> Iterator[None]:
        """An encrypted database's data key wrapped for ``name`` from the new password hash
        ``digest`` (None: the user's wrap removed) in its key file (store/cipher.py), before the
        change is written; put back as it was if the change fails."""
        key = self.db.key
        if key is None:
            yield
            return
        kept = cipher.read(self.db.path)
        if digest is None:
            cipher.remove_user(self.db.path, name)
        else:
            cipher.set_user(self.db.path, key, name, digest)
        try:
            yield
        except BaseException:
            cipher.write(self.db.path, kept)
            raise

    def _keep_an_admin(self, target: User) -> None:
        if self.users.active_admins() <= 1:
            raise UserRefused(f"“{target.name}”是最后一个管理员，不能删除、停用或改为其他角色："
                              "请先添加另一个管理员。")

    # -- what was done with personal data -------------------------------------------------------
    def record_use(self, kind: str, what: str, household_uuids: list[str], fallback: str) -> None:
        """Who printed or exported whose data, when: one ``kind`` row per household (one row
        without a household when ``household_uuids`` is empty).  A read-only connection (a
        worker's) cannot keep it: its caller records on the program's own connection."""
        if self.db.read_only:
            return
        actor = self.current()
        operator = actor.name if actor else fallback
        with self.db.transaction():
            for uuid in household_uuids or [None]:  # type: ignore[list-item]
                audit.record(self.db, operator=operator, action=kind, entity="household" if uuid else "document",
                             entity_uuid=uuid or what, household_uuid=uuid, field=what)


def require(db: Database, action: Action, *, household_uuid: str | None = None) -> None:
    """:meth:`Accounts.require` on ``db`` (for the repositories, which hold only the database)."""
    Accounts(db).require(action, household_uuid=household_uuid)
