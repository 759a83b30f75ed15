"""Does a launch with a large parameter block alone (no TMA) show the period-4 slow sample?
Trivial kernels (64 blocks of 128 threads, each writes one int) taking a pointer and n ints
(8 + 4n bytes; n = 140 is about wgmma_fused's 3 tensor maps + AttentionParams), timed 80 times each
with fcbench's timer, with k = 0, 1, 2 untimed launches before every sample.
Usage: python3 params.py [N ...]   (default 1 140)"""
import sys
from pathlib import Path

import numpy as np
import torch

from fcbench.timer import CudaTimer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "2026-12-06-h100-wgmma-8"))
from period4 import describe

SIZES = [int(a) for a in sys.argv[1:]] or [1, 140]  # ints after the pointer: 8 + 4 * n bytes
out = torch.zeros(64, dtype=torch.int32, device="cuda")
fns = {}
for n in SIZES:
    src = (f"extern \"C\" __global__ void k{n}(int* out, " + ", ".join(f"int a{i}" for i in range(n)) + ") {\n"
           f"  if (threadIdx.x == 0) out[blockIdx.x] = a0 + a{n - 1}; }}\n")
    kern = torch.cuda._compile_kernel(src, f"k{n}")
    fns[f"{8 + 4 * n}B-params"] = lambda kern=kern, n=n: kern(grid=(64, 1, 1), block=(128, 1, 1),
                                                              args=[out] + list(range(n)))
t = CudaTimer()
for name, fn in fns.items():
    t.warm_up(fn)
    for k in (0, 1, 2):
        x = []
        for _ in range(80):
            for _ in range(k):
                fn()
                torch.cuda.synchronize()
            x.append(t.sample(fn))
        x = np.array(x)
        print(f"k={k} {describe(name, x)}, median {np.median(x):.2f}")
