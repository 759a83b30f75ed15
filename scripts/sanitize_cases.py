"""Runs every FlashCore kernel once on a small and a partial-tile shape, causal and not.
Meant to run under compute-sanitizer (see docs/RESULTS.md for the commands)."""

import torch

from fcbench import attention, registry

for variant in registry.kernel_variants():
    for shape in ((1, 2, 128, 64), (1, 2, 97, 128)):
        for causal in (False, True):
            q, k, v = (torch.randn(shape, device="cuda", dtype=torch.float16) for _ in range(3))
            attention(q, k, v, variant=variant.name, causal=causal)
torch.cuda.synchronize()
print("sanitize_cases: ran", len(registry.kernel_variants()), "kernels x 4 cases")
