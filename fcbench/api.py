"""fcbench.attention(): one entry point for every registered variant, with input validation
that names the offending argument and what is supported."""

from __future__ import annotations

import math

import torch

from . import registry
from .peers import run_sdpa


def _check_tensor(name: str, t, variant: registry.Variant) -> None:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
    if t.dtype != torch.float16:
        raise TypeError(f"{name}: dtype {t.dtype} is not supported; expected torch.float16")
    if t.dim() != 4:
        raise ValueError(f"{name}: expected a 4-d [batch, heads, seqlen, head_dim] tensor, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError(f"{name}: empty tensor of shape {tuple(t.shape)}; every dimension must be >= 1")
    if t.device.type not in variant.devices:
        raise ValueError(
            f"{name}: is on {t.device}, but {variant.name} runs on {'/'.join(variant.devices)}"
            + ("; move the tensors with .cuda()" if "cuda" in variant.devices else "")
        )
    if variant.is_kernel:
        if t.stride(3) != 1:
            raise ValueError(f"{name}: head-dim stride must be 1, got strides {t.stride()}; call .contiguous()")
        # Every row a kernel reads or writes: the batch, head and sequence strides of the dims it
        # steps (extent > 1) must keep 16-byte alignment, not the sequence stride alone.
        if any(t.stride(i) % 8 for i in range(3) if t.shape[i] > 1) or t.data_ptr() % 16:
            raise ValueError(
                f"{name}: rows must start on 16-byte boundaries (batch, head and sequence strides multiples "
                f"of 8 elements where the dim is > 1, 16-byte aligned data), got strides {t.stride()}; call .contiguous()"
            )


def validate(q, k, v, *, variant: str, causal: bool, scale, out=None) -> tuple[registry.Variant, float]:
    """Checks a call before anything runs; returns the variant entry and the softmax scale."""
    entry = registry.get(variant)
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_tensor(name, t, entry)
    for name, t in (("k", k), ("v", v)):
        if t.shape != q.shape:
            raise ValueError(f"{name}: shape {tuple(t.shape)} does not match q's {tuple(q.shape)}")
        if t.device != q.device:
            raise ValueError(f"{name}: is on {t.device} but q is on {q.device}")
    batch, heads, seqlen, head_dim = q.shape
    if head_dim not in entry.head_dims:
        raise ValueError(
            f"q: head_dim {head_dim} is not supported by {entry.name}; supported: {', '.join(map(str, entry.head_dims))}"
        )
    if not isinstance(causal, bool):
        raise TypeError(f"causal: expected a bool, got {type(causal).__name__}")
    if causal and not entry.supports_causal:
        raise ValueError(f"causal: {entry.name} does not support causal attention")
    if entry.is_kernel and (batch > 65535 or heads > 65535):
        raise ValueError(f"q: batch and heads must each be <= 65535 for {entry.name}, got {batch} and {heads}")
    if scale is None:
        scale = 1.0 / math.sqrt(head_dim)
    elif not isinstance(scale, (int, float)) or isinstance(scale, bool) or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale: expected a finite positive float or None (1/sqrt(head_dim)), got {scale!r}")
    if out is not None:
        _check_tensor("out", out, entry)
        if out.shape != q.shape or out.device != q.device:
            raise ValueError(f"out: expected shape {tuple(q.shape)} on {q.device}, got {tuple(out.shape)} on {out.device}")
    return entry, float(scale)


def attention(q, k, v, *, variant: str, causal: bool = False, scale: float | None = None, out=None) -> torch.Tensor:
    """Attention over [B, H, S, D] fp16 tensors with the named registry variant.

    FlashCore kernels write into `out` when given (fcbench check passes a NaN-poisoned
    buffer so unwritten elements fail); SDPA peers always allocate their own output.
    Raises ValueError/TypeError naming the argument for unsupported input, and
    fcbench.peers.PeerUnavailable when an SDPA backend cannot run here.
    """
    entry, scale = validate(q, k, v, variant=variant, causal=causal, scale=scale, out=out)
    if not entry.is_kernel:
        result = run_sdpa(entry.sdpa_backend, q, k, v, causal=causal, scale=scale)
        if out is not None:
            out.copy_(result)
            return out
        return result
    from .build import load, target_arch

    if why := entry.arch_reason(target_arch()):  # left out of this arch's library: say why, not "unknown kernel"
        raise ValueError(f"variant: {entry.name} is {why}")
    load()
    if out is None:
        out = torch.empty_like(q, memory_format=torch.contiguous_format)
    torch.ops.fcbench.forward(entry.name, q, k, v, out, causal, scale, entry.max_workspace_bytes)
    return out
