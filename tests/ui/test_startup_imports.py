"""Issue 14, start-up: what the first window does not need is not imported before it shows -- the
rules, the casework, publicity and recycle-bin repositories -- and comes later (the warm-up, the
first use) with everything still working: a real start of the program on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import full_household

#: Modules the window comes up without (each costs start-up time; the warm-up or first use loads them).
LATER = ("fupin_desktop.rules", "fupin_desktop.rules.policy", "fupin_desktop.rules.workflow",
         "fupin_desktop.rules.years", "fupin_desktop.store.cases", "fupin_desktop.store.case_sync",
         "fupin_desktop.store.publicity", "fupin_desktop.store.recycle", "fupin_desktop.store.checks")

PROBE = """
import os, sys
from PySide6.QtCore import QTimer
from fupin_desktop.ui import login_dialog, main_window
login_dialog.login_at_start = lambda store: True  # no users in this file: nobody to ask
LATER = %r
shown = main_window.MainWindow.show
def show(self):
    shown(self)
    print("AT SHOW", *sorted(m for m in LATER if m in sys.modules), flush=True)
    def later():
        store = self.store  # the lazily made repositories still answer
        print("LATER", store.recycle.list() == [], store.cases is store.cases, store.publicity.rounds() == [],
              store.policy.get().relation_numbering, store.spec is store.spec, flush=True)
        os._exit(0)  # the probe's answer is out; the backup and checks running meanwhile are not its business
    QTimer.singleShot(0, later)
main_window.MainWindow.show = show
from fupin_desktop import cli
sys.exit(cli.main(["--db", sys.argv[1]]))
"""


def test_the_window_shows_before_the_rules_and_the_rarely_used_repositories_are_imported(tmp_path: Path) -> None:
    from tests.sync.world import make_township

    path = tmp_path / "township.db"
    with make_township(path) as store:
        store.households.save(full_household(store.spec, seed=1), "测试")
    done = subprocess.run([sys.executable, "-c", PROBE % (LATER,), str(path)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "AT SHOW", lines
    assert lines[1] == "LATER True True True national True", lines
