"""fcbench check: every variant against the reference on a grid of adversarial cases."""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from . import build, config, registry, supervise, table
from .api import attention
from .peers import PeerUnavailable
from .reference import max_abs_error
from .supervise import context_dead

# Lengths that are not multiples of any tile (1, 17, 97, 1000, 1025) next to ones that are.
SEQLENS = (1, 17, 64, 97, 128, 512, 1000, 1025)
QUICK_SEQLENS = (1, 17, 97, 512)
# Long sequences (full check): many K/V tiles, so small per-tile errors of the online softmax add up.
LONG_SEQLENS = (4096, 4100)
# At 1 x 3 heads: 192 or more 64-row blocks but fewer than 132 of 128 or 192 rows, so a launcher
# that picks by grid size (wgmma_fused) takes its middle configuration here, and only here.
LONG_BATCH, LONG_HEADS = 1, 3
INPUTS = ("normal", "scaled", "uniform", "creeping", "offset")
# creeping: the row max grows by CREEP_PER_64_KEYS every 64 keys, so every K/V tile rescales the
# running output by a factor just under 1 (exp(-0.006) = 0.994). A kernel that skips rescales
# "too small to matter" (alpha >= 0.99) passes normal inputs at 0.97 of the bound and fails
# these at 6.8x (S=512) to 27x (S=4096) (a CPU model of the kernels' online softmax, in
# tests/test_reference.py).
CREEP_PER_64_KEYS = 0.006
V_OFFSET = 32.0  # offset: V + 32, so an unnormalised or mis-normalised sum shows 32x larger
# Wide grids: B x H = 160 heads, more than any current GPU has SMs (L4 58, H100/H200 132, B200
# 148). Launchers that pick their tiles by grid size (mma_fused: large row blocks only where
# the grid fills the GPU) take their large-block kernels only here; the other cases, at
# 2 x 3 or 1 x 2 heads, leave them to the small-grid kernels (on the H200 the full check
# never ran mma_fused's 128-row blocks before these were added).
WIDE_BATCH, WIDE_HEADS = 4, 40
WIDE_SEQLENS = (257,)  # 2 full 128-row blocks and a 1-row one; K/V tiles of 64 or 128 keys end on a 1-key one


@dataclass(frozen=True)
class CheckCase:
    seqlen: int
    head_dim: int
    causal: bool
    inputs: str  # normal | scaled (x8: sharp softmax) | uniform (all keys equal: output = mean of V) | creeping | offset
    seed: int
    batch: int = 2
    heads: int = 3
    layout: str = "bhsd"  # bshd: [B, S, H, D] memory viewed as [B, H, S, D] (strided)

    @property
    def name(self) -> str:
        c = "causal" if self.causal else "full"
        return f"S={self.seqlen} D={self.head_dim} {c} {self.inputs} seed={self.seed} {self.layout} B={self.batch} H={self.heads}"


def cases(quick: bool = False) -> list[CheckCase]:
    seqlens = QUICK_SEQLENS if quick else SEQLENS
    seeds = (0,) if quick else (0, 1)
    out = [
        CheckCase(s, d, c, i, seed)
        for d in (64, 128)
        for c in (False, True)
        for s in seqlens
        for i in INPUTS
        for seed in seeds
    ]
    # Strided views and FlashCore's headline shape.
    out += [CheckCase(s, d, c, "normal", 0, layout="bshd") for d in (64, 128) for c in (False, True) for s in (97, 512)]
    out.append(CheckCase(512, 64, False, "normal", 0, batch=1, heads=8))
    wide_inputs = ("normal",) if quick else INPUTS
    out += [CheckCase(s, d, c, i, 0, batch=WIDE_BATCH, heads=WIDE_HEADS) for d in (64, 128) for c in (False, True)
            for s in WIDE_SEQLENS for i in wide_inputs]
    if not quick:
        out += [CheckCase(s, d, c, i, 0, batch=LONG_BATCH, heads=LONG_HEADS) for d in (64, 128) for c in (False, True)
                for s in LONG_SEQLENS for i in ("normal", "creeping")]
    return out


def make_inputs(case: CheckCase, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator(device="cpu").manual_seed(case.seed * 1_000_003 + case.seqlen * 131 + case.head_dim)
    shape = (case.batch, case.seqlen, case.heads, case.head_dim) if case.layout == "bshd" else (
        case.batch, case.heads, case.seqlen, case.head_dim)
    q, k, v = (torch.randn(shape, generator=g) for _ in range(3))
    if case.inputs in ("creeping", "offset") and case.layout != "bhsd":
        raise ValueError(f"inputs: {case.inputs} inputs are made in the bhsd layout only")
    if case.inputs == "scaled":
        q, k = q * 8, k * 8
    elif case.inputs == "uniform":
        k = k[..., :1, :, :].expand_as(k).contiguous() if case.layout == "bshd" else k[..., :1, :].expand_as(k).contiguous()
    elif case.inputs == "creeping":
        q, k = _creeping(case, g)
    elif case.inputs == "offset":
        v = v + V_OFFSET
    q, k, v = (t.to(device=device, dtype=torch.float16) for t in (q, k, v))
    if case.layout == "bshd":
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    return q, k, v


def _creeping(case: CheckCase, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Every query along one direction u per head, key j along u with a length growing with j:
    score(i, j) = scale * q_i . k_j ~ CREEP_PER_64_KEYS * j / 64 (plus noise far below one
    tile's growth), so the running row max grows a little at every K/V tile."""
    b, h, s, d = case.batch, case.heads, case.seqlen, case.head_dim
    scale, length = 1.0 / math.sqrt(d), 8.0
    u = torch.randn(b, h, 1, d, generator=g)
    u = u / u.norm(dim=-1, keepdim=True)
    q = length * u + 0.01 * torch.randn(b, h, s, d, generator=g)
    j = torch.arange(s, dtype=torch.float32).view(1, 1, s, 1)
    k = (CREEP_PER_64_KEYS / 64 * j / (length * scale)) * u + 0.01 * torch.randn(b, h, s, d, generator=g)
    return q, k


@dataclass
class CheckResult:
    variant: str
    case: CheckCase
    verdict: str  # PASS | FAIL | SKIP | CRASHED | HUNG | NOT-RUN (after its variant crashed or hung)
    error: float = math.nan
    bound: float = math.nan
    note: str = ""

    def as_dict(self) -> dict:
        return {"variant": self.variant, "case": self.case.name, "verdict": self.verdict, "error": self.error,
                "bound": self.bound, "note": self.note}


FAILED = ("FAIL", "CRASHED", "HUNG")


@dataclass
class CheckReport:
    results: list[CheckResult] = field(default_factory=list)
    device: dict = field(default_factory=dict)  # the measuring process's fcbench.device.fingerprint()
    restarts: int = 0  # measuring processes replaced after a crash or hang
    restart_s: float = 0.0  # what replacing them cost (start, torch, CUDA, loading the extension)
    log_path: Path | None = None  # the measuring processes' log, kept when one crashed or hung

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict in FAILED]

    def summary(self) -> list[tuple]:
        """Per variant: passed, failed (wrong), crashed, hung, skipped, not run, worst error / bound."""
        rows = []
        for name in dict.fromkeys(r.variant for r in self.results):
            mine = [r for r in self.results if r.variant == name]
            ratios = [r.error / r.bound for r in mine if r.verdict in ("PASS", "FAIL") and r.bound > 0]
            count = {v: sum(r.verdict == v for r in mine) for v in ("PASS", "FAIL", "CRASHED", "HUNG", "SKIP", "NOT-RUN")}
            rows.append((name, *count.values(), max(ratios, default=math.nan)))
        return rows


def run_poisoned(variant: registry.Variant, q, k, v, *, causal: bool) -> torch.Tensor:
    """One call with the output poisoned first (kernels): an element never written stays NaN."""
    out = None
    if variant.is_kernel:
        out = torch.full(q.shape, float("nan"), dtype=q.dtype, device=q.device)
    out = attention(q, k, v, variant=variant.name, causal=causal, out=out)
    if q.is_cuda:
        torch.cuda.synchronize()
    return out


def check_case(variant: registry.Variant, case: CheckCase, q, k, v, ref, bound) -> CheckResult:
    reason = variant.unsupported_reason(head_dim=case.head_dim, causal=case.causal, device=q.device.type,
                                        arch=build.arch_here())
    if reason:
        return CheckResult(variant.name, case, "SKIP", note=reason)
    try:
        out = run_poisoned(variant, q, k, v, causal=case.causal)
    except PeerUnavailable as exc:
        return CheckResult(variant.name, case, "SKIP", note=f"backend unavailable: {exc}")
    except Exception as exc:  # a kernel that raised is a failure; one that killed the CUDA context, a crash
        if context_dead(exc):
            raise
        return CheckResult(variant.name, case, "FAIL", note=f"raised {type(exc).__name__}: {str(exc).splitlines()[0]}")
    err = max_abs_error(out, ref)
    result = CheckResult(variant.name, case, "PASS" if bound.passes(err) else "FAIL", err, bound.bound)
    if not math.isfinite(err):
        result.note = "NaN/Inf in output (unwritten element or overflow)"
    elif variant.is_kernel:
        # Same inputs twice must give identical bits: a moving result is a race.
        again = run_poisoned(variant, q, k, v, causal=case.causal)
        if not torch.equal(out, again):
            result.verdict, result.note = "FAIL", "output differs between two runs on the same inputs (race?)"
    return result


def run(variants: tuple[registry.Variant, ...], *, quick: bool = False, progress=sys.stderr,
        root: Path | None = None) -> CheckReport:
    """Every variant on every case, in a measuring process (fcbench.supervise) for the kernels of
    the checkout at `root` (default: FCBENCH_SOURCE_ROOT or this one): a variant that crashes or
    hangs gets that verdict for the case, with CUDA's text or the bound it overran, and is not
    run again in this check (its remaining cases are NOT-RUN); the others carry on in a fresh
    process."""
    root = Path(root or registry.SOURCE_ROOT)
    report = CheckReport()
    ceiling_s = config.load().hang_timeout_s
    all_cases = cases(quick)
    log_dir = Path(tempfile.mkdtemp(prefix="fcbench-check-"))
    report.log_path = log_dir / "worker.log"
    absent = {v.name for v in variants if v.is_kernel and not (root / "csrc" / "kernels" / f"{v.name}.cu").exists()}
    stops = supervise.Stops()
    with supervise.Worker(root, report.log_path, dict(os.environ),
                          setup=[{"op": "build", "count_resources": False}, {"op": "info"}]) as worker:
        report.device = worker.start()[1]["device"]
        for i, case in enumerate(all_cases, 1):
            for variant in variants:
                if variant.name in absent:
                    report.results.append(CheckResult(variant.name, case, "SKIP", note=f"{variant.name}.cu is not in {root}"))
                elif stand_in := stops.stand_in(variant.name):
                    report.results.append(CheckResult(variant.name, case, "NOT-RUN", note=supervise.fault_detail(stand_in)))
                else:
                    reply = worker.request(ceiling_s, op="check", variant=variant.name, case=asdict(case))
                    stops.note(variant.name, case.name, reply)
                    report.results.append(_result(variant.name, case, reply))
            table.progress(progress, i, len(all_cases), f"fcbench check: {case.name}")
        report.restarts, report.restart_s = worker.restarts, worker.restart_s
    if not any(r.verdict in (supervise.CRASHED, supervise.HUNG) for r in report.results):
        shutil.rmtree(log_dir, ignore_errors=True)
        report.log_path = None
    return report


def _result(variant: str, case: CheckCase, reply: dict) -> CheckResult:
    if supervise.is_fault(reply):
        return CheckResult(variant, case, supervise.fault_verdict(reply), note=supervise.fault_detail(reply))
    if "error" in reply:  # the harness itself failed on this case: a failure, never a pass
        return CheckResult(variant, case, "FAIL", note=f"raised {reply['error']}")
    return CheckResult(variant, case, reply["verdict"], reply["max_abs_error"], reply["bound"], reply["note"])
