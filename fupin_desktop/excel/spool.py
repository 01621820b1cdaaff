"""Staged households kept on disk until the commit writes them, a chunk at a time.

Staging a roster builds every household (and copies the stored one it updates); holding them
all until the commit cost ~20 KB a household (~200 MB at 10,000).  A :class:`Spool` is an
anonymous temporary file (deleted by the system when closed, also after a crash; held in memory
while small) the staged households are pickled into as they are built; the commit reads each
back by its offset.
Nothing else reads it: it is written and read by this process only, never a user's file.

A full or read-only temporary folder refuses the import with a Chinese message (nothing written).

Pure Python, no Qt.
"""

from __future__ import annotations

import pickle
import tempfile
from typing import IO, Any

from fupin_desktop.excel.limits import ExcelRefused

#: Bytes kept in memory before the spool becomes a file on disk (a few hundred households).
IN_MEMORY = 4 << 20


def _refused(exc: OSError) -> ExcelRefused:
    return ExcelRefused(f"导入时无法写入临时文件夹（{tempfile.gettempdir()}）：{exc.strerror or exc}。"
                        "什么也没有导入。请清理磁盘空间（系统盘的临时文件夹）后再导入。")


class Spool:
    """Objects pickled one after another into an anonymous temporary file, read back by offset."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._end = 0

    def put(self, obj: Any) -> int:
        """Keep ``obj``; returns where it is."""
        try:
            if self._file is None:
                self._file = tempfile.SpooledTemporaryFile(IN_MEMORY, prefix="fupin-import-")
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
            self._file.seek(self._end)
            self._file.write(data)
        except OSError as exc:
            raise _refused(exc) from exc
        at, self._end = self._end, self._end + len(data)
        return at

    def get(self, at: int) -> Any:
        """The object kept at ``at`` (a fresh copy each time)."""
        if self._file is None:
            raise ValueError("nothing is kept (nothing was put, or the spool was closed after its commit)")
        try:
            self._file.seek(at)
            return pickle.load(self._file)  # noqa: S301 - our own temporary file
        except OSError as exc:
            raise _refused(exc) from exc

    def close(self) -> None:
        """Drop the file (what is still buffered is not written: a full disk says nothing more here)."""
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError:
                pass

    def __del__(self) -> None:
        self.close()
