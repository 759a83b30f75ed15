"""fcbench bench: GPU latency of every variant over a set of shapes, through the one timer."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from . import build, registry, table
from .api import attention
from .peers import PeerUnavailable
from .shapes import Shape
from .stats import Summary
from .supervise import context_dead
from .timer import CudaTimer


@dataclass
class BenchResult:
    variant: str
    shape: Shape
    status: str  # ok | skip | error | crashed | hung | not run (after its variant crashed or hung)
    note: str = ""
    summary: Summary | None = None
    tflops: float | None = None
    vs_best_sdpa: float | None = None  # median / median of the fastest SDPA peer at this shape
    best_sdpa: str | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["shape"] = asdict(self.shape)
        if self.summary is not None:
            d["summary"] = {**asdict(self.summary), "iqr": self.summary.iqr}
        return d


def inputs(shape: Shape, device="cuda", seed: int = 0):
    """Standard-normal fp16 q, k, v for a shape (never zeros), the same for every variant."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    dims = (shape.batch, shape.heads, shape.seqlen, shape.head_dim)
    return tuple(torch.randn(dims, generator=g).to(device, torch.float16) for _ in range(3))


def bench_one(timer: CudaTimer, variant: registry.Variant, shape: Shape, q, k, v, **timer_args) -> BenchResult:
    reason = variant.unsupported_reason(head_dim=shape.head_dim, causal=shape.causal, device="cuda",
                                        arch=build.arch_here())
    if reason:
        return BenchResult(variant.name, shape, "skip", reason)
    try:
        out = torch.empty_like(q) if variant.is_kernel else None
        call = lambda: attention(q, k, v, variant=variant.name, causal=shape.causal, out=out)  # noqa: E731
        call()
        torch.cuda.synchronize()
        timing = timer.time(call, **timer_args)
    except PeerUnavailable as exc:
        return BenchResult(variant.name, shape, "skip", f"backend unavailable: {exc}")
    except (RuntimeError, ValueError) as exc:
        if context_dead(exc):  # a CUDA fault: the measuring process reports it and is replaced
            raise
        return BenchResult(variant.name, shape, "error", str(exc).splitlines()[0])
    s = timing.summary
    return BenchResult(variant.name, shape, "ok", summary=s, tflops=shape.flops / (s.median * 1e-6) / 1e12)


def run(variants, shapes, *, progress=sys.stderr, **timer_args) -> list[BenchResult]:
    """Every variant at every shape, timed in a measuring process (fcbench.supervise): a variant
    that crashes or hangs at a shape is reported so there (status crashed / hung) and is not
    timed again in this run; the others carry on in a fresh process."""
    from . import config, supervise

    ceiling_s = config.load().hang_timeout_s
    results: list[BenchResult] = []
    stops = supervise.Stops()
    total, done = len(variants) * len(shapes), 0
    log_dir = Path(tempfile.mkdtemp(prefix="fcbench-bench-"))
    with supervise.Worker(registry.SOURCE_ROOT, log_dir / "worker.log", dict(os.environ),
                          setup=[{"op": "build", "count_resources": False}]) as worker:
        for shape in shapes:
            for variant in variants:
                done += 1
                table.progress(progress, done, total, f"fcbench bench: {variant.name} {shape}")
                if stand_in := stops.stand_in(variant.name):
                    results.append(BenchResult(variant.name, shape, "not run", supervise.fault_detail(stand_in)))
                    continue
                reply = worker.request(ceiling_s, op="bench", variant=variant.name, shape=asdict(shape),
                                       timer_args=timer_args)
                stops.note(variant.name, str(shape), reply)
                if supervise.is_fault(reply):
                    results.append(BenchResult(variant.name, shape, supervise.fault_verdict(reply).lower(),
                                               supervise.fault_detail(reply)))
                elif "error" in reply:
                    results.append(BenchResult(variant.name, shape, "error", reply["error"]))
                else:
                    summary = Summary(**reply["summary"]) if reply["summary"] else None
                    results.append(BenchResult(variant.name, shape, reply["status"], reply["note"], summary,
                                               shape.flops / (summary.median * 1e-6) / 1e12 if summary else None))
    if not stops:
        shutil.rmtree(log_dir, ignore_errors=True)
    _relate_to_sdpa(results)
    return results


def _relate_to_sdpa(results: list[BenchResult]) -> None:
    for shape in dict.fromkeys(r.shape for r in results):
        peers = [r for r in results if r.shape == shape and r.status == "ok" and not registry.get(r.variant).is_kernel]
        if not peers:
            continue
        best = min(peers, key=lambda r: r.summary.median)
        for r in results:
            if r.shape == shape and r.status == "ok":
                r.vs_best_sdpa, r.best_sdpa = r.summary.median / best.summary.median, best.variant
