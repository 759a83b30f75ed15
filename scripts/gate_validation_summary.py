"""Summarises scripts/gate-validate.sh logs (any number of runs' directories): false FAILs, the
largest |head/base - 1| per shape and the largest head/base over the A/A comparisons, whether
the side measured first is slower more often (order bias), how often the planted regression was
flagged per shape, the spread of the SDPA peers' medians at the smallest shape (where a late
host showed), what the planted bugs gave, and the pipeline's wall times.
Usage: python3 scripts/gate_validation_summary.py DIR [DIR...]"""

import glob
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

from fcbench.gate import FAILING
from fcbench.registry import is_kernel_name

PLANTED = "wmma_fused_cpasync"


def runs(dirs, prefix):
    files = sorted(f for d in dirs for f in glob.glob(os.path.join(d, prefix + "*.json")))
    return {f: json.load(open(f)) for f in files}


def failing(row):
    return row["verdict"] in FAILING


def order_bias(aa, reg):
    """Is the side measured first (the base; the head in *-hf comparisons) the slower one more
    often? Over the kernel rows of every comparison, the planted variant's rows left out."""
    for beyond in (0.01, 0.02, 0.03):
        counts = defaultdict(lambda: [0, 0])  # orientation -> [first side slower, second side slower]
        for path, d in {**aa, **reg}.items():
            head_first = os.path.basename(path).removesuffix(".json").endswith("-hf")
            for r in d["rows"]:
                if r["ratio"] is None or not is_kernel_name(r["variant"]) or (path in reg and r["variant"] == PLANTED):
                    continue
                if abs(r["ratio"] - 1) > beyond:
                    head_slower = r["ratio"] > 1
                    counts["head first" if head_first else "base first"][head_slower != head_first] += 1
        text = "; ".join(f"{k}: first side slower {v[0]}, second {v[1]}" for k, v in sorted(counts.items()))
        print(f"  order, kernel rows beyond {beyond:.0%}: {text or 'none'}")


def peer_medians(runs_, shape="(1,8,512,64)"):
    """Each measuring process's median per SDPA peer at the shape (both sides of every comparison):
    a host late to queue the call made some of them several times the GPU time (before 618e00b)."""
    medians = defaultdict(list)
    for d in runs_.values():
        for r in d["rows"]:
            if r["shape"] == shape and not is_kernel_name(r["variant"]):
                medians[r["variant"]] += [us for us in (r["base_us"], r["head_us"]) if us is not None]
    for variant, us in sorted(medians.items()):
        us.sort()
        print(f"  {variant} {shape}: medians of {len(us)} processes {us[0]:.1f} .. {us[-1]:.1f} us "
              f"(middle {us[len(us) // 2]:.1f}); over 1.5x the middle: {sum(u > 1.5 * us[len(us) // 2] for u in us)}")


def main(dirs):
    aa, reg = runs(dirs, "aa-"), runs(dirs, "reg-")
    print(f"A/A: {len(aa)} comparisons; with any failing verdict: {sum(any(map(failing, d['rows'])) for d in aa.values())}")
    worst = defaultdict(lambda: (0.0, ""))
    for d in aa.values():
        for r in d["rows"]:
            if r["ratio"] is not None and is_kernel_name(r["variant"]):
                worst[r["shape"]] = max(worst[r["shape"]], (abs(r["ratio"] - 1), r["variant"]))
    for shape, (w, variant) in sorted(worst.items()):
        print(f"  kernels, largest |head/base - 1| at {shape}: {w:.4f} ({variant})")
    slower = max(((r["ratio"], r["variant"], r["shape"]) for d in aa.values() for r in d["rows"]
                  if r["ratio"] is not None and is_kernel_name(r["variant"])), default=None)
    if slower:  # what a false FAIL needs: the head slower by more than the budget
        print(f"  kernels, largest head/base: {slower[0]:.4f} ({slower[1]} {slower[2]})")
    verdicts = defaultdict(lambda: defaultdict(int))
    for d in aa.values():
        for r in d["rows"]:
            verdicts["kernels" if is_kernel_name(r["variant"]) else "SDPA peers"][r["verdict"]] += 1
    for who, counts in sorted(verdicts.items()):
        print(f"  A/A verdicts, {who}: {dict(sorted(counts.items()))}")
    order_bias(aa, reg)
    peer_medians({**aa, **reg})
    print(f"planted regression ({PLANTED}): {len(reg)} comparisons")
    flagged = sum(any(r["variant"] == PLANTED and r["verdict"] == "FAIL-LATENCY" for r in d["rows"]) for d in reg.values())
    others = sum(any(r["variant"] != PLANTED and failing(r) for r in d["rows"]) for d in reg.values())
    print(f"  flagged FAIL-LATENCY at some shape: {flagged}; another variant failing: {others}")
    per_shape = defaultdict(list)
    for d in reg.values():
        for r in d["rows"]:
            if r["variant"] == PLANTED and r["ratio"] is not None:
                per_shape[r["shape"]].append((r["ratio"], r["verdict"]))
    for shape, rows in sorted(per_shape.items()):
        ratios = sorted(x for x, _ in rows)
        flagged = sum(v == "FAIL-LATENCY" for _, v in rows)
        print(f"  {shape}: head/base {ratios[0]:.3f} .. {ratios[-1]:.3f} (median {ratios[len(ratios) // 2]:.3f}); "
              f"FAIL-LATENCY {flagged}/{len(rows)}")
    for d in dirs:
        for name in ("bug-AD", "blowup-AE", "cold-AB", "onekernel-AC"):
            path = os.path.join(d, name + ".json")
            if os.path.exists(path):
                data = json.load(open(path))
                bad = sorted({(r["variant"], r["verdict"]) for r in data["rows"] if failing(r)})
                print(f"{name}: exit {data['exit_code']} failing {bad}")
        summary = os.path.join(d, "summary.txt")
        if os.path.exists(summary):
            walls = [int(m) for m in re.findall(r"wall_s=(\d+)", open(summary).read())]
            print(f"{os.path.basename(d)}: {len(walls)} comparisons, wall s min {min(walls)} max {max(walls)}")
            for line in open(summary):
                if line.startswith(("cold-", "onekernel-", "bug-", "blowup-")):
                    print("  " + line.strip())


if __name__ == "__main__":
    # A summary of nothing read as "0 comparisons", exit 0: name what is missing instead.
    if not sys.argv[1:] or not all(Path(d).is_dir() for d in sys.argv[1:]):
        missing = ", ".join(d for d in sys.argv[1:] if not Path(d).is_dir()) or "none given"
        print(f"usage: scripts/gate_validation_summary.py DIR... (gate-validate.sh's log directories); "
              f"not a directory: {missing}", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1:])
