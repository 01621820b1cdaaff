"""The 统计 page at county scale (issue 17, item 7): the program against bare SQL, and the page itself.

    python bench/bench_stats_page.py                      # 2,000 households (demo, built once)
    python bench/bench_stats_page.py --db COPY.db         # e.g. a backup-API copy of a 100,000-household county

Prints, never asserts (no timing thresholds in tests):

- ``program``: what the page's worker runs, ``statistics(store, year, page=True)``: every figure of
  every tab (counts, causes, attributes, work, housing, years, 识别进度, 教育资助);
- ``same SQL, bare``: the very statements the program sends, run on a plain ``sqlite3`` connection
  with no Python around them -- the ratio program / bare is the program's own overhead;
- ``one COUNT``: the plainest aggregate (households and persons per village) -- the floor of any
  statistics of these rows;
- ``fupin stats`` (the full document: also the year's movements and the other causes);
- the page: from ``reload()`` until every tab is drawn, on an offscreen QApplication.

Wall clock and the process's CPU time (on a shared machine the wall clock mostly measures the others).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics as pystats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import demo_db, ms, peak_mb  # noqa: E402


def timed(label: str, func: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        func()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    wall, proc = pystats.median(times), pystats.median(cpu)
    print(f"  {label:<44} median {ms(wall)}   cpu {ms(proc)}")
    return wall, proc


def bare_statements(path: Path, year: int) -> Callable[[], None]:
    """The program's statements on a bare sqlite3 connection (results fetched, nothing built)."""
    from fupin_desktop.store import stats

    conn = sqlite3.connect(path)
    school_year = stats.education_school_year(year)
    flags = stats.EXITED_FLAGS

    def run() -> None:
        conn.execute(stats._HOUSEHOLD_SQL.format(where="", scan=stats._scan("sqlite", None)), (*stats._HOUSEHOLD_PARAMS, year)).fetchall()
        conn.execute(stats._WORK_SQL.format(where="", scan=stats._scan("sqlite", None)), (year,)).fetchall()
        conn.execute("SELECT h.year, COUNT(*), COALESCE(SUM(h.size), 0), COALESCE(SUM(NOT ("
                     f"{stats._EXITED})), 0), COALESCE(SUM(CASE WHEN NOT ({stats._EXITED}) THEN h.size ELSE 0 END), 0)"
                     " FROM household_facts h WHERE h.deleted = 0 AND h.year IS NOT NULL GROUP BY h.year",
                     (*flags, *flags)).fetchall()
        conn.execute("SELECT DISTINCT year FROM household_facts WHERE deleted = 0 AND year IS NOT NULL").fetchall()
        conn.execute("SELECT c.village_id, c.kind, c.stage, c.status, COUNT(*), SUM(h.size) FROM (SELECT MAX(id) AS id"
                     " FROM cases WHERE subject_kind = 'household' AND year = ? GROUP BY subject_id) last JOIN cases c"
                     " ON c.id = last.id JOIN households h ON h.id = c.subject_id GROUP BY 1, 2, 3, 4", (year,)).fetchall()
        conn.execute("SELECT json_extract(j.value, '$[0]'), COUNT(*), SUM(json_extract(j.value, '$[1]'))"
                     " FROM education_applications a, json_each(a.items) j WHERE a.deleted = 0 AND a.school_year = ?"
                     " GROUP BY 1", (school_year,)).fetchall()

    return run


def page_time(path: Path, year: int, repeat: int = 3) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.store import Store
    from fupin_desktop.ui.stats_page import StatsWindow

    app = QApplication.instance() or QApplication([])
    store = Store(path)
    window = StatsWindow(store)
    window.year_box.setCurrentText(str(year))
    window.show()
    from fupin_desktop.store.village_view import statistics

    data = statistics(store, year, page=True)
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        window.show_data(data)
        app.processEvents()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"  {'the page drawing its tabs (no query)':<44} median {ms(pystats.median(times))}"
          f"   cpu {ms(pystats.median(cpu))}")
    times, cpu = [], []
    for _ in range(repeat):
        window.data = None
        t0, c0 = time.perf_counter(), time.process_time()
        window.reload()
        while window.data is None or window.education_tab.table.rowCount() == 0:
            app.processEvents()
            time.sleep(0.001)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"  {'the page: reload() until the tabs are drawn':<44} median {ms(pystats.median(times))}"
          f"   cpu {ms(pystats.median(cpu))}   (first {ms(times[0])})")
    for _ in range(100):  # let the last worker thread end before the window goes
        app.processEvents()
        time.sleep(0.01)
    window.close()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--db", type=Path, help="an existing database (a copy: it is migrated)")
    parser.add_argument("--year", type=int)
    args = parser.parse_args()
    from fupin_desktop.store import Store
    from fupin_desktop.store.village_view import default_year, statistics

    path = args.db or demo_db(args.households)
    store = Store(path)
    year = args.year or default_year(store)
    print(f"{path.name}: {store.households.count()} households, {len(store.townships.villages())} villages, "
          f"year {year}, load average {os.getloadavg()[0]:.1f}")
    program = timed("program: statistics(page=True)", lambda: statistics(store, year, page=True))
    bare = timed("same SQL, bare sqlite3", bare_statements(path, year))
    conn = sqlite3.connect(path)
    floor = timed("one COUNT (households, persons per village)", lambda: conn.execute(
        "SELECT village_id, COUNT(*), SUM(size) FROM household_facts WHERE deleted = 0 AND year = ?"
        " GROUP BY village_id", (year,)).fetchall())
    print(f"  ratio program / same SQL bare: wall {program[0] / bare[0]:.2f}, cpu {program[1] / max(bare[1], 1e-9):.2f}")
    print(f"  ratio program / one COUNT:     wall {program[0] / floor[0]:.1f}, cpu {program[1] / max(floor[1], 1e-9):.1f}")
    timed("fupin stats (full: + movements, other causes)", lambda: statistics(store, year), 3)
    store.close()
    page_time(path, year)
    print(f"  peak memory {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
