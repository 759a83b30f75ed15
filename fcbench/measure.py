"""What is tracked per (variant, shape), measured one way: the asv suite (benchmarks/) and
fcbench's record/compare workers both call these functions.

Tracked: latency samples (the one timer), max abs error and error / bound (the check's rule on
standard-normal inputs at the tracked shape), TFLOP/s, and per-variant resources for the
shape's head dim on this machine's arch (registers: the largest of the variant's kernels;
shared memory: the largest static + dynamic; spills: summed; stack frame: the largest).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache

import torch

from . import build, config, registry, resources
from .api import attention
from .bench import inputs as bench_inputs
from .check import run_poisoned
from .peers import PeerUnavailable
from .reference import error_bound, max_abs_error, reference_attention
from .shapes import Shape, parse_shape
from .timer import CpuTimer, CudaTimer

GPU_SHAPES = (Shape(1, 8, 512, 64), Shape(4, 16, 2048, 64), Shape(4, 16, 2048, 128), Shape(4, 16, 2048, 64, True))
# Without a GPU only sdpa_math runs, on the CPU: small shapes keep a recorded commit in seconds.
CPU_SHAPES = (Shape(1, 2, 128, 64), Shape(1, 2, 128, 64, True))


def has_gpu() -> bool:
    return torch.cuda.is_available()


def tracked_shapes() -> tuple[Shape, ...]:
    """FCBENCH_SHAPES ("B,H,S,D[,causal];...") if set, else the GPU or CPU set."""
    if setting := os.environ.get("FCBENCH_SHAPES"):
        try:
            return tuple(parse_shape(s) for s in setting.split(";") if s.strip())
        except ValueError as exc:  # named as the variable the user set, not a --shape they did not pass (issue 26)
            raise ValueError(f"FCBENCH_SHAPES={setting!r}: {str(exc).removeprefix('--shape: ')}") from None
    return GPU_SHAPES if has_gpu() else CPU_SHAPES


def tracked_variants() -> tuple[registry.Variant, ...]:
    """FCBENCH_VARIANTS ("name,name,...", where a kind, `flashcore` or `sdpa`, stands for every
    variant of it) if set, else every registry variant: what the asv suite measures per commit.
    Narrowing it makes a bisection cheap: each `asv find` step then measures only the rows asked
    about (with FCBENCH_SHAPES, one row); `flashcore` leaves out the SDPA peers, so `asv
    continuous`'s exit code speaks for the kernels alone (a PR never changes a peer, yet asv flags
    one when it moves between two measuring processes)."""
    names = [n.strip() for n in os.environ.get("FCBENCH_VARIANTS", "").split(",") if n.strip()]
    try:
        return registry.select(names)
    except ValueError as exc:
        raise ValueError(f"FCBENCH_VARIANTS={os.environ['FCBENCH_VARIANTS']!r}: {exc}") from None


def shapes_setting(shapes) -> str:
    """FCBENCH_SHAPES's value for these shapes: what tracked_shapes() reads back."""
    return ";".join(shape_label(s).strip("()") for s in shapes)


def shape_label(shape: Shape) -> str:
    return str(shape)


class Unsupported(Exception):
    """This (variant, shape) cannot run here; the message says why (asv: NotImplementedError)."""


@dataclass
class Prepared:
    variant: registry.Variant
    shape: Shape
    call: object


@lru_cache(maxsize=1)
def timer():
    return CudaTimer() if has_gpu() else CpuTimer()


@lru_cache(maxsize=8)
def inputs(shape: Shape) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """fcbench bench's inputs for the shape, on this machine's device, kept for reuse."""
    return bench_inputs(shape, "cuda" if has_gpu() else "cpu")


def prepare(variant_name: str, shape: Shape) -> Prepared:
    """Builds the call (and warms it up); raises Unsupported with the reason."""
    variant = registry.get(variant_name)
    device = "cuda" if has_gpu() else "cpu"
    reason = variant.unsupported_reason(head_dim=shape.head_dim, causal=shape.causal, device=device,
                                        arch=build.arch_here())
    if reason:
        raise Unsupported(reason)
    if variant.is_kernel and not variant.source.exists():
        raise Unsupported(f"{variant.source} does not exist in this checkout")
    q, k, v = inputs(shape)
    out = torch.empty_like(q) if variant.is_kernel else None

    def call():
        attention(q, k, v, variant=variant.name, causal=shape.causal, out=out)

    try:
        timer().warm_up(call)
    except PeerUnavailable as exc:
        raise Unsupported(f"backend unavailable: {exc}") from None
    return Prepared(variant, shape, call)


def latency_sample_s(prepared: Prepared) -> float:
    return timer().sample(prepared.call) * 1e-6


@lru_cache(maxsize=2)
def _reference(shape: Shape) -> tuple[torch.Tensor, float]:
    """The reference output and the error bound at this shape's inputs: shared by every variant."""
    q, k, v = inputs(shape)
    scale = 1.0 / math.sqrt(shape.head_dim)
    ref = reference_attention(q, k, v, causal=shape.causal, scale=scale)
    bound = error_bound(q, k, v, ref, causal=shape.causal, scale=scale,
                        floor_relative=config.load().error_floor_relative)
    return ref, bound.bound


def quality(variant_name: str, shape: Shape) -> dict:
    """max_abs_error and error_over_bound (> 1 fails) on this shape's inputs, output poisoned."""
    q, k, v = inputs(shape)
    ref, bound = _reference(shape)
    err = max_abs_error(run_poisoned(registry.get(variant_name), q, k, v, causal=shape.causal), ref)
    return {"max_abs_error": err, "error_over_bound": err / bound if bound > 0 else math.inf}


def machine_arch() -> str:
    """The arch resources are counted for: the one kernels are built for (build.arch_here()), or
    without a GPU and FCBENCH_ARCH, the L4 runner's."""
    return build.arch_here() or "sm_89"


@cache
def _unit_resources(variant_name: str, arch: str) -> tuple:
    return tuple(resources.unit_resources(registry.get(variant_name), arch))


def count_resources() -> None:
    """Compiles this checkout's kernel units for this machine's arch in parallel, so that the
    per-(variant, shape) requests read cached counts. A unit that fails to compile is left to
    its own request, which raises the compiler's message again (failures are not cached)."""
    arch = machine_arch()
    names = [v.name for v in registry.VARIANTS if v.is_kernel and v.source.exists() and not v.arch_reason(arch)]
    with ThreadPoolExecutor(max_workers=max(len(names), 1)) as pool:
        futures = [pool.submit(_unit_resources, name, arch) for name in names]
    for f in futures:
        f.exception()  # waited for above; reported per request, not here


def variant_resources(variant_name: str, head_dim: int) -> dict:
    variant = registry.get(variant_name)
    if not variant.is_kernel:
        raise Unsupported("an SDPA peer: no kernel source to count")
    if not variant.source.exists():  # a variant this commit doesn't have: the gate's MISSING, not an error
        raise Unsupported(f"{variant.source} does not exist in this checkout")
    if why := variant.arch_reason(machine_arch()):  # not compiled here at all: nothing to count
        raise Unsupported(why)
    rows = [r for r in _unit_resources(variant_name, machine_arch()) if r.head_dim == head_dim]
    if not rows:
        raise Unsupported(f"no kernel launched for head_dim {head_dim}")
    return {"registers": max(r.registers for r in rows), "smem_bytes": max(r.smem_bytes for r in rows),
            "spill_bytes": sum(r.spill_bytes for r in rows), "stack_bytes": max(r.stack_frame_bytes for r in rows)}
