"""Builds the fcbench torch extension with ninja into a content-addressed cache.

Every object is named by a hash of what determines it: a kernel object by its source, the
headers in csrc/kernels/, the nvcc flags, the target arch and the nvcc version; the binding
object by bindings.cpp, the generated variant table, the flags and the torch/CUDA versions.
An object that exists is up to date by construction, so editing one kernel recompiles only
that unit, and two checkouts (a PR's base and head) share every unchanged object. The
shared library is named by the hash of its objects.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import registry

KERNEL_NVCC_FLAGS = ("-std=c++17", "-O3", "-lineinfo", "-Xcompiler", "-fPIC")
BINDING_CXX_FLAGS = ("-std=c++17", "-O2", "-fPIC")


class BuildError(RuntimeError):
    """The extension could not be built (no nvcc, no CUDA torch, a compile error)."""


def cache_dir() -> Path:
    return Path(os.environ.get("FCBENCH_CACHE_DIR") or Path.home() / ".cache" / "fcbench")


# FlashCore's kernels use cp.async, ldmatrix and mma.sync m16n8k16: Ampere (sm_80) and newer.
MIN_ARCH = 80


def normalize_arch(arch: str) -> str:
    """'sm_90', '90' or '9.0' -> 'sm_90'."""
    text = arch.strip().lower().removeprefix("sm_")
    # 'major.minor' with a one-digit minor ('8.9.0' is no arch, not sm_890).
    dotted = re.fullmatch(r"([0-9]+)\.([0-9])", text)
    digits = "".join(dotted.groups()) if dotted else text
    if digits[-1:] in ("a", "f") and digits[:-1].isascii() and digits[:-1].isdigit():
        raise ValueError(f"arch: {arch!r} is an arch-specific target, not a GPU's arch; give sm_{digits[:-1]} "
                         f"(a variant that needs {arch} is built for it there: registry.Variant.archs)")
    if not (digits.isascii() and digits.isdigit()) or not 2 <= len(digits) <= 3:
        raise ValueError(f"arch: {arch!r} is not a CUDA arch; expected e.g. sm_89 (L4) or sm_90 (H100)")
    if int(digits) < MIN_ARCH:
        raise ValueError(f"arch: {arch!r} is not supported: FlashCore's kernels need sm_{MIN_ARCH} or newer "
                         "(cp.async, ldmatrix, mma.sync m16n8k16); e.g. sm_89 (L4) or sm_90 (H100)")
    return f"sm_{digits}"


def arch_from_env() -> str:
    """FCBENCH_ARCH normalised; a bad value is named as the variable's (ValueError: exit 2)."""
    try:
        return normalize_arch(os.environ["FCBENCH_ARCH"])
    except ValueError as exc:
        raise ValueError(f"FCBENCH_ARCH={os.environ['FCBENCH_ARCH']!r}: {exc}") from None


def target_arch() -> str:
    """FCBENCH_ARCH if set, else the arch of the current CUDA device."""
    if os.environ.get("FCBENCH_ARCH"):
        return arch_from_env()
    import torch

    if not torch.cuda.is_available():
        raise BuildError("no CUDA device to detect the arch from; set FCBENCH_ARCH (e.g. sm_89) to build without one")
    major, minor = torch.cuda.get_device_capability()
    return f"sm_{major}{minor}"


def arch_here() -> str | None:
    """target_arch(), or None on a machine with neither FCBENCH_ARCH nor a CUDA device (no kernel is built there)."""
    try:
        return target_arch()
    except BuildError:
        return None


def gencode(target: str) -> list[str]:
    """'sm_90' -> compute_90/sm_90; an arch-specific target (sm_90a, a registry Variant's archs) keeps its suffix."""
    suffix = target[-1] if target.endswith(("a", "f")) else ""
    digits = normalize_arch(target.removesuffix(suffix)).removeprefix("sm_")
    return [f"-gencode=arch=compute_{digits}{suffix},code=sm_{digits}{suffix}"]


def cuda_home() -> Path:
    for candidate in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH")):
        if candidate:
            return Path(candidate)
    nvcc = shutil.which("nvcc")
    if nvcc:
        return Path(nvcc).resolve().parent.parent
    if Path("/usr/local/cuda/bin/nvcc").exists():
        return Path("/usr/local/cuda")
    raise BuildError("nvcc not found: install the CUDA toolkit or set CUDA_HOME")


def nvcc() -> str:
    path = cuda_home() / "bin" / "nvcc"
    if not path.exists():
        raise BuildError(f"nvcc not found at {path}: install the CUDA toolkit or set CUDA_HOME")
    return str(path)


def _tool_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError(f"could not run {' '.join(cmd)}: {exc}") from exc


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def kernel_headers() -> list[Path]:
    return sorted(p for p in registry.KERNELS_DIR.iterdir() if p.suffix in (".h", ".cuh"))


def kernel_object_key(source: Path, arch: str, flags: tuple[str, ...], nvcc_version: str) -> str:
    """Hash of everything that determines a kernel object (not its path, so checkouts share it)."""
    headers = [p.read_bytes() for p in kernel_headers()]
    return _digest(source.name, source.read_bytes(), *headers, arch, *flags, nvcc_version)


def variant_table(variants: tuple[registry.Variant, ...]) -> str:
    """variants.inc: the registry's kernels as X-macro lines for bindings.cpp."""
    lines = [
        f"FCBENCH_KERNEL_WITH_WORKSPACE({v.name})" if v.workspace else f"FCBENCH_KERNEL({v.name})"
        for v in variants
        if v.is_kernel
    ]
    return "// Generated by fcbench.build from fcbench/registry.py; do not edit.\n" + "\n".join(lines) + "\n"


@dataclass
class Step:
    rule: str
    output: Path
    inputs: list[Path]
    description: str
    flags: str = ""


@dataclass
class BuildPlan:
    arch: str
    library: Path
    steps: list[Step]  # everything the library needs; steps whose output exists are skipped


def _torch_paths() -> tuple[list[str], list[str], str]:
    import torch
    from torch.utils import cpp_extension

    if torch.version.cuda is None:
        raise BuildError(f"torch {torch.__version__} is a CPU build; running kernels needs a CUDA build of torch")
    includes = [*cpp_extension.include_paths(device_type="cuda"), str(cuda_home() / "include")]
    libdirs = cpp_extension.library_paths(device_type="cuda")
    return includes, libdirs, f"torch={torch.__version__} cuda={torch.version.cuda} abi={int(torch._C._GLIBCXX_USE_CXX11_ABI)}"


def _cudart_dir() -> Path:
    home = cuda_home()
    for d in (home / "lib64", home / "lib", home / "targets" / "x86_64-linux" / "lib"):
        if (d / "libcudart.so").exists():
            return d
    raise BuildError(f"libcudart.so not found under {home}")


def kernel_flags(target: str) -> tuple[str, ...]:
    """nvcc flags for kernel units built for target (an arch, or a variant's own target such as
    sm_90a: registry.Variant.target); FCBENCH_NVCC_FLAGS appends more (tuning experiments such as
    -DFCBENCH_CPASYNC_WARPS_D64=8). They are part of every object's key, so nothing mixes."""
    return (*KERNEL_NVCC_FLAGS, *gencode(target), *shlex.split(os.environ.get("FCBENCH_NVCC_FLAGS", "")))


def plan(arch: str | None = None, variants: tuple[registry.Variant, ...] = registry.VARIANTS) -> BuildPlan:
    arch = normalize_arch(arch) if arch else target_arch()
    root = cache_dir()
    nvcc_version = _tool_version([nvcc(), "--version"])
    cxx = os.environ.get("CXX", "c++")
    cxx_version = _tool_version([cxx, "--version"])

    # A variant whose unit is absent from this source root (added after the commit being
    # measured), or that is not built for this arch (registry.Variant.archs), is left out of
    # the table: calling it fails as an unknown kernel.
    variants = tuple(v for v in variants if not v.is_kernel or (v.source.exists() and v.target(arch)))
    steps: list[Step] = []
    objects: list[Path] = []
    for v in variants:
        if not v.is_kernel:
            continue
        target = v.target(arch)
        flags = kernel_flags(target)
        key = kernel_object_key(v.source, arch, flags, nvcc_version)
        obj = root / "objects" / f"{v.name}-{target}-{key}.o"
        steps.append(Step("nvcc", obj, [v.source], f"{v.name}.cu ({target})", " ".join(map(shlex.quote, flags))))
        objects.append(obj)

    includes, libdirs, torch_id = _torch_paths()
    table = variant_table(variants)
    binding_src = registry.CSRC_DIR / "bindings.cpp"
    abi = torch_id.rsplit("abi=", 1)[1]
    gen_dir = root / "generated" / _digest(table)
    binding_flags = [*BINDING_CXX_FLAGS, f"-D_GLIBCXX_USE_CXX11_ABI={abi}", f"-I{gen_dir}", *(f"-I{p}" for p in includes)]
    binding_key = _digest(
        binding_src.read_bytes(), (registry.KERNELS_DIR / "attention_params.h").read_bytes(), table, *binding_flags,
        torch_id, cxx_version,
    )
    binding_obj = root / "objects" / f"bindings-{binding_key}.o"
    steps.append(Step("cxx", binding_obj, [binding_src], "bindings.cpp (torch headers: the slow one)",
                      " ".join(binding_flags)))
    objects.append(binding_obj)
    gen_dir.mkdir(parents=True, exist_ok=True)
    (gen_dir / "variants.inc").write_text(table)

    # libstdc++ must be the shared one torch uses. Some toolchains (seen: the GPU machine's
    # CXX=/opt/gcc/bin/g++) only have libstdc++.a on their path; a static copy inside the
    # extension crashed the first time an error message formatted a number (its own
    # uninitialised locale). Naming the shared library first leaves the archive nothing to add.
    ldflags = [*(f"-L{d}" for d in libdirs), *(f"-Wl,-rpath,{d}" for d in libdirs),
               "-lc10", "-lc10_cuda", "-ltorch_cpu", "-ltorch", f"-L{_cudart_dir()}", "-lcudart", "-l:libstdc++.so.6"]
    library = root / "lib" / f"fcbench_ext-{arch}-{_digest(*(o.name for o in objects))}.so"
    steps.append(Step("link", library, objects, library.name, " ".join(ldflags)))
    return BuildPlan(arch, library, steps)


def _ninja_file(plan_: BuildPlan, pending: list[Step]) -> str:
    cxx = os.environ.get("CXX", "c++")
    # $out.$$ : a per-process temporary, renamed into place, so an interrupted or concurrent
    # build never leaves a truncated object under its final (trusted) name.
    lines = [
        "ninja_required_version = 1.3",
        f"rule nvcc\n  command = {shlex.quote(nvcc())} $flags -c $in -o $out.$$$$ && mv -f $out.$$$$ $out\n"
        "  description = nvcc $desc",
        f"rule cxx\n  command = {shlex.quote(cxx)} $flags -c $in -o $out.$$$$ && mv -f $out.$$$$ $out\n"
        "  description = c++ $desc",
        f"rule link\n  command = {shlex.quote(cxx)} -shared $in -o $out.$$$$ $flags && mv -f $out.$$$$ $out\n"
        "  description = link $desc",
    ]

    def esc(p: Path) -> str:
        return str(p).replace("$", "$$").replace(" ", "$ ").replace(":", "$:")

    for s in pending:
        lines.append(f"build {esc(s.output)}: {s.rule} {' '.join(esc(i) for i in s.inputs)}")
        lines.append(f"  flags = {s.flags.replace('$', '$$')}")
        lines.append(f"  desc = {s.description}")
    return "\n".join(lines) + "\n"


def build(arch: str | None = None, *, log=sys.stderr) -> Path:
    """Builds (or finds in the cache) the extension library for arch; returns its path."""
    started = time.perf_counter()
    p = plan(arch)
    pending = [s for s in p.steps if not s.output.exists()]
    cached = len(p.steps) - len(pending)
    if not pending:
        print(f"fcbench build: {p.library.name} is cached ({p.arch})", file=log)
        return p.library
    for s in pending:
        s.output.parent.mkdir(parents=True, exist_ok=True)
    print(f"fcbench build: {p.arch}, {len(pending)} step(s) to run, {cached} cached, in {cache_dir()}", file=log)
    ninja_path = cache_dir() / f"build-{p.library.stem}.ninja"
    ninja_path.write_text(_ninja_file(p, pending))
    ninja = shutil.which("ninja")
    if ninja is None:
        raise BuildError("ninja not found: pip install ninja")
    proc = subprocess.Popen([ninja, "-f", str(ninja_path), "-C", str(cache_dir())], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    output = []
    for line in proc.stdout:
        output.append(line)
        print("  " + line.rstrip(), file=log, flush=True)
    if proc.wait() != 0:
        raise BuildError(f"build failed (ninja exit {proc.returncode}); the compiler's output is above")
    check_no_static_libstdcxx(p.library)
    print(f"fcbench build: done in {time.perf_counter() - started:.1f} s -> {p.library}", file=log)
    return p.library


def check_no_static_libstdcxx(library: Path) -> None:
    """Fails (and removes the library) when the link embedded libstdc++ internals."""
    out = subprocess.run(["nm", "--defined-only", str(library)], capture_output=True, text=True).stdout
    if "_ZNSt7codecvt" in out:
        library.unlink()
        cxx = os.environ.get("CXX", "c++")
        raise BuildError(f"{cxx} linked a static libstdc++ into the extension, which crashes next to torch's "
                         "shared one; point CXX at a compiler with a shared libstdc++ (e.g. CXX=/usr/bin/c++)")


_loaded: Path | None = None


def load(arch: str | None = None) -> Path:
    """Builds if needed and loads the extension into this process (once)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    import torch

    library = build(arch)
    torch.ops.load_library(str(library))
    _loaded = library
    return library
