"""Identification workflow benchmark (issue 15).

    python bench/bench_workflow.py                      # township 2,000 + county 100,000
    python bench/bench_workflow.py --county-db PATH     # another county database (copied first)
    python bench/bench_workflow.py --skip-county

Township: the demo township with 2,000 households (bench/out/demo-2000.db, copied with the SQLite
backup API): every household applies, then the timed steps: advancing all 2,000 one stage
(农户申请 → 民主评议, one transaction, one record each), opening a village's publicity round, and
advancing 2,000 out of their first publicity (round and objection checks per household).
County: a copy (SQLite backup API) of the 100,000-household county database; one identification
case per household is written untimed, then ``workflow status`` (the whole county, and one
township) is timed, with the records of every case.  Prints timings, never asserts them.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from datetime import date
from pathlib import Path

from common import OUT, demo_db  # noqa: E402

from fupin_desktop.casework import core, publicity  # noqa: E402
from fupin_desktop.casework.status import status  # noqa: E402
from fupin_desktop.rules.workflow import Decision, Kind, Status, Step  # noqa: E402
from fupin_desktop.store import Store  # noqa: E402

COUNTY_DB = Path("/work/bench-data/county100k.db")


def copy(source: Path, target: Path) -> Path:
    """A copy through SQLite's backup API (never a byte copy of a database file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<58} {time.perf_counter() - w0:7.2f} s wall {time.process_time() - c0:7.2f} s CPU")
    return result


def township(n: int = 2000) -> None:
    path = copy(demo_db(n), OUT / f"workflow-town-{n}.db")
    print(f"\n== township: {n} households ==")
    with Store(path) as store:
        ids = store.households.ids()
        existing = set(store.cases.latest(ids))  # the demo's own year in progress
        ids = [i for i in ids if i not in existing][:n]
        timed(f"apply {len(ids)} households", lambda: core.apply(store, ids, date(2017, 5, 1)))
        timed(f"advance {len(ids)} households one stage (申请 → 民主评议)",
              lambda: core.advance(store, ids, date(2017, 5, 2), note="民主评议"))
        core.advance(store, ids, date(2017, 5, 3))
        core.advance(store, ids, date(2017, 5, 4))
        villages = sorted({s.village for s in store.cases.subjects(ids).values()})
        timed(f"open the first publicity in {len(villages)} villages",
              lambda: [publicity.open_round(store, date(2017, 5, 5), village=v) for v in villages])
        timed(f"advance {len(ids)} households out of their publicity round",
              lambda: core.advance(store, ids, date(2017, 5, 12), override="规模调整"))
        timed("workflow status, whole township, with records", lambda: status(store))


def county(source: Path) -> None:
    if not source.exists():
        print(f"\n(no county database at {source}: skipped)")
        return
    path = copy(source, OUT / "workflow-county.db")
    print(f"\n== county: {source.name} ==")
    with Store(path) as store:
        ids = store.households.ids()
        print(f"{len(ids)} households")

        def seed() -> None:  # one open case per household, at 县审定, with three records
            subjects = store.cases.subjects(ids)
            with store.db.transaction():
                for i, s in subjects.items():
                    case = store.cases.create(subject_id=i, village_id=s.village_id, year=2017, kind=Kind.IDENTIFICATION,
                                              procedure="national", stage="apply", when=date(2017, 5, 1))
                    store.cases.append(case, Step("apply", Decision.APPLY, "apply", Status.OPEN, date(2017, 5, 1)),
                                       operator="bench")
                    store.cases.append(case, Step("apply", Decision.PASS, "appraisal", Status.OPEN, date(2017, 5, 2)),
                                       operator="bench")
        timed(f"(setup) write {len(ids)} cases with two records each", seed)
        data = timed("workflow status, whole county, with records", lambda: status(store))
        print(f"  {len(data['households'])} households, {len(data['villages'])} villages")
        code = store.db.query_one("SELECT township_code FROM villages WHERE township_code IS NOT NULL LIMIT 1")
        if code is not None:
            vids = [v.id for v in store.townships.villages(code[0]) if v.id is not None]
            data = timed(f"workflow status --township {code[0]}", lambda: status(store, village_ids=vids))
            print(f"  {len(data['households'])} households")
        timed("workflow status, whole county, without records", lambda: status(store, history=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--county-db", type=Path, default=COUNTY_DB)
    parser.add_argument("--skip-county", action="store_true")
    parser.add_argument("--households", type=int, default=2000)
    args = parser.parse_args()
    township(args.households)
    if not args.skip_county:
        county(args.county_db)


if __name__ == "__main__":
    main()
