"""The interactive half of issue 14's measures: search, list, main window, form, save, start-up and
the longest stretch the GUI thread is kept from its event loop.

Each measure runs the program's own path and, back to back, the simplest bare code doing the same
job on the same file (bare SQL with the same SQLite settings, a bare Qt model and view, a bare Qt
form, a bare UPDATE + audit row, a bare Qt window); the median of ``runs``::

    python bench/measures_gui.py --db county100k.db [--runs 3]

``bench/ratios.py`` imports :func:`measures`.  The measures save one household (its 开户银行
field) and leave the file otherwise as it was; point them at a copy.  Qt runs offscreen unless
``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PAGE = 40  # rows the list shows first
FORMS = 8  # households opened for the form measures


def measures(db_path: Path, runs: int = 3) -> list[dict[str, Any]]:
    """One dict per measure: measure, program_s, baseline_s (medians), goal, peak_mb."""
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.store import Store
    from fupin_desktop.ui.app import make_app

    make_app()
    from fupin_desktop.ui.integrity import warm_up

    warm_up().join()  # what the program's start-up loads on a thread once its window is up
    out: list[dict[str, Any]] = []
    out += _startup(db_path, runs)
    store = Store(db_path)
    try:
        samples = _samples(store)
        out += _search(store, db_path, samples, runs)
        out += _first_paint(store, db_path, runs)
        out += _open_form(store, db_path, samples["ids"], runs)
        out += _save(store, db_path, samples["ids"][0], runs)
        out += _gui_gap(store, samples, runs)
    finally:
        for widget in QApplication.topLevelWidgets():
            widget.close()
        store.close()
    return out


# -- helpers ---------------------------------------------------------------------------------
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _row(measure: str, program: list[float], baseline: list[float], goal: str, peak: float | None,
         stat: Callable[[list[float]], float] = statistics.median, cpu: list[float] | None = None) -> dict[str, Any]:
    """``cpu``: the program's CPU seconds on the GUI thread in each sample (the same statistic):
    on a loaded machine the wall clock also counts the time other processes had the cores."""
    return {"measure": measure, "program_s": stat(program), "baseline_s": stat(baseline), "goal": goal,
            "peak_mb": peak, "program_cpu_s": stat(cpu) if cpu else None}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _spin(until: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the event loop until ``until()`` holds."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.perf_counter() + timeout
    while not until():
        if time.perf_counter() > end:
            raise TimeoutError("the GUI did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def _wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class _Painted:
    """Records when ``widget`` is painted next (an event filter)."""

    def __init__(self, widget: Any, ready: Callable[[], bool] = lambda: True) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.at: float | None = None
        self.cpu = 0.0  # the GUI thread's CPU clock then
        outer = self

        class Filter(QObject):
            def eventFilter(self, _obj: Any, event: Any) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint and outer.at is None and ready():
                    outer.at = time.perf_counter()
                    outer.cpu = time.thread_time()
                return False

        self._filter = Filter()
        widget.installEventFilter(self._filter)
        self.widget = widget

    def wait(self) -> float:
        _spin(lambda: self.at is not None)
        self.widget.removeEventFilter(self._filter)
        assert self.at is not None
        return self.at


def _bare(db_path: Path) -> sqlite3.Connection:
    """A bare connection with the program's settings (WAL, synchronous=FULL)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _samples(store: Any) -> dict[str, Any]:
    """Queries of every class, taken from households spread over the file."""
    ids = sorted(r[0] for r in store.db.query("SELECT id FROM households WHERE deleted = 0"))
    picked = [ids[int(i * (len(ids) - 1) / (FORMS - 1))] for i in range(FORMS)]
    classes: dict[str, list[str]] = {"1-2 汉字": [], "拼音首字母": [], "1-4 位数字": [], "完整姓名/号码": []}
    for household_id in picked[:4]:
        hh = store.households.get(household_id)
        member = hh.members[-1]
        name = str(member.get("name") or "张三")
        id_number = str(member.get("id_number") or "")
        from fupin_desktop.domain.text import pinyin_initials

        classes["1-2 汉字"] += [name[:1], name[-2:]]
        classes["拼音首字母"] += [pinyin_initials(name)[:2]]
        classes["1-4 位数字"] += [id_number[-4:], id_number[-3:]]
        classes["完整姓名/号码"] += [name, id_number, str(hh.fields.get("number") or "")]
    classes["1-4 位数字"] += ["5", "51", "510", "5108"]
    return {"ids": picked, "classes": classes}


# -- search ----------------------------------------------------------------------------------
def _search(store: Any, db_path: Path, samples: dict[str, Any], runs: int) -> list[dict[str, Any]]:
    """As typed: the list model asked for a query until its first page can be drawn."""
    from fupin_desktop.ui.household_list import HouseholdListModel

    model = HouseholdListModel(store)
    model.refresh()
    _spin(lambda: not model.loading)
    conn = _bare(db_path)
    rows: list[dict[str, Any]] = []
    every_program: list[float] = []
    every_bare: list[float] = []
    every_cpu: list[float] = []
    for cls, queries in samples["classes"].items():
        program: list[float] = []
        bare: list[float] = []
        cpu: list[float] = []
        for _ in range(runs):
            for q in queries:
                took, used = _search_once(model, q)
                program.append(took)
                cpu.append(used)
                bare.append(_bare_search(conn, q))
        every_program += program
        every_bare += bare
        every_cpu += cpu
        rows.append(_row(f"search p95 · {cls}", program, bare, "<= 10 ms", _peak_mb(), _p95, cpu))
    conn.close()
    rows.insert(0, _row("search p95 · every class", every_program, every_bare, "<= 10 ms", _peak_mb(), _p95,
                        every_cpu))
    model.set_search("")
    _spin(lambda: not model.loading)
    return rows


def _search_once(model: Any, q: str) -> tuple[float, float]:
    """Until the list can draw its first rows (a model reset: the first page, or the whole list);
    (wall seconds, GUI-thread CPU seconds)."""
    from PySide6.QtCore import Qt

    shown: list[float] = []

    def reset() -> None:
        shown.append(time.perf_counter())

    model.modelReset.connect(reset)
    model.rowsInserted.connect(reset)
    start, cpu = time.perf_counter(), time.thread_time()
    model.set_search(q)
    _spin(lambda: bool(shown))
    for r in range(min(PAGE, model.rowCount())):
        model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole)
    took, used = time.perf_counter() - start, time.thread_time() - cpu
    model.modelReset.disconnect(reset)
    model.rowsInserted.disconnect(reset)
    _spin(lambda: not model.loading)  # the whole list in, before the next query (not timed)
    return took, used


def _bare_search(conn: sqlite3.Connection, q: str) -> float:
    """The plain query: match the search text, order by 户编号, the first page with its columns."""
    start = time.perf_counter()
    like = "%" + q.lower() + "%"
    ids = [r[0] for r in conn.execute(
        "SELECT h.id FROM households h JOIN household_search s ON s.rowid = h.id"
        " WHERE h.deleted = 0 AND s.text LIKE ? ORDER BY h.number, h.id LIMIT ?", (like, PAGE))]
    conn.execute(f"SELECT id, number, head_name, head_id_number, size FROM households WHERE id IN"
                 f" ({','.join('?' * len(ids))})", ids).fetchall()
    return time.perf_counter() - start


# -- main window ------------------------------------------------------------------------------
def _first_paint(store: Any, db_path: Path, runs: int) -> list[dict[str, Any]]:
    from fupin_desktop.ui.main_window import MainWindow

    program: list[float] = []
    bare: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, used = time.perf_counter(), time.thread_time()
        window = MainWindow(store)
        painted = _Painted(window.table.viewport(), lambda w=window: w.model.rowCount() > 0)
        window.show()
        program.append(painted.wait() - start)
        cpu.append(painted.cpu - used)
        window.close()
        window.deleteLater()
        _wait(50)
        bare.append(_bare_window(db_path))
    return [_row("main window first paint (with rows)", program, bare, "<= 150 ms", _peak_mb(), cpu=cpu)]


def _bare_window(db_path: Path) -> float:
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QMainWindow, QTableView

    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    data = conn.execute("SELECT number, head_name, head_id_number, size FROM households WHERE deleted = 0"
                        " ORDER BY number LIMIT 200").fetchall()
    conn.close()

    class Model(QAbstractTableModel):
        def rowCount(self, _parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
            return len(data)

        def columnCount(self, _parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
            return 4

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            return str(data[index.row()][index.column()]) if role == Qt.ItemDataRole.DisplayRole else None

    window = QMainWindow()
    view = QTableView()
    model = Model()
    view.setModel(model)
    window.setCentralWidget(view)
    window.resize(1280, 780)
    painted = _Painted(view.viewport())
    window.show()
    took = painted.wait() - start
    window.close()
    return took


# -- household form ---------------------------------------------------------------------------
def _open_form(store: Any, db_path: Path, ids: list[int], runs: int) -> list[dict[str, Any]]:
    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(store)
    window.offer_drafts = False
    window.show()
    _spin(lambda: window.model.rowCount() > 0)
    program: list[float] = []
    bare: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        for household_id in ids:
            start, used = time.perf_counter(), time.thread_time()
            editor = window.open_household(household_id)
            assert editor is not None
            painted = _Painted(editor)
            program.append(painted.wait() - start)
            cpu.append(painted.cpu - used)
            editor.close()
            _wait(20)
            bare.append(_bare_form(db_path, household_id, store.spec))
    window.close()
    return [_row("open a household form p50", program, bare, "<= 100 ms", _peak_mb(), cpu=cpu),
            _row("open a household form p95", program, bare, "<= 100 ms", _peak_mb(), _p95, cpu)]


def _bare_form(db_path: Path, household_id: int, spec: Any) -> float:
    """A bare Qt form: the six parts as tabs, a line edit per grid field, the members as a table."""
    from PySide6.QtWidgets import (
        QFormLayout,
        QLineEdit,
        QMainWindow,
        QTableWidget,
        QTableWidgetItem,
        QTabWidget,
        QWidget,
    )

    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    fields = json.loads(conn.execute("SELECT fields FROM households WHERE id = ?", (household_id,)).fetchone()[0])
    members = [json.loads(r[0]) for r in conn.execute(
        "SELECT fields FROM members WHERE household_id = ? AND deleted = 0 ORDER BY seq", (household_id,))]
    conn.close()
    window = QMainWindow()
    tabs = QTabWidget()
    grid = [f.id for f in spec.grid_fields()]
    per_tab = max(1, len(grid) // 5)
    for t in range(6):
        page = QWidget()
        form = QFormLayout(page)
        if t == 1:
            columns = sorted({k for m in members for k in m})
            table = QTableWidget(len(members), len(columns))
            for r, m in enumerate(members):
                for c, k in enumerate(columns):
                    table.setItem(r, c, QTableWidgetItem(str(m.get(k, ""))))
            form.addRow(table)
        for fid in grid[t * per_tab:(t + 1) * per_tab] if t != 1 else []:
            form.addRow(fid, QLineEdit(str(fields.get(fid, ""))))
        tabs.addTab(page, f"第{t + 1}部分")
    window.setCentralWidget(tabs)
    window.resize(1180, 800)
    painted = _Painted(window)
    window.show()
    took = painted.wait() - start
    window.close()
    return took


# -- save -------------------------------------------------------------------------------------
def _save(store: Any, db_path: Path, household_id: int, runs: int) -> list[dict[str, Any]]:
    """Ctrl+S on an edited household: the GUI thread's time in save() and the events it posts."""
    from PySide6.QtCore import QCoreApplication

    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(store)
    window.offer_drafts = False
    window.show()
    _spin(lambda: window.model.rowCount() > 0 and not window.model.loading)
    program: list[float] = []
    bare: list[float] = []
    cpu: list[float] = []
    conn = _bare(db_path)
    for run in range(runs + 1):  # the first save is measured too (pypinyin's dictionary...)
        editor = window.open_household(household_id)
        assert editor is not None
        _wait(300)
        editor.apply_field("bank", f"测试银行{run}{time.time_ns() % 1000}")
        start, used = time.perf_counter(), time.thread_time()
        assert editor.save(), editor.status.text()
        QCoreApplication.processEvents()
        program.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - used)
        editor.close()
        _wait(100)
        bare.append(_bare_save(conn, household_id, run))
    conn.close()
    window.close()
    return [_row("save a household (GUI thread, median)", program[1:], bare[1:], "<= 50 ms", _peak_mb(), cpu=cpu[1:]),
            _row("save a household (GUI thread, first save)", program[:1], bare[:1], "<= 50 ms", _peak_mb(),
                 cpu=cpu[:1])]


def _bare_save(conn: sqlite3.Connection, household_id: int, run: int) -> float:
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE households SET fields = json_set(fields, '$.bank', ?), revision = revision + 1"
                 " WHERE id = ?", (f"测试银行{run}", household_id))
    conn.execute("INSERT INTO audit (at, operator, action, entity, entity_uuid, household_uuid, field, old, new)"
                 " SELECT datetime('now'), 'bench', 'update', 'household', uuid, uuid, 'bank', NULL, ?"
                 " FROM households WHERE id = ?", (json.dumps(f"测试银行{run}"), household_id))
    conn.execute("COMMIT")
    return time.perf_counter() - start


# -- start-up ---------------------------------------------------------------------------------
_DRIVER = """
import sys, time, resource
from fupin_desktop.ui import login_dialog, main_window
login_dialog.login_at_start = lambda store: True  # the clerk's time at a login dialog is not the program's
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
shown = main_window.MainWindow.show
def show(self):
    shown(self)
    def usable():
        print("USABLE", time.time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.thread_time(),
              flush=True)
        QApplication.instance().quit()
    QTimer.singleShot(0, usable)
main_window.MainWindow.show = show
from fupin_desktop import cli
sys.exit(cli.main(["--db", sys.argv[1]]))
"""
_BARE_DRIVER = """
import sys, time, resource
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 780)
w.show()
QTimer.singleShot(0, lambda: (print("USABLE", time.time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                    time.thread_time(), flush=True), app.quit()))
app.exec()
"""


def _child(code: str, db_path: Path) -> tuple[float, float, float]:
    """Seconds from starting a Python process to its window taking events, its peak MB and the CPU
    seconds of its main (GUI) thread by then."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.time()
    done = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("USABLE")), None)
    if line is None:
        raise RuntimeError(f"start-up driver failed: {done.stderr[-2000:]}")
    _, at, peak, cpu = line.split()
    return float(at) - start, float(peak), float(cpu)


def _startup(db_path: Path, runs: int) -> list[dict[str, Any]]:
    import compileall

    import fupin_desktop

    # As installed (pip writes the bytecode): a source tree run with PYTHONDONTWRITEBYTECODE would
    # compile every module at every start, which PySide6's installed modules (the baseline) never do.
    compileall.compile_dir(str(Path(fupin_desktop.__file__).parent), quiet=2)
    program, bare, peaks, cpu, bare_cpu = [], [], [], [], []
    for _ in range(runs):
        took, peak, used = _child(_DRIVER, db_path)
        program.append(took)
        peaks.append(peak)
        cpu.append(used)
        took, _peak, used = _child(_BARE_DRIVER, db_path)
        bare.append(took)
        bare_cpu.append(used)
    return [_row("start-up to a usable window", program, bare, "<= 3x bare Qt window", max(peaks), cpu=cpu),
            _row("start-up, GUI-thread CPU only", cpu, bare_cpu, "<= 3x bare Qt window", max(peaks), cpu=cpu)]


# -- the longest gap between event-loop turns --------------------------------------------------
def _gui_gap(store: Any, samples: dict[str, Any], runs: int) -> list[dict[str, Any]]:
    """A scripted session (search as typed, open, type, save, switch village) under a 0 ms timer
    that records the longest gap between its turns; baseline: the same timer in an idle loop."""
    from PySide6.QtCore import QTimer

    from fupin_desktop.ui.main_window import MainWindow

    program: list[float] = []
    bare: list[float] = []
    cpu: list[float] = []
    gaps: list[float] = [0.0]
    gap_cpu: list[float] = [0.0]  # the GUI thread's CPU in the longest gap
    last = [time.perf_counter(), time.thread_time()]

    def turn() -> None:
        now, used = time.perf_counter(), time.thread_time()
        if now - last[0] > gaps[0]:
            gaps[0], gap_cpu[0] = now - last[0], used - last[1]
        last[0], last[1] = now, used

    for _ in range(runs):
        window = MainWindow(store)
        window.offer_drafts = False
        window.show()
        _spin(lambda w=window: w.model.rowCount() > 0 and not w.model.loading)
        gaps[0] = 0.0
        timer = QTimer()
        timer.setInterval(0)
        timer.timeout.connect(turn)
        last[0], last[1] = time.perf_counter(), time.thread_time()
        timer.start()
        started = time.perf_counter()
        _session(window, samples)
        timer.stop()
        program.append(gaps[0])
        cpu.append(gap_cpu[0])
        elapsed = time.perf_counter() - started
        gaps[0] = 0.0
        last[0], last[1] = time.perf_counter(), time.thread_time()
        timer.start()
        _wait(int(min(elapsed, 5.0) * 1000))
        timer.stop()
        bare.append(gaps[0])
        window.close()
        window.deleteLater()
        _wait(50)
    return [_row("longest GUI-thread gap (scripted session)", program, bare, "<= 50 ms", _peak_mb(), cpu=cpu)]


def _session(window: Any, samples: dict[str, Any]) -> None:
    """Type two searches a key at a time, open a household, type in 开户银行, save, pick villages."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    for query in ("张", "zs", "5108"):
        window.search.clear()
        for i in range(1, len(query) + 1):
            window.search.setText(query[:i])
            _wait(120)
        _wait(400)
    window.search.clear()
    _wait(400)
    editor = window.open_household(samples["ids"][1])
    _wait(300)
    bank = editor.form.editors["bank"]
    bank.setFocus()
    bank.selectAll()
    for ch in "农村信用社":  # typed as an input method commits Chinese
        event = QInputMethodEvent()
        event.setCommitString(ch)
        QApplication.sendEvent(bank, event)
        _wait(60)
    QTest.keyClick(bank, Qt.Key.Key_Tab)
    editor.act_save.trigger()
    _wait(300)
    editor.close()
    _wait(200)
    tree = window.tree
    for i in (0, 1, 2, -1):  # looked up each time: the tree is rebuilt when its counts come
        root = tree.topLevelItem(0)
        item = root.child(i) if 0 <= i < root.childCount() else root
        tree.setCurrentItem(item)
        _wait(400)


# -- the table --------------------------------------------------------------------------------
def print_table(rows: list[dict[str, Any]]) -> None:
    """The table; ``GUI CPU``: the program's CPU time on the GUI thread (its share of the wall time)."""
    print(f"{'measure':46} {'program':>10} {'baseline':>10} {'ratio':>7}  {'GUI CPU':>9}  {'goal':22} {'peak MB':>8}")
    for r in rows:
        ratio = r["program_s"] / r["baseline_s"] if r["baseline_s"] else float("inf")
        peak = f"{r['peak_mb']:.0f}" if r["peak_mb"] is not None else "-"
        cpu = f"{r['program_cpu_s'] * 1000:7.1f}ms" if r.get("program_cpu_s") is not None else "        -"
        print(f"{r['measure']:46} {r['program_s'] * 1000:8.1f}ms {r['baseline_s'] * 1000:8.1f}ms {ratio:7.2f}"
              f"  {cpu}  {r['goal']:22} {peak:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measures(args.db, args.runs)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print_table(rows)


if __name__ == "__main__":
    main()
