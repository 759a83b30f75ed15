# Per 64-row block: max |error| against a float64 reference and the non-finite rows, wgmma_fused at the given shapes (B,H,S,D[,c]); not yet run
import sys
import torch
from fcbench import attention
torch.manual_seed(0)
for spec in sys.argv[1:]:
    B, H, S, D, *c = spec.split(",")
    B, H, S, D, causal = int(B), int(H), int(S), int(D), bool(c)
    q, k, v = (torch.randn(B, H, S, D, device="cuda", dtype=torch.float16) for _ in range(3))
    o = attention(q, k, v, variant="wgmma_fused", causal=causal).double()
    ref = torch.nn.functional.scaled_dot_product_attention(q.double(), k.double(), v.double(), is_causal=causal)
    bad = ~torch.isfinite(o)
    err = (o - ref).abs().nan_to_num(1e9)
    eb = err.amax(dim=3).view(B, H, -1, 64).amax(dim=3)  # [B,H,blocks]
    nb = bad.any(dim=3).view(B, H, -1, 64).sum(dim=3)
    print(spec, "max err", float(err.max()), "nonfinite", int(bad.sum()))
    print("  per block max err (b0,h0):", [round(float(x), 4) for x in eb[0, 0]])
    print("  per block nonfinite rows (b0,h0):", nb[0, 0].tolist())
    # which columns of d are bad in a bad row
    if bad.any():
        idx = bad.nonzero()[0].tolist(); b, h, s, _ = idx
        print("  first bad row", idx[:3], "bad d:", bad[b, h, s].nonzero().flatten().tolist()[:70])
        print("  its values:", o[b, h, s, :8].tolist(), "ref:", ref[b, h, s, :8].tolist())
