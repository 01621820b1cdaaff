"""fupin_desktop.fileio: a file is written whole under its name, or not at all, with a Chinese reason.

Real failures only: a child process whose files may not grow (as on a full disk), a folder that is
a file, a file name that is a folder.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from fupin_desktop import fileio
from tests import diskfull

_WRITE = """
import json, sys
from fupin_desktop import fileio
try:
    fileio.write_bytes(sys.argv[1], b"x" * 200_000)
    print(json.dumps({"error": None}))
except fileio.WriteError as exc:
    print(json.dumps({"error": exc.kind, "errno": exc.errno, "message": str(exc)}, ensure_ascii=False))
"""


def test_a_full_disk_keeps_the_previous_file_and_leaves_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "花名册.xlsx"
    target.write_bytes(b"last week's roster")

    result = diskfull.last_json(diskfull.python(_WRITE, str(target), limit=50_000))

    assert result["error"] == "full" and result["errno"] == errno.EFBIG
    assert result["message"].startswith(f"无法写入 {target}：磁盘空间已满")
    assert "原有的文件保持不变" in result["message"] and "请清理磁盘" in result["message"]
    assert target.read_bytes() == b"last week's roster"
    assert diskfull.listing(tmp_path) == ["花名册.xlsx"]


def test_a_full_disk_leaves_no_file_where_there_was_none(tmp_path: Path) -> None:
    target = tmp_path / "new.pdf"
    result = diskfull.last_json(diskfull.python(_WRITE, str(target), limit=50_000))
    assert result["error"] == "full" and "没有留下不完整的文件" in result["message"]
    assert diskfull.listing(tmp_path) == []


def test_a_folder_that_is_a_file_is_refused_in_chinese(tmp_path: Path) -> None:
    blocker = tmp_path / "U盘"
    blocker.write_bytes(b"a file")
    with pytest.raises(fileio.WriteError, match="无法写入 .*路径中有一部分") as refused:
        fileio.write_bytes(blocker / "sub" / "a.xlsx", b"data")
    assert isinstance(refused.value, OSError) and "Errno" not in str(refused.value)
    assert blocker.read_bytes() == b"a file"


def test_a_file_name_that_is_a_folder_is_refused_and_the_folder_kept(tmp_path: Path) -> None:
    folder = tmp_path / "导出.xlsx"
    folder.mkdir()
    (folder / "inside.txt").write_text("kept")
    with pytest.raises(fileio.WriteError, match="这是一个文件夹，不是文件"):
        fileio.write_text(folder, "data")
    assert (folder / "inside.txt").read_text() == "kept"
    assert diskfull.listing(tmp_path) == ["导出.xlsx"]


def test_a_write_that_succeeds_replaces_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "feedback.bin"
    assert fileio.write_bytes(target, b"first") == target
    fileio.write_bytes(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert diskfull.listing(target.parent) == ["feedback.bin"]
    copy = fileio.copy_file(target, tmp_path / "copy.bin")
    assert copy.read_bytes() == b"second, longer"


def test_an_error_in_the_writer_removes_the_temporary_file_and_is_not_translated(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    with pytest.raises(KeyError), fileio.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise KeyError("drawing failed")
    assert target.read_bytes() == b"old" and diskfull.listing(tmp_path) == ["a.pdf"]


@pytest.mark.parametrize(("code", "kind", "words"), [
    (errno.ENOSPC, "full", ("磁盘空间已满", "请清理磁盘")),
    (errno.EROFS, "readonly", ("磁盘只读", "写保护开关")),
    (errno.EACCES, "denied", ("没有访问权限", "关闭正在使用该文件的程序")),
    (errno.EIO, "io", ("读写出错", "是否已拔出")),
])
def test_each_system_error_has_a_chinese_reason_and_what_to_do(code: int, kind: str, words: tuple[str, str]) -> None:
    # How the system's errors read: the errno values themselves are what the OS raises.
    error = fileio.write_error(Path("E:/花名册.xlsx"), OSError(code, "system text"), existed=True)
    assert error.kind == kind and error.errno == code
    assert all(w in str(error) for w in words) and "system text" not in str(error)
    assert error.strerror == fileio.reason(error)
