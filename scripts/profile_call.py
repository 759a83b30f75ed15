"""Calls one variant at one shape a few times: a target for ncu / compute-sanitizer.
Usage: python3 scripts/profile_call.py VARIANT B,H,S,D[,causal] [CALLS]
e.g.   ncu --clock-control none -k regex:wmma_unfused python3 scripts/profile_call.py wmma_unfused 4,16,2048,64 2
"""

import sys

import torch

from fcbench import attention, shapes

variant, shape = sys.argv[1], shapes.parse_shape(sys.argv[2])
calls = int(sys.argv[3]) if len(sys.argv) > 3 else 1
q, k, v = (torch.randn(shape.batch, shape.heads, shape.seqlen, shape.head_dim, device="cuda", dtype=torch.float16)
           for _ in range(3))
for _ in range(calls):
    attention(q, k, v, variant=variant, causal=shape.causal)
torch.cuda.synchronize()
