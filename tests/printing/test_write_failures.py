"""PDFs on a full disk or in a place that cannot be written: no truncated PDF, a Chinese message, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.domain.household import Household
from fupin_desktop.printing import service
from fupin_desktop.store import Store
from tests import diskfull


def test_print_on_a_full_disk_exits_2_and_keeps_the_previous_pdf(tmp_path: Path) -> None:
    out = tmp_path / "空白扶贫手册.pdf"
    out.write_bytes(b"%PDF- yesterday's, complete")

    proc = diskfull.fupin("print", "blank", "handbook", "--out", str(out), limit=30_000)

    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"错误：无法写入 {out}：磁盘空间已满")
    assert "原有的文件保持不变" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_bytes() == b"%PDF- yesterday's, complete"
    assert diskfull.listing(tmp_path) == [out.name]


def test_a_village_printed_on_a_full_disk_leaves_no_file(town: tuple[Store, list[Household]], tmp_path: Path) -> None:
    store, _ = town
    folder = tmp_path / "打印"
    folder.mkdir()
    out = folder / "炉场村扶贫手册.pdf"

    proc = diskfull.fupin("print", "village-handbooks", "--db", str(store.path), "--village", "炉场村",
                          "--out", str(out), limit=diskfull.DB_MIN_LIMIT)

    assert proc.returncode == 2 and "错误：无法写入" in proc.stderr and "没有留下不完整的文件" in proc.stderr
    assert diskfull.listing(folder) == []


def test_printing_into_a_folder_that_is_a_file_is_refused(town: tuple[Store, list[Household]], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    store, saved = town
    blocker = tmp_path / "打印"
    blocker.write_bytes(b"a file")
    with pytest.raises(service.PrintError, match="无法写入 .*路径中有一部分"):
        service.print_households(store, [saved[0].id], blocker / "card.pdf", document="card")
    code = main(["print", "card", "--db", str(store.path), "--household", str(saved[0].id),
                 "--out", str(blocker / "card.pdf")])
    assert code == 2 and "错误：无法写入" in capsys.readouterr().err
    assert blocker.read_bytes() == b"a file"
