"""Summary statistics of timing samples."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    q25: float
    q75: float
    min: float
    max: float
    n: int

    @property
    def iqr(self) -> float:
        return self.q75 - self.q25


def summarize(samples: list[float]) -> Summary:
    if not samples:
        raise ValueError("samples: need at least one sample")
    if len(samples) == 1:
        q25 = q75 = samples[0]
    else:
        q25, _, q75 = statistics.quantiles(samples, n=4, method="inclusive")
    return Summary(statistics.median(samples), q25, q75, min(samples), max(samples), len(samples))


def attention_flops(batch: int, heads: int, seqlen: int, head_dim: int, causal: bool) -> float:
    """4*B*H*S^2*D (two matmuls of 2*S*S*D each), halved when causal."""
    flops = 4.0 * batch * heads * seqlen * seqlen * head_dim
    return flops / 2 if causal else flops
