"""``fupin`` without a subcommand starts the window without importing the subcommands' modules
(openpyxl, reportlab, the sync's crypto): they cost a second of a county clerk's start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fupin_desktop import cli

PROBE = """
import sys
import fupin_desktop.ui.app as app
app.run_gui = lambda **kw: print(sorted(m for m in ("openpyxl", "reportlab", "nacl", "cryptography") if m in sys.modules),
                                 kw["db"]) or 0
from fupin_desktop import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_starting_the_window_imports_no_subcommand_module(tmp_path: Path) -> None:
    db = str(tmp_path / "town.db")
    done = subprocess.run([sys.executable, "-c", PROBE, "--db", db], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", db]


@pytest.mark.parametrize(("argv", "gui"), [
    ([], True), (["--db", "a.db"], True), (["--db=a.db"], True), (["--screenshot", "x.png", "--db", "a"], True),
    (["--household", "3", "--screenshot", "x.png"], True),
    (["households", "--db", "a.db"], False), (["--db", "a.db", "show", "1"], False), (["gui"], False),
    (["--help"], False), (["--version"], False), (["--db"], False), (["--bogus"], False),
])
def test_only_the_programs_own_options_take_the_short_way(argv: list[str], gui: bool) -> None:
    assert cli._wants_gui(argv) is gui


def test_a_subcommand_still_has_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db"]) == cli.EXIT_ERROR  # the whole parser's own message
    assert "--db" in capsys.readouterr().err
