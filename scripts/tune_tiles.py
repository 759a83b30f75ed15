"""Sweeps a kernel's tile configurations (its compile-time macros, passed through
FCBENCH_NVCC_FLAGS): checks each (`fcbench check --quick`), counts its registers and spills on
this GPU's arch (ARCH), and times it beside sdpa_flash at the default bench shapes.

Usage (on a GPU machine): python3 scripts/tune_tiles.py VARIANT "FLAGS" ["FLAGS" ...] > tune.log
e.g.  python3 scripts/tune_tiles.py wmma_fused_cpasync \\
        "-DFCBENCH_CPASYNC_WARPS_D64=4 -DFCBENCH_CPASYNC_TILE_N_D64=64" \\
        "-DFCBENCH_CPASYNC_WARPS_D64=8 -DFCBENCH_CPASYNC_TILE_N_D64=32"
An empty FLAGS ("") is the kernel's own defaults.
"""

import json
import os
import subprocess
import sys

from fcbench.shapes import Shape


def _arch() -> str:
    import torch

    major, minor = torch.cuda.get_device_capability()
    return f"sm_{major}{minor}"


def run(cmd, env):
    return subprocess.run([sys.executable, "-m", "fcbench", *cmd], env=env, capture_output=True, text=True)


def main(variant: str, configs: list[str]) -> None:
    rows = []
    for flags in configs:
        env = {**os.environ, "FCBENCH_NVCC_FLAGS": flags}
        label = flags.replace("-DFCBENCH_", "") or "(defaults)"
        res = run(["resources", "--variant", variant, "--arch", ARCH, "--json"], env)
        if res.returncode != 0:
            rows.append((label, "resources failed", res.stderr[-1500:]))
            continue
        kernels = json.loads(res.stdout)
        regs = "/".join(sorted({str(k["registers"]) for k in kernels}))
        spills = sum(k["spill_bytes"] for k in kernels)
        chk = run(["check", "--quick", "--variant", variant], env)
        if chk.returncode != 0:
            rows.append((label, "check failed", chk.stdout[-1500:] + chk.stderr[-1500:]))
            continue
        res = run(["bench", "--variant", f"{variant},sdpa_flash", "--json"], env)
        if res.returncode != 0:
            rows.append((label, "bench failed", res.stderr[-1500:]))
            continue
        results = json.loads(res.stdout)["results"]
        flash = {str(Shape(**r["shape"])): r for r in results if r["variant"] == "sdpa_flash" and r["status"] == "ok"}
        for r in results:
            if r["variant"] == variant and r["status"] == "ok":
                shape = str(Shape(**r["shape"]))
                ratio = r["tflops"] / flash[shape]["tflops"] if shape in flash else float("nan")
                rows.append((label, f"regs {regs} spills {spills}", shape,
                             f"{r['summary']['median']:.1f} us  {r['tflops']:.1f} TFLOP/s  {ratio:.2f}x sdpa_flash"))
        print(f"done: {label}", file=sys.stderr, flush=True)
    for row in rows:
        print("  ".join(row))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ARCH = _arch()
    main(sys.argv[1], sys.argv[2:])
