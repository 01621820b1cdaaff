"""Issue 13 item 10: ``fupin households | head`` ends quietly, however early the reader goes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import full_household, make_store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path: Path) -> Path:
    with make_store(tmp_path) as store:
        for seed in range(1, 4):
            store.households.save(full_household(store.spec, seed=seed), "测试")
    return tmp_path / "township.db"


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_output_closed_by_its_reader_ends_without_a_message(db: Path, json_flag: list[str]) -> None:
    """The reader is gone before the first line (its end of the pipe is closed before the command
    starts): every write fails with EPIPE, as it does for the lines after ``head`` has quit."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fupin_desktop", "--db", str(db), "households", *json_flag],
            stdout=write_end, stderr=subprocess.PIPE, cwd=REPO, timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    finally:
        os.close(write_end)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, err
    assert "Traceback" not in err and "Error" not in err and "错误" not in err
    assert err.strip() == ""


def test_head_through_a_shell_reads_the_first_line(db: Path) -> None:
    done = subprocess.run(
        f'"{sys.executable}" -m fupin_desktop --db "{db}" households | head -n 1', shell=True,
        capture_output=True, cwd=REPO, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0 and len(done.stdout.decode("utf-8").splitlines()) == 1
    assert "Traceback" not in done.stderr.decode("utf-8", "replace")
