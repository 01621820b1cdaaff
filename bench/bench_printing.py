"""Printing benchmark: a 2,000-household publicity notice and 500 registration cards.

    python bench/bench_printing.py                    # notice of 2,000 households, 500 cards
    python bench/bench_printing.py --cards 100        # fewer cards
    python bench/bench_printing.py --handbooks 50     # also 50 Handbooks

The demo township of 2,000 households is built once into bench/out/demo-2000.db (the same file
bench_foundation.py uses) and reused.  Each job runs in a fresh process, so its peak memory
(maximum resident set size, fonts and interpreter included) is its own.  Prints timings, never
asserts them.  PDFs go to bench/out/.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

from common import OUT, ROOT, demo_db  # noqa: E402

HOUSEHOLDS = 2000


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _job(kind: str, db: str, count: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    sys.path.insert(0, str(ROOT))
    from fupin_desktop.printing import service
    from fupin_desktop.store import Store

    with Store(db) as store:
        ids = service.village_household_ids(store, None)
        service.fonts_for(store)  # font loading is counted separately: once per process
        t0 = time.perf_counter()
        if kind == "notice":
            out = OUT / f"notice-{len(ids)}.pdf"
            result = service.print_notice(store, None, "second", out)
        else:
            out = OUT / f"{kind}s-{count}.pdf"
            result = service.print_households(store, ids[:count], out, document=kind)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
    queue.put((seconds, result.households, result.pages, out.stat().st_size, _peak_rss_mb(), len(result.warnings)))


def run(kind: str, db: Path, count: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_job, args=(kind, str(db), count, queue))
    proc.start()
    seconds, households, pages, size, rss, warnings = queue.get()
    proc.join()
    label = {"notice": "publicity notice (第二次公示)", "card": "registration cards", "handbook": "Handbooks"}[kind]
    print(f"{label:32s} {households:5d} households {pages:5d} pages  {seconds:6.2f} s "
          f"({seconds / max(households, 1) * 1000:5.1f} ms/household)  {size / 1e6:5.1f} MB PDF  "
          f"peak RSS {rss:6.0f} MB  warnings {warnings}")


def font_load() -> None:
    from fupin_desktop.printing.fonts import font_set

    t0 = time.perf_counter()
    font_set()
    print(f"{'font registration (once)':32s} {time.perf_counter() - t0:6.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--handbooks", type=int, default=0)
    args = parser.parse_args()
    db = demo_db(HOUSEHOLDS)
    print(f"== printing, demo township of {HOUSEHOLDS} households ({db.stat().st_size / 1e6:.1f} MB) ==")
    font_load()
    run("notice", db, HOUSEHOLDS)
    if args.cards:
        run("card", db, args.cards)
    if args.handbooks:
        run("handbook", db, args.handbooks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
