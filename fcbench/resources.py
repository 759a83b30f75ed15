"""fcbench resources: registers, shared memory, spills and stack of every kernel, per arch,
from nvcc alone (no GPU, no CUDA build of torch).

Each kernel unit is compiled with the build's flags into a small shared library with
`-Xptxas -v`. ptxas reports per-function registers, static shared memory, stack and spills;
the dynamic shared memory a launcher requests is not in that report, so the library is
loaded (no GPU needed: nothing CUDA is called) and its fcbench_<name>_launch_info() says,
per head dim, which kernels it launches with how many threads and how much dynamic shared
memory. The kernel pointers it returns are matched to symbol names with `nm`.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from . import build, ptxas, registry

DEFAULT_ARCHS = ("sm_89", "sm_90")  # the L4 CI runner, and the H100 we develop on


@dataclass
class KernelResources:
    variant: str
    arch: str
    head_dim: int
    kernel: str  # demangled, without the parameter list
    threads: int
    registers: int
    static_smem_bytes: int
    dynamic_smem_bytes: int
    spill_store_bytes: int
    spill_load_bytes: int
    stack_frame_bytes: int

    @property
    def smem_bytes(self) -> int:
        return self.static_smem_bytes + self.dynamic_smem_bytes

    @property
    def spill_bytes(self) -> int:
        return self.spill_store_bytes + self.spill_load_bytes

    def as_dict(self) -> dict:
        return {**asdict(self), "smem_bytes": self.smem_bytes, "spill_bytes": self.spill_bytes}


class _LaunchInfo(ctypes.Structure):
    _fields_ = [("kernel", ctypes.c_void_p), ("threads", ctypes.c_uint), ("dynamic_smem_bytes", ctypes.c_size_t)]


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p), ("dli_sname", ctypes.c_char_p),
                ("dli_saddr", ctypes.c_void_p)]


def _unit_paths(variant: registry.Variant, arch: str) -> tuple[str, tuple[str, ...], Path, Path]:
    """(nvcc, flags, library, ptxas report) of a kernel unit for arch; the names carry its content key."""
    arch = build.normalize_arch(arch)
    if why := variant.arch_reason(arch):
        raise ValueError(f"arch: {variant.name} is {why}")
    flags = (*build.kernel_flags(variant.target(arch)), "-Xptxas", "-v", "-shared")
    nvcc = build.nvcc()
    key = build.kernel_object_key(variant.source, arch, flags, build._tool_version([nvcc, "--version"]))
    library = build.cache_dir() / "resources" / f"{variant.name}-{arch}-{key}.so"
    return nvcc, flags, library, library.with_suffix(".ptxas.txt")


def is_cached(variant: registry.Variant, arch: str) -> bool:
    """Whether compile_unit would find this unit already compiled."""
    _, _, library, report_path = _unit_paths(variant, arch)
    return library.exists() and report_path.exists()


def compile_unit(variant: registry.Variant, arch: str) -> tuple[str, Path]:
    """Compiles a kernel unit for arch (cached by content); returns (ptxas report, library)."""
    arch = build.normalize_arch(arch)
    nvcc, flags, library, report_path = _unit_paths(variant, arch)
    library.parent.mkdir(parents=True, exist_ok=True)
    if library.exists() and report_path.exists():
        return report_path.read_text(), library
    tmp = library.with_suffix(f".{os.getpid()}.tmp")
    proc = subprocess.run([nvcc, *flags, str(variant.source), "-o", str(tmp)], capture_output=True, text=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise build.BuildError(f"nvcc failed on {variant.source.name} for {arch}:\n{proc.stderr.strip()}")
    report_path.write_text(proc.stderr)
    tmp.replace(library)
    return proc.stderr, library


def _symbols(library: Path) -> dict[int, str]:
    out = subprocess.run(["nm", "--defined-only", str(library)], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            table.setdefault(int(parts[0], 16), parts[2])
    return table


def launches(variant: registry.Variant, library: Path, head_dim: int) -> list[tuple[str, int, int]]:
    """(demangled kernel, threads, dynamic smem bytes) for each kernel launched at head_dim."""
    lib = ctypes.CDLL(str(library), mode=os.RTLD_LOCAL)
    fn = getattr(lib, f"fcbench_{variant.name}_launch_info")
    fn.restype = ctypes.c_int
    entries = (_LaunchInfo * 8)()
    count = fn(ctypes.c_int(head_dim), entries, ctypes.c_int(len(entries)))
    info = _DlInfo()
    if not ctypes.CDLL(None).dladdr(ctypes.cast(fn, ctypes.c_void_p), ctypes.byref(info)):
        raise RuntimeError(f"dladdr could not locate {library.name}")
    symbols = _symbols(library)
    names = ptxas.demangle([symbols.get(entries[i].kernel - info.dli_fbase, "?") for i in range(count)])
    return [(names[i], entries[i].threads, entries[i].dynamic_smem_bytes) for i in range(count)]


def _short(demangled: str) -> str:
    """'void fcbench::wmma_qk_kernel<64>(fcbench::AttentionParams)' -> 'wmma_qk_kernel<64>'."""
    name = demangled.split("(", 1)[0].removeprefix("void ")
    return name.rsplit("::", 1)[-1] if "<" not in name else name.split("<", 1)[0].rsplit("::", 1)[-1] + "<" + name.split("<", 1)[1]


def unit_resources(variant: registry.Variant, arch: str) -> list[KernelResources]:
    report, library = compile_unit(variant, arch)
    functions = {f.name: f for f in ptxas.parse(report)}
    rows = []
    for head_dim in variant.head_dims:
        for name, threads, dynamic_smem in launches(variant, library, head_dim):
            f = functions.get(name)
            if f is None:
                raise RuntimeError(f"{variant.name}: launcher reports kernel {name!r}, which ptxas did not compile")
            rows.append(KernelResources(variant.name, build.normalize_arch(arch), head_dim, _short(name), threads,
                                        f.registers, f.static_smem_bytes, dynamic_smem, f.spill_store_bytes,
                                        f.spill_load_bytes, f.stack_frame_bytes))
    return rows


def collect(variants: tuple[registry.Variant, ...], archs: tuple[str, ...] = DEFAULT_ARCHS,
            progress: TextIO | None = None) -> list[KernelResources]:
    """Resource rows of every kernel variant for every arch it is built for
    (registry.not_built: the others).
    progress (e.g. sys.stderr): a line before the compiles, which take ~15 s on 2 cores uncached
    and print nothing meanwhile (issue 26)."""
    jobs = [(v, a) for a in archs for v in variants if v.is_kernel and not v.arch_reason(build.normalize_arch(a))]
    if progress is not None and jobs:
        to_compile = sum(not is_cached(v, a) for v, a in jobs)
        archs_text = ", ".join(dict.fromkeys(build.normalize_arch(a) for a in archs))
        if to_compile:
            cached = f" ({len(jobs) - to_compile} cached)" if to_compile < len(jobs) else ""
            print(f"fcbench resources: compiling {to_compile} kernel unit(s) for {archs_text} with nvcc{cached} ...",
                  file=progress, flush=True)
        else:
            print(f"fcbench resources: {len(jobs)} kernel unit(s) for {archs_text} already compiled (cache)",
                  file=progress, flush=True)
    # Compiles run in parallel; ctypes loading happens in each worker too, which is safe
    # (distinct libraries, RTLD_LOCAL).
    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 1)) as pool:
        parts = list(pool.map(lambda job: unit_resources(*job), jobs))
    return [row for part in parts for row in part]
