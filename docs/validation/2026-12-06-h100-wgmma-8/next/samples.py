"""Latency samples of variants at one shape in the order fcbench's timer takes them, with the
period-4 pattern that ../period4.py finds in the recorded history (X: over the 10th percentile by
more than 0.6 us). Usage: python3 samples.py SHAPE VARIANT [VARIANT...]   (N = 80 samples each)
"""
import sys
from pathlib import Path

import numpy as np

from fcbench import measure
from fcbench.shapes import parse_shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from period4 import describe  # the same rule as for the recorded history

shape = parse_shape(sys.argv[1])
for name in sys.argv[2:]:
    ready = measure.prepare(name, shape)
    x = np.array([measure.latency_sample_s(ready) for _ in range(80)]) * 1e6
    print(f"{describe(name, x)}, median {np.median(x):.2f}")
