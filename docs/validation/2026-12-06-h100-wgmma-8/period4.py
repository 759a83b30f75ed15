"""Which latency samples are slow, by position: every recorded commit's samples of one shape, in the
order the timer took them, for a few variants. A sample is slow when it exceeds the run's 10th
percentile by more than 0.6 us. Prints each commit's pattern (X slow, . not) and, per variant, how
many slow samples fall on the period-4 phase that holds most of them and how many elsewhere (the
first three samples left out), then the median of the on-phase and of the other samples.
Usage: python3 period4.py RESULTS_DIR/MACHINE [SHAPE] (default SHAPE: (1,8,512,64))
"""
import glob
import json
import os
import sys

import numpy as np

VARIANTS = ("mma_fused", "wgmma_fused", "sdpa_cudnn", "sdpa_flash")


def period4(x):
    """(slow, on): which of the samples x (us, in order) are slow, and which lie on the period-4
    phase holding most of the slow ones."""
    slow = x > np.percentile(x, 10) + 0.6
    phase = max(range(4), key=lambda k: slow[k::4].sum())
    on = np.zeros(len(x), bool)
    on[phase::4] = True
    return slow, on


def describe(name, x):
    """One line: the pattern (X slow, . not), the on-phase median and the others'."""
    slow, on = period4(x)
    return (f"{name:11s} {''.join('X' if s else '.' for s in slow)} "
            f"on-phase median {np.median(x[on]):.2f}, others {np.median(x[~on]):.2f}")


def main(machine_dir, shape="(1,8,512,64)"):
    totals = {v: [0, 0, 0, 0] for v in VARIANTS}
    for path in sorted(glob.glob(os.path.join(machine_dir, "*.json"))):
        d = json.load(open(path))
        if "results" not in d:
            continue
        # asv leaves out a row's trailing empty columns
        cols = dict(zip(d["result_columns"], d["results"]["benchmarks.Latency.time_attention"], strict=False))
        variants, shapes = ([p.strip("'") for p in ps] for ps in cols["params"])
        line = []
        for v in VARIANTS:
            x = np.array(cols["samples"][variants.index(v) * len(shapes) + shapes.index(shape)]) * 1e6
            slow, on = period4(x)
            t = totals[v]
            t[0] += slow[on].sum()
            t[1] += on.sum()
            t[2] += slow[~on][3:].sum()
            t[3] += (~on)[3:].sum()
            line.append(describe(v[:11], x))
        print(d["commit_hash"][:8], "\n  " + "\n  ".join(line))
    for v, (a, b, c, n) in totals.items():
        print(f"{v}: slow on the phase {a}/{b}, elsewhere {c}/{n}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
