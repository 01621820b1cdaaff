"""What the benchmarks share: paths, the cached demo databases, number formatting."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def demo_db(n: int) -> Path:
    """bench/out/demo-N.db: the demo township with N households, built once and reused."""
    from fupin_desktop.demo import build_demo
    from fupin_desktop.store import Store

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"demo-{n}.db"
    if not path.exists():
        t0 = time.perf_counter()
        with Store(path) as store:
            build_demo(store, households=n, seed=7)
        print(f"  built {n} households in {time.perf_counter() - t0:.1f} s")
    return path


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
