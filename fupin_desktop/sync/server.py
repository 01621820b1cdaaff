"""The county's small receiving service: townships upload batches over HTTP, the same import runs.

Protocol (JSON answers, UTF-8)::

    GET  /sync/ping                    -> {"service": "fupin-sync", "county": CODE}
    GET  /sync/batches/<sha256>        -> {"hash", "state": unknown|partial|imported|refused, "received", ...}
    PUT  /sync/batches/<sha256>        headers X-Fupin-Offset, X-Fupin-Total; body = the next bytes

A PUT must continue exactly where the server is (otherwise 409 with the current offset), so an
upload cut anywhere resumes from the last byte received.  When the last byte arrives the whole
file is checked against its hash and imported; a batch is identified by its hash, so sending it
again changes nothing.  Partial uploads are kept in memory only (never written to disk), with
limits on size and number.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fupin_desktop.store import Store
from fupin_desktop.store.sync import SyncRepository
from fupin_desktop.sync.county_import import import_bytes
from fupin_desktop.sync.format import SyncError, os_reason
from fupin_desktop.sync.keys import unlock_county
from fupin_desktop.sync.seal import MAX_FILE_BYTES

MAX_REQUEST_BYTES = 8 << 20
MAX_PARTIALS = 32
_PATH = re.compile(r"^/sync/batches/([0-9a-f]{64})$")


class BatchReceiver:
    """The state behind the HTTP handler: partial uploads, and the county store doing imports."""

    def __init__(self, db_path: str | Path, passphrase: str | None) -> None:
        self.store = Store(db_path)
        try:
            self.county = unlock_county(SyncRepository(self.store.db), passphrase)
        except BaseException:
            self.store.close()
            raise
        self.partial: dict[str, bytearray] = {}
        self.totals: dict[str, int] = {}
        self.refused: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.import_lock = threading.Lock()
        #: Tests: drop the connection once after this many bytes of a batch have arrived.
        self.drop_after: int | None = None

    def status(self, batch_hash: str) -> dict[str, Any]:
        logged = SyncRepository(self.store.db).logged_batch(batch_hash)
        if logged is not None:
            return {"hash": batch_hash, "state": "imported", "received": None, "township": logged.township_code,
                    "sequence": logged.sequence, "imported_at": logged.imported_at}
        with self.lock:
            if batch_hash in self.refused:
                return {"hash": batch_hash, "state": "refused", "received": 0, **self.refused[batch_hash]}
            if batch_hash in self.partial:
                return {"hash": batch_hash, "state": "partial", "received": len(self.partial[batch_hash]),
                        "total": self.totals[batch_hash]}
        return {"hash": batch_hash, "state": "unknown", "received": 0}

    def append(self, batch_hash: str, offset: int, total: int, chunk: bytes) -> tuple[int, dict[str, Any]]:
        if total <= 0 or total > MAX_FILE_BYTES:
            return 413, {"error": "批次文件大小无效或超过上限"}
        with self.lock:
            buf = self.partial.get(batch_hash)
            if buf is None:
                if offset != 0:
                    return 409, {"error": "上传位置不符", "received": 0}
                if len(self.partial) >= MAX_PARTIALS:
                    return 503, {"error": "服务器正忙，请稍后重试"}
                buf = self.partial[batch_hash] = bytearray()
                self.totals[batch_hash] = total
            if self.totals[batch_hash] != total:
                return 409, {"error": "文件大小与先前上传的不符", "received": len(buf)}
            if offset != len(buf):
                return 409, {"error": "上传位置不符", "received": len(buf)}
            if offset + len(chunk) > total:
                return 400, {"error": "上传的数据超过文件大小", "received": len(buf)}
            buf += chunk
            if len(buf) < total:
                return 200, {"hash": batch_hash, "state": "partial", "received": len(buf), "total": total}
            data = bytes(buf)
            del self.partial[batch_hash], self.totals[batch_hash]
        if hashlib.sha256(data).hexdigest() != batch_hash:
            return 422, {"error": "收到的文件与校验值不符，请重新上传", "received": 0}
        with self.import_lock:
            result = import_bytes(self.store, data, county=self.county, name=f"upload:{batch_hash[:8]}")
        answer = {"hash": batch_hash, "state": "imported" if result.status != "refused" else "refused",
                  "received": total, "result": result.to_json()}
        if result.status == "refused":
            with self.lock:
                self.refused[batch_hash] = {"result": result.to_json()}
        return 200, answer

    def close(self) -> None:
        self.store.close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

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
        batch_hash = m.group(1)
        drop = receiver.drop_after
        if drop is not None and offset <= drop < offset + length:
            # Simulated cut: keep what "arrived" before the cut, then vanish without an answer.
            receiver.drop_after = None
            chunk = self.rfile.read(drop - offset)
            receiver.append(batch_hash, offset, total, chunk)
            self.close_connection = True
            return
        chunk = self.rfile.read(length)
        if len(chunk) != length:
            # The client went away mid-request: keep nothing of this request.
            self.close_connection = True
            return
        try:
            code, body = receiver.append(batch_hash, offset, total, chunk)
        except SyncError as exc:
            code, body = 500, {"error": str(exc)}
        self._send(code, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], receiver: BatchReceiver, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver
        self.verbose = verbose


def make_server(db_path: str | Path, host: str, port: int, *, passphrase: str | None,
                verbose: bool = False) -> _Server:
    """A ready server (not yet serving): ``server.serve_forever()`` in a thread, ``shutdown()`` to stop."""
    receiver = BatchReceiver(db_path, passphrase)
    try:
        return _Server((host, port), receiver, verbose)
    except OSError as exc:
        receiver.close()
        raise SyncError(f"无法在 {host}:{port} 上启动接收服务：{os_reason(exc)}") from exc


def serve(db_path: str | Path, host: str, port: int, *, passphrase: str | None) -> None:
    server = make_server(db_path, host, port, passphrase=passphrase, verbose=True)
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
