"""County-scale speed, side by side with bare baselines: ONE table (issue 14).

    python bench/ratios.py                              # 2,000, 10,000 and 100,000 households
    python bench/ratios.py --households 2000 10000      # just these scales
    python bench/ratios.py --runs 1 --only export       # a quick look at one measure
    python bench/ratios.py --cache /tmp/bench           # where the databases are kept

The databases (the demo township at each scale, ``fupin_desktop.demo.build_demo`` seed 7; for
100,000 a backup of ``/work/bench-data/county100k.db`` when it is there) are built once into the
cache folder and reused.  Each program path and its bare baseline (``bench/ratio_steps.py``)
run back to back in fresh child processes, ``--runs`` times (3), and the median time is
shown with the highest peak memory (max RSS) of the runs, and the median CPU seconds (process and
waited-for children), the fairer comparison when other work shares the machine.  Excel import is measured at 2,000
and 10,000 households (its goal is at 10,000); the rest at every scale.  The interactive
measures come from ``bench/measures_gui.py`` when it is there.  Prints numbers, never asserts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

STEPS = HERE / "ratio_steps.py"
COUNTY_100K = Path("/work/bench-data/county100k.db")
#: measure -> (goal as a ratio to the baseline, peak memory goal in MB or None, scales it runs at)
GOALS: dict[str, tuple[float, float | None, tuple[int, ...] | None]] = {
    "excel": (1.5, 200.0, (2000, 10_000)),
    "export": (1.3, 250.0, None),
    "county": (2.0, None, None),
    "validate": (2.0, None, None),
}
TITLES = {"excel": "Excel import", "export": "sync export", "county": "county import of a batch",
          "validate": "validate the whole township"}


def step(name: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(STEPS), name, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def copy_db(source: Path, target: Path) -> None:
    """Through the SQLite backup API (never a file copy of a database)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()


def database(cache: Path, n: int) -> Path:
    """The township with ``n`` households, migrated, built or copied once."""
    from fupin_desktop.demo import build_demo
    from fupin_desktop.store import Store

    path = cache / f"ratios-demo-{n}.db"
    if path.exists():
        return path
    t0 = time.perf_counter()
    partial = path.with_suffix(".part")
    if n == 100_000 and COUNTY_100K.exists():
        copy_db(COUNTY_100K, partial)
        with Store(partial):
            pass  # migrate now: not part of any measure
    else:
        with Store(partial) as store:
            build_demo(store, households=n, seed=7)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)
    for old in cache.glob(f"{partial.stem}*.bak"):
        old.unlink()
    print(f"  built {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def xlsx_of(cache: Path, db: Path, n: int) -> Path:
    from fupin_desktop.excel.exporter import export_workbook
    from fupin_desktop.store import Store

    path = cache / f"ratios-{n}-national.xlsx"
    if not path.exists():
        with Store(db) as store:
            export_workbook(store, path, "national")
    return path


def batch_of(cache: Path, db: Path, n: int) -> tuple[Path, Path]:
    """A full batch of the township (exported once from a copy with keys), and that copy."""
    town = cache / f"ratios-town-{n}.db"
    batches = cache / f"ratios-batch-{n}"
    found = sorted(batches.glob("*.fpsync")) if batches.exists() else []
    if town.exists() and found and (cache / f"ratios-county-{n}.db").exists():
        return found[-1], town
    shutil.rmtree(batches, ignore_errors=True)
    copy_db(db, town)
    import ratio_steps

    ratio_steps.county_setup(str(town), str(cache / f"ratios-county-{n}.db"))
    step("export-program", str(town), str(batches))
    return sorted(batches.glob("*.fpsync"))[-1], town


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _schema_version() -> int:
    from fupin_desktop.store.database import schema_version

    return schema_version()


def measure(kind: str, n: int, cache: Path, runs: int) -> dict[str, Any]:
    db = database(cache, n)
    work = cache / f"ratios-work-{n}"
    work.mkdir(exist_ok=True)
    if kind == "excel":
        xlsx = xlsx_of(cache, db, n)
        args = [str(xlsx), str(work / "excel-target.db")]
    elif kind == "export":
        _batch, town = batch_of(cache, db, n)
        args = [str(town), str(work / "stick")]
        if _user_version(town) != _schema_version():
            # A township's first export after an upgrade that migrates its file re-checks every
            # household (kept findings name the schema they were made under); not the steady cost.
            print(f"  migrating {town.name} and refreshing its kept findings (one untimed export)", flush=True)
            step(f"{kind}-program", *args)
            shutil.rmtree(work / "stick", ignore_errors=True)
    elif kind == "county":
        batch, town = batch_of(cache, db, n)
        args = [str(batch), str(work / "county-target.db"), str(cache / f"ratios-county-{n}.db")]
    else:
        args = [str(db)]
    program, bare = [], []
    for _ in range(runs):  # back to back, so both see the same machine
        program.append(step(f"{kind}-program", *args))
        bare.append(step(f"{kind}-bare", *args))
        if kind == "export":
            shutil.rmtree(work / "stick", ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    goal, memory_goal, _scales = GOALS[kind]
    p = statistics.median(r["seconds"] for r in program)
    b = statistics.median(r["seconds"] for r in bare)
    p_cpu = statistics.median(r.get("cpu", 0.0) for r in program)
    b_cpu = statistics.median(r.get("cpu", 0.0) for r in bare)
    goal_text = f"<= {goal:g}x" + (f", <= {memory_goal:.0f} MB" if memory_goal else "")
    return {"measure": f"{TITLES[kind]} ({n:,})", "program_s": p, "baseline_s": b, "goal": goal_text,
            "peak_mb": max(r["peak_mb"] for r in program), "baseline_peak_mb": max(r["peak_mb"] for r in bare),
            "program_cpu_s": p_cpu, "baseline_cpu_s": b_cpu,
            "kind": kind, "n": n}


def gui_rows(cache: Path, scales: list[int], runs: int) -> list[dict[str, Any]]:
    try:
        import measures_gui  # type: ignore[import-not-found]  # bench/measures_gui.py, when merged
    except ImportError:
        return []
    rows: list[dict[str, Any]] = []
    for n in scales:
        for row in measures_gui.measures(database(cache, n), runs=runs):
            rows.append({**row, "measure": f"{row['measure']} ({n:,})", "n": n})
    return rows


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| measure | program | baseline | ratio | goal | peak memory | CPU program / baseline (ratio) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        b = r.get("baseline_s")
        ratio = f"{r['program_s'] / b:.2f}x" if b else "-"
        peak = f"{r['peak_mb']:.0f} MB" if r.get("peak_mb") is not None else "-"
        pc, bc = r.get("program_cpu_s"), r.get("baseline_cpu_s")
        cpu = f"{fmt_s(pc)} / {fmt_s(bc)} ({pc / bc:.2f}x)" if pc and bc else "-"
        lines.append(f"| {r['measure']} | {fmt_s(r['program_s'])} | {fmt_s(b)} | {ratio} | {r.get('goal', '')} | {peak}"
                     f" | {cpu} |")
    return "\n".join(lines)


def growth(rows: list[dict[str, Any]]) -> str:
    """How each measure's program time and ratio grow from scale to scale (linear: time x N)."""
    out = []
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("kind"):
            by_kind.setdefault(r["kind"], []).append(r)
    for kind, series in by_kind.items():
        series.sort(key=lambda r: r["n"])
        steps = " → ".join(f"{r['n'] // 1000}k {r['program_s'] / r['baseline_s']:.2f}x "
                           f"({r['program_s'] / r['n'] * 1e6:.0f} µs/household"
                           + (f", CPU {r['program_cpu_s'] / r['baseline_cpu_s']:.2f}x" if r.get("baseline_cpu_s") else "")
                           + ")" for r in series)
        out.append(f"- {TITLES[kind]}: {steps}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, nargs="+", default=[2000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--only", nargs="+", choices=[*GOALS, "gui"], help="just these measures")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    scales = sorted(args.households)
    rows: list[dict[str, Any]] = []
    for kind, (_goal, _memory, at) in GOALS.items():
        if args.only and kind not in args.only:
            continue
        for n in scales:
            if at is not None and n not in at:
                continue
            row = measure(kind, n, args.cache, args.runs)
            print(f"  {row['measure']}: {fmt_s(row['program_s'])} / {fmt_s(row['baseline_s'])}, "
                  f"CPU {fmt_s(row['program_cpu_s'])} / {fmt_s(row['baseline_cpu_s'])}, "
                  f"peak {row['peak_mb']:.0f} MB", flush=True)
            rows.append(row)
    if not args.only or "gui" in args.only:
        rows += gui_rows(args.cache, scales, args.runs)
    print()
    print(table(rows))
    print()
    print("Growth (2k → 10k → 100k):")
    print(growth(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
