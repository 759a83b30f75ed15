"""The single list of variants: FlashCore kernels and the SDPA backends they are judged against.

Build, check, bench, resources (and the asv suite and gate) all iterate over VARIANTS.
Adding a kernel is one file in csrc/kernels/ plus one entry here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Where the kernels come from. `fcbench compare` measures another checkout's kernels (a PR's
# base or head) with this checkout's harness, as asv runs its current suite against old
# commits: FCBENCH_SOURCE_ROOT names that checkout.
SOURCE_ROOT = Path(os.environ.get("FCBENCH_SOURCE_ROOT") or REPO_ROOT).resolve()
CSRC_DIR = SOURCE_ROOT / "csrc"
KERNELS_DIR = CSRC_DIR / "kernels"
TARGET = re.compile(r"sm_\d{2,3}[af]?")  # sm_90, or an arch- (a) or family-specific (f) target


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    kind: str  # "flashcore": a kernel in csrc/kernels/; "sdpa": a PyTorch SDPA backend
    head_dims: tuple[int, ...] = (64, 128)
    supports_causal: bool = True
    devices: tuple[str, ...] = ("cuda",)
    sdpa_backend: str | None = None  # torch.nn.attention.SDPBackend member name
    workspace: bool = False  # the launcher needs device scratch (fcbench_<name>_workspace_bytes)
    max_workspace_bytes: int = 0
    # The nvcc targets the kernel is built for, one per machine arch; None: every arch, with its
    # plain target. An arch-specific target (sm_90a) is how a kernel gets instructions that exist
    # on one arch only (wgmma, setmaxnreg); its code runs on that arch (sm_90) and nowhere else.
    archs: tuple[str, ...] | None = None

    def __post_init__(self):
        for target in self.archs or ():
            if not TARGET.fullmatch(target):
                raise ValueError(f"archs: {target!r} ({self.name}) is not an nvcc target; expected e.g. sm_90 or sm_90a (arch-specific)")

    @property
    def source(self) -> Path | None:
        return KERNELS_DIR / f"{self.name}.cu" if self.kind == "flashcore" else None

    @property
    def is_kernel(self) -> bool:
        return self.kind == "flashcore"

    def target(self, arch: str) -> str | None:
        """The nvcc target this kernel is built for on a machine of `arch` (sm_90 -> sm_90a for a
        Hopper-only kernel), or None where it is not built."""
        if self.archs is None:
            return arch
        return next((t for t in self.archs if t.rstrip("af") == arch), None)

    def arch_reason(self, arch: str) -> str | None:
        """'not for sm_89 (built for sm_90a only)' where the kernel is not built for arch, else None."""
        if self.target(arch) is None:
            return f"not for {arch} (built for {', '.join(self.archs)} only)"
        return None

    def unsupported_reason(self, *, head_dim: int, causal: bool, device: str, arch: str | None) -> str | None:
        """Why this variant cannot run the given problem, or None if it can. arch: the one kernels
        are built for here (build.arch_here()); None where none is (no GPU, no FCBENCH_ARCH)."""
        # The arch first: a kernel not built for it is in no library here, whatever the device.
        if arch is not None and (why := self.arch_reason(arch)):
            return why
        if device not in self.devices:
            return f"runs on {'/'.join(self.devices)}, not {device}"
        if head_dim not in self.head_dims:
            return f"head_dim {head_dim} not supported (supported: {', '.join(map(str, self.head_dims))})"
        if causal and not self.supports_causal:
            return "causal not supported"
        return None


GIB = 1 << 30

VARIANTS: tuple[Variant, ...] = (
    Variant(
        "scalar_tiled",
        "FlashCore v5: K/V tiles in shared memory, online softmax, fp32 scalar math, one query row per warp",
        "flashcore",
    ),
    Variant(
        "wmma_qk",
        "FlashCore v6: WMMA Q.K^T into fp32 scores in shared memory; online softmax and P.V in scalar code",
        "flashcore",
    ),
    Variant(
        "wmma_unfused",
        "FlashCore unified design: WMMA Q.K^T, softmax and WMMA P.V as three kernels, scores in global scratch",
        "flashcore",
        workspace=True,
        max_workspace_bytes=4 * GIB,
    ),
    Variant(
        "wmma_fused",
        "FlashCore fused: one kernel, WMMA Q.K^T, online softmax, fp16 P, WMMA P.V accumulated in registers",
        "flashcore",
    ),
    Variant(
        "wmma_fused_cpasync",
        "FlashCore v8 idea: wmma_fused with cp.async double-buffered K/V tiles and >48 KB dynamic shared memory",
        "flashcore",
    ),
    Variant(
        "mma_fused",
        "FlashCore v9: FA2-class, mma.sync m16n8k16 with S and P in registers, swizzled cp.async K/V, ldmatrix",
        "flashcore",
    ),
    Variant(
        "wgmma_fused",
        "FlashCore v10 (Hopper): TMA + mbarrier pipeline, a producer warp, consumer warpgroups, wgmma Q.K^T and P.V",
        "flashcore",
        # wgmma and setmaxnreg exist only in the arch-specific sm_90a target: built on sm_90 machines
        # (-gencode=arch=compute_90a,code=sm_90a) and nowhere else; elsewhere "not for <arch>".
        archs=("sm_90a",),
    ),
    Variant("sdpa_flash", "PyTorch SDPA, FlashAttention backend only", "sdpa", sdpa_backend="FLASH_ATTENTION"),
    Variant("sdpa_cudnn", "PyTorch SDPA, cuDNN backend only", "sdpa", sdpa_backend="CUDNN_ATTENTION"),
    Variant("sdpa_efficient", "PyTorch SDPA, memory-efficient backend only", "sdpa", sdpa_backend="EFFICIENT_ATTENTION"),
    Variant("sdpa_math", "PyTorch SDPA, math backend only (also on CPU)", "sdpa", sdpa_backend="MATH",
            devices=("cuda", "cpu")),
)


def variants() -> tuple[Variant, ...]:
    return VARIANTS


def kernel_variants() -> tuple[Variant, ...]:
    return tuple(v for v in VARIANTS if v.is_kernel)


def get(name: str) -> Variant:
    for v in VARIANTS:
        if v.name == name:
            return v
    raise ValueError(f"variant: unknown variant {name!r}; known: {', '.join(v.name for v in VARIANTS)}")


def not_built(arch: str | None, variants: tuple[Variant, ...] = VARIANTS) -> list[str]:
    """'<variant>: not for <arch> (built for ... only)' for each kernel not built for arch (none
    where the arch is unknown): what resources, the gate and the report say instead of a row."""
    if arch is None:
        return []
    return [f"{v.name}: {why}" for v in variants if v.is_kernel and (why := v.arch_reason(arch))]


def is_kernel_name(name: str) -> bool:
    """Whether results for `name` are a FlashCore kernel's; a variant only older results know is
    treated as a kernel (gated), never silently as a peer."""
    try:
        return get(name).is_kernel
    except ValueError:
        return True


# What select() also takes in place of names: every variant of that kind.
KINDS = {"flashcore": "every FlashCore kernel", "sdpa": "every SDPA peer"}


def select(names: list[str] | None) -> tuple[Variant, ...]:
    """The variants named (in registry order), or all of them when names is empty/None. A kind
    (`flashcore`, `sdpa`) stands for every variant of it, mixable with names: `flashcore,sdpa_flash`."""
    if not names:
        return VARIANTS
    wanted = set()
    for n in names:
        if n in KINDS:
            wanted.update(v.name for v in VARIANTS if v.kind == n)
            continue
        try:
            wanted.add(get(n).name)
        except ValueError as exc:
            raise ValueError(f"{exc}; or a kind: {', '.join(f'{k} ({what})' for k, what in KINDS.items())}") from None
    return tuple(v for v in VARIANTS if v.name in wanted)
