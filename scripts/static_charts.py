"""README's static SVGs, from the real H200 history of mma_fused's climb: its badge and its latency
chart at the headline shape, as `fcbench report` writes them (fcbench/report_static.py) into
static/ and badges/, with the gate's verdicts from the recorded samples under [tool.fcbench.gate].

Usage: python scripts/static_charts.py [RESULTS_DIR] [--repo REPO] [--out DOCS_DIR]
(defaults: docs/validation/2026-12-03-h200/climb-history/results, this repository, docs/)
Writes DOCS_DIR/badge-h200-mma_fused.svg and DOCS_DIR/static-h200-mma_fused-1-8-512-64.svg, and
prints what the badge says."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's fcbench

from fcbench import config, registry, report_data, report_static
from fcbench.gate import FAILING

HISTORY = registry.REPO_ROOT / "docs" / "validation" / "2026-12-03-h200" / "climb-history" / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=HISTORY)
    parser.add_argument("--repo", type=Path, default=registry.REPO_ROOT, help="where the commits' subjects come from")
    parser.add_argument("--out", type=Path, default=registry.REPO_ROOT / "docs")
    parser.add_argument("--machine", default="h200")
    parser.add_argument("--variant", default="mma_fused")
    args = parser.parse_args(argv)
    if not (args.results / args.machine).is_dir():  # else a KeyError deep in the history's commit lookup
        parser.error(f"no machine {args.machine!r} in {args.results} (results and --machine)")
    if not args.out.is_dir():
        parser.error(f"--out {args.out}: not a directory")
    hist = report_data.load_history(args.results, args.machine, args.repo)
    previous, _, _ = report_data.verdicts(hist, config.load(registry.REPO_ROOT / "pyproject.toml").gate)
    facts = report_static.badge_facts(hist, args.variant, previous)
    key = (args.variant, facts["shape"] or report_static.HEADLINE_SHAPE)
    badge = args.out / f"badge-{args.machine}-{args.variant}.svg"
    chart = args.out / f"static-{args.machine}-{args.variant}-{report_static.shape_stem(key[1])}.svg"
    badge.write_text(report_static.badge_svg(facts), encoding="utf-8")
    chart.write_text(report_static.latency_svg(hist, key, previous.get(key)), encoding="utf-8")
    print(f"{badge}: {facts['label']} | {facts['message']} ({facts['state']}): {facts['title']}")
    print(f"{chart}: {key[0]} {key[1]}, {len(hist.commits)} commits, failing vs previous at commits "
          f"{[i + 1 for i, v in enumerate(previous.get(key, [])) if v in FAILING]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
