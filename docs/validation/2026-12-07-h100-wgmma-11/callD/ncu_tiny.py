"""Three warm calls then five of each variant at one shape, for ncu (gpu__time_duration: the kernel's
body on the GPU, without its launch). No timer here: its hold kernel waits on the host, which ncu's
serialised launches would not let go. Usage: python3 ncu_tiny.py SHAPE VARIANT..."""
import sys

import torch

from fcbench.api import attention
from fcbench.bench import inputs
from fcbench.shapes import parse_shape

shape = parse_shape(sys.argv[1])
q, k, v = inputs(shape, "cuda")
out = torch.empty_like(q)
for name in sys.argv[2:]:
    for _ in range(8):
        attention(q, k, v, variant=name, causal=shape.causal, out=out)
    torch.cuda.synchronize()
