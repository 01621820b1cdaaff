"""Key pairs, passphrases, public key files and fingerprints.

* The county makes, once, an X25519 key pair (batches are sealed to it) and an Ed25519 key pair
  (it signs feedback).  Its public key file goes to every township.
* Each township makes an Ed25519 signing key; the county registers its public key file.
* Private keys stay in the database encrypted with AES-256-GCM under a key derived from a
  passphrase with scrypt (N=2^15, r=8, p=1): a copied database file alone cannot sign or
  decrypt anything, and guessing passphrases is slow.
* A fingerprint (SHA-256 of the public keys, 32 hex digits in groups of four) is shown in
  both programs so two people can read it to each other over the phone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fupin_desktop import fileio
from fupin_desktop.domain.roles import Action
from fupin_desktop.store import access
from fupin_desktop.store.changes import Change, ChangeKind
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.format import SyncError, WrongPassphrase, os_reason

PASSPHRASE_ENV = "FUPIN_PASSPHRASE"
MIN_PASSPHRASE = 8
KEY_FILE_FORMAT = "fupin-sync-key"
ROLE_COUNTY_SEAL = "county-seal"
ROLE_COUNTY_SIGN = "county-sign"
ROLE_TOWNSHIP_SIGN = "township-sign"
MAX_KEY_FILE = 64 * 1024
#: The names a key change gives in :attr:`Change.settings` (the sync page shows the keys).
COUNTY_KEY = "county_key"
TOWNSHIP_KEYS = "township_keys"


def fingerprint(*raw_keys: bytes) -> str:
    digest = hashlib.sha256(b"fupin-sync key v1\x00" + b"".join(raw_keys)).hexdigest().upper()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def env_passphrase() -> str | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value else None


def check_new_passphrase(passphrase: str | None) -> bytes:
    if not passphrase or len(passphrase) < MIN_PASSPHRASE:
        raise SyncError(f"请设置至少 {MIN_PASSPHRASE} 位的口令来保护私钥（命令行用环境变量 {PASSPHRASE_ENV}）。")
    return passphrase.encode("utf-8")


SCRYPT_N = 2 ** 15
_WRAP_AAD = b"fupin-sync private key v1"


def _encrypt(key: Ed25519PrivateKey | X25519PrivateKey, passphrase: bytes) -> bytes:
    """The raw private key under AES-256-GCM with a scrypt key from the passphrase."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    salt, nonce = os.urandom(16), os.urandom(12)
    wrap = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(passphrase)
    sealed = AESGCM(wrap).encrypt(nonce, raw, _WRAP_AAD)
    return json.dumps({"kdf": "scrypt", "n": SCRYPT_N, "r": 8, "p": 1, "salt": base64.b64encode(salt).decode(),
                       "nonce": base64.b64encode(nonce).decode(), "cipher": "AES-256-GCM",
                       "sealed": base64.b64encode(sealed).decode()}).encode("utf-8")


def _decrypt(blob: bytes, passphrase: str | None, algorithm: str) -> Any:
    if not passphrase:
        raise SyncError(f"需要私钥口令：请在弹出的窗口中输入，或设置环境变量 {PASSPHRASE_ENV}。")
    try:
        data = json.loads(bytes(blob).decode("utf-8"))
        if not 2 ** 10 <= int(data["n"]) <= 2 ** 20:
            raise ValueError("scrypt cost out of range")
        wrap = Scrypt(salt=base64.b64decode(data["salt"]), length=32, n=int(data["n"]), r=int(data["r"]),
                      p=int(data["p"])).derive(passphrase.encode("utf-8"))
        nonce, sealed = base64.b64decode(data["nonce"]), base64.b64decode(data["sealed"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise SyncError("数据库中保存的私钥已损坏，无法使用。") from exc
    try:
        raw = AESGCM(wrap).decrypt(nonce, sealed, _WRAP_AAD)
    except InvalidTag as exc:
        raise WrongPassphrase() from exc
    if algorithm == "X25519":
        return X25519PrivateKey.from_private_bytes(raw)
    return Ed25519PrivateKey.from_private_bytes(raw)


# -- public key files --------------------------------------------------------------------
@dataclass(frozen=True)
class CountyPublic:
    code: str
    name: str
    seal_key: bytes
    sign_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.seal_key, self.sign_key)

    @property
    def seal_fingerprint(self) -> str:
        return fingerprint(self.seal_key)


@dataclass(frozen=True)
class TownshipPublic:
    code: str
    name: str
    county: str
    city: str
    province: str
    sign_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_key)


def write_key_file(path: Path, pub: CountyPublic | TownshipPublic) -> Path:
    if isinstance(pub, CountyPublic):
        data: dict[str, Any] = {"type": "county", "code": pub.code, "name": pub.name,
                                "x25519": base64.b64encode(pub.seal_key).decode(),
                                "ed25519": base64.b64encode(pub.sign_key).decode()}
    else:
        data = {"type": "township", "code": pub.code, "name": pub.name, "county": pub.county, "city": pub.city,
                "province": pub.province, "ed25519": base64.b64encode(pub.sign_key).decode()}
    data = {"format": KEY_FILE_FORMAT, "version": 1, **data, "fingerprint": pub.fingerprint}
    path = Path(path)
    try:
        return fileio.write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except fileio.WriteError as exc:
        raise SyncError(f"公钥文件没有写出。{exc}") from exc


def read_key_file(path: Path) -> CountyPublic | TownshipPublic:
    path = Path(path)
    try:
        data = fileio.read_json(path, max_bytes=MAX_KEY_FILE)
    except OSError as exc:
        raise SyncError(f"无法读取公钥文件 {path}：{os_reason(exc)}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise SyncError(f"{path.name} 不是本程序的公钥文件。") from exc
    if not isinstance(data, dict) or data.get("format") != KEY_FILE_FORMAT:
        raise SyncError(f"{path.name} 不是本程序的公钥文件。")
    try:
        if data["type"] == "county":
            pub: CountyPublic | TownshipPublic = CountyPublic(
                code=str(data["code"]), name=str(data["name"]), seal_key=_b64key(data["x25519"]),
                sign_key=_b64key(data["ed25519"]))
        elif data["type"] == "township":
            pub = TownshipPublic(
                code=str(data["code"]), name=str(data["name"]), county=str(data.get("county") or ""),
                city=str(data.get("city") or ""), province=str(data.get("province") or ""),
                sign_key=_b64key(data["ed25519"]))
        else:
            raise SyncError(f"{path.name} 的类型“{data['type']}”无法识别。")
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError(f"公钥文件 {path.name} 内容不完整或已损坏。") from exc
    if data.get("fingerprint") != pub.fingerprint:
        raise SyncError(f"公钥文件 {path.name} 的指纹与密钥不符，文件可能被改动过，请重新索取。")
    return pub


def _b64key(text: Any) -> bytes:
    raw = base64.b64decode(str(text), validate=True)
    if len(raw) != 32:
        raise ValueError("key length")
    return raw


# -- the county's keys ------------------------------------------------------------------------
@dataclass
class CountyPrivate:
    """The county's unlocked private keys (in memory only while an operation runs)."""

    code: str
    name: str
    seal: X25519PrivateKey
    sign: Ed25519PrivateKey

    @property
    def public(self) -> CountyPublic:
        return CountyPublic(self.code, self.name, raw_public(self.seal.public_key()),
                            raw_public(self.sign.public_key()))


def init_county(repo: SyncRepository, code: str, name: str, passphrase: str | None,
                operator: str = "县级管理员") -> CountyPublic:
    """Make the county's key pairs once; a second call returns the existing public keys.

    A new county database also gets its own row in ``township`` (the county's code and name),
    so the program opens it like any database; the townships' villages arrive with batches.
    """
    access.require(repo.db, Action.SYNC_KEYS)
    existing = repo.county()
    if existing is not None and existing.own:
        if existing.code != code:
            raise SyncError(f"本数据库已是 {existing.name}（{existing.code}）的县级数据库，不能改为 {code}。")
        return CountyPublic(existing.code, existing.name, existing.seal_key, existing.sign_key)
    if existing is not None:
        raise SyncError("这是乡镇数据库（已信任县公钥），不能初始化为县级数据库。")
    if repo.key(ROLE_TOWNSHIP_SIGN) is not None:
        raise SyncError("这是乡镇数据库（已有乡镇签名密钥），不能初始化为县级数据库。")
    town = repo.own_township()
    if town is not None and town["code"] != code:
        raise SyncError(f"这是乡镇数据库（{town['name']}），不能初始化为县级数据库；请用一个新的数据库文件。")
    check_county(code, name)
    secret = check_new_passphrase(passphrase)
    seal, sign = X25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    pub = CountyPublic(code, name, raw_public(seal.public_key()), raw_public(sign.public_key()))
    with repo.db.transaction():
        repo.put_key(ROLE_COUNTY_SEAL, "X25519", pub.seal_key, _encrypt(seal, secret), fingerprint(pub.seal_key))
        repo.put_key(ROLE_COUNTY_SIGN, "Ed25519", pub.sign_key, _encrypt(sign, secret), fingerprint(pub.sign_key))
        repo.put_county(code, name, pub.seal_key, pub.sign_key, pub.fingerprint, own=True)
        if town is None:
            repo.create_county_township_row(code, name, operator)
    return pub


def check_county(code: str, name: str) -> None:
    """The county's code and name as ``init_county`` accepts them (a :class:`SyncError` if not)."""
    if not (code.isascii() and code.isdigit() and len(code) in (6, 9, 12)) or not name.strip():
        raise SyncError(f"县代码“{code}”应为 6 位数字（如 510822），县名称不能为空。")


def own_county_public(repo: SyncRepository) -> CountyPublic:
    county = repo.county()
    if county is None or not county.own:
        if county is not None or repo.key(ROLE_TOWNSHIP_SIGN) is not None:
            raise SyncError("这是乡镇数据库，不是县级数据库：导入批次、登记乡镇公钥和导出反馈都在县级数据库上进行。")
        raise SyncError("这不是县级数据库：请先用 fupin sync init-county 初始化。")
    return CountyPublic(county.code, county.name, county.seal_key, county.sign_key)


def unlock_county(repo: SyncRepository, passphrase: str | None) -> CountyPrivate:
    pub = own_county_public(repo)
    seal_row, sign_row = repo.key(ROLE_COUNTY_SEAL), repo.key(ROLE_COUNTY_SIGN)
    if seal_row is None or sign_row is None:
        raise SyncError("本县级数据库缺少私钥，无法解密批次。")
    seal = _decrypt(seal_row.private_key, passphrase, seal_row.algorithm)
    sign = _decrypt(sign_row.private_key, passphrase, sign_row.algorithm)
    if not isinstance(seal, X25519PrivateKey) or not isinstance(sign, Ed25519PrivateKey):
        raise SyncError("本县级数据库中的私钥类型不对。")
    return CountyPrivate(pub.code, pub.name, seal, sign)


def trusted_county(repo: SyncRepository) -> CountyPublic:
    county = repo.county()
    if county is not None and county.own:
        raise SyncError("这是县级数据库，不是乡镇数据库：导出批次和导入反馈都在乡镇数据库上进行。")
    if county is None:
        raise SyncError("尚未导入县公钥：请向县扶贫办索取 county.pub，用 fupin sync trust --county-key 导入。")
    return CountyPublic(county.code, county.name, county.seal_key, county.sign_key)


def trust_county(repo: SyncRepository, pub: CountyPublic, *, replace: bool = False) -> Change:
    """Township side: trust the county's public keys (the same keys again is a no-op).

    Another county key replaces the trusted one only with ``replace``: a key file swapped on a
    stick must not silently redirect the township's batches.
    """
    access.require(repo.db, Action.SYNC_KEYS)
    if repo.is_county():
        raise SyncError("这是县级数据库，不需要导入县公钥；乡镇的公钥请用 --township-key 登记。")
    existing = repo.county()
    if existing is not None and existing.fingerprint == pub.fingerprint:
        return Change.of(ChangeKind.SETTINGS)
    if existing is not None and not replace:
        raise SyncError(
            f"本乡已信任 {existing.name}（{existing.code}）的县公钥（指纹 {existing.fingerprint}）。"
            "若县里确实换了密钥，请电话核对新指纹后加 --replace 重新导入。"
        )
    repo.put_county(pub.code, pub.name, pub.seal_key, pub.sign_key, pub.fingerprint, own=False)
    return Change.of(ChangeKind.SETTINGS, settings=[COUNTY_KEY])


# -- the township's key ----------------------------------------------------------------------------
def township_public(repo: SyncRepository) -> TownshipPublic | None:
    row = repo.key(ROLE_TOWNSHIP_SIGN)
    town = repo.own_township()
    if row is None or town is None:
        return None
    return TownshipPublic(town["code"], town["name"], town["county"], town["city"], town["province"],
                          row.public_key)


def ensure_township_key(repo: SyncRepository, passphrase: str | None) -> TownshipPublic:
    """The township's signing key, made on first use (a passphrase is needed only then)."""
    if repo.is_county():
        raise SyncError("这是县级数据库，不能生成乡镇签名密钥。")
    if repo.own_township() is None:
        raise SyncError("请先完成乡镇设置（fupin init），再生成乡镇密钥。")
    existing = township_public(repo)
    if existing is not None:
        return existing
    secret = check_new_passphrase(passphrase)
    key = Ed25519PrivateKey.generate()
    raw = raw_public(key.public_key())
    repo.put_key(ROLE_TOWNSHIP_SIGN, "Ed25519", raw, _encrypt(key, secret), fingerprint(raw))
    pub = township_public(repo)
    assert pub is not None
    return pub


def unlock_township(repo: SyncRepository, passphrase: str | None) -> Ed25519PrivateKey:
    row = repo.key(ROLE_TOWNSHIP_SIGN)
    if row is None:
        raise SyncError("尚未生成乡镇签名密钥：请先用 fupin sync township-key 生成，并把公钥交县里登记。")
    key = _decrypt(row.private_key, passphrase, row.algorithm)
    if not isinstance(key, Ed25519PrivateKey):
        raise SyncError("乡镇私钥类型不对。")
    return key


def register_township(repo: SyncRepository, pub: TownshipPublic, operator: str, *, replace: bool = False) -> Change:
    """County side: trust a township's signing key (the same key again is a no-op)."""
    access.require(repo.db, Action.SYNC_KEYS)
    own_county_public(repo)
    code = pub.code
    if not (code.isascii() and code.isdigit()):
        raise SyncError(f"公钥文件中的乡镇代码“{code}”无效。")
    existing = repo.township(code)
    if existing is not None and existing.fingerprint == pub.fingerprint:
        return Change.of(ChangeKind.SETTINGS)
    if existing is not None and not replace:
        raise SyncError(
            f"{existing.name}（{code}）已登记了另一把密钥（指纹 {existing.fingerprint}）。"
            "若该乡确实换了密钥，请电话核对新指纹后加 --replace 重新登记。"
        )
    other = repo.township_by_fingerprint(pub.fingerprint)
    if other is not None and other.code != code:
        raise SyncError(f"这把密钥已登记给 {other.name}（{other.code}），不能再登记给 {code}。")
    repo.register_township(code, pub.name, pub.county, pub.city, pub.province, pub.sign_key, pub.fingerprint,
                           operator)
    return Change.of(ChangeKind.SETTINGS, settings=[TOWNSHIP_KEYS])


def ed25519_public(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def x25519_public(raw: bytes) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(raw)
