"""The batch payload: a manifest and a compressed archive of named entries.

A batch file (see :mod:`fupin_desktop.sync.seal`) carries, sealed and signed, this plaintext::

    u32 manifest length | manifest (UTF-8 JSON) | payload

The payload is a zlib stream of entries ``u16 name length | name | u32 size | bytes`` ended
by a zero name length.  Entries are JSON (``township.json``) or JSON lines (``villages.jsonl``,
``village_groups.jsonl``, ``households-00001.jsonl`` ...).  The archive is read in memory only,
entry by entry, with limits on every size; an entry name that could reach outside a folder
(``../``, an absolute path, a drive letter, a backslash) refuses the whole batch.

Every problem is a :class:`SyncError` with a Chinese message for the clerk.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from fupin_desktop import fastjson, fileio

FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1 << 20
MAX_ENTRY_BYTES = 64 << 20
MAX_PAYLOAD_BYTES = 4 << 30  # decompressed, all entries together
MAX_ENTRIES = 100_000
MAX_NAME_BYTES = 200
HOUSEHOLDS_PER_ENTRY = 1000
#: Record types counted in a manifest, in the order they are shown.
RECORD_TYPES = ("villages", "village_groups", "households", "members", "helpers", "plans", "measures",
                "results", "deleted_households")
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class SyncError(Exception):
    """A batch, key or feedback problem; ``str(exc)`` is a Chinese message for the clerk."""


class WrongPassphrase(SyncError):
    """The passphrase does not unlock the private key: the GUI forgets it and asks again."""

    def __init__(self, message: str = "私钥口令不正确，请重新输入。") -> None:
        super().__init__(message)


#: Why a network operation failed, in the clerk's words; file errors are :data:`fileio.REASONS`.
_NET_REASONS = {errno.EADDRINUSE: "端口已被占用", errno.EADDRNOTAVAIL: "本机没有这个地址"}


def os_reason(exc: OSError) -> str:
    """A Chinese reason for an :class:`OSError` (the system's own text when it is an unusual one)."""
    return _NET_REASONS.get(exc.errno or 0) or fileio.reason(exc)


# -- entries ----------------------------------------------------------------------------
def check_entry_name(name: str) -> None:
    """Refuse a name that could point outside a folder if anybody ever wrote it to disk."""
    parts = name.replace("\\", "/").split("/")
    unsafe = (
        not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name or "\x00" in name
        or any(p in ("..", ".") for p in parts) or "/" in name
    )
    if unsafe:
        raise SyncError(f"批次中含有不安全的条目名“{name[:80]}”（可能指向其他文件夹），已拒绝整个批次，未作任何改动。")
    if not _SAFE_NAME.match(name):
        raise SyncError(f"批次中含有无法识别的条目名“{name[:80]}”，已拒绝整个批次，未作任何改动。")


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class PayloadWriter:
    """Builds the compressed payload entry by entry: in memory (:meth:`finish` returns it), or
    streamed into ``sink`` as it is compressed (an export never holds a whole batch).  Either way
    :attr:`size` and :meth:`sha256` describe the compressed bytes."""

    def __init__(self, level: int = 6, sink: Writable | None = None) -> None:
        self._z = zlib.compressobj(level)
        self._parts: list[bytes] = []
        self._sink = sink
        self._hash = hashlib.sha256()
        self.size = 0
        self.names: list[str] = []

    def _out(self, data: bytes) -> None:
        if not data:
            return
        self._hash.update(data)
        self.size += len(data)
        if self._sink is not None:
            self._sink.write(data)
        else:
            self._parts.append(data)

    def add(self, name: str, data: bytes) -> None:
        check_entry_name(name)
        raw = name.encode("utf-8")
        self._out(self._z.compress(struct.pack(">H", len(raw)) + raw + struct.pack(">I", len(data))))
        self._out(self._z.compress(data))
        self.names.append(name)

    def add_unchecked(self, name: str, data: bytes) -> None:
        """Tests only: write a name the reader must refuse."""
        raw = name.encode("utf-8")
        self._out(self._z.compress(struct.pack(">H", len(raw)) + raw + struct.pack(">I", len(data)) + data))

    def finish(self) -> bytes:
        """End the archive; the payload in memory mode (``b""`` when streamed into a sink)."""
        self._out(self._z.compress(struct.pack(">H", 0)))
        self._out(self._z.flush())
        return b"".join(self._parts)

    def sha256(self) -> str:
        return self._hash.hexdigest()


class _Inflater:
    """Reads exactly n decompressed bytes at a time, never more than the limits allow."""

    def __init__(self, data: bytes) -> None:
        self._z = zlib.decompressobj()
        self._pending = memoryview(data)
        self._buf = bytearray()
        self.total = 0

    def read(self, n: int) -> bytes:
        while len(self._buf) < n:
            if self._z.unconsumed_tail:
                src = self._z.unconsumed_tail
            elif self._pending:
                src, self._pending = bytes(self._pending[:1 << 20]), self._pending[1 << 20:]
            else:
                raise SyncError("批次内容不完整（压缩数据提前结束），已拒绝，未作任何改动。")
            try:
                out = self._z.decompress(src, max(n - len(self._buf), 1 << 16))
            except zlib.error as exc:
                raise SyncError("批次内容已损坏（无法解压），已拒绝，未作任何改动。") from exc
            self._buf += out
            self.total += len(out)
            if self.total > MAX_PAYLOAD_BYTES:
                raise SyncError("批次内容超过大小上限，已拒绝，未作任何改动。")
            if not out and self._z.eof:
                raise SyncError("批次内容不完整（压缩数据提前结束），已拒绝，未作任何改动。")
        chunk = bytes(self._buf[:n])
        del self._buf[:n]
        return chunk

    def at_end(self) -> bool:
        if self._buf:
            return False
        try:
            rest = self._z.decompress(self._z.unconsumed_tail + bytes(self._pending), 1)
        except zlib.error:
            return False
        return not rest and self._z.eof and not self._z.unused_data


def read_entries(payload: bytes) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of every entry, in order; raises :class:`SyncError` on anything odd."""
    inflater = _Inflater(payload)
    count = 0
    while True:
        (name_len,) = struct.unpack(">H", inflater.read(2))
        if name_len == 0:
            break
        if name_len > MAX_NAME_BYTES:
            raise SyncError("批次中的条目名过长，已拒绝，未作任何改动。")
        try:
            name = inflater.read(name_len).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SyncError("批次中的条目名不是有效文字，已拒绝，未作任何改动。") from exc
        check_entry_name(name)
        (size,) = struct.unpack(">I", inflater.read(4))
        if size > MAX_ENTRY_BYTES:
            raise SyncError(f"批次中的条目“{name}”超过大小上限（{size} 字节），已拒绝，未作任何改动。")
        count += 1
        if count > MAX_ENTRIES:
            raise SyncError("批次中的条目过多，已拒绝，未作任何改动。")
        yield name, inflater.read(size)
    if not inflater.at_end():
        raise SyncError("批次内容末尾有多余数据，已拒绝，未作任何改动。")


def json_lines(name: str, data: bytes) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        yield _object(name, line, number)


def json_object(name: str, data: bytes) -> dict[str, Any]:
    return _object(name, data, 1)


def _object(name: str, raw: bytes, line: int) -> dict[str, Any]:
    try:
        value = fileio.loads_json(raw, max_bytes=MAX_ENTRY_BYTES)
    except ValueError as exc:
        raise SyncError(f"批次条目“{name}”第 {line} 行不是有效数据，已拒绝，未作任何改动。") from exc
    if not isinstance(value, dict):
        raise SyncError(f"批次条目“{name}”第 {line} 行不是有效记录，已拒绝，未作任何改动。")
    return value


def dumps_line(record: dict[str, Any]) -> bytes:
    return fastjson.dumps_line(record)


# -- manifest ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Manifest:
    format_version: int
    township_code: str
    township_name: str
    sequence: int
    previous_batch_hash: str
    created_at: str
    program_version: str
    full: bool
    counts: dict[str, int]
    payload_sha256: str
    payload_size: int
    signer: str
    recipient: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version, "township_code": self.township_code,
            "township_name": self.township_name, "sequence": self.sequence,
            "previous_batch_hash": self.previous_batch_hash, "created_at": self.created_at,
            "program_version": self.program_version, "full": self.full, "counts": self.counts,
            "payload_sha256": self.payload_sha256, "payload_size": self.payload_size,
            "signer": self.signer, "recipient": self.recipient,
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")


def parse_manifest(raw: bytes) -> Manifest:
    data = _object("manifest", raw, 1)
    try:
        version = data["format_version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise TypeError
        if version > FORMAT_VERSION:
            raise SyncError(f"该批次由更新版本的程序生成（格式版本 {version}），请升级本程序后再导入。")
        counts = data["counts"]
        if not isinstance(counts, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0 for k, v in counts.items()
        ):
            raise TypeError
        manifest = Manifest(
            format_version=version, township_code=_str(data["township_code"]),
            township_name=_str(data["township_name"]), sequence=_int(data["sequence"]),
            previous_batch_hash=_str(data["previous_batch_hash"]), created_at=_str(data["created_at"]),
            program_version=_str(data["program_version"]), full=bool(data["full"]), counts=dict(counts),
            payload_sha256=_str(data["payload_sha256"]), payload_size=_int(data["payload_size"]),
            signer=_str(data["signer"]), recipient=_str(data["recipient"]),
        )
    except (KeyError, TypeError) as exc:
        raise SyncError("批次清单不完整或格式不对，已拒绝，未作任何改动。") from exc
    if manifest.sequence < 1:
        raise SyncError("批次清单中的序号无效，已拒绝，未作任何改动。")
    return manifest


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError
    return value


def split_plaintext(plaintext: bytes) -> tuple[bytes, bytes]:
    """(manifest bytes, payload bytes) of a decrypted batch."""
    if len(plaintext) < 4:
        raise SyncError("批次内容不完整，已拒绝，未作任何改动。")
    (length,) = struct.unpack(">I", plaintext[:4])
    if length > MAX_MANIFEST_BYTES or 4 + length > len(plaintext):
        raise SyncError("批次清单长度无效，已拒绝，未作任何改动。")
    return plaintext[4:4 + length], plaintext[4 + length:]


def join_plaintext(manifest: bytes, payload: bytes) -> list[bytes]:
    return [struct.pack(">I", len(manifest)), manifest, payload]


def mask_digits(text: str) -> str:
    """Hide long digit runs (ID, phone, account numbers) in a message that leaves the office."""
    return re.sub(r"\d{7,}[\dXx]?", lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 5) + m.group(0)[-2:], text)
