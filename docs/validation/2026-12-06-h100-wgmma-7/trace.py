# Runs the trace build of wgmma_fused at each shape (6 launches) and prints, from the last launch,
# the clock64 stamps per role averaged over blocks (min-max), cycles since the warpgroup's entry. A probe.
import ctypes, statistics as st, sys
import torch
from fcbench import attention
from fcbench.build import load
lib = ctypes.CDLL(str(load()))
buf = (ctypes.c_longlong * (1024 * 6 * 24))()
torch.manual_seed(0)
for spec in sys.argv[1:]:
    B, H, S, D, *c = spec.split(",")
    B, H, S, D, causal = int(B), int(H), int(S), int(D), bool(c)
    q, k, v = (torch.randn(B, H, S, D, device="cuda", dtype=torch.float16) for _ in range(3))
    for i in range(6):
        ctypes.memset(buf, 0, ctypes.sizeof(buf))
        attention(q, k, v, variant="wgmma_fused", causal=causal)
        torch.cuda.synchronize()
        assert lib.fcbench_trace_read(buf) == 0
    rows = {}
    for blk in range(1024):
        for wg in range(6):
            o = (blk * 6 + wg) * 24
            g0, g1, n = buf[o], buf[o + 1], buf[o + 2]
            if g0 and n:
                rows[(blk, wg)] = (g0, g1, list(buf[o + 3:o + 3 + n]))
    blocks = sorted({b for b, _ in rows})
    print(f"## {spec}: {len(blocks)} blocks traced")
    g0s = [r[0] for r in rows.values()]
    g1s = [r[1] for r in rows.values() if r[1]]
    print(f"  entry spread {max(g0s) - min(g0s)} ns; last end - first entry {max(g1s) - min(g0s)} ns")
    rate = [r[2][-1] / (r[1] - r[0]) for (b, wg), r in rows.items() if wg > 0 and r[1] > r[0]]
    print(f"  cycles per ns (last stamp / globaltimer span), median {st.median(rate):.2f}")
    for wg in range(6):
        ev = [r[2] for (b, w), r in rows.items() if w == wg]
        if not ev:
            continue
        n = min(len(e) for e in ev)
        cols = [f"{int(st.median([e[i] for e in ev]))}[{min(e[i] for e in ev)}-{max(e[i] for e in ev)}]" for i in range(n)]
        print(f"  {'P' if wg == 0 else f'C{wg - 1}'} ({len(ev)}, {n} stamps, median[min-max]): " + " ".join(cols))
