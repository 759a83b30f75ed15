"""Parses `ptxas -v` (nvcc -Xptxas -v) reports into per-function resource counts."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

_ENTRY = re.compile(r"Compiling entry function '(?P<name>[^']+)' for '(?P<arch>sm_\w+)'")
_PROPS = re.compile(r"Function properties for (?P<name>\S+)")
_FRAME = re.compile(r"(?P<stack>\d+) bytes stack frame, (?P<st>\d+) bytes spill stores, (?P<ld>\d+) bytes spill loads")
_USED = re.compile(r"Used (?P<regs>\d+) registers")
_SMEM = re.compile(r"(?P<smem>\d+) bytes smem")
_BARRIERS = re.compile(r"used (?P<bar>\d+) barriers")


@dataclass
class FunctionResources:
    mangled: str
    arch: str
    registers: int = 0
    static_smem_bytes: int = 0
    stack_frame_bytes: int = 0
    spill_store_bytes: int = 0
    spill_load_bytes: int = 0
    barriers: int = 0
    name: str = ""  # demangled

    @property
    def spills(self) -> bool:
        return self.spill_store_bytes > 0 or self.spill_load_bytes > 0


def parse(report: str) -> list[FunctionResources]:
    """Kernel (entry) functions in the report, in order. Non-entry device functions that
    ptxas reports separately (not inlined) are folded out; their frames show in the caller."""
    found: dict[str, FunctionResources] = {}
    current: FunctionResources | None = None
    props_for: str | None = None
    for line in report.splitlines():
        if m := _ENTRY.search(line):
            current = found.setdefault(m["name"], FunctionResources(m["name"], m["arch"]))
            continue
        if m := _PROPS.search(line):
            props_for = m["name"]
            continue
        if (m := _FRAME.search(line)) and props_for in found:
            f = found[props_for]
            f.stack_frame_bytes, f.spill_store_bytes, f.spill_load_bytes = int(m["stack"]), int(m["st"]), int(m["ld"])
            continue
        if (m := _USED.search(line)) and current is not None:
            current.registers = int(m["regs"])
            current.static_smem_bytes = int(s["smem"]) if (s := _SMEM.search(line)) else 0
            current.barriers = int(b["bar"]) if (b := _BARRIERS.search(line)) else 0
            current = None
    functions = list(found.values())
    for f, name in zip(functions, demangle([f.mangled for f in functions]), strict=True):
        f.name = name
    return functions


def demangle(names: list[str]) -> list[str]:
    if not names:
        return []
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return list(names)
    return out.splitlines()
