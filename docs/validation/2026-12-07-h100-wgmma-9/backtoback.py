"""The same trivial kernels as params.py, launched 400 times back to back in one sample of
fcbench's timer (queued behind its hold kernel, so the GPU, not the host, sets the pace):
microseconds per launch, so whether the every-fourth-launch cost of a large parameter block also
shows where launches queue ahead of the GPU.
Usage: python3 backtoback.py [N ...]   (default 1 140; 8 + 4N bytes of parameters)"""
import sys

import torch

from fcbench.timer import CudaTimer

SIZES = [int(a) for a in sys.argv[1:]] or [1, 140]
out = torch.zeros(64, dtype=torch.int32, device="cuda")
t = CudaTimer()
for n in SIZES:
    src = (f"extern \"C\" __global__ void k{n}(int* out, " + ", ".join(f"int a{i}" for i in range(n)) + ") {\n"
           f"  if (threadIdx.x == 0) out[blockIdx.x] = a0 + a{n - 1}; }}\n")
    kern = torch.cuda._compile_kernel(src, f"k{n}")
    args = [out] + list(range(n))

    def batch(kern=kern, args=args):
        for _ in range(400):
            kern(grid=(64, 1, 1), block=(128, 1, 1), args=args)

    per = [t.sample(batch) / 400 for _ in range(6)]
    print(f"{8 + 4 * n:4d}B-params back to back: us per launch {' '.join(f'{x:.2f}' for x in per[1:])}")
