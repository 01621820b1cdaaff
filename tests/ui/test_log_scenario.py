"""A day's work through the real ``fupin`` command and the GUI, then the log is read as a technician
would and searched for every demo person's name, ID number and phone: none may be there, while
every event is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from fupin_desktop import applog
from fupin_desktop.domain.household import TABLES
from fupin_desktop.store import Store
from fupin_desktop.ui.app import show_uncaught
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.ops import BackgroundOp

PERSONAL_FIELDS = ("name", "head_name", "id_number", "head_id_number", "phone", "bank_account")


def fupin(log_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, applog.LOG_DIR_ENV: str(log_dir), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "fupin_desktop", *argv], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=300)


def personal_values(store: Store) -> set[str]:
    """Every name, ID number, phone and bank account of the township's people and helpers."""
    values: set[str] = set()
    for hh in store.households.iter_all():
        rows = [hh.fields] + [row.fields for table in TABLES for row in hh.table(table)]
        for fields in rows:
            for key in PERSONAL_FIELDS:
                value = fields.get(key)
                if value and len(str(value).strip()) >= 2:
                    values.add(str(value).strip())
    return values


def test_the_log_of_a_full_scenario_holds_the_events_and_no_personal_data(
        qtbot, tmp_path, monkeypatch, dialogs) -> None:  # type: ignore[no-untyped-def]
    logs = tmp_path / "logs"
    db = tmp_path / "demo.db"
    assert fupin(logs, "demo", "--db", str(db), "--households", "40").returncode == 0
    store = Store(db)
    secrets = personal_values(store)
    [head] = [hh for hh in [store.households.get(1)] if hh is not None]
    head_name, head_id = head.head_name, str(head.fields["head_id_number"])
    bad_id = head_id[:-1] + ("0" if head_id[-1] != "0" else "1")

    # The command, as a technician or a script would run it.
    assert fupin(logs, "households", "--db", str(db), "--search", head_name).returncode == 0
    shown = fupin(logs, "show", "--db", str(db), "1")
    assert shown.returncode == 0 and head_name in shown.stdout
    assert fupin(logs, "validate", "--db", str(db), "--json").returncode == 0
    out = tmp_path / f"{head_name}-{head_id}.xlsx"  # a file named after a person, as clerks do
    assert fupin(logs, "export-excel", "--db", str(db), "--out", str(out), "--layout", "full").returncode == 0
    assert fupin(logs, "import-excel", "--db", str(db), str(out), "--json").returncode in (0, 1)
    refused = fupin(logs, "check-id", bad_id)
    assert refused.returncode == 1 and bad_id in refused.stdout
    assert fupin(logs, "print", "notice", "--db", str(db), "--village", head.fields["village"], "--round", "first",
                 "--out", str(tmp_path / "notice.pdf")).returncode == 0
    assert fupin(logs, "show", "--db", str(db), "99999").returncode == 2
    store.households.delete(2, "测试")  # the recycle bin: restored, then refused as not deleted
    assert fupin(logs, "restore-household", "--db", str(db), "2").returncode == 0
    assert fupin(logs, "restore-household", "--db", str(db), "2").returncode == 2

    # The GUI, in this process, logging to the same folder.
    monkeypatch.setenv(applog.LOG_DIR_ENV, str(logs))
    applog.configure()
    try:
        store.db.backup(tmp_path / "backup.db")
        window = MainWindow(store)
        qtbot.addWidget(window)
        # An error nobody handled, quoting a person (as a library's message might).
        try:
            raise ValueError(f"cannot read {head_name} {head_id}")
        except ValueError as exc:
            show_uncaught(type(exc), exc, exc.__traceback__)
        assert [d for d in dialogs.shown if d[1] == "操作没有完成"]

        # A background job whose failure comes back to the GUI.
        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            raise RuntimeError(f"worker failed on {head_id}")

        failures: list[BaseException] = []
        op = BackgroundOp(window, "正在测试…", work, on_failure=failures.append)
        with qtbot.waitSignal(op.finished, timeout=20_000):
            op.start()
        assert failures

        # Two windows, one household: the second save is refused (ConcurrentEdit).
        editor = window.open_household(1)
        assert editor is not None
        other = Store(db)
        moved = other.households.get(1)
        moved.fields["phone"] = "13712345678"
        other.households.save(moved, "另一个窗口")
        other.close()
        editor.form.editors["phone"].set_value("13987654321")
        dialogs.answer = QMessageBox.StandardButton.No
        from fupin_desktop.ui import conflict

        asked: list[str] = []
        monkeypatch.setattr(conflict, "ask", lambda _parent, message, _kept, deleted: asked.append(message))
        assert not editor.save()
        assert asked and "联系电话" in asked[0]  # the refusal names what moved
        editor.undo_stack.setClean()
        editor.close()
    finally:
        monkeypatch.undo()
        applog.configure()
        store.close()

    for handler in __import__("logging").getLogger().handlers:
        handler.flush()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(logs.glob("fupin.log*")))
    for event in ("start demo", "migrating", "database opened", "schema=", "households=40",
                  "start households", "start show", "start validate", "quality check",
                  "excel export written", "excel import committed", "refused check-id: 1 of 1 ID numbers invalid",
                  "start print notice", "printed document=", "refused show: CliError",
                  "household restored household=2", "refused restore-household: StoreError",
                  "backup written", "uncaught exception in the GUI", "ValueError: cannot read",
                  "RuntimeError: worker failed on [号码]", "refused save household", "ConcurrentEdit"):
        assert event in text, event
    assert "Traceback (most recent call last)" in text
    leaked = sorted(s for s in secrets | {bad_id, "13712345678", "13987654321", out.name} if s in text)
    assert not leaked, leaked
