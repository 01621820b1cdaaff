"""Foundation benchmark: list-open time, search latency (p50/p95) and save latency.

    python bench/bench_foundation.py                 # 2,000 and 100,000 households
    python bench/bench_foundation.py --sizes 2000    # just the township scale

Demo databases are built once into bench/out/ and reused.  "List open" is what the
main window does on start: the filtered, sorted id list plus the first page of rows,
through the same Qt model the GUI uses (offscreen).  Prints timings, never asserts them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import demo_db, ms, percentile  # noqa: E402

from fupin_desktop.store import Store  # noqa: E402

_APP = None


def wait_for(app: object, model: object) -> None:
    """Let a background list query finish (the GUI keeps processing events meanwhile)."""
    while model.loading:  # type: ignore[attr-defined]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.001)


def bench(n: int) -> None:
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.ui.household_list import HouseholdListModel

    path = demo_db(n)
    print(f"\n== {n} households ({path.stat().st_size / 1e6:.1f} MB) ==")
    global _APP
    _APP = app = QApplication.instance() or QApplication([])  # lives until the interpreter exits
    with Store(path) as store:
        t0 = time.perf_counter()
        model = HouseholdListModel(store)
        model.refresh()
        blocked = time.perf_counter() - t0
        wait_for(app, model)
        for row in range(40):  # the first screen of rows
            model.data(model.index(row, 0))
        open_time = time.perf_counter() - t0
        mode = "worker thread" if model.large else "GUI thread"
        print(f"list open (ids + first page): {ms(open_time)}   GUI blocked {ms(blocked)}   "
              f"rows={model.rowCount()} ({mode})")

        t0 = time.perf_counter()
        for row in range(0, model.rowCount(), max(1, model.rowCount() // 50)):
            model.data(model.index(row, 3))
        print(f"scroll: 50 jumps across the list: {ms(time.perf_counter() - t0)}")

        for key, column in (("户主姓名", 3), ("家庭人口", 5), ("户编号", 0)):
            t0 = time.perf_counter()
            model.sort(column)
            blocked = time.perf_counter() - t0
            wait_for(app, model)
            print(f"sort by {key}: {ms(time.perf_counter() - t0)}   GUI blocked {ms(blocked)}")

        rng = random.Random(1)
        sample = store.households.summaries(rng.sample(store.households.ids(), 30))
        queries = []
        for s in sample:
            queries += [s.head_name, s.head_name[:1] + (s.head_name[1:2] or ""), s.head_id_number[6:14],
                        s.number[-6:]]
        queries += ["zs", "wf", "lj", "5108", "不存在的人"]
        latencies, blocked_all = [], []
        for q in queries:
            t0 = time.perf_counter()
            model.set_search(q)
            blocked_all.append(time.perf_counter() - t0)
            wait_for(app, model)
            for row in range(min(40, model.rowCount())):
                model.data(model.index(row, 0))
            latencies.append(time.perf_counter() - t0)
        print(f"search ({len(queries)} queries): p50 {ms(statistics.median(latencies))}   "
              f"p95 {ms(percentile(latencies, 95))}   max {ms(max(latencies))}   "
              f"GUI blocked max {ms(max(blocked_all))}")

        ids = rng.sample(store.households.ids(), 20)
        saves = []
        for hid in ids:
            hh = store.households.get(hid)
            assert hh is not None
            hh.fields["phone"] = f"139{rng.randrange(10**8):08d}"
            t0 = time.perf_counter()
            store.households.save(hh, "bench")
            saves.append(time.perf_counter() - t0)
        print(f"save one household (20 saves): p50 {ms(statistics.median(saves))}   "
              f"p95 {ms(percentile(saves, 95))}")
        del model  # Qt objects must go before the QApplication does


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000])
    args = parser.parse_args()
    for n in args.sizes:
        bench(n)
    # Measurements are done; skip interpreter teardown, where PySide6 objects created
    # outside a window hierarchy can be destroyed in the wrong order.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
