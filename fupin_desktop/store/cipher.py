"""The data key of an encrypted database, wrapped once per user (issue 18, encryption at rest).

An encrypted database is encrypted by SQLCipher with a random 256-bit *data key*
(store/driver.py).  The data key is kept beside the database, in ``<name>.db.keys`` (JSON, written
atomically through fileio), wrapped once per user: AES-256-GCM (``cryptography``) under a key
derived from that user's password by Argon2id -- the very derivation of the user's password hash
(store/access.py), with the salt and cost of that hash -- and HKDF-SHA256.  So the file holds no
key, only what a password opens; a copied database or a stolen disk without a password reveals
nothing, and guessing a password costs an Argon2id computation per guess.

Wrapping needs only the user's password hash (``$argon2id$...``, kept inside the encrypted
database), not the password: converting a database wraps the key for every user it has, and a
管理员 adding a user or setting a password wraps it for them.  Logging in *unlocks* the key
(:func:`unlock`): the password opens the user's wrap, and the key is remembered in this process
for that file (:func:`key_for`), so every connection the program opens to it afterwards -- the
workers', the backups', the restore's -- finds it.  A backup (in the backup folder, without a key
file of its own) is opened with any key unlocked in this process (:func:`unlocked_keys`).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import unicodedata
from pathlib import Path
from typing import Any

from fupin_desktop import fileio
from fupin_desktop.store.driver import KEY_BYTES
from fupin_desktop.store.errors import StoreError

log = logging.getLogger(__name__)

SUFFIX = ".keys"
FORMAT = "fupin-desktop data keys"
VERSION = 1
_MAX_BYTES = 1 << 20
_INFO = b"fupin-desktop data key wrap v1"


class KeyRefused(StoreError):
    """Base of the refusals about an encrypted database's key (Chinese message)."""


class EncryptedLocked(KeyRefused):
    """The database is encrypted and no user has unlocked its key in this process."""


class WrongPassword(KeyRefused):
    """The name has no wrap in the key file, or the password does not open it."""


class KeyFileBroken(KeyRefused):
    """The key file is not ours, damaged, or does not belong to the database."""


_lock = threading.Lock()
_unlocked: dict[Path, bytes] = {}


def key_file(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + SUFFIX)


def is_encrypted(db_path: str | Path) -> bool:
    """Whether ``db_path`` has a key file beside it (is encrypted, or is being converted)."""
    return fileio.exists(key_file(db_path))


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _where(db_path: str | Path) -> Path:
    return Path(db_path).resolve()


def remember(db_path: str | Path, key: bytes) -> None:
    with _lock:
        _unlocked[_where(db_path)] = key


def forget(db_path: str | Path) -> None:
    with _lock:
        _unlocked.pop(_where(db_path), None)


def forget_all() -> None:
    """Lock every database again (the tests, between two tests)."""
    with _lock:
        _unlocked.clear()


def key_for(db_path: str | Path) -> bytes | None:
    """The data key unlocked in this process for the database at ``db_path``, if any."""
    with _lock:
        return _unlocked.get(_where(db_path))


def unlocked_keys() -> list[bytes]:
    """Every data key unlocked in this process (to open a backup, which has no key file)."""
    with _lock:
        return list(dict.fromkeys(_unlocked.values()))


# -- wrapping -----------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii") + b"=" * (-len(text) % 4), validate=True)


def _kek(raw: bytes, salt: bytes) -> bytes:
    # (cryptography is imported when a key is wrapped or opened: the window starts without it)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(raw)


def _aad(name: str) -> bytes:
    return f"{FORMAT}/{VERSION}/{name}".encode()


def wrap(name: str, password_hash: str, key: bytes, *, fresh: bool = True) -> dict[str, Any]:
    """``key`` wrapped for user ``name`` from their Argon2id password hash (salt, cost, output).

    ``fresh=False``: the hash is one a plain copy of the database may hold (a database being
    encrypted, its older backups); whoever has that copy and this key file could unwrap.  Such
    a wrap is replaced at the user's next login, from a new hash (:func:`needs_new_wrap`)."""
    from argon2 import Type, extract_parameters  # loaded with the first key, not at every start
    from argon2.exceptions import InvalidHashError

    try:
        params = extract_parameters(password_hash)
        salt_text, raw_text = password_hash.split("$")[-2:]
        salt, raw = _unb64(salt_text), _unb64(raw_text)
    except (InvalidHashError, ValueError) as exc:
        raise KeyFileBroken(f"用户“{name}”的密码记录无法用于加密，请管理员为其重设密码。") from exc
    if params.type is not Type.ID:
        raise KeyFileBroken(f"用户“{name}”的密码记录不是 Argon2id，请管理员为其重设密码。")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_kek(raw, salt)).encrypt(nonce, key, _aad(name))
    return {"kdf": "argon2id", "version": params.version, "time_cost": params.time_cost,
            "memory_cost": params.memory_cost, "parallelism": params.parallelism, "hash_len": params.hash_len,
            "salt": _b64(salt), "nonce": _b64(nonce), "wrapped": _b64(sealed), "fresh": fresh}


def _unwrap(name: str, entry: dict[str, Any], password: str) -> bytes | None:
    """The data key, or None if ``password`` does not open ``entry``."""
    from argon2 import Type
    from argon2.low_level import hash_secret_raw
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        salt = _unb64(entry["salt"])
        costs = [int(entry[k]) for k in ("time_cost", "memory_cost", "parallelism", "hash_len", "version")]
        if entry.get("kdf") != "argon2id" or not (1 <= costs[0] <= 64 and 8 <= costs[1] <= 4 << 20
                                                  and 1 <= costs[2] <= 64 and 16 <= costs[3] <= 64):
            raise ValueError("unexpected costs")
        raw = hash_secret_raw(password.encode("utf-8"), salt, costs[0], costs[1], costs[2], costs[3], Type.ID,
                              costs[4])
        key = AESGCM(_kek(raw, salt)).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), _aad(name))
    except InvalidTag:
        return None
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileBroken(f"密钥文件中用户“{name}”的记录已损坏：请管理员为其重设密码。") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileBroken(f"密钥文件中用户“{name}”的记录已损坏：请管理员为其重设密码。")
    return key


# -- the key file -------------------------------------------------------------------------------
def read(db_path: str | Path) -> dict[str, dict[str, Any]]:
    """The users' wraps in the key file beside ``db_path`` (name -> wrap)."""
    path = key_file(db_path)
    try:
        data = fileio.read_json(path, max_bytes=_MAX_BYTES)
    except FileNotFoundError as exc:
        raise KeyFileBroken(f"找不到数据库 {Path(db_path).name} 的密钥文件 {path.name}：加密的数据库没有它就无法打开。"
                            "请把密钥文件放回数据库旁边（或从备份恢复）。") from exc
    except (OSError, ValueError) as exc:
        raise KeyFileBroken(f"密钥文件 {path} 无法读取（{exc}）。数据库没有任何改动；请从备份恢复密钥文件。") from exc
    users = data.get("users") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(users, dict) or not all(isinstance(v, dict) for v in users.values()):
        raise KeyFileBroken(f"{path} 不是本程序的密钥文件。数据库没有任何改动。")
    return users


def write(db_path: str | Path, users: dict[str, dict[str, Any]]) -> Path:
    """Write the key file beside ``db_path`` (atomically: a failure leaves the old one)."""
    data = {"format": FORMAT, "version": VERSION, "cipher": "sqlcipher4", "users": users}
    return fileio.write_text(key_file(db_path), json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def names(db_path: str | Path) -> list[str]:
    """The users who can unlock the database (for the login dialog's list)."""
    return sorted(read(db_path))


def unlock(db_path: str | Path, name: str, password: str) -> bytes:
    """Open ``name``'s wrap with ``password`` and remember the key for ``db_path``; WrongPassword else."""
    name = unicodedata.normalize("NFC", name).strip()
    users = read(db_path)
    entry = users.get(name)
    key = _unwrap(name, entry, password) if entry is not None else None
    if key is None:
        log.warning("unlock refused for an encrypted database")
        raise WrongPassword(f"数据库 {Path(db_path).name} 已加密：用户名或密码不正确，无法打开。数据库没有任何改动。")
    remember(db_path, key)
    return key


def set_user(db_path: str | Path, key: bytes, name: str, password_hash: str) -> None:
    """Wrap ``key`` for ``name`` (a new user, a new password) in the key file."""
    users = read(db_path)
    users[name] = wrap(name, password_hash, key)
    write(db_path, users)


def needs_new_wrap(db_path: str | Path, name: str) -> bool:
    """Whether ``name``'s wrap came from a password hash a plain copy may hold (see :func:`wrap`)."""
    entry = read(db_path).get(name)
    return entry is not None and entry.get("fresh") is not True


def remove_user(db_path: str | Path, name: str) -> None:
    users = read(db_path)
    if users.pop(name, None) is not None:
        write(db_path, users)
