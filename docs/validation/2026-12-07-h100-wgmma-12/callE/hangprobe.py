# Which shapes the early-copy candidate (call D's E.patch) hangs at: each shape in its own process,
# killed after 20 s. A probe (session 12, 2026-12-07).   python3 hangprobe.py SHAPE...
import subprocess, sys
code = """
import sys, torch
from fcbench import attention
B, H, S, D, *c = sys.argv[1].split(",")
q, k, v = (torch.randn(int(B), int(H), int(S), int(D), device="cuda", dtype=torch.float16) for _ in range(3))
o = attention(q, k, v, variant="wgmma_fused", causal=bool(c))
ref = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float(), is_causal=bool(c))
torch.cuda.synchronize()
print(f"max abs error {(o.float() - ref).abs().max().item():.2e}")
"""
for spec in sys.argv[1:]:
    try:
        r = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True, timeout=20)
        print(spec, "rc", r.returncode, (r.stdout.strip() or r.stderr.strip().splitlines()[-1:]))
    except subprocess.TimeoutExpired:
        print(spec, "HUNG (killed after 20 s)")
