"""Is the period-4 slow sample tied to launches of the kernel or to the timer's own samples?
Takes 80 samples of each variant at (1,8,512,64) with k = 0, 1, 2 untimed calls of it (each
synchronised) before every sample: if the slow sample follows the kernel's launches, its period
changes with k (4 -> 2 -> 4/3); if it follows the timer's samples, it stays 4.
Usage: python3 phase.py VARIANT [VARIANT...]"""
import sys
from pathlib import Path

import numpy as np
import torch

from fcbench import measure
from fcbench.shapes import parse_shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "2026-12-06-h100-wgmma-8"))
from period4 import describe

shape = parse_shape("1,8,512,64")
for name in sys.argv[1:]:
    ready = measure.prepare(name, shape)
    for k in (0, 1, 2):
        x = []
        for _ in range(80):
            for _ in range(k):
                ready.call()
                torch.cuda.synchronize()
            x.append(measure.latency_sample_s(ready) * 1e6)
        x = np.array(x)
        print(f"k={k} {describe(name, x)}, median {np.median(x):.2f}")
