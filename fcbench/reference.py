"""The one reference and the one pass rule (docs/design.md, "Reference and error bound").

Reference: the same fp16 inputs upcast to fp64 (fp32 for large problems), plain math
attention. Error: max |out - ref|. Pass rule, FlashAttention's own test rule:

    error <= 2 * error(PyTorch fp16 math path) + floor,   floor = 2**-10 * max|ref|

The fp16 math path is softmax(q @ k^T * scale) @ v computed by PyTorch in fp16 (what
FlashAttention's tests call the reference "without upcast"). The floor is two units of
fp16 rounding (2 * 2**-11) at the largest output: rounding the result to fp16 is always
allowed, even where the fp16 math path happens to be exact (e.g. seqlen 1). NaN or Inf
anywhere fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

FLOOR_RELATIVE = 2.0**-10
FP64_MAX_SCORES = 1 << 26  # B*H*S*S above this: fp32 reference (memory), still far finer than fp16


def _masked_scores(q, k, causal: bool, scale: float, dtype) -> torch.Tensor:
    scores = torch.matmul(q.to(dtype), k.to(dtype).transpose(-2, -1)) * scale
    if causal:
        s = q.shape[-2]
        mask = torch.ones(s, s, dtype=torch.bool, device=q.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return scores


def reference_attention(q, k, v, *, causal: bool, scale: float) -> torch.Tensor:
    b, h, s, _ = q.shape
    dtype = torch.float64 if b * h * s * s <= FP64_MAX_SCORES else torch.float32
    p = torch.softmax(_masked_scores(q, k, causal, scale, dtype), dim=-1)
    return torch.matmul(p, v.to(dtype))


def fp16_math_attention(q, k, v, *, causal: bool, scale: float) -> torch.Tensor:
    """PyTorch's math path in the inputs' own precision: the baseline error of the bound."""
    p = torch.softmax(_masked_scores(q, k, causal, scale, q.dtype), dim=-1)
    return torch.matmul(p, v)


def max_abs_error(out: torch.Tensor, ref: torch.Tensor) -> float:
    """max |out - ref|; inf when out has any NaN/Inf (a poisoned, unwritten element included)."""
    out = out.to(ref.dtype)
    if not torch.isfinite(out).all():
        return math.inf
    return (out - ref).abs().max().item()


@dataclass(frozen=True)
class ErrorBound:
    baseline_error: float  # fp16 math path vs reference
    floor: float

    @property
    def bound(self) -> float:
        return 2.0 * self.baseline_error + self.floor

    def passes(self, error: float) -> bool:
        return math.isfinite(error) and error <= self.bound


def error_bound(q, k, v, ref: torch.Tensor, *, causal: bool, scale: float,
                floor_relative: float = FLOOR_RELATIVE) -> ErrorBound:
    """floor_relative: [tool.fcbench] error_floor_relative, 2**-10 unless configured."""
    baseline = max_abs_error(fp16_math_attention(q, k, v, causal=causal, scale=scale), ref)
    if not math.isfinite(baseline):
        raise ArithmeticError("the fp16 math path produced NaN/Inf on these inputs; the bound is undefined")
    return ErrorBound(baseline, floor_relative * ref.abs().max().item())
