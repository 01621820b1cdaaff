"""Sealing and signing: the outer layer of a batch file (and the signed feedback file).

A batch file is::

    "FPSYNC1\\n" | u32 header length | header (JSON, no personal data) |
    frames: u32 length | AES-256-GCM ciphertext of <= 64 KiB plaintext ... |
    Ed25519 signature (64 bytes) over SHA-512 of everything before it

The header names the signer's and the recipient's key fingerprints and carries an ephemeral
X25519 public key.  The file key is HKDF-SHA256 of the X25519 shared secret (salt: ephemeral
and recipient public keys).  Chunks use the STREAM construction of age and Tink: the nonce is
an 11-byte chunk counter and a last-chunk flag, so chunks cannot be reordered, dropped or the
file cut short without failing; the header is the associated data of every chunk.

The reader checks the signature *before* decrypting anything, and every failure is a
:class:`SyncError` with a Chinese message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fupin_desktop.fileio import loads_json
from fupin_desktop.sync.format import SyncError
from fupin_desktop.sync.keys import fingerprint, raw_public

MAGIC_BATCH = b"FPSYNC1\n"
MAGIC_FEEDBACK = b"FPFDBK1\n"
CHUNK = 64 * 1024
TAG = 16
SIGNATURE = 64
MAX_HEADER = 16 * 1024
MAX_FILE_BYTES = 1 << 30
CIPHER = "X25519-HKDF-SHA256-AES256GCM-STREAM64K"
SIGNATURE_SCHEME = "Ed25519-SHA512"
_SIG_CONTEXT = b"fupin-sync signature v1\x00"
_HKDF_INFO = b"fupin-sync batch v1"

#: Messages shared by every "this file is damaged" path.
DAMAGED = "批次文件已损坏或被改动（{what}），已拒绝，未作任何改动。请重新复制，或请乡镇重新导出。"
TRUNCATED = "批次文件不完整（可能复制时中断），已拒绝，未作任何改动。请重新复制该文件。"

WRONG_RECIPIENT = ("该批次不是发给本县的（乡镇导入的县公钥不是本县的），无法解密，未作任何改动。"
                   "请乡镇电话核对县公钥指纹，导入正确的县公钥后重新导出。")


def unknown_signer_message(signer_fp: str) -> str:
    return (f"该批次由未登记的乡镇密钥签名（指纹 {signer_fp[:39]}），已拒绝，未作任何改动。"
            "请先电话核对指纹，再用 fupin sync trust --township-key 登记该乡镇的公钥。")


class UnknownSigner(SyncError):
    """Signed by a key this database does not know."""

    def __init__(self, message: str, signer: str) -> None:
        super().__init__(message)
        self.signer = signer


class WrongRecipient(SyncError):
    """Sealed to another county's key (the township trusted the wrong county.pub)."""


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_HKDF_INFO).derive(shared)


def _sign(key: Ed25519PrivateKey, digest: bytes) -> bytes:
    return key.sign(_SIG_CONTEXT + digest)


class SealedWriter:
    """Streams plaintext into a sealed, signed batch file."""

    def __init__(self, out: IO[bytes], *, recipient: bytes, signer: Ed25519PrivateKey,
                 extra_header: dict[str, Any] | None = None) -> None:
        self._out = out
        self._hash = hashlib.sha512()
        ephemeral = X25519PrivateKey.generate()
        eph_raw = raw_public(ephemeral.public_key())
        try:
            shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
        except ValueError as exc:
            raise SyncError("县公钥无效，无法加密。请重新导入县公钥。") from exc
        self._aead = AESGCM(_derive(shared, eph_raw, recipient))
        self._signer = signer
        header = {
            "format": 1, "type": "batch", "cipher": CIPHER, "signature": SIGNATURE_SCHEME,
            "signer": fingerprint(raw_public(signer.public_key())), "recipient": fingerprint(recipient),
            "ephemeral": base64.b64encode(eph_raw).decode(), **(extra_header or {}),
        }
        header_bytes = json.dumps(header, sort_keys=True).encode("utf-8")
        self._aad = hashlib.sha256(MAGIC_BATCH + header_bytes).digest()
        self.size = 0
        self._emit(MAGIC_BATCH + struct.pack(">I", len(header_bytes)) + header_bytes)
        self._buf = bytearray()
        self._counter = 0

    def _emit(self, data: bytes) -> None:
        self._hash.update(data)
        self._out.write(data)
        self.size += len(data)

    def _frame(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), plain, self._aad)
        self._counter += 1
        self._emit(struct.pack(">I", len(sealed)) + sealed)

    def write(self, data: bytes) -> None:
        self._buf += data
        while len(self._buf) > CHUNK:
            self._frame(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]

    def close(self) -> None:
        self._frame(bytes(self._buf), last=True)
        self._buf.clear()
        signature = _sign(self._signer, self._hash.digest())
        self._out.write(signature)
        self.size += len(signature)


@dataclass(frozen=True)
class Envelope:
    header: dict[str, Any]
    header_bytes: bytes
    frames: list[tuple[int, int]]  # (offset, length) of each sealed chunk
    body_end: int


def read_header(data: bytes) -> tuple[dict[str, Any], bytes, int]:
    """The clear header at the start of a batch: ``(header, header_bytes, end)`` where ``end`` is
    the offset just after it.  Needs only the first ``end`` bytes (at most ``12 + MAX_HEADER``),
    so a receiver can check who sent a batch and to whom before storing any of it."""
    if len(data) < len(MAGIC_BATCH) or data[:len(MAGIC_BATCH)] != MAGIC_BATCH:
        if len(data) < len(MAGIC_BATCH) and MAGIC_BATCH.startswith(data):
            raise SyncError(TRUNCATED)
        raise SyncError("这不是数据交换批次文件（文件头不符），已拒绝，未作任何改动。")
    pos = len(MAGIC_BATCH)
    if len(data) < pos + 4:
        raise SyncError(TRUNCATED)
    (hlen,) = struct.unpack(">I", data[pos:pos + 4])
    pos += 4
    if hlen > MAX_HEADER:
        raise SyncError(DAMAGED.format(what="文件头长度无效"))
    if len(data) < pos + hlen:
        raise SyncError(TRUNCATED)
    header_bytes = bytes(data[pos:pos + hlen])
    pos += hlen
    try:
        header = loads_json(header_bytes, max_bytes=MAX_HEADER)
    except ValueError as exc:
        raise SyncError(DAMAGED.format(what="文件头无法读取")) from exc
    if not isinstance(header, dict) or not all(isinstance(header.get(k), str) for k in
                                               ("signer", "recipient", "ephemeral", "cipher", "type")):
        raise SyncError(DAMAGED.format(what="文件头不完整"))
    if header["cipher"] != CIPHER or header.get("format") != 1 or header["type"] != "batch":
        raise SyncError("批次文件的格式版本本程序不认识，请升级本程序。")
    return header, header_bytes, pos


def header_end(data: bytes) -> int:
    """How many bytes of ``data`` the magic and the clear header take (0 if they cannot be read)."""
    pos = len(MAGIC_BATCH)
    if len(data) < pos + 4 or data[:pos] != MAGIC_BATCH:
        return 0
    (hlen,) = struct.unpack(">I", data[pos:pos + 4])
    return pos + 4 + hlen if hlen <= MAX_HEADER else 0


def parse_envelope(data: bytes) -> Envelope:
    """Structure only: magic, header and frame boundaries (no key needed)."""
    header, header_bytes, pos = read_header(data)
    end = len(data) - SIGNATURE
    frames = []
    while pos < end:
        if pos + 4 > end:
            raise SyncError(TRUNCATED)
        (flen,) = struct.unpack(">I", data[pos:pos + 4])
        pos += 4
        if flen < TAG or flen > CHUNK + TAG:
            raise SyncError(DAMAGED.format(what="数据块长度无效"))
        if pos + flen > end:
            raise SyncError(TRUNCATED)
        frames.append((pos, flen))
        pos += flen
    if not frames or pos != end:
        raise SyncError(TRUNCATED)
    return Envelope(header, header_bytes, frames, end)


def verify_signature(data: bytes, end: int, signer: Ed25519PublicKey, what: str = "签名不符") -> None:
    digest = hashlib.sha512(data[:end]).digest()
    try:
        signer.verify(data[end:end + SIGNATURE], _SIG_CONTEXT + digest)
    except InvalidSignature as exc:
        raise SyncError(DAMAGED.format(what=what)) from exc


def verify_batch(data: bytes, signer_raw: bytes, recipient_raw: bytes) -> Envelope:
    """The township's read-back check: structure, signature and recipient (it cannot decrypt)."""
    env = parse_envelope(data)
    verify_signature(data, env.body_end, Ed25519PublicKey.from_public_bytes(signer_raw))
    if env.header["recipient"] != fingerprint(recipient_raw) or env.header["signer"] != fingerprint(signer_raw):
        raise SyncError(DAMAGED.format(what="收件人或签名人不符"))
    return env


def verify_batch_file(fh: BinaryIO, size: int, signer_raw: bytes, recipient_raw: bytes) -> str:
    """:func:`verify_batch` of a file read in chunks (an export's read-back of a large batch):
    structure, signature and recipient; returns the SHA-256 of the whole file."""
    whole = hashlib.sha256()
    signed = hashlib.sha512()

    def take(n: int) -> bytes:
        data = fh.read(n)
        if len(data) != n:
            raise SyncError(TRUNCATED)
        whole.update(data)
        signed.update(data)
        return data

    start = fh.read(min(size, len(MAGIC_BATCH) + 4 + MAX_HEADER))
    header, _header_bytes, pos = read_header(start)
    whole.update(start[:pos])
    signed.update(start[:pos])
    fh.seek(pos)
    end = size - SIGNATURE
    frames = 0
    while pos < end:
        if pos + 4 > end:
            raise SyncError(TRUNCATED)
        (flen,) = struct.unpack(">I", take(4))
        pos += 4
        if flen < TAG or flen > CHUNK + TAG:
            raise SyncError(DAMAGED.format(what="数据块长度无效"))
        if pos + flen > end:
            raise SyncError(TRUNCATED)
        take(flen)
        pos += flen
        frames += 1
    if not frames or pos != end:
        raise SyncError(TRUNCATED)
    signature = fh.read(SIGNATURE)
    if len(signature) != SIGNATURE or fh.read(1):
        raise SyncError(TRUNCATED)
    whole.update(signature)
    try:
        Ed25519PublicKey.from_public_bytes(signer_raw).verify(signature, _SIG_CONTEXT + signed.digest())
    except InvalidSignature as exc:
        raise SyncError(DAMAGED.format(what="签名不符")) from exc
    if header["recipient"] != fingerprint(recipient_raw) or header["signer"] != fingerprint(signer_raw):
        raise SyncError(DAMAGED.format(what="收件人或签名人不符"))
    return whole.hexdigest()


def open_batch(
    data: bytes,
    *,
    signer_lookup: Callable[[str], bytes | None],
    recipient: X25519PrivateKey,
) -> tuple[Envelope, bytes]:
    """Verify the signature, then decrypt: ``(envelope, plaintext)``."""
    if len(data) > MAX_FILE_BYTES:
        raise SyncError("批次文件超过大小上限，已拒绝。")
    env = parse_envelope(data)
    signer_fp = env.header["signer"]
    signer_raw = signer_lookup(signer_fp)
    if signer_raw is None:
        raise UnknownSigner(unknown_signer_message(signer_fp), signer_fp)
    verify_signature(data, env.body_end, Ed25519PublicKey.from_public_bytes(signer_raw))
    recipient_raw = raw_public(recipient.public_key())
    if env.header["recipient"] != fingerprint(recipient_raw):
        raise WrongRecipient(WRONG_RECIPIENT)
    try:
        eph = base64.b64decode(env.header["ephemeral"], validate=True)
        shared = recipient.exchange(X25519PublicKey.from_public_bytes(eph))
    except ValueError as exc:
        raise SyncError(DAMAGED.format(what="临时密钥无效")) from exc
    aead = AESGCM(_derive(shared, eph, recipient_raw))
    aad = hashlib.sha256(MAGIC_BATCH + env.header_bytes).digest()
    out = bytearray()
    last = len(env.frames) - 1
    for counter, (offset, length) in enumerate(env.frames):
        try:
            out += aead.decrypt(_nonce(counter, counter == last), data[offset:offset + length], aad)
        except InvalidTag as exc:
            raise SyncError(DAMAGED.format(what="解密校验失败")) from exc
    return env, bytes(out)


# -- signed (not sealed) files: feedback ----------------------------------------------------------
def sign_blob(body: bytes, signer: Ed25519PrivateKey) -> bytes:
    head = MAGIC_FEEDBACK + struct.pack(">I", len(body)) + body
    return head + _sign(signer, hashlib.sha512(head).digest())


def open_blob(data: bytes, signer: Ed25519PublicKey, *, max_bytes: int = 64 << 20) -> bytes:
    bad = "反馈文件已损坏或被改动（{what}），已拒绝。请县里重新导出反馈。"
    if len(data) > max_bytes:
        raise SyncError("反馈文件过大，已拒绝。")
    if data[:len(MAGIC_FEEDBACK)] != MAGIC_FEEDBACK:
        raise SyncError("这不是县里的反馈文件（文件头不符）。")
    pos = len(MAGIC_FEEDBACK)
    if len(data) < pos + 4 + SIGNATURE:
        raise SyncError(bad.format(what="文件不完整"))
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    end = pos + 4 + length
    if end + SIGNATURE != len(data):
        raise SyncError(bad.format(what="长度不符"))
    try:
        signer.verify(data[end:], _SIG_CONTEXT + hashlib.sha512(data[:end]).digest())
    except InvalidSignature as exc:
        raise SyncError(bad.format(what="签名不符，或不是本县签发")) from exc
    return data[pos + 4:end]

