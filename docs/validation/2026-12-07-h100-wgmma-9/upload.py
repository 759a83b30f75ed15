"""Would tensor maps in global memory, uploaded with each call, beat passing them as parameters?
Times (fcbench's timer, 80 samples, period-4 rule as params.py) a trivial kernel with 568 bytes of
parameters against the same kernel with 136 bytes plus, inside the timed call, a 384-byte
non-blocking copy from pinned host memory to the device (what the host would do per call)."""
import sys
from pathlib import Path

import numpy as np
import torch

from fcbench.timer import CudaTimer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "2026-12-06-h100-wgmma-8"))
from period4 import describe

out = torch.zeros(64, dtype=torch.int32, device="cuda")
host = torch.zeros(96, dtype=torch.int32).pin_memory()
dev = torch.zeros(96, dtype=torch.int32, device="cuda")
kern = {}
for n in (32, 140):
    src = (f"extern \"C\" __global__ void k{n}(int* out, " + ", ".join(f"int a{i}" for i in range(n)) + ") {\n"
           f"  if (threadIdx.x == 0) out[blockIdx.x] = a0 + a{n - 1}; }}\n")
    kern[n] = torch.cuda._compile_kernel(src, f"k{n}")


def big():
    kern[140](grid=(64, 1, 1), block=(128, 1, 1), args=[out] + list(range(140)))


def small_and_upload():
    dev.copy_(host, non_blocking=True)
    kern[32](grid=(64, 1, 1), block=(128, 1, 1), args=[out] + list(range(32)))


def small():
    kern[32](grid=(64, 1, 1), block=(128, 1, 1), args=[out] + list(range(32)))


t = CudaTimer()
for name, fn in (("568B-params", big), ("136B+upload", small_and_upload), ("136B-params", small)):
    t.warm_up(fn)
    x = np.array([t.sample(fn) for _ in range(80)])
    print(f"{describe(name, x)}, median {np.median(x):.2f}, mean {x.mean():.2f}")
