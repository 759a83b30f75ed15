# One wgmma_fused call at one shape, checked against float32 SDPA (session 12 call G's sanitizer runs).
#   python3 one.py B,H,S,D[,causal]
import sys, torch
from fcbench import attention
B, H, S, D, *c = sys.argv[1].split(",")
q, k, v = (torch.randn(int(B), int(H), int(S), int(D), device="cuda", dtype=torch.float16) for _ in range(3))
o = attention(q, k, v, variant="wgmma_fused", causal=bool(c))
ref = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float(), is_causal=bool(c))
torch.cuda.synchronize()
print(f"{sys.argv[1]}: max abs error {(o.float() - ref).abs().max().item():.2e}")
