"""``fupin`` without a subcommand starts the window without importing the subcommands' modules
(openpyxl, reportlab, the sync's crypto): they cost a second of a county clerk's start-up."""

from __future__ import annotations

import argparse
import os
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


WINDOW_PROBE = """
import sys
from fupin_desktop import cli
import fupin_desktop.ui.app, fupin_desktop.ui.main_window, fupin_desktop.ui.login_dialog, fupin_desktop.ui.integrity
later = ("openpyxl", "reportlab", "fupin_desktop.demo", "fupin_desktop.ui.household_editor",
         "fupin_desktop.ui.quality_view", "fupin_desktop.ui.audit_view", "fupin_desktop.ui.education_page",
         "fupin_desktop.ui.stats_page", "fupin_desktop.ui.village_form")
print(sorted(m for m in later if m in sys.modules))
"""


def test_the_main_window_comes_up_without_the_form_the_pages_and_the_demo() -> None:
    """The household form's modules come on the warm-up thread after the window is up (or with the
    first household opened), the pages (数据质量, 操作记录, 教育资助, 统计, 贫困村登记表) when first opened."""
    done = subprocess.run([sys.executable, "-c", WINDOW_PROBE], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]"]


def test_the_demo_limit_the_parser_names_is_the_demos_own() -> None:
    from fupin_desktop import demo

    assert cli.MAX_DEMO_HOUSEHOLDS == demo.MAX_DEMO_HOUSEHOLDS
    assert cli._demo_households("300") == 300
    with pytest.raises(argparse.ArgumentTypeError, match="示范户数"):
        cli._demo_households(str(demo.MAX_DEMO_HOUSEHOLDS + 1))
