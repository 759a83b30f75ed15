"""Latency samples of variants at one shape in the order fcbench's timer takes them, with the
period-4 pattern that ../period4.py finds in the recorded history (X: over the 10th percentile by
more than 0.6 us). Usage: python3 samples.py SHAPE VARIANT [VARIANT...]   (N = 80 samples each)
"""
import sys

import numpy as np

from fcbench import measure
from fcbench.shapes import parse_shape

shape = parse_shape(sys.argv[1])
for name in sys.argv[2:]:
    ready = measure.prepare(name, shape)
    x = np.array([measure.latency_sample_s(ready) for _ in range(80)]) * 1e6
    slow = x > np.percentile(x, 10) + 0.6
    phase = max(range(4), key=lambda k: slow[k::4].sum())
    on = np.zeros(len(x), bool)
    on[phase::4] = True
    print(f"{name:12s} {''.join('X' if s else '.' for s in slow)} median {np.median(x):.2f}, "
          f"on-phase {np.median(x[on]):.2f}, others {np.median(x[~on]):.2f}")
