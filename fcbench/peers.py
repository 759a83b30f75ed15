"""The SDPA peers: PyTorch's scaled_dot_product_attention forced to exactly one backend."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


class PeerUnavailable(RuntimeError):
    """This GPU / torch build cannot run the requested SDPA backend; the message says why."""


def run_sdpa(backend: str, q, k, v, *, causal: bool, scale: float) -> torch.Tensor:
    # sdpa_kernel with a single backend never falls back to another one: if that backend
    # cannot take these inputs, SDPA raises, and torch's warnings say why.
    with warnings.catch_warnings(record=True) as caught, sdpa_kernel([getattr(SDPBackend, backend)]):
        warnings.simplefilter("always")
        try:
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)
        except RuntimeError as exc:
            if "No available kernel" not in str(exc):
                raise
            reasons = [str(w.message).splitlines()[0] for w in caught if "kernel" in str(w.message).lower()]
            raise PeerUnavailable("; ".join(reasons) or str(exc).splitlines()[0]) from None
