#!/usr/bin/env python3
"""How long `fcbench report` takes to build over a synthetic history, and how long its front page
and a variant page take to draw in headless Chromium from file:// (docs/RESULTS.md).

Usage: scripts/report_timing.py [--commits 500] [--loads 5] [WORK_DIR=/tmp/fcbench-report-timing]
Builds the history with scripts/synthetic_history.py, runs `fcbench report` in its repository
(wall time, asv publish included), then opens each page --loads times in a fresh tab and reads
the time from navigation start to the page's own 'drawn' mark (report.js sets it when the table
and every chart are drawn) and to the load event.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cdp import Chromium, find_chromium  # noqa: E402

DRAWN = "document.body.dataset.ready === '1'"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", nargs="?", type=Path, default=Path("/tmp/fcbench-report-timing"))
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    if args.loads < 1 or args.commits < 1:
        parser.error(f"--loads {args.loads} / --commits {args.commits}: each must be at least 1")
    work = args.work.resolve()
    subprocess.run([sys.executable, str(ROOT / "scripts/synthetic_history.py"), str(work), "--commits",
                    str(args.commits)], check=True)
    fcbench = Path(sys.executable).parent / "fcbench"
    started = time.perf_counter()
    subprocess.run([str(fcbench), "report", "--results-dir", str(work / "results"), "--out", str(work / "site")],
                   cwd=work / "repo", check=True)
    build_s = time.perf_counter() - started
    data_mb = (work / "site/h100-80gb-hbm3/data.js").stat().st_size / 1e6
    print(f"build: {build_s:.1f} s (fcbench report, asv publish included); data.js {data_mb:.1f} MB")
    browser = find_chromium()
    if browser is None:
        print("report_timing: no Chromium; page loads not measured", file=sys.stderr)
        return 3
    with Chromium(browser, width=1400, height=1000) as b:
        for page in ("index.html", "variant-wmma_fused_cpasync.html"):
            drawn, loaded = [], []
            for _ in range(args.loads):
                b.goto("about:blank")
                b.goto((work / "site/h100-80gb-hbm3" / page).as_uri(), ready=DRAWN)
                drawn.append(float(b.eval("document.body.dataset.readyMs || performance.now()")))
                loaded.append(b.eval("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            assert not b.errors, b.errors
            print(f"{page}: drawn {statistics.median(drawn):.0f} ms (median of {args.loads}; first {drawn[0]:.0f}, "
                  f"max {max(drawn):.0f}), load event {statistics.median(loaded):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
