"""Calls one variant at one or more shapes a few times each: a target for ncu / compute-sanitizer.
Usage: python3 scripts/profile_call.py VARIANT B,H,S,D[,causal] [B,H,S,D[,causal] ...] [CALLS]
e.g.   ncu --clock-control none -k regex:wmma_unfused python3 scripts/profile_call.py wmma_unfused 4,16,2048,64 2
Several shapes in one process spare ncu a Python start and a build check per shape.
"""

import sys

import torch

from fcbench import attention, shapes

if len(sys.argv) < 3:
    sys.exit(__doc__)
variant, args = sys.argv[1], sys.argv[2:]
calls = int(args.pop()) if len(args) > 1 and args[-1].isdigit() else 1
try:
    chosen = [shapes.parse_shape(a) for a in args]
except ValueError as exc:  # named, not a traceback
    print(f"profile_call: {exc}", file=sys.stderr)
    sys.exit(2)
for shape in chosen:
    q, k, v = (torch.randn(shape.batch, shape.heads, shape.seqlen, shape.head_dim, device="cuda", dtype=torch.float16)
               for _ in range(3))
    for _ in range(calls):
        attention(q, k, v, variant=variant, causal=shape.causal)
torch.cuda.synchronize()
