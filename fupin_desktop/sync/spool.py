"""Unfinished uploads, spooled to disk: bounded per upload and in total, expiring when stale.

Each unfinished upload is one plain file ``<sha256>-<total>.part`` in the spool folder (never a
database): its size is how much has arrived, its modification time the last progress.  The
receiving service keeps only a few numbers per upload in memory, so a hundred fake uploads
cost disk within the caps, not memory.

* ``max_upload``: the largest batch accepted (its declared total).
* ``max_total``: the declared totals of all unfinished uploads together -- reserved when an
  upload starts, so an upload that was accepted can always finish.
* ``max_uploads``: how many may be unfinished at once.
* ``stale_after``: an upload without progress for this long is removed (on start and by
  :meth:`Spool.sweep`, which the service runs periodically).

A service that restarts picks its unfinished uploads up from the folder, so townships resume
where they were.  Only the service writes in the folder; files it does not recognise are left
alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fupin_desktop import fileio
from fupin_desktop.sync.format import SyncError, os_reason
from fupin_desktop.sync.seal import MAX_FILE_BYTES

DEFAULT_MAX_TOTAL = 4 << 30
DEFAULT_MAX_UPLOADS = 64
STALE_AFTER = 24 * 3600.0
SUFFIX = ".part"
_NAME = re.compile(r"^([0-9a-f]{64})-([0-9]{1,13})\.part$")


class SpoolFull(SyncError):
    """No room for another upload now (busy); the township retries later."""


@dataclass
class Upload:
    hash: str
    total: int
    received: int
    path: Path
    touched: float  # clock() of the last progress
    busy: bool = False  # a request is writing to it now


def default_folder(db_path: str | os.PathLike[str]) -> Path:
    """The spool folder beside a county database: ``county.db`` -> ``county.uploads``."""
    db = Path(db_path)
    return db.with_name(f"{db.stem}.uploads")


class Spool:
    def __init__(self, folder: str | os.PathLike[str], *, max_upload: int = MAX_FILE_BYTES,
                 max_total: int = DEFAULT_MAX_TOTAL, max_uploads: int = DEFAULT_MAX_UPLOADS,
                 stale_after: float = STALE_AFTER, clock: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder)
        self.max_upload = max_upload
        self.max_total = max_total
        self.max_uploads = max_uploads
        self.stale_after = stale_after
        self.clock = clock
        self.uploads: dict[str, Upload] = {}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SyncError(f"无法建立存放上传中批次的文件夹 {self.folder}：{os_reason(exc)}") from exc
        self._load()

    def _load(self) -> None:
        """Pick up the uploads a previous run left; drop stale, oversized or unreadable ones."""
        for path in sorted(self.folder.iterdir()):
            m = _NAME.match(path.name)
            if not m:
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            total = int(m.group(2))
            upload = Upload(m.group(1), total, st.st_size, path, st.st_mtime)
            if (0 < total <= self.max_upload and st.st_size < total and len(self.uploads) < self.max_uploads
                    and self.reserved() + total <= self.max_total and not self._stale(upload)):
                self.uploads[upload.hash] = upload
            else:
                fileio.remove_quietly(path)

    def _stale(self, upload: Upload) -> bool:
        return self.clock() - upload.touched > self.stale_after

    def reserved(self) -> int:
        """Bytes promised to unfinished uploads (their declared totals)."""
        return sum(u.total for u in self.uploads.values())

    def spooled(self) -> int:
        """Bytes on disk for unfinished uploads."""
        return sum(u.received for u in self.uploads.values())

    def get(self, batch_hash: str) -> Upload | None:
        return self.uploads.get(batch_hash)

    def begin(self, batch_hash: str, total: int) -> Upload:
        """Reserve room for a new upload of ``total`` bytes (nothing written yet)."""
        if not 0 < total <= self.max_upload:
            raise SyncError(f"批次文件大小无效或超过上限（{self.max_upload >> 20} MB）")
        self.sweep()
        if len(self.uploads) >= self.max_uploads or self.reserved() + total > self.max_total:
            raise SpoolFull("服务器正忙（未完成的上传太多），请稍后重试")
        upload = Upload(batch_hash, total, 0, self.folder / f"{batch_hash}-{total}{SUFFIX}", self.clock())
        self.uploads[batch_hash] = upload
        return upload

    def write_from(self, upload: Upload, first: bytes, length: int, read: Callable[[int], bytes],
                   piece: int = 64 * 1024) -> int | None:
        """Append ``first`` and then ``length`` bytes from ``read``, a piece at a time (memory stays
        small).  Returns the bytes added, or None if ``read`` stopped short -- the file is then cut
        back to what it had, as after a write failure (which raises :class:`SyncError`)."""
        start = upload.received
        try:
            fd = os.open(upload.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            raise SyncError(f"服务器无法保存上传的数据：{os_reason(exc)}") from exc
        added = 0
        try:
            data, left = first, length
            while True:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                added += len(data)
                if left <= 0:
                    break
                try:
                    data = read(min(left, piece))
                except OSError:  # the connection broke or timed out
                    data = b""
                if not data:
                    os.ftruncate(fd, start)
                    return None
                left -= len(data)
        except OSError as exc:
            try:
                os.ftruncate(fd, start)
            except OSError:
                pass
            raise SyncError(f"服务器无法保存上传的数据：{os_reason(exc)}") from exc
        finally:
            os.close(fd)
        upload.received = start + added
        upload.touched = self.clock()
        return added

    def read(self, upload: Upload) -> bytes:
        with open(upload.path, "rb") as fh:
            return fh.read(upload.total + 1)

    def discard(self, upload: Upload) -> None:
        if self.uploads.get(upload.hash) is upload:
            del self.uploads[upload.hash]
        fileio.remove_quietly(upload.path)

    def sweep(self) -> int:
        """Remove uploads without progress for ``stale_after`` seconds; returns how many."""
        stale = [u for u in self.uploads.values() if self._stale(u)]
        for upload in stale:
            self.discard(upload)
        return len(stale)
