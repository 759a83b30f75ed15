"""Sweeps wmma_fused_cpasync's warps x key-tile configurations (compile-time macros, passed
through FCBENCH_NVCC_FLAGS), checks each and times it at the default bench shapes.

Every configuration must fit the L4's 99 KB per block (the kernel static_asserts it).
Usage: python3 scripts/tune_cpasync.py > tune.log   (on a GPU machine)
"""

import json
import os
import subprocess
import sys

from fcbench.bench import Shape

# (warps, key tile) for D=64, then for D=128.
CONFIGS = [((4, 64), (4, 64)), ((8, 64), (8, 32)), ((2, 64), (2, 64)), ((4, 32), (4, 32)), ((8, 32), (8, 32))]


def run(cmd, env):
    return subprocess.run(cmd, env=env, capture_output=True, text=True)


rows = []
for (w64, n64), (w128, n128) in CONFIGS:
    flags = (f"-DFCBENCH_CPASYNC_WARPS_D64={w64} -DFCBENCH_CPASYNC_TILE_N_D64={n64} "
             f"-DFCBENCH_CPASYNC_WARPS_D128={w128} -DFCBENCH_CPASYNC_TILE_N_D128={n128}")
    env = {**os.environ, "FCBENCH_NVCC_FLAGS": flags}
    label = f"D64 {w64}w x {n64} | D128 {w128}w x {n128}"
    chk = run([sys.executable, "-m", "fcbench", "check", "--quick", "--variant", "wmma_fused_cpasync"], env)
    if chk.returncode != 0:
        rows.append((label, "check failed", chk.stdout[-2000:] + chk.stderr[-2000:]))
        continue
    res = run([sys.executable, "-m", "fcbench", "bench", "--variant", "wmma_fused_cpasync,sdpa_flash,sdpa_cudnn",
               "--json"], env)
    if res.returncode != 0:
        rows.append((label, "bench failed", res.stderr[-2000:]))
        continue
    for r in json.loads(res.stdout)["results"]:
        if r["variant"] == "wmma_fused_cpasync" and r["status"] == "ok":
            shape = str(Shape(**r["shape"]))
            rows.append((label, shape, f"{r['summary']['median']:.1f} us  {r['tflops']:.1f} TFLOP/s  "
                                       f"{r['vs_best_sdpa']:.2f}x {r['best_sdpa']}"))
    print(f"done: {label}", file=sys.stderr, flush=True)

for row in rows:
    print("  ".join(row))
