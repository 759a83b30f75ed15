"""fcbench check: every variant against the reference on a grid of adversarial cases."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import torch

from . import config, registry, table
from .api import attention
from .peers import PeerUnavailable
from .reference import error_bound, max_abs_error, reference_attention

# Lengths that are not multiples of any tile (1, 17, 97, 1000, 1025) next to ones that are.
SEQLENS = (1, 17, 64, 97, 128, 512, 1000, 1025)
QUICK_SEQLENS = (1, 17, 97, 512)
INPUTS = ("normal", "scaled", "uniform")


@dataclass(frozen=True)
class CheckCase:
    seqlen: int
    head_dim: int
    causal: bool
    inputs: str  # normal | scaled (x8: sharp softmax) | uniform (all keys equal: output = mean of V)
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
    return out


def make_inputs(case: CheckCase, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator(device="cpu").manual_seed(case.seed * 1_000_003 + case.seqlen * 131 + case.head_dim)
    shape = (case.batch, case.seqlen, case.heads, case.head_dim) if case.layout == "bshd" else (
        case.batch, case.heads, case.seqlen, case.head_dim)
    q, k, v = (torch.randn(shape, generator=g) for _ in range(3))
    if case.inputs == "scaled":
        q, k = q * 8, k * 8
    elif case.inputs == "uniform":
        k = k[..., :1, :, :].expand_as(k).contiguous() if case.layout == "bshd" else k[..., :1, :].expand_as(k).contiguous()
    q, k, v = (t.to(device=device, dtype=torch.float16) for t in (q, k, v))
    if case.layout == "bshd":
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    return q, k, v


@dataclass
class CheckResult:
    variant: str
    case: CheckCase
    verdict: str  # PASS | FAIL | SKIP
    error: float = math.nan
    bound: float = math.nan
    note: str = ""

    def as_dict(self) -> dict:
        return {"variant": self.variant, "case": self.case.name, "verdict": self.verdict, "error": self.error,
                "bound": self.bound, "note": self.note}


@dataclass
class CheckReport:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict == "FAIL"]

    def summary(self) -> list[tuple[str, int, int, int, float]]:
        """Per variant: passed, failed, skipped, worst error / bound."""
        rows = []
        for name in dict.fromkeys(r.variant for r in self.results):
            mine = [r for r in self.results if r.variant == name]
            ratios = [r.error / r.bound for r in mine if r.verdict != "SKIP" and r.bound > 0]
            rows.append((name, sum(r.verdict == "PASS" for r in mine), sum(r.verdict == "FAIL" for r in mine),
                         sum(r.verdict == "SKIP" for r in mine), max(ratios, default=math.nan)))
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
    reason = variant.unsupported_reason(head_dim=case.head_dim, causal=case.causal, device=q.device.type)
    if reason:
        return CheckResult(variant.name, case, "SKIP", note=reason)
    try:
        out = run_poisoned(variant, q, k, v, causal=case.causal)
    except PeerUnavailable as exc:
        return CheckResult(variant.name, case, "SKIP", note=f"backend unavailable: {exc}")
    except Exception as exc:  # a crashed kernel is a failure, reported with its message
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


def run(variants: tuple[registry.Variant, ...], *, quick: bool = False, device=None, progress=sys.stderr) -> CheckReport:
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    report = CheckReport()
    floor_relative = config.load().error_floor_relative
    all_cases = cases(quick)
    for i, case in enumerate(all_cases, 1):
        q, k, v = make_inputs(case, device)
        ref = reference_attention(q, k, v, causal=case.causal, scale=1.0 / math.sqrt(case.head_dim))
        bound = error_bound(q, k, v, ref, causal=case.causal, scale=1.0 / math.sqrt(case.head_dim),
                            floor_relative=floor_relative)
        for variant in variants:
            report.results.append(check_case(variant, case, q, k, v, ref, bound))
        table.progress(progress, i, len(all_cases), f"fcbench check: {case.name}")
    return report
