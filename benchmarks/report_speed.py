"""How long `siliconomics report` takes on this machine, gather and render separately.

Run:  python benchmarks/report_speed.py [--jobs N]

Prints the wall time of the whole report (gathering every figure through the api, with
the simulation-heavy calls on N worker processes, then writing the HTML and CSVs), and
of the same report built in one process, in one run (compare the ratio, not the absolute
times, on a shared machine). The target is 20 s on 2 cores (DESIGN.md);
docs/performance.md keeps the latest figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from siliconomics.report import gather, write_report
from siliconomics.serving import operating, search


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        data = gather(jobs=args.jobs)
        t1 = time.perf_counter()
        write_report(data, Path(tmp) / "r1")
        t2 = time.perf_counter()
        # The workers' answers were put into this process's cache: empty it, so the
        # one-process run simulates everything again.
        operating.clear_cache()
        search._SHARED.clear()
        t2b = time.perf_counter()
        data = gather(jobs=1)
        write_report(data, Path(tmp) / "r2")
        t3 = time.perf_counter()
    print(
        f"report, {args.jobs} worker processes: {t2 - t0:.1f} s "
        f"(gather {t1 - t0:.1f} s, write {t2 - t1:.1f} s)"
    )
    print(f"report, one process: {t3 - t2b:.1f} s (ratio {(t3 - t2b) / (t2 - t0):.2f})")


if __name__ == "__main__":
    main()
