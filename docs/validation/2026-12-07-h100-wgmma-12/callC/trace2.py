# Runs a trace build (mktrace.py's for wgmma_fused, mktrace_mma.py's for mma_fused) at each shape,
# 6 launches, and prints from the last the clock64 stamps per slot (warpgroup for wgmma_fused, warp
# for mma_fused), median over blocks [min-max], cycles since the slot's entry. A probe (session 12).
#   python3 trace2.py VARIANT SHAPE...     (SHAPE: B,H,S,D[,causal])
import ctypes, statistics as st, sys
import torch
from fcbench import attention
from fcbench.build import load
variant, shapes = sys.argv[1], sys.argv[2:]
lib = ctypes.CDLL(str(load()))
read = lib.fcbench_mma_trace_read if variant == "mma_fused" else lib.fcbench_trace_read
buf = (ctypes.c_longlong * (1024 * 6 * 24))()
torch.manual_seed(0)
for spec in shapes:
    B, H, S, D, *c = spec.split(",")
    B, H, S, D, causal = int(B), int(H), int(S), int(D), bool(c)
    q, k, v = (torch.randn(B, H, S, D, device="cuda", dtype=torch.float16) for _ in range(3))
    for i in range(6):
        attention(q, k, v, variant=variant, causal=causal)
        torch.cuda.synchronize()
    assert read(buf) == 0
    rows = {}
    for blk in range(1024):
        for slot in range(6):
            o = (blk * 6 + slot) * 24
            g0, g1, n = buf[o], buf[o + 1], buf[o + 2]
            if g0 and n:
                rows[(blk, slot)] = (g0, g1, list(buf[o + 3:o + 3 + n]))
    # Only this shape's launch: slots whose entry is within 1 ms of the latest entry (the device
    # buffer keeps earlier shapes' stamps where this one has fewer blocks or slots).
    last = max(r[0] for r in rows.values())
    rows = {k: r for k, r in rows.items() if last - r[0] < 1_000_000}
    blocks = sorted({b for b, _ in rows})
    print(f"## {variant} {spec}: {len(blocks)} blocks traced")
    g0s = [r[0] for r in rows.values()]
    g1s = [r[1] for r in rows.values() if r[1]]
    print(f"  entry spread {max(g0s) - min(g0s)} ns; last end - first entry {max(g1s) - min(g0s)} ns")
    for slot in range(6):
        ev = [r[2] for (b, w), r in rows.items() if w == slot]
        if not ev:
            continue
        n = min(len(e) for e in ev)
        cols = [f"{int(st.median([e[i] for e in ev]))}[{min(e[i] for e in ev)}-{max(e[i] for e in ev)}]" for i in range(n)]
        print(f"  slot {slot} ({len(ev)}, {n} stamps): " + " ".join(cols))
