"""Why each row moved between two consecutive recorded commits: its code, the environment, or noise.

A benchmark history mixes three things that a latency chart cannot tell apart: a commit that
changed a kernel, a machine that changed under every kernel (a driver, torch, another device
session whose clocks sit 1-2 % apart), and the spread of the measurement itself. At each step
(commit i-1 -> i; for a row not measured at i-1, from the last commit it was measured at, with
every step's code change and offset since) and for each (variant, shape):

  code          the variant's compiled inputs differ between the two commits (its unit and the kernel
                headers it includes, directly or not, as git holds them; the SDPA peers are torch's,
                never code). csrc/bindings.cpp is not counted: it changes with every registration
                and, hashed into every kernel, made the other kernels of the H200 climb "code" where
                they moved with the device session; a slowdown it causes reads as the machine's;
  environment   the recorded environment (device, driver, CUDA, torch, clock) changed, or the rows
                whose code did not change moved together: their median log-ratio is the step's
                common offset, and a row that moved, within its band of that offset, moved with
                the machine; an SDPA peer that moved where the environment changed moved with it
                (torch is the environment's);
  noise         neither: the row moved within its own band (also where the machine moved and
                the row did not).

A row's change is also given *net of the common offset* (its ratio over the offset's), which is
what a kernel's own change is worth when the whole machine moved. A row's band is learned from
its own history: 4 robust standard deviations (1.4826 x the median absolute deviation) of its
net log-ratios over the steps where its code did not change, never less than 0.5 %; with fewer
than 5 such steps, the pooled value of every row's.

A step is headlined when it is code's and its net change exceeds both the band and a practical
threshold (half the gate's latency budget of the row): that is a kernel author's change that
matters. Resources (registers, shared memory, spill, stack) are exact: every change is an event,
headlined when the code changed and the value reaches 95 % of its ceiling or more, or a spill or
stack frame appears.
"""

from __future__ import annotations

import math
import re
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import registry
from .config import GateConfig

# What the environment is, from each result file's asv params (history.write_results).
ENV_KEYS = ("name", "capability", "driver", "cuda", "torch", "sm_clock_max_mhz", "timer")
Z = 4.0  # band width in robust standard deviations
MIN_BAND = math.log1p(0.005)  # 0.5 %: no row is read finer than this
MIN_STEPS = 5  # a row's own band needs this many code-unchanged steps; else the pooled band
NEAR_CEILING = 0.95
RESOURCES = {"registers": "max_registers", "smem_bytes": "max_smem_bytes", "spill_bytes": "max_spill_bytes",
             "stack_bytes": "max_stack_bytes"}
UNITS = {"latency": "us", "registers": "registers", "smem_bytes": "B", "spill_bytes": "B", "stack_bytes": "B"}


def near_ceiling(value: float, ceiling: float) -> bool:
    """Over the ceiling or at or within 5 % of it (where the ceiling is 0, spills: any at all)."""
    return value > ceiling or (ceiling > 0 and value >= NEAR_CEILING * ceiling)


@dataclass
class Attribution:
    """One machine's history, attributed. Per commit index i (0 has no step):
    env_changes[i]: {key: [before, after]} of the recorded environment;
    offsets[i]: the common offset as a ratio (None: too few unchanged rows to say);
    code[i][variant]: True / False (its compiled inputs changed / did not), None: unknown;
    cause[key][i], net[key][i]: each latency row's attribution and net ratio; band[key]: its band (ratio);
    events: the code- and resource-events and environment changes, headline flagged."""

    env_changes: list[dict] = field(default_factory=list)
    offsets: list[float | None] = field(default_factory=list)
    code: list[dict] = field(default_factory=list)
    cause: dict = field(default_factory=dict)
    net: dict = field(default_factory=dict)
    band: dict = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    previous: dict = field(default_factory=dict)  # key -> per i, the last commit before i the row was measured at


def environment(params: dict) -> dict:
    return {k: str(params[k]) for k in ENV_KEYS if params.get(k) not in (None, "")}


def env_changes(envs: list[dict]) -> list[dict]:
    """Per step, the keys both commits recorded whose values differ: a key one file lacks (asv's
    own `asv run` records no device) is unknown there, not a change to or from nothing."""
    out = [{}]
    for before, after in zip(envs, envs[1:], strict=False):
        a, b = environment(before), environment(after)
        out.append({k: [a[k], b[k]] for k in sorted(set(a) & set(b)) if a[k] != b[k]})
    return out


_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def _unit_digests(repo: Path, sha: str, blobs: dict[str, str]) -> dict:
    """variant -> (its unit's blob, the blobs of the headers it includes, transitively), from the
    blobs of csrc/kernels/ at one commit."""
    texts = {}
    proc = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"],
                          input="".join(f"{b}\n" for b in blobs.values()).encode(), capture_output=True)
    if proc.returncode == 0:
        out, pos = proc.stdout, 0
        for name in blobs:  # each object: b"<sha> blob <size>\n<content>\n", sizes in bytes
            header_end = out.index(b"\n", pos)
            size = int(out[pos:header_end].split()[2])
            texts[name] = out[header_end + 1:header_end + 1 + size].decode(errors="replace")
            pos = header_end + 1 + size + 1
    digests = {}
    for unit in (n for n in blobs if n.endswith(".cu")):
        seen, todo = set(), [unit]
        while todo:  # headers included from the unit, and from those headers
            for inc in _INCLUDE.findall(texts.get(todo.pop(), "")):
                name = Path(inc).name
                if name in blobs and name not in seen:
                    seen.add(name)
                    todo.append(name)
        # Unreadable contents: every header, as before (a change can't be ruled out).
        included = seen if unit in texts else {n for n in blobs if n.endswith((".h", ".cuh"))}
        digests[unit.removesuffix(".cu")] = (blobs[unit], tuple(sorted((n, blobs[n]) for n in included)))
    return digests


def kernel_digests(repo: Path | None, shas: list[str]) -> list[dict | None]:
    """Per commit: variant -> the git blob ids of its unit and of the kernel headers it includes,
    for every kernel unit in csrc/kernels/ at that commit; None for a commit the repository lacks
    (or without a repository)."""
    out: list[dict | None] = []
    for sha in shas:
        if repo is None:
            out.append(None)
            continue
        proc = subprocess.run(["git", "-C", str(repo), "ls-tree", sha, "--", "csrc/kernels/"], capture_output=True,
                              text=True)
        if proc.returncode != 0:
            out.append(None)
            continue
        blobs = {}
        for line in proc.stdout.splitlines():
            meta, _, path = line.partition("\t")
            blobs[Path(path).name] = meta.split()[2]
        out.append(_unit_digests(repo, sha, blobs))
    return out


def code_changes(digests: list[dict | None], variants: list[str]) -> list[dict]:
    out: list[dict] = [{}]
    for before, after in zip(digests, digests[1:], strict=False):
        step = {}
        for v in variants:
            if not registry.is_kernel_name(v):
                step[v] = False  # torch's: a change of it is the environment's
            elif before is None or after is None:
                step[v] = None
            else:
                step[v] = before.get(v) != after.get(v)
        out.append(step)
    return out


def _robust_sigma(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    mid = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - mid) for v in values)


def attribute(hist, cfg: GateConfig, digests: list[dict | None]) -> Attribution:
    """hist: report_data.History (latency and resource series, envs per commit)."""
    n = len(hist.commits)
    lat = hist.series["latency"]
    keys = [k for k in hist.keys if k in lat]
    variants = sorted({v for v, _ in keys})
    envs = list(hist.envs) + [{}] * (n - len(hist.envs))
    digests = list(digests) + [None] * (n - len(digests))
    att = Attribution(env_changes=env_changes(envs), code=code_changes(digests, variants))
    # Per row and commit i: the last commit before i the row was measured at (a failed or absent
    # commit between them is stepped over: a change made there is judged at the next measured
    # one), and the row's log-ratio from there to i.
    raw = {}
    for key in keys:
        last, att.previous[key], raw[key] = 0, [None], [None]
        for i in range(1, n):
            a, b = lat[key][last].value, lat[key][i].value
            att.previous[key].append(last)
            raw[key].append(math.log(b / a) if a and b else None)
            if b:
                last = i

    def since(key, i):
        return range(att.previous[key][i] + 1, i + 1)

    def code_since(key, i):
        """Whether the row's code changed at any step since its last measured commit: True if at
        one, None (unknown) if at none but one is unknown, else False."""
        steps = [att.code[t].get(key[0]) for t in since(key, i)]
        return True if True in steps else None if None in steps else False

    # The common offset at each step: the rows whose code did not change (peers included). With
    # the registry's 7 kernels and 4 peers, a torch upgrade that moves the peers alone leaves it
    # at the kernels' (an offset of the kernels' rows alone changed the bands learned from the
    # H100 climb's history and its events at v10.19: not made).
    att.offsets = [None]
    for i in range(1, n):
        moved = [r for key in keys if att.code[i].get(key[0]) is False and (r := raw[key][i]) is not None]
        att.offsets.append(statistics.median(moved) if len(moved) >= 3 else None)
    for key in keys:
        att.net[key] = [None] * n
        for i in range(1, n):
            r = raw[key][i]
            if r is not None:  # across a gap, net of every step's offset since the last measurement
                att.net[key][i] = r - sum(att.offsets[t] or 0.0 for t in since(key, i))
    # Bands: each row's own, from its code-unchanged steps; the pooled one where it has too few.
    own = {key: [att.net[key][i] for i in range(1, n) if att.net[key][i] is not None and code_since(key, i) is False]
           for key in keys}
    pooled_sigma = _robust_sigma([x for values in own.values() for x in values]) or 0.0
    for key in keys:
        sigma = _robust_sigma(own[key]) if len(own[key]) >= MIN_STEPS else pooled_sigma
        att.band[key] = max(Z * (sigma or 0.0), MIN_BAND)
    # The common offset is a real move where it exceeds the pooled band (or the environment changed).
    common_band = max(Z * pooled_sigma, MIN_BAND)
    for key in keys:
        causes = [None] * n
        for i in range(1, n):
            net = att.net[key][i]
            if net is None:
                continue
            changed = code_since(key, i)
            within = abs(net) <= att.band[key]
            moved = abs(raw[key][i]) > att.band[key]  # the row itself, before the offset
            machine_moved = bool(att.env_changes[i]) or abs(att.offsets[i] or 0.0) > common_band
            if changed:
                causes[i] = "code"
            elif changed is None and not within:
                causes[i] = "unknown"  # the repository lacks a commit: code can't be ruled out
            elif not registry.is_kernel_name(key[0]) and att.env_changes[i] and moved:
                causes[i] = "environment"  # a peer is torch's: a torch or driver change moves it alone
            elif machine_moved and within:
                causes[i] = "environment" if moved else "noise"  # moved with the machine, or did not move
            else:
                causes[i] = "noise" if within else "unexplained"
        att.cause[key] = causes
    att.events = _events(hist, cfg, att, keys)
    return att


def _events(hist, cfg: GateConfig, att: Attribution, keys) -> list[dict]:
    from asv._stats import mann_whitney_u

    n = len(hist.commits)
    events = []
    for i in range(1, n):
        if att.env_changes[i]:
            events.append({"index": i, "kind": "environment", "changes": att.env_changes[i],
                           "offset": _ratio(att.offsets[i]), "headline": False})
        for key in keys:
            cause, net = att.cause[key][i], att.net[key][i]
            if cause not in ("code", "unknown") or abs(net) <= att.band[key]:
                continue
            j = att.previous[key][i]  # the last measured commit before i
            before, after = hist.series["latency"][key][j].value, hist.series["latency"][key][i].value
            budget = cfg.budget(*key) if registry.is_kernel_name(key[0]) else cfg.latency_budget
            practical = math.log1p(budget / 2)
            samples = [hist.entries[t]["latency"].get(key) for t in (j, i)]
            p = None
            if all(s is not None and s.samples for s in samples):
                p = mann_whitney_u(samples[0].samples, samples[1].samples)[1]
            events.append({"index": i, "kind": "latency", "variant": key[0], "shape": key[1], "cause": cause,
                           "before": before, "after": after, "unit": UNITS["latency"], "ratio": after / before,
                           "net": math.exp(net), "band": math.exp(att.band[key]), "p": p,
                           "headline": abs(net) > practical})
    for metric, limit in RESOURCES.items():
        seen = set()  # resources depend on the head dim alone: one event per (variant, D), not per shape
        for key, points in sorted(hist.series.get(metric, {}).items()):
            dim = f"D={key[1].strip('()').split(',')[3]}"
            if not registry.is_kernel_name(key[0]) or (key[0], dim) in seen:
                continue
            seen.add((key[0], dim))
            ceiling = getattr(cfg.ceilings_for(key[0]), limit)
            for i in range(1, n):
                before, after = points[i - 1].value, points[i].value
                if before is None or after is None or before == after:
                    continue
                changed = att.code[i].get(key[0]) if i < len(att.code) else None
                near = near_ceiling(after, ceiling)
                events.append({"index": i, "kind": metric, "variant": key[0], "shape": dim,
                               "cause": "code" if changed else ("unknown" if changed is None else "environment"),
                               "before": before, "after": after, "unit": UNITS[metric], "ceiling": ceiling,
                               "near_ceiling": near, "headline": bool(changed is not False and near and after > before)})
    events.sort(key=lambda e: (e["index"], e["kind"] != "environment", not e["headline"], e.get("variant", ""),
                               e.get("shape", "")))
    return events


def _ratio(log_value: float | None) -> float | None:
    return None if log_value is None else math.exp(log_value)
