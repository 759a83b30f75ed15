#!/usr/bin/env python3
"""A synthetic history for measuring `fcbench report`: a git repository of N commits (subjects,
four authors, a tag every 100 commits, pull-request numbers) and real asv result files for every
one of them, written by fcbench.history.write_results (the code `fcbench record` uses), for the
registry's 9 variants x the 4 GPU shapes, every metric, 40 latency samples per (variant, shape)
as `fcbench ci main` records.

Latencies start at the H100's (docs/validation/2026-11-23-h100-spinfix/ci-example) with 1%
sample noise and a +-0.5% offset per commit (each commit is its own measuring process), and
carry planted events a report must show:
  commit 250   a driver change: everything, SDPA peers too, 3% slower (the peer ratio cancels it)
  commit 300+  wmma_fused_cpasync 5% slower at every shape, for good (asv's step and a FAIL-LATENCY)
  commit 420   wmma_fused (1,8,512,64) 12% slower for one commit (the gate fails it; asv finds no step)
  150-169      scalar_tiled (4,16,2048,64) 0.4% slower per commit (a creep: asv's step, no gate FAIL)
  commit 350+  wmma_qk D=64 uses 168 registers instead of 163

Each planted kernel change is a commit that edits that kernel's unit in the repository's
csrc/kernels/ (what the report's attribution reads as code); the driver change is in the result
files' environment only.

--scenario held-out (issue 24's acceptance history, 80 commits by default): a 3% code step in
wmma_fused at every shape (commit 50), a driver change that moves everything 2% (commit 30), a
session offset that moves everything 1.5% with nothing recorded as changed (commit 65), wmma_qk's
registers creeping to the ceiling by three code commits (163 -> 200 -> 230 -> 252 at commits 20,
40, 60; the ceiling is 255), kernel edits with no effect on performance every 7th commit, and
noise everywhere else. The report must headline exactly the step and the creep's last commit.

Usage: scripts/synthetic_history.py OUT [--commits 500] [--scenario default|held-out]
  OUT: a new directory, or an earlier output of this script (replaced; anything else is refused)
  then: cd OUT/repo && fcbench report --results-dir OUT/results --out OUT/site
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fcbench import history  # noqa: E402

H100 = ROOT / "docs/validation/2026-11-23-h100-spinfix/ci-example/results"
MACHINE = "h100-80gb-hbm3"
AUTHORS = ["Ada Kernel <ada@example.org>", "Bo Warp <bo@example.org>", "Cy Tile <cy@example.org>",
           "Di Softmax <di@example.org>"]
WORDS = ["tile", "softmax", "cp.async", "epilogue", "launch bounds", "masking", "docs", "tests", "ptxas flags"]


KERNELS = ("scalar_tiled", "wmma_unfused", "wmma_qk", "wmma_fused", "wmma_fused_cpasync", "mma_fused")


class Default:
    """The 500-commit history of the module docstring."""
    commits = 500

    def driver(self, i):
        return "580.159.04" if i < 250 else "590.10.01"

    def factor(self, i, variant, shape):
        factor = 1.03 if i >= 250 else 1.0
        if variant == "wmma_fused_cpasync" and i >= 300:
            factor *= 1.05
        if (variant, shape) == ("wmma_fused", "(1,8,512,64)") and i == 420:
            factor *= 1.12
        if (variant, shape) == ("scalar_tiled", "(4,16,2048,64)") and i >= 150:
            factor *= 1 + 0.004 * min(20, i - 149)
        return factor

    def registers(self, i, variant, shape, value):
        return 168 if variant == "wmma_qk" and i >= 350 and shape.endswith(",64)") else value

    def edits(self, i):
        """The kernels whose unit commit i changes."""
        return {k for k, when in (("wmma_fused_cpasync", i == 300), ("wmma_fused", i in (420, 421)),
                                  ("scalar_tiled", 150 <= i < 170), ("wmma_qk", i == 350)) if when}


class HeldOut(Default):
    commits = 80
    CREEP = {20: 200, 40: 230, 60: 252}

    def driver(self, i):
        return "580.159.04" if i < 30 else "590.10.01"

    def factor(self, i, variant, shape):
        return (1.02 if i >= 30 else 1.0) * (1.015 if i >= 65 else 1.0) * (1.03 if variant == "wmma_fused" and i >= 50 else 1.0)

    def registers(self, i, variant, shape, value):
        if variant != "wmma_qk" or not shape.endswith(",64)"):
            return value
        return next((regs for start, regs in sorted(self.CREEP.items(), reverse=True) if i >= start), value)

    def edits(self, i):
        noop = {KERNELS[(i // 7) % len(KERNELS)]} if i and i % 7 == 0 else set()
        return noop | {k for k, when in (("wmma_fused", i == 50), ("wmma_qk", i in self.CREEP)) if when}


SCENARIOS = {"default": Default, "held-out": HeldOut}


def make_repo(path: Path, n: int, start_s: int, plan: Default | None = None) -> list[str]:
    """N commits, three hours apart, through git fast-import (seconds, not minutes); the kernel
    units in csrc/kernels/ change where `plan.edits` says."""
    plan = plan or Default()
    subprocess.run(["git", "init", "-qb", "main", str(path)], check=True)
    stream = []
    for i in range(n):
        who = AUTHORS[i % len(AUTHORS)]
        subject = f"{WORDS[i % len(WORDS)]}: change {i + 1}" + (f" (#{100 + i})" if i % 3 == 0 else "")
        msg = subject.encode()
        stream.append(f"commit refs/heads/main\nmark :{i + 1}\nauthor {who} {start_s + 10800 * i} +0000\n"
                      f"committer {who} {start_s + 10800 * i} +0000\ndata {len(msg)}\n".encode() + msg + b"\n")
        if i:
            stream.append(f"from :{i}\n".encode())
        stream.append(f"M 644 inline history.txt\ndata {len(str(i))}\n{i}\n".encode())
        for kernel in sorted(set(KERNELS) if i == 0 else plan.edits(i)):
            unit = f"// {kernel}: synthetic, edited at commit {i}\n".encode()
            stream.append(f"M 644 inline csrc/kernels/{kernel}.cu\ndata {len(unit)}\n".encode() + unit + b"\n")
        if i == 0:
            header = b"// shared kernel header\n"
            stream.append(f"M 644 inline csrc/kernels/common.cuh\ndata {len(header)}\n".encode() + header + b"\n")
        if i % 100 == 99:
            stream.append(f"reset refs/tags/v0.{i // 100 + 1}\nfrom :{i + 1}\n".encode())
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    out = subprocess.run(["git", "-C", str(path), "rev-list", "--reverse", "main"], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def benchmarks() -> dict:
    """The suite's benchmarks as asv discovered them on the H100, plus track_stack_bytes (added
    since), keyed by name."""
    found = json.loads((H100 / "benchmarks.json").read_text())
    found.pop("benchmarks.Quality.track_tflops", None)  # no longer stored: derived from latency
    regs = found["benchmarks.Resources.track_registers"]
    found["benchmarks.Resources.track_stack_bytes"] = {**regs, "name": "benchmarks.Resources.track_stack_bytes",
                                                       "unit": "bytes", "version": "0" * 64}
    return found


def base_values() -> dict:
    """metric -> (variant, shape) -> the H100's first commit's value."""
    from asv.results import Results

    first = Results.load(str(next((H100 / MACHINE).glob("026f64c9-*.json"))), MACHINE)
    return {m: {k: v for k, (v, _, _) in history.read_benchmark(first, name).items()}
            for m, name in history.BENCHMARKS.items()}


def measured(sha: str, i: int, base: dict, rng: random.Random, plan: Default | None = None) -> history.Measured:
    plan = plan or Default()
    m = history.Measured(sha, info={"device": {"name": "NVIDIA H100 80GB HBM3 (synthetic)", "capability": "sm_90",
                                               "driver": plan.driver(i), "cuda": "13.0",
                                               "torch": "2.11.0+cu130"}, "timer": "cuda-events"})
    offset = 1 + rng.uniform(-0.005, 0.005)
    for key, lat in base["latency"].items():
        variant, shape = key
        if not history.ran(lat):
            for metric in m.metrics:
                m.metrics[metric][key] = {"unsupported": "not on this GPU"}
            continue
        factor = offset * plan.factor(i, variant, shape)
        samples = [lat * factor * (1 + rng.gauss(0, 0.01)) for _ in range(40)]
        m.metrics["latency"][key] = samples
        for metric in ("max_abs_error", "error_over_bound"):
            m.metrics[metric][key] = base[metric][key] * (1 + rng.uniform(-0.02, 0.02))
        for metric in ("registers", "smem_bytes", "spill_bytes", "stack_bytes"):
            value = base.get(metric, {}).get(key, 0)
            if not history.ran(value):
                m.metrics[metric][key] = {"unsupported": "an SDPA peer: no kernel unit"}
                continue
            if metric == "registers":
                value = plan.registers(i, variant, shape, value)
            m.metrics[metric][key] = int(value)
    return m


# What OUT holds after a run (and after `fcbench report --out OUT/site`, as report_timing.py builds).
OWN_OUTPUT = {"repo", "results", "site"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--commits", type=int)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="default")
    args = parser.parse_args()
    if args.commits is not None and args.commits < 1:
        parser.error(f"--commits {args.commits}: must be at least 1")
    plan = SCENARIOS[args.scenario]()
    args.commits = args.commits or plan.commits
    started = time.perf_counter()
    out = args.out.resolve()
    # OUT is replaced: only where it is empty or an earlier output of this script (repo, results,
    # and the site a report built there), never a directory holding anything else.
    if out.exists() and (not out.is_dir() or not {p.name for p in out.iterdir()} <= OWN_OUTPUT):
        parser.error(f"OUT: {out} exists and is not an earlier output of this script (only "
                     f"{', '.join(sorted(OWN_OUTPUT))}); give a new directory")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shas = make_repo(out / "repo", args.commits, start_s=1_790_000_000, plan=plan)
    results = out / "results"
    (results / MACHINE).mkdir(parents=True)
    (results / MACHINE / "machine.json").write_text(json.dumps({"machine": MACHINE, "version": 1}))
    found = benchmarks()
    (results / "benchmarks.json").write_text(json.dumps(found, indent=1))
    base, rng = base_values(), random.Random(15)
    for i, sha in enumerate(shas):
        history.write_results(results, MACHINE, measured(sha, i, base, rng, plan), found,
                              (1_790_000_000 + 10800 * i) * 1000, append=False)
    print(f"synthetic_history: {len(shas)} commits x {len(base['latency'])} (variant, shape) in {results} "
          f"({time.perf_counter() - started:.0f} s); repository {out / 'repo'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
