"""The county's small receiving service: townships upload batches over HTTP, the same import runs.

Protocol (JSON answers, UTF-8)::

    GET  /sync/ping                    -> {"service": "fupin-sync", "county": CODE}
    GET  /sync/batches/<sha256>        -> {"hash", "state": unknown|partial|imported|refused, "received", ...}
    PUT  /sync/batches/<sha256>        headers X-Fupin-Offset, X-Fupin-Total; body = the next bytes

A PUT must continue exactly where the server is (otherwise 409 with the current offset), so an
upload cut anywhere resumes from the last byte received.  When the last byte arrives the whole
file is checked against its hash and imported; a batch is identified by its hash, so sending it
again changes nothing.

Nothing from a stranger is stored: the first PUT of a batch must carry the batch's clear header
(magic, length, JSON; at most 16 KiB), and the batch is refused (403, ``state: refused``) unless
it is signed with the key of a township registered here and sealed to this county's key -- a
check of the fingerprints in the header, no decryption.  The signature itself is checked when
the batch is imported.  Accepted uploads are spooled to disk (:mod:`fupin_desktop.sync.spool`:
a folder beside the county database, with caps per upload and in total, stale uploads expire);
request bodies are written there 64 KiB at a time, never held whole in memory, and one batch at
a time is read back for its import.  A client silent for a minute is disconnected.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fupin_desktop.store import Store, StoreError
from fupin_desktop.store.access import Actor
from fupin_desktop.sync.county_import import ImportResult, import_bytes
from fupin_desktop.sync.format import SyncError, os_reason
from fupin_desktop.sync.keys import fingerprint, raw_public, unlock_county
from fupin_desktop.sync.seal import (
    MAGIC_BATCH,
    MAX_HEADER,
    TRUNCATED,
    WRONG_RECIPIENT,
    read_header,
    unknown_signer_message,
)
from fupin_desktop.sync.spool import Spool, SpoolFull, Upload, default_folder

MAX_REQUEST_BYTES = 8 << 20
SOCKET_TIMEOUT = 60.0  # a client silent this long is dropped
HEADER_BYTES = len(MAGIC_BATCH) + 4 + MAX_HEADER
PIECE = 64 * 1024  # bytes of a request body read at a time
MAX_REFUSED_REMEMBERED = 256
SWEEP_EVERY = 60.0
_PATH = re.compile(r"^/sync/batches/([0-9a-f]{64})$")


if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is used
    from fupin_desktop.store.pg.store import PgStore


def _open(target: str | Path) -> Store | PgStore:
    """A county SQLite file, or a PostgreSQL receiving database (psycopg loaded only then)."""
    from fupin_desktop.store.pg.url import is_url

    if is_url(str(target)):
        from fupin_desktop.store.pg.store import PgStore

        return PgStore(str(target))
    return Store(target)


class BatchReceiver:
    """The state behind the HTTP handler: the spool of partial uploads, and the county store doing imports.

    ``spool`` is the folder for unfinished uploads (default: beside the database); ``limits`` go to
    :class:`~fupin_desktop.sync.spool.Spool` (``max_upload``, ``max_total``, ``max_uploads``,
    ``stale_after``, ``clock``).
    """

    def __init__(self, db_path: str | Path, passphrase: str | None, *, spool: str | Path | None = None,
                 actor: Actor | None = None, **limits: Any) -> None:
        # A county SQLite file, or a PostgreSQL receiving database (``postgresql://…``).
        self.store: Store | PgStore = _open(db_path)
        if isinstance(self.store, Store):
            self.store.accounts.adopt(actor)  # imports are recorded as the user who started the server
        elif actor is not None:  # no logins on the receiving server yet: the audit names the same user
            self.store.operator = actor.name
        try:
            self.county = unlock_county(self.store.sync, passphrase)
            self.recipient = fingerprint(raw_public(self.county.seal.public_key()))
            if spool is None and not isinstance(self.store, Store):
                raise SyncError("接收端使用 PostgreSQL 数据库时，请用 --spool 指定存放上传中批次的文件夹。")
            self.spool = Spool(spool if spool is not None else default_folder(db_path), **limits)
        except BaseException:
            self.store.close()
            raise
        self.refused: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.importing: set[str] = set()
        self.lock = threading.Lock()
        self.import_lock = threading.Lock()
        #: Tests: drop the connection once after this many bytes of a batch have arrived.
        self.drop_after: int | None = None

    def status(self, batch_hash: str) -> dict[str, Any]:
        logged = self.store.sync.logged_batch(batch_hash)
        if logged is not None:
            return {"hash": batch_hash, "state": "imported", "received": None, "township": logged.township_code,
                    "sequence": logged.sequence, "imported_at": logged.imported_at}
        with self.lock:
            if batch_hash in self.refused:
                return {"hash": batch_hash, "state": "refused", "received": 0, **self.refused[batch_hash]}
            upload = self.spool.get(batch_hash)
            if upload is not None:
                return {"hash": batch_hash, "state": "partial", "received": upload.received, "total": upload.total}
        return {"hash": batch_hash, "state": "unknown", "received": 0}

    def sender_refusal(self, batch_hash: str, first: bytes, total: int) -> tuple[int, dict[str, Any]] | None:
        """Why the first bytes of a new upload are not stored (None: from a registered township, to us)."""
        try:
            header, _raw, _end = read_header(first)
        except SyncError as exc:
            if str(exc) == TRUNCATED and len(first) < total:
                return 400, {"error": "第一段数据应包含完整的批次文件头（请升级乡镇的程序）", "received": 0}
            message = str(exc)
        else:
            town = self.store.sync.township_by_fingerprint(header["signer"])
            if town is None:
                message = unknown_signer_message(header["signer"])
            elif header["recipient"] != self.recipient:
                message = f"{WRONG_RECIPIENT}本县公钥指纹：{self.county.public.fingerprint}。"
            else:
                return None
        result = ImportResult(batch=f"upload:{batch_hash[:8]}", hash=batch_hash, status="refused", message=message)
        return 403, {"hash": batch_hash, "state": "refused", "received": 0, "error": message,
                     "result": result.to_json()}

    def append(self, batch_hash: str, offset: int, total: int, chunk: bytes) -> tuple[int, dict[str, Any]]:
        """:meth:`receive` of bytes already in memory."""
        answer = self.receive(batch_hash, offset, total, len(chunk), io.BytesIO(chunk).read)
        assert answer is not None  # bytes in memory never stop short
        return answer

    def receive(self, batch_hash: str, offset: int, total: int, length: int,
                read: Callable[[int], bytes]) -> tuple[int, dict[str, Any]] | None:
        """Take the ``length`` bytes at ``offset`` of a batch from ``read`` (a request body), in small
        pieces straight to the spool: memory per request stays small whatever its size.

        Returns the answer, or None when the sender stopped short (nothing of the request is kept).
        A body that is refused is read past, never kept, so the client sees the answer.
        """
        if total <= 0 or total > self.spool.max_upload:
            return _drained(read, length, 413, {"error": "批次文件大小无效或超过上限"})
        first = b""
        with self.lock:
            upload = self.spool.get(batch_hash)
        if upload is None:
            if offset != 0:
                return _drained(read, length, 409, {"error": "上传位置不符", "received": 0})
            # A new upload: only its clear header is read before the sender is checked.
            head = _read_exactly(read, min(length, HEADER_BYTES))
            if head is None:
                return None
            first = head
            refusal = self.sender_refusal(batch_hash, first, total)
            if refusal is not None:
                return _drained(read, length - len(first), *refusal)
        with self.lock:
            answer, upload = self._claim(batch_hash, offset, total, length, begin=bool(first) or length == 0)
            if answer is not None:
                return _drained(read, length - len(first), *answer)
            assert upload is not None
        try:
            complete = self.spool.write_from(upload, first, length - len(first), read)
        except BaseException as exc:
            with self.lock:
                upload.busy = False
                if upload.received == 0:
                    self.spool.discard(upload)
            if isinstance(exc, SyncError):
                return 503, {"error": str(exc), "received": upload.received}
            raise
        with self.lock:
            upload.busy = False
            if complete is None:
                if upload.received == 0:
                    self.spool.discard(upload)
                return None
            if upload.received < total:
                return 200, {"hash": batch_hash, "state": "partial", "received": upload.received, "total": total}
            self.importing.add(batch_hash)
        try:
            return self._import(upload)
        finally:
            with self.lock:
                self.importing.discard(batch_hash)
                self.spool.discard(upload)

    def _claim(self, batch_hash: str, offset: int, total: int, length: int,
               begin: bool) -> tuple[tuple[int, dict[str, Any]] | None, Upload | None]:
        """Under the lock: the upload this request may write to (marked busy), or the answer why not."""
        if batch_hash in self.importing:
            return (503, {"error": "该批次正在导入，请稍后查询", "received": total}), None
        upload = self.spool.get(batch_hash)
        if upload is None:
            if not begin or offset != 0:
                return (409, {"error": "上传位置不符", "received": 0}), None
            try:
                upload = self.spool.begin(batch_hash, total)
            except SpoolFull as exc:
                return (503, {"error": str(exc), "received": 0}), None
            except SyncError as exc:
                return (413, {"error": str(exc), "received": 0}), None
        if upload.busy:
            return (409, {"error": "该批次的另一段正在上传", "received": upload.received}), None
        if upload.total != total:
            return (409, {"error": "文件大小与先前上传的不符", "received": upload.received}), None
        if offset != upload.received:
            return (409, {"error": "上传位置不符", "received": upload.received}), None
        if offset + length > total:
            return (400, {"error": "上传的数据超过文件大小", "received": upload.received}), None
        upload.busy = True
        return None, upload

    def _import(self, upload: Upload) -> tuple[int, dict[str, Any]]:
        with self.import_lock:  # one batch in memory at a time
            try:
                data = self.spool.read(upload)
            except OSError as exc:
                return 503, {"error": f"服务器无法读取收到的数据：{os_reason(exc)}", "received": 0}
            if hashlib.sha256(data).hexdigest() != upload.hash:
                return 422, {"error": "收到的文件与校验值不符，请重新上传", "received": 0}
            result = import_bytes(self.store, data, county=self.county, name=f"upload:{upload.hash[:8]}")
            del data
        if result.transient:  # the database could not be written (full disk, lost server): try again later
            return 503, {"error": result.message, "received": 0}
        answer = {"hash": upload.hash, "state": "imported" if result.status != "refused" else "refused",
                  "received": upload.total, "result": result.to_json()}
        if result.status == "refused":
            with self.lock:
                self.refused[upload.hash] = {"result": result.to_json()}
                while len(self.refused) > MAX_REFUSED_REMEMBERED:
                    self.refused.popitem(last=False)
        return 200, answer

    def sweep(self) -> int:
        """Remove stale unfinished uploads (see :class:`~fupin_desktop.sync.spool.Spool`)."""
        with self.lock:
            return self.spool.sweep()

    def close(self) -> None:
        self.store.close()


def _read_exactly(read: Callable[[int], bytes], n: int) -> bytes | None:
    """``n`` bytes from ``read``, or None if the sender stopped (or the connection broke) first."""
    parts, left = [], n
    while left > 0:
        try:
            piece = read(min(left, PIECE))
        except OSError:
            return None
        if not piece:
            return None
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


def _drained(read: Callable[[int], bytes], left: int, code: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Read past the rest of a refused body in small pieces (never kept), then answer."""
    while left > 0:
        try:
            piece = read(min(left, PIECE))
        except OSError:
            break
        if not piece:
            break
        left -= len(piece)
    return code, body


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, code: int, body: dict[str, Any]) -> None:
        if code >= 400:  # a refused upload or request: the reason, never the batch
            logging.getLogger(__name__).warning("sync server refused %s status=%d: %s", self.command, code,
                                                body.get("error", ""))
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        receiver = self.server.receiver
        if self.path == "/sync/ping":
            self._send(200, {"service": "fupin-sync", "county": receiver.county.code})
            return
        m = _PATH.match(self.path)
        if not m:
            self._send(404, {"error": "没有这个地址"})
            return
        self._send(200, receiver.status(m.group(1)))

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(200 if self.path == "/sync/ping" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:  # noqa: N802
        receiver = self.server.receiver
        m = _PATH.match(self.path)
        try:
            length = int(self.headers.get("Content-Length", "-1"))
            offset = int(self.headers.get("X-Fupin-Offset", "-1"))
            total = int(self.headers.get("X-Fupin-Total", "-1"))
        except ValueError:
            length = offset = total = -1
        if not m or length < 0 or offset < 0 or total < 0 or length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send(400, {"error": "请求格式不对"})
            return
        self._put(receiver, m.group(1), length, offset, total)

    def _put(self, receiver: BatchReceiver, batch_hash: str, length: int, offset: int, total: int) -> None:
        drop = receiver.drop_after
        if drop is not None and offset <= drop < offset + length:
            # Simulated cut: keep what "arrived" before the cut, then vanish without an answer.
            receiver.drop_after = None
            chunk = self.rfile.read(drop - offset)
            receiver.append(batch_hash, offset, total, chunk)
            self.close_connection = True
            return
        try:
            answer = receiver.receive(batch_hash, offset, total, length, self.rfile.read)
        except (SyncError, StoreError) as exc:
            answer = 500, {"error": str(exc)}
        if answer is None:  # the client went away mid-request: nothing of it was kept
            self.close_connection = True
            return
        if answer[0] != 200:
            self.close_connection = True
        self._send(*answer)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], receiver: BatchReceiver, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver
        self.verbose = verbose
        self._swept = time.monotonic()

    def service_actions(self) -> None:
        """Called by ``serve_forever`` between requests: expire stale uploads now and then."""
        if time.monotonic() - self._swept >= SWEEP_EVERY:
            self._swept = time.monotonic()
            self.receiver.sweep()


def make_server(db_path: str | Path, host: str, port: int, *, passphrase: str | None,
                verbose: bool = False, spool: str | Path | None = None, actor: Actor | None = None,
                **limits: Any) -> _Server:
    """A ready server (not yet serving): ``server.serve_forever()`` in a thread, ``shutdown()`` to stop."""
    receiver = BatchReceiver(db_path, passphrase, spool=spool, actor=actor, **limits)
    try:
        return _Server((host, port), receiver, verbose)
    except OSError as exc:
        receiver.close()
        raise SyncError(f"无法在 {host}:{port} 上启动接收服务：{os_reason(exc)}") from exc


def serve(db_path: str | Path, host: str, port: int, *, passphrase: str | None,
          spool: str | Path | None = None, actor: Actor | None = None, **limits: Any) -> None:
    server = make_server(db_path, host, port, passphrase=passphrase, verbose=True, spool=spool, actor=actor,
                         **limits)
    actual = server.server_address[1]
    logging.getLogger(__name__).info("sync server listening port=%d", actual)
    print(f"正在接收批次：http://{host}:{actual}/sync/ （按 Ctrl+C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.receiver.close()
