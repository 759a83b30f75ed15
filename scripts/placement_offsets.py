"""Is the A/A offset between two measuring processes (up to 2.5% on the H100, RESULTS.md) a
matter of where the inputs land in memory? Times kernels with the same input values placed at
different addresses (a pad allocation of random size before each copy), within one process.
Run it twice: if the spread across placements within a process matches the offset between the
two processes' runs, placement explains it, and giving each round fresh inputs would turn the
offset into sample variance the significance test can see.
Usage: python3 scripts/placement_offsets.py [TRIALS] [SEED]"""

import random
import sys
from functools import partial

import torch

from fcbench import attention, build
from fcbench.bench import inputs
from fcbench.shapes import Shape
from fcbench.timer import CudaTimer

# The arguments before the build: a typo is named at once, not after minutes of compiling.
if len(sys.argv) > 3 or not all(a.isdigit() for a in sys.argv[1:]) or (len(sys.argv) > 1 and int(sys.argv[1]) < 1):
    print("usage: python3 scripts/placement_offsets.py [TRIALS >= 1] [SEED]", file=sys.stderr)
    sys.exit(2)
trials = int(sys.argv[1]) if len(sys.argv) > 1 else 6
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
build.load()
timer = CudaTimer()
keep = []  # pads and inputs stay allocated, so every trial gets new addresses
for variant in ("wmma_fused_cpasync", "wmma_qk", "wmma_fused"):
    for shape in (Shape(4, 16, 2048, 64), Shape(4, 16, 2048, 128)):
        medians = []
        for _ in range(trials):
            keep.append(torch.empty(rng.randrange(1, 64 << 20), dtype=torch.int8, device="cuda"))
            q, k, v = inputs(shape)
            out = torch.empty_like(q)
            keep += [q, k, v, out]
            call = partial(attention, q, k, v, variant=variant, causal=shape.causal, out=out)
            t = timer.time(call, min_samples=40, max_samples=40, budget_s=0.0)
            medians.append(t.summary.median)
        spread = max(medians) / min(medians) - 1
        print(f"{variant:20} {str(shape):18} medians us {' '.join(f'{m:.1f}' for m in medians)}  spread {spread:.2%}")
