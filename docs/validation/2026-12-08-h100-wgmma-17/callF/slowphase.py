"""Is all of wgmma_fused's one-tile gap to mma_fused the period-4 slow sample? (session 17)
At (1,1,64,64) and (1,1,64,128) the two kernels' bodies last the same (call D), yet wgmma_fused's
median is 0.1-0.3 us higher. Takes N samples in order (fcbench's timer, as `fcbench bench` does) of
each variant at each shape, alternating variants shape by shape, and prints per row the median of the
period-4 phase that holds most slow samples, of the other samples and of all (the eighth
session's period4.py). If wgmma_fused's "others" equal mma_fused's median, the gap is the slow launch of its
552-byte parameter block alone; if not, something else outside the body costs every launch.
Usage: python3 slowphase.py N SHAPE [SHAPE...]   (SHAPE: B,H,S,D[,causal])"""
import sys
from pathlib import Path

import numpy as np

from fcbench import measure
from fcbench.shapes import parse_shape

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "2026-12-06-h100-wgmma-8"))
from period4 import period4

n, specs = int(sys.argv[1]), sys.argv[2:]
for spec in specs:
    shape = parse_shape(spec)
    for name in ("mma_fused", "wgmma_fused", "mma_fused", "wgmma_fused"):
        ready = measure.prepare(name, shape)
        for _ in range(5):  # warm-up, not kept
            measure.latency_sample_s(ready)
        x = np.array([measure.latency_sample_s(ready) * 1e6 for _ in range(n)])
        slow, on = period4(x)
        print(f"{spec:16s} {name:11s} on-phase {np.median(x[on]):.2f}, others {np.median(x[~on]):.2f}, "
              f"all {np.median(x):.2f} us; slow {int(slow.sum())}/{n}, {int(slow[on].sum())} on the phase")
