"""Problem shapes: what `--shape` parses, the labels results are keyed by, the default set.

Torch-free on purpose: the report (fcbench report, report_data, report_static, the gate) reads
shapes from results and must run where torch is not installed (main.yml's report job installs
only what a hashed lock file names: deploy/report-requirements.txt)."""

from __future__ import annotations

from dataclasses import dataclass

from .stats import attention_flops


@dataclass(frozen=True)
class Shape:
    batch: int
    heads: int
    seqlen: int
    head_dim: int
    causal: bool = False

    def __str__(self) -> str:
        return f"({self.batch},{self.heads},{self.seqlen},{self.head_dim}{',causal' if self.causal else ''})"

    @property
    def flops(self) -> float:
        return attention_flops(self.batch, self.heads, self.seqlen, self.head_dim, self.causal)


# FlashCore's headline shape first, then the throughput shapes the targets are set at.
DEFAULT_SHAPES = (
    Shape(1, 8, 512, 64),
    Shape(4, 16, 2048, 64),
    Shape(4, 16, 2048, 128),
    Shape(4, 16, 2048, 64, causal=True),
)


def parse_shape(text: str) -> Shape:
    """'B,H,S,D' or 'B,H,S,D,causal'."""
    parts = [p.strip() for p in text.split(",")]
    causal = False
    if len(parts) == 5 and parts[4].lower() in ("causal", "1", "true"):
        causal, parts = True, parts[:4]
    # isascii: str.isdigit() also takes '²' (which int() refuses) and other scripts' digits (which it reads).
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"--shape: {text!r} is not B,H,S,D[,causal] with positive integers, e.g. 1,8,512,64")
    return Shape(*map(int, parts), causal=causal)


def shape_from_label(label: str) -> Shape:
    """A results key's shape, '(B,H,S,D[,causal])'."""
    return parse_shape(label.strip("()"))
