"""fcbench sanitize: compute-sanitizer's memcheck, racecheck and synccheck on FlashCore kernels.

Memory-safety and race bugs that do not change the output at the tracked shapes (a K/V load
that reads rows past seqlen into a neighbour's data, a missing barrier that the timing happens
to hide) pass the check and the comparison; the sanitizers see them at small shapes with
partial tiles. Each (variant, tool) is one process under compute-sanitizer (run with
`python -m fcbench.sanitize VARIANT`), bounded by a timeout (a kernel that hangs under the
sanitizer is reported, never waited on), with torch's caching allocator off so that an access
past a tensor is past its allocation. In `fcbench ci pr` it runs on the kernels whose compiled
inputs differ between base and head (`changed_variants`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import build, registry

TOOLS = ("memcheck", "racecheck", "synccheck")
# Partial tiles in both directions (17 and 97 are no multiple of any tile; 80 ends a 64-key
# tile 16 rows in), both head dims, causal and not: every masked edge a kernel has. Then two
# wide grids (160 heads, more than any GPU has SMs, as check.WIDE_*): launchers that pick their
# tiles by grid size take their large-block kernels only there (wgmma_fused: a persistent grid,
# each block several work items, at D=64 non-causal; one item per block causal at D=128).
CASES = (*((1, 2, s, d, c) for s, d in ((17, 64), (97, 128), (80, 64)) for c in (False, True)),
         (4, 40, 257, 64, False), (4, 40, 257, 128, True))
ERROR_EXIT = 86  # compute-sanitizer's exit code when it reported errors (--error-exitcode)
# One (variant, tool) run took 5 to 8 s on the H100 (docs/RESULTS.md, "When a kernel breaks"):
# 120 s leaves room for a slower GPU and a larger unit and bounds a kernel that hangs under a tool.
TIMEOUT_S = 120.0


@dataclass
class Finding:
    variant: str
    tool: str
    verdict: str  # PASS | FAIL-SANITIZER | HUNG
    report: str  # the tool's first report (FAIL), or why it could not run
    seconds: float


def compute_sanitizer() -> str:
    """The compute-sanitizer of the CUDA toolkit that builds the kernels."""
    found = shutil.which("compute-sanitizer")
    if found:
        return found
    candidate = build.cuda_home() / "bin" / "compute-sanitizer"
    if candidate.exists():
        return str(candidate)
    raise build.BuildError("compute-sanitizer not found (it comes with the CUDA toolkit): put it on PATH or set CUDA_HOME")


def unit_digest(root: Path, variant: registry.Variant) -> str | None:
    """What a kernel object's cache key hashes from the checkout (the unit and the kernel
    headers; flags, arch and nvcc are the same for both sides of a comparison). None: absent."""
    kernels = Path(root) / "csrc" / "kernels"
    source = kernels / f"{variant.name}.cu"
    if not source.exists():
        return None
    headers = sorted(p for p in kernels.iterdir() if p.suffix in (".h", ".cuh"))
    return build._digest(source.read_bytes(), *(h.name.encode() + b"\0" + h.read_bytes() for h in headers))


def changed_variants(base_root: Path, head_root: Path) -> list[registry.Variant]:
    """Kernel variants the head has whose compiled inputs differ from the base's (new ones included)."""
    return [v for v in registry.kernel_variants()
            if (head := unit_digest(head_root, v)) is not None and head != unit_digest(base_root, v)]


def first_report(output: str, limit: int = 6) -> str:
    """The first error block of a compute-sanitizer log ('========= Invalid __global__ read ...'), or
    its summary line."""
    lines = [line.removeprefix("=========").strip() for line in output.splitlines() if line.startswith("=========")]
    lines = [line for line in lines if line and not line.startswith(("COMPUTE-SANITIZER", "Program hit"))]
    return " | ".join(lines[:limit])


def run_one(variant: str, tool: str, *, root: Path, timeout_s: float = TIMEOUT_S, env: dict | None = None) -> Finding:
    cmd = [compute_sanitizer(), "--tool", tool, "--error-exitcode", str(ERROR_EXIT), "--kernel-name", "kns=fcbench",
           "--print-limit", "20", sys.executable, "-m", "fcbench.sanitize", variant]
    env = {**(env or os.environ), "FCBENCH_SOURCE_ROOT": str(root), "PYTORCH_NO_CUDA_MEMORY_CACHING": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(registry.REPO_ROOT), (env or os.environ).get("PYTHONPATH")]))}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=registry.REPO_ROOT, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Finding(variant, tool, "HUNG", f"no end within {timeout_s:.0f} s under {tool}; killed",
                       time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if proc.returncode == 0:
        return Finding(variant, tool, "PASS", first_report(output, 1), seconds)
    if proc.returncode == ERROR_EXIT:
        return Finding(variant, tool, "FAIL-SANITIZER", first_report(output), seconds)
    # The program under the tool failed without a report (a Python error, a signal): still this
    # variant's run, so a failure; the text says it is not the tool's finding.
    tail = " | ".join(output.strip().splitlines()[-3:])
    return Finding(variant, tool, "FAIL-SANITIZER", f"the run under {tool} failed (exit {proc.returncode}): {tail}",
                   seconds)


def run(variants, *, root: Path | None = None, tools=TOOLS, timeout_s: float = TIMEOUT_S, progress=sys.stderr,
        parallel: int = 3) -> list[Finding]:
    """Every (variant, tool); `parallel` processes at a time (the sanitizers slow the host side
    far more than the GPU, and each waits mostly on its own instrumentation)."""
    root = Path(root or registry.SOURCE_ROOT)
    # A kernel not built for this machine (wgmma_fused on the L4) can't run here: its program would
    # fail and read as a sanitizer failure. Said and left out, as check and the gate leave it out.
    from .build import arch_here

    arch = arch_here()
    if progress is not None:
        for line in registry.not_built(arch, tuple(variants)):
            print(f"fcbench sanitize: {line}: not sanitized here", file=progress, flush=True)
    jobs = [(v.name, t) for v in variants if v.is_kernel and (arch is None or v.target(arch) is not None) for t in tools]
    if jobs:
        compute_sanitizer()  # fail before starting anything when it is missing (and only then: no kernel changed, no tool needed)
    findings = []
    with ThreadPoolExecutor(max_workers=max(parallel, 1)) as pool:
        for finding in pool.map(lambda job: run_one(*job, root=root, timeout_s=timeout_s), jobs):
            findings.append(finding)
            if progress is not None:
                print(f"fcbench sanitize: {finding.variant} {finding.tool}: {finding.verdict} ({finding.seconds:.0f} s)"
                      + (f": {finding.report}" if finding.verdict != "PASS" else ""), file=progress, flush=True)
    return findings


def _run_cases(variant: str) -> None:
    """The program compute-sanitizer watches: the variant once per case in CASES."""
    import torch

    from .api import attention

    torch.manual_seed(0)
    for b, h, s, d, causal in CASES:
        q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.float16) for _ in range(3))
        attention(q, k, v, variant=variant, causal=causal)
        torch.cuda.synchronize()
    print(f"fcbench.sanitize: {variant} ran {len(CASES)} cases")


if __name__ == "__main__":
    _run_cases(sys.argv[1])
