"""Upload: send the pending batches to the county's receiving service, resuming after a cut.

For each batch not yet confirmed: ask the server how much of it (by hash) it has, then PUT the
rest in chunks, each continuing exactly where the server is.  A broken connection, a timeout or
a 5xx answer is retried with exponential backoff (a bounded number of times in a row); any
progress resets the count.  Idempotent: a batch the county already imported is only marked.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fupin_desktop.fileio import loads_json
from fupin_desktop.store import Role, Store
from fupin_desktop.store.sync import OutboxBatch
from fupin_desktop.sync.format import SyncError
from fupin_desktop.sync.seal import header_end

log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024
PENDING_STATES = ("exported", "delivered")
#: What an upload result's state means to the clerk.
UPLOAD_LABELS = {"acknowledged": "县里已确认", "delivered": "已送达", "problems": "有问题", "failed": "未送达"}
MAX_BACKOFF = 30.0


@dataclass
class UploadResult:
    sequence: int
    hash: str
    state: str  # acknowledged | delivered | problems | failed
    message: str
    result: dict[str, Any] | None = None

    @property
    def refused(self) -> bool:
        """The county refused the batch (not just imported it with conflicts or rejected records)."""
        return self.state == "problems" and (self.result is None or self.result.get("status") == "refused")

    def to_json(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "batch": self.hash, "state": self.state, "message": self.message,
                "result": self.result}


class _Connection:
    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SyncError(f"县里地址“{url}”无效，应形如 http://192.168.1.10:8765")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, self.prefix + path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read(1 << 20)
            try:
                data = loads_json(raw, max_bytes=1 << 20) if raw else {}
            except ValueError:
                data = {}
            return resp.status, data if isinstance(data, dict) else {}
        finally:
            conn.close()


def ping(url: str, timeout: float = 3.0) -> bool:
    """Does a county receiving service answer at ``url``?"""
    try:
        code, data = _Connection(url, timeout).request("GET", "/sync/ping")
    except (OSError, http.client.HTTPException, SyncError):
        return False
    return code == 200 and data.get("service") == "fupin-sync"


def send_batch(
    url: str,
    batch_hash: str,
    data: bytes,
    *,
    timeout: float = 30.0,
    attempts: int = 5,
    chunk_size: int = CHUNK_SIZE,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Upload one batch; returns the server's final answer (``state`` imported or refused)."""
    conn = _Connection(url, timeout)
    path = f"/sync/batches/{batch_hash}"
    failures = 0
    last_error = ""
    # Bounded: every loop either moves the offset forward, or counts a failure.
    for _ in range(attempts + len(data) // max(chunk_size, 1) + 8):
        try:
            code, status = conn.request("GET", path)
            if code != 200:
                raise http.client.HTTPException(f"HTTP {code}")
            if status.get("state") in ("imported", "refused"):
                return status
            offset = int(status.get("received") or 0)
            while True:
                # The first piece carries the whole clear header: the county checks the sender on it.
                size = chunk_size if offset else max(chunk_size, header_end(data))
                chunk = data[offset:offset + size]
                code, answer = conn.request("PUT", path, body=chunk, headers={
                    "X-Fupin-Offset": str(offset), "X-Fupin-Total": str(len(data)),
                    "Content-Type": "application/octet-stream",
                })
                if code == 403 and answer.get("state") == "refused":
                    return answer  # refused before anything was stored (e.g. township not registered)
                if code == 409:
                    offset = int(answer.get("received") or 0)
                    continue
                if code >= 500:
                    raise http.client.HTTPException(f"HTTP {code}: {answer.get('error', '')}")
                if code != 200:
                    raise SyncError(f"县里服务器拒绝了上传：{answer.get('error') or code}")
                if answer.get("state") in ("imported", "refused"):
                    return answer
                new_offset = int(answer.get("received") or 0)
                if new_offset <= offset:
                    raise http.client.HTTPException("no progress")
                offset = new_offset
                failures = 0
                if progress is not None:
                    progress(offset, len(data))
        except (OSError, http.client.HTTPException) as exc:
            failures += 1
            last_error = str(exc) or type(exc).__name__
            if failures >= attempts:
                break
            sleep(min(backoff * 2 ** (failures - 1), MAX_BACKOFF))
    raise SyncError(f"无法把批次送到县里（{url}）：已重试 {failures} 次，最后一次错误：{last_error}。"
                    "批次仍保留，网络恢复后再上传即可，或改用 U 盘送交。")


def _batch_bytes(batch: OutboxBatch) -> bytes:
    for candidate in (batch.copy_path, batch.path):
        if not candidate:
            continue
        try:
            data = Path(candidate).read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == batch.hash:
            return data
    raise SyncError(f"找不到第 {batch.sequence} 批的批次文件（{batch.file_name}），或文件已损坏。请重新导出。")


def upload_pending(
    store: Store,
    url: str,
    *,
    timeout: float = 30.0,
    attempts: int = 5,
    chunk_size: int = CHUNK_SIZE,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> list[UploadResult]:
    """Send every batch not yet confirmed by the county, oldest first, and record each one's state."""
    repo = store.sync
    if store.role is Role.COUNTY:
        raise SyncError("这是县级数据库：批次由乡镇上传，县里用 fupin sync serve 接收。")
    _Connection(url, timeout)  # a bad address is an error even with nothing to send
    pending = sorted((b for b in repo.outbox() if b.state in PENDING_STATES), key=lambda b: b.sequence)
    results = []
    for batch in pending:
        try:
            data = _batch_bytes(batch)
            answer = send_batch(url, batch.hash, data, timeout=timeout, attempts=attempts, chunk_size=chunk_size,
                                backoff=backoff, sleep=sleep)
        except SyncError as exc:
            log.warning("sync upload failed sequence=%d: %s", batch.sequence, exc)
            results.append(UploadResult(batch.sequence, batch.hash, "failed", str(exc)))
            continue
        result = answer.get("result") if isinstance(answer.get("result"), dict) else None
        if answer.get("state") == "refused":
            message = (result or {}).get("message") or "县里拒收了该批次"
            repo.set_outbox_state(batch.hash, "problems", str(message))
            results.append(UploadResult(batch.sequence, batch.hash, "problems", str(message), result))
        elif result is None:
            # Imported earlier (e.g. the answer to the last byte was lost): arrived, details in the feedback.
            message = "县里已收到该批次，详情见县里的反馈"
            repo.set_outbox_state(batch.hash, "delivered", message)
            results.append(UploadResult(batch.sequence, batch.hash, "delivered", message, None))
        else:
            message = str(result.get("message") or "县里已导入该批次")
            state = "problems" if result.get("conflicts") or result.get("rejected") else "acknowledged"
            repo.set_outbox_state(batch.hash, state, message)
            results.append(UploadResult(batch.sequence, batch.hash, state, message, result))
        log.info("sync upload sequence=%d state=%s", batch.sequence, results[-1].state)
    return results
