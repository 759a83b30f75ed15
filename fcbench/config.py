"""fcbench's configuration: [tool.fcbench] in pyproject.toml, validated with errors that name
the key and what is allowed."""

from __future__ import annotations

import contextlib
import difflib
import math
import os
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import registry


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ResourceCeilings:
    max_registers: int = 255
    max_smem_bytes: int = 99 * 1024  # the L4's (sm_89) per-block limit
    max_spill_bytes: int = 0
    # Local memory: a stack frame (a dynamically indexed array, a non-inlined call) costs DRAM
    # traffic like a spill does, and ptxas reports it apart from spills. No kernel has one.
    max_stack_bytes: int = 0

    def violations(self, registers: int | None, smem_bytes: int | None, spill_bytes: int | None,
                   stack_bytes: int | None = None) -> list[str]:
        """What is over a ceiling, in words; None counts as not measured."""
        over = []
        if registers is not None and registers > self.max_registers:
            over.append(f"{registers} registers > {self.max_registers}")
        if smem_bytes is not None and smem_bytes > self.max_smem_bytes:
            over.append(f"{smem_bytes} B shared memory > {self.max_smem_bytes}")
        if spill_bytes is not None and spill_bytes > self.max_spill_bytes:
            over.append(f"{spill_bytes} B spilled > {self.max_spill_bytes}")
        if stack_bytes is not None and stack_bytes > self.max_stack_bytes:
            over.append(f"{stack_bytes} B stack frame (local memory) > {self.max_stack_bytes}")
        return over


@dataclass(frozen=True)
class GateConfig:
    latency_budget: float = 0.03  # head may be up to 3% slower than base (README; docs/RESULTS.md's A/A runs)
    significance: float = 0.002  # Mann-Whitney U p-value below which a difference is real (asv's default)
    latency_budget_overrides: dict[str, float] = field(default_factory=dict)  # "variant" or "variant(B,H,S,D)"
    ceilings: ResourceCeilings = ResourceCeilings()
    variant_ceilings: dict[str, ResourceCeilings] = field(default_factory=dict)

    def budget(self, variant: str, shape: str) -> float:
        return self.latency_budget_overrides.get(
            f"{variant}{shape}", self.latency_budget_overrides.get(variant, self.latency_budget))

    def ceilings_for(self, variant: str) -> ResourceCeilings:
        return self.variant_ceilings.get(variant, self.ceilings)


@dataclass(frozen=True)
class Config:
    error_floor_relative: float = 2.0**-10  # the check's floor: two fp16 roundings of max|ref|
    gate: GateConfig = GateConfig()
    # The longest any one request to a measuring process may take (a check case, a bench shape,
    # a batch of latency samples) before the watchdog kills it as HUNG; comparisons bound the
    # head tighter, from the base's time (fcbench.supervise.bound_s).
    hang_timeout_s: float = 60.0


def _number(table: dict, key: str, where: str, *, low: float, high: float, integer: bool = False):
    value = table[key]
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not math.isfinite(value) or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"[{where}] {key} = {value!r}: expected {kind} in [{low}, {high}]")
    return value


def _ceilings(table: dict, where: str, base: ResourceCeilings) -> ResourceCeilings:
    allowed = {"max_registers": 255, "max_smem_bytes": 228 * 1024, "max_spill_bytes": 1 << 20, "max_stack_bytes": 1 << 20}
    _no_unknown_keys(table, allowed, where)
    values = {k: _number(table, k, where, low=0, high=allowed[k], integer=True) for k in allowed if k in table}
    return ResourceCeilings(**{**base.__dict__, **values})


def _no_unknown_keys(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"[{where}] unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _table(parent: dict, key: str, where: str) -> dict:
    """parent[key] as a table ({} if absent); anything else is an error naming it."""
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{where}] {key} = {value!r}: expected a table ([{where}.{key}])")
    return value


def _variant_key(key: str, where: str, *, shape_allowed: bool) -> None:
    """'variant', or with shape_allowed 'variant(B,H,S,D[,causal])' exactly as the gate spells shapes."""
    from .shapes import parse_shape

    name, paren, rest = key.partition("(")
    names = [v.name for v in registry.VARIANTS]
    if name not in names and os.environ.get(BASE_ENV) != "1":
        raise ConfigError(f"[{where}] {key!r}: unknown variant {name!r}; known: {', '.join(names)}")
    if not paren:
        return
    example = "wmma_qk(1,8,512,64) or wmma_qk(4,16,2048,64,causal)"
    if not shape_allowed:
        raise ConfigError(f"[{where}] {key!r}: expected a variant name, not a variant and a shape")
    try:
        shape = parse_shape(rest.removesuffix(")")) if rest.endswith(")") else None
    except ValueError:
        shape = None
    if shape is None or f"{name}{shape}" != key:
        raise ConfigError(f"[{where}] {key!r}: expected 'variant' or 'variant(B,H,S,D[,causal])', e.g. {example}")


def parse(data: dict) -> Config:
    """Config from the [tool.fcbench] table (a dict)."""
    _no_unknown_keys(data, {"error_floor_relative", "gate", "hang_timeout_s"}, "tool.fcbench")
    floor = _number(data, "error_floor_relative", "tool.fcbench", low=0, high=1) if "error_floor_relative" in data \
        else Config.error_floor_relative
    hang_timeout_s = _number(data, "hang_timeout_s", "tool.fcbench", low=1, high=3600) if "hang_timeout_s" in data \
        else Config.hang_timeout_s
    gate = _table(data, "gate", "tool.fcbench")
    where = "tool.fcbench.gate"
    _no_unknown_keys(gate, {"latency_budget", "significance", "latency_budget_overrides", "max_registers",
                            "max_smem_bytes", "max_spill_bytes", "max_stack_bytes", "variants"}, where)
    budget = _number(gate, "latency_budget", where, low=0, high=10) if "latency_budget" in gate \
        else GateConfig.latency_budget
    significance = _number(gate, "significance", where, low=1e-9, high=0.5) if "significance" in gate \
        else GateConfig.significance
    overrides = {}
    override_table = _table(gate, "latency_budget_overrides", where)
    for key in override_table:
        _variant_key(key, f"{where}.latency_budget_overrides", shape_allowed=True)
        overrides[key] = _number(override_table, key, f"{where}.latency_budget_overrides", low=0, high=10)
    ceilings = _ceilings({k: gate[k] for k in ("max_registers", "max_smem_bytes", "max_spill_bytes", "max_stack_bytes")
                          if k in gate},
                         where, ResourceCeilings())
    per_variant = {}
    variant_tables = _table(gate, "variants", where)
    for name in variant_tables:
        _variant_key(name, f"{where}.variants", shape_allowed=False)
        per_variant[name] = _ceilings(_table(variant_tables, name, f"{where}.variants"), f"{where}.variants.{name}",
                                      ceilings)
    return Config(floor, GateConfig(budget, significance, overrides, ceilings, per_variant), hang_timeout_s)


# `fcbench ci pr` points this at the base commit's pyproject.toml, so that every reader of the
# configuration in that run and its measuring processes (the gate's budgets and ceilings, the
# check's error floor, the watchdog's bound) holds the head to the base's bar.
CONFIG_ENV = "FCBENCH_CONFIG"
# Set beside it by bar_of: that file is a base commit's, checked against the base's own registry
# when it merged. A variant it names that the head's registry no longer has is not a reason the
# gate cannot run: the head dropped it, and the gate says so (MISSING, gate.dropped).
BASE_ENV = "FCBENCH_CONFIG_FROM_BASE"


def load(pyproject: Path | None = None) -> Config:
    path = pyproject or Path(os.environ.get(CONFIG_ENV) or registry.REPO_ROOT / "pyproject.toml")
    if not path.exists():
        if pyproject is None and os.environ.get(CONFIG_ENV):  # named on purpose: the defaults would pass unseen
            raise ConfigError(f"{CONFIG_ENV}={path}: no such file")
        return Config()
    try:
        data = tomllib.loads(path.read_text())
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: tool = {tool!r}: [tool] must be a table (fcbench reads [tool.fcbench])")
    for name in tool:  # a misspelt table would leave its budgets unread, the defaults in force: refuse it
        if name != "fcbench" and difflib.get_close_matches(name, ["fcbench"], n=1, cutoff=0.7):
            raise ConfigError(f"{path}: [tool.{name}] is not read by fcbench; did you mean [tool.fcbench]?")
    return parse(_table(tool, "fcbench", "tool"))


def changes(base: Config, head: Config) -> list[str]:
    """What a head's [tool.fcbench] changes from the base's, one 'key: base -> head' each."""
    def flat(value, prefix=""):
        if hasattr(value, "__dataclass_fields__"):
            value = {k: getattr(value, k) for k in value.__dataclass_fields__}
        if isinstance(value, dict):
            return {k2: v2 for k, v in value.items() for k2, v2 in flat(v, f"{prefix}{k}.").items()}
        return {prefix.rstrip("."): value}

    old, new = flat(base), flat(head)
    return [f"{key}: {old.get(key, '(unset)')} -> {new.get(key, '(unset)')}"
            for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)]


@contextlib.contextmanager
def bar_of(repo: Path, base_sha: str):
    """Within: config.load() reads the base commit's [tool.fcbench] (the bar is the base's), here
    and in the measuring processes started here. Yields (base config, the head checkout's
    changes to it, one line each)."""
    shown = subprocess.run(["git", "-C", str(repo), "show", f"{base_sha}:pyproject.toml"], capture_output=True, text=True)
    head = load()
    with tempfile.TemporaryDirectory(prefix="fcbench-bar-") as tmp:
        path = Path(tmp) / "pyproject.toml"
        path.write_text(shown.stdout if shown.returncode == 0 else "")  # no pyproject at the base: the defaults
        before = {name: os.environ.get(name) for name in (CONFIG_ENV, BASE_ENV)}
        os.environ.update({CONFIG_ENV: str(path), BASE_ENV: "1"})
        try:
            base = load(path)
            yield base, changes(base, head)
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
