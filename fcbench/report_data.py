"""What the report shows, as data: one machine's history read from its asv results, the commits
as people know them (from git), and the judgements drawn from it with the gate's own rules.

- Every metric per (variant, shape) and commit, in commit order (asv's stored commit date).
- Latency as a ratio to the fastest SDPA peer on the same commit: a driver, clock or torch
  change moves the peers too, so the ratio shows what the kernel itself did.
- Verdicts by fcbench.gate.evaluate (budgets and overrides from [tool.fcbench.gate], the same
  significance test, the same names): each commit against the one before it, and the latest
  commit against every earlier one, so a page can colour its table for whichever baseline the
  reader picks without a second implementation of the gate in JavaScript.
- asv's step detection on the latency medians, and where it and the gate disagree, why.
"""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import attribution, gate, registry
from .config import GateConfig
from .history import BENCHMARKS, ENV_NAME, ran, read_benchmark, read_failures
from .shapes import shape_from_label

# Metric -> (title, unit) in page order: what a variant page charts.
METRICS = {
    "latency": ("Latency", "us per call"),
    "tflops": ("Throughput", "TFLOP/s"),
    "error_over_bound": ("Error / bound (over 1 fails)", "max |out - ref| / bound"),
    "max_abs_error": ("Max abs error", "max |out - ref|"),
    "registers": ("Registers", "per thread (largest kernel)"),
    "smem_bytes": ("Shared memory", "bytes per block"),
    "spill_bytes": ("Register spills", "bytes (stores + loads)"),
    "stack_bytes": ("Stack frame", "bytes (local memory)"),
}
RESOURCE_METRICS = ("registers", "smem_bytes", "spill_bytes", "stack_bytes")  # depend on the head dim only


@dataclass
class Commit:
    sha: str
    date_ms: int  # asv's: the commit's date when it was recorded
    subject: str = ""
    author: str = ""
    tags: tuple[str, ...] = ()
    position: int = 0  # in git's topological order (parents first), where git knows the commit
    in_repo: bool = False  # git knows it: subject, author, date and order are git's

    @property
    def pr(self) -> int | None:
        """The pull request a merge names ("Merge pull request #12", "... (#12)"), if any."""
        m = re.search(r"^Merge pull request #(\d+)|\(#(\d+)\)$", self.subject)
        return int(m.group(1) or m.group(2)) if m else None


@dataclass
class Point:
    value: float | None
    q25: float | None = None
    q75: float | None = None


@dataclass
class History:
    """One machine's history, oldest commit first."""

    machine: str
    commits: list[Commit] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    series: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))  # metric -> key -> [Point]
    entries: list[dict] = field(default_factory=list)  # per commit: gate.entries (samples for the gate's test)
    envs: list[dict] = field(default_factory=list)  # per commit: its result file's params (device, driver, ...)
    digests: list = field(default_factory=list)  # per commit: attribution.kernel_digests (None: not in the repository)
    failures: list[dict] = field(default_factory=list)  # per commit: history.read_failures

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(variant, shape) with any value, in registry order then shape order."""
        found = {k for metric in self.series.values() for k, pts in metric.items() if any(p.value is not None for p in pts)}
        return sorted(found, key=lambda k: (variant_position(k[0]), shape_order(k[1])))


def variant_position(name: str) -> int:
    """The variant's place in the registry; a name it doesn't know (an old result) comes last."""
    names = [v.name for v in registry.VARIANTS]
    return names.index(name) if name in names else len(names)


def shape_order(shape: str) -> list:
    return [int(x) if x.isdigit() else x for x in shape.strip("()").split(",")]


def head_dim(shape: str) -> str:
    return shape.strip("()").split(",")[3]


def machines(results_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in Path(results_dir).glob("*/machine.json"))


def load_history(results_dir: Path, machine: str, repo: Path | None = None) -> History:
    from asv.results import iter_results_for_machine

    # One result file per commit: fcbench record's, else one that asv's own commands wrote
    # (`asv run` through the fcbench-layered environment).
    by_commit: dict = {}
    for r in iter_results_for_machine(str(results_dir), machine):
        if r.commit_hash not in by_commit or r.env_name == ENV_NAME:
            by_commit[r.commit_hash] = r
    known = commit_info(repo, list(by_commit)) if repo else {}
    # Commit order: asv's commit date, and where two share a second, git's (parents first).
    found = sorted(by_commit.values(), key=lambda r: (r.date, known[r.commit_hash].position if r.commit_hash in known
                                                      else 0))
    hist = History(machine, [known.get(r.commit_hash) or Commit(r.commit_hash, r.date) for r in found],
                   found[-1].params if found else {})
    hist.digests = attribution.kernel_digests(repo, [r.commit_hash for r in found])
    for i, results in enumerate(found):
        hist.envs.append(dict(results.params))
        hist.entries.append(gate.entries(results))
        hist.failures.append(read_failures(results_dir, machine, results.commit_hash))
        for metric, name in BENCHMARKS.items():
            scale = 1e6 if metric == "latency" else 1.0
            for key, (value, st, _) in read_benchmark(results, name).items():
                ok = ran(value)
                points = hist.series[metric][key]
                points.extend([Point(None)] * (i - len(points)))  # absent at earlier commits
                points.append(Point(value * scale if ok else None,
                                    st["q_25"] * scale if ok and st and "q_25" in st else None,
                                    st["q_75"] * scale if ok and st and "q_75" in st else None))
    for metric in hist.series.values():
        for points in metric.values():
            points.extend([Point(None)] * (len(hist.commits) - len(points)))
    # TFLOP/s at each commit's median latency: derived here, not stored (asv reads every stored
    # metric as lower-is-better, and would call a faster kernel's higher TFLOP/s a regression).
    for (variant, shape), points in list(hist.series["latency"].items()):
        flops = shape_from_label(shape).flops
        hist.series["tflops"][(variant, shape)] = [Point(flops / (p.value * 1e-6) / 1e12 if p.value else None)
                                                   for p in points]
    return hist


def commit_info(repo: Path, shas: list[str]) -> dict[str, Commit]:
    """Subject, author, date, tags and order of each commit the repository has. A
    results directory copied from elsewhere may name commits this repository lacks: those are
    left out (the page shows their sha and asv's date)."""
    fmt = "%H%x1f%ct%x1f%an%x1f%s"
    log = subprocess.run(["git", "-C", str(repo), "log", "--no-walk=unsorted", "--ignore-missing", "--stdin",
                          f"--format={fmt}"], input="\n".join(shas), capture_output=True, text=True)
    refs = subprocess.run(["git", "-C", str(repo), "for-each-ref", "--format=%(objectname) %(*objectname) %(refname:short)",
                           "refs/tags"], capture_output=True, text=True)
    order = subprocess.run(["git", "-C", str(repo), "rev-list", "--topo-order", "--reverse", "--ignore-missing",
                            "--stdin"], input="\n".join(shas), capture_output=True, text=True)
    if log.returncode != 0 or order.returncode != 0:
        return {}
    position = {sha: i for i, sha in enumerate(order.stdout.split())}
    tags = defaultdict(list)
    for line in refs.stdout.splitlines() if refs.returncode == 0 else []:
        *objects, name = line.split(" ")
        tags[objects[-1] or objects[0]].append(name)  # an annotated tag names the commit it peels to
    out = {}
    for line in log.stdout.splitlines():
        sha, ct, author, subject = line.split("\x1f", 3)
        out[sha] = Commit(sha, int(ct) * 1000, subject, author, tuple(tags.get(sha, ())), position[sha], in_repo=True)
    return out


def fastest_peer(hist: History, shape: str, i: int) -> tuple[str, float] | None:
    """The fastest SDPA peer at commit i and its latency (us), or None where no peer ran."""
    peers = [(v, pts[i].value) for (v, s), pts in hist.series["latency"].items()
             if s == shape and not registry.is_kernel_name(v) and pts[i].value is not None]
    return min(peers, key=lambda p: p[1]) if peers else None


def peer_ratios(hist: History, key) -> list[float | None]:
    """The variant's latency / the fastest SDPA peer's on the same commit."""
    out = []
    for i, p in enumerate(hist.series["latency"][key]):
        peer = fastest_peer(hist, key[1], i)
        out.append(p.value / peer[1] if p.value is not None and peer else None)
    return out


def verdicts(hist: History, cfg: GateConfig) -> tuple[dict, dict, dict]:
    """The gate's rows, by fcbench.gate.evaluate on the recorded samples:
    previous[key][i]: commit i against commit i-1 (None at the first commit),
    from_baseline[key][i]: the latest commit against commit i (None at the latest),
    notes[key][i]: the note of previous[key][i] where it fails (what failed, in words)."""
    n = len(hist.commits)
    previous = defaultdict(lambda: [None] * n)
    from_baseline = defaultdict(lambda: [None] * n)
    notes = defaultdict(dict)
    for i in range(1, n):
        for row in gate.evaluate(hist.entries[i - 1], hist.entries[i], cfg, hist.failures[i]):
            previous[(row.variant, row.shape)][i] = row.verdict
            if row.verdict in gate.FAILING and row.note:
                notes[(row.variant, row.shape)][i] = row.note
    for i in range(n - 1):
        for row in gate.evaluate(hist.entries[i], hist.entries[-1], cfg, hist.failures[-1]):
            from_baseline[(row.variant, row.shape)][i] = row.verdict
    # A baseline that predates a row: the row is compared from its first recording instead (the
    # page says so), not left out as NEW.
    firsts = first_recorded(hist)
    for start in sorted({f for f in firsts.values() if 0 < f < n - 1}):
        rows = {(r.variant, r.shape): r.verdict
                for r in gate.evaluate(hist.entries[start], hist.entries[-1], cfg, hist.failures[-1])}
        for key, first in firsts.items():
            if first == start and key in rows:
                from_baseline[key][:start] = [rows[key]] * start
    return previous, from_baseline, notes


def first_recorded(hist: History) -> dict:
    """(variant, shape) -> the index of the first commit with a latency for it."""
    return {key: next(i for i, p in enumerate(points) if p.value is not None)
            for key, points in hist.series["latency"].items() if any(p.value is not None for p in points)}


def steps(hist: History, threshold: float) -> dict:
    """asv's step detection on each (variant, shape)'s latency medians: key -> (the piecewise
    constant levels it fitted [(first, last index, level)], the regressions it reports
    [(before, after index, ratio)])."""
    from asv.step_detect import detect_regressions, detect_steps

    out = {}
    for key, points in hist.series["latency"].items():
        values = [p.value for p in points]
        if sum(v is not None for v in values) < 2:
            continue
        fitted = detect_steps(values)
        _, _, positions = detect_regressions(fitted, threshold=threshold)
        out[key] = ([(left, right - 1, level) for left, right, level, _, _ in fitted],
                    [(before, after, after_value / before_value)
                     for before, after, before_value, after_value in positions or []])
    return out


def regressions(fitted: dict) -> list[dict]:
    """The upward latency steps asv's step detection reports (`steps`): where they start, by how much."""
    found = []
    for (variant, shape), (_, reported) in sorted(fitted.items()):
        for before, after, ratio in reported:
            found.append({"variant": variant, "shape": shape, "before": before, "after": after, "ratio": ratio})
    return found


def gate_events(hist: History, gate_files: list[dict]) -> list[dict]:
    """The failing rows of `fcbench gate --json` files for this machine, with the head's index
    in the history (None where the head was never recorded: a pull request's commit)."""
    index = {c.sha: i for i, c in enumerate(hist.commits)}
    out = []
    for g in gate_files:
        for r in g["rows"]:
            if r["verdict"] in gate.FAILING:
                out.append({"variant": r["variant"], "shape": r["shape"], "verdict": r["verdict"], "base": g["base"],
                            "head": g["head"], "index": index.get(g["head"]), "ratio": r.get("ratio"),
                            "note": r.get("note") or "", "file": g.get("file", "")})
    return out


def _level_at(levels, i):
    return next(((first, last, level) for first, last, level in levels if first <= i <= last), None)


def _median_ratio(hist: History, key, i: int) -> float | None:
    """Commit i's latency median over commit i-1's: the ratio the gate tests at i."""
    pts = hist.series["latency"][key]
    return pts[i].value / pts[i - 1].value if i and pts[i].value and pts[i - 1].value else None


def _why_no_step(hist: History, key, levels, i: int, threshold: float) -> str:
    """Why asv's step detection reports no regression starting at commit i."""
    pts, ratio = hist.series["latency"][key], _median_ratio(hist, key, i)
    if ratio is None or ratio <= 1 + threshold:
        return f"this history's medians rose x{ratio or float('nan'):.3f} at this commit, within {threshold:.0%}"
    after = pts[i + 1].value / pts[i - 1].value if i + 1 < len(pts) and pts[i + 1].value else None
    if after is not None and after - 1 < (ratio - 1) / 2:  # the next commit is back (at least halfway)
        return (f"a one-commit spike (x{ratio:.3f}, back at the next commit): asv's step "
                "detection fits one level across it and reports only steps that last and are still there at the "
                "latest commit; the gate compares this commit with the one before alone")
    seg, before = _level_at(levels, i), _level_at(levels, i - 1)
    if not seg or not before or seg[0] != i:
        span = f" {seg[2]:.1f} us across commits {seg[0] + 1}-{seg[1] + 1}" if seg else ""
        return (f"asv's step detection fitted one level{span}: it reads the medians alone and took this change "
                "for noise; the gate tests every sample of this commit against the previous one's")
    if seg[2] <= before[2] * (1 + threshold):
        return (f"asv's fitted levels rose x{seg[2] / before[2]:.3f} here, not more than its {threshold:.0%} "
                f"threshold; the gate's ratio of this commit's median to the previous one's is "
                f"x{_median_ratio(hist, key, i):.3f}")
    fixed = next((first for first, _, level in levels if first > i and level <= before[2] * (1 + threshold)), None)
    if fixed is not None:
        return (f"back to the level before it at commit {fixed + 1} ({hist.commits[fixed].sha[:8]}): asv reports "
                "only regressions still present at the latest commit")
    return "the fitted levels differ by less than asv's own error estimate there"


def _why_gate_passed(hist: History, key, i: int, verdict: str | None, step_ratio: float, cfg: GateConfig) -> str:
    """Why the gate's verdict at a commit where asv reports a step is not FAIL-LATENCY."""
    budget = cfg.budget(*key)
    if not registry.is_kernel_name(key[0]):
        return "SDPA peers are never gated on latency (a PR does not change torch: their steps are the machine's)"
    if verdict == "NOISY":
        return f"over the {budget:.0%} budget but not significant (Mann-Whitney p >= {cfg.significance:g})"
    if verdict in ("SAME", "SLOWER", "FASTER"):
        ratio = _median_ratio(hist, key, i)
        spread = "; the change was spread over several commits" if ratio and step_ratio - 1 > 2 * (ratio - 1) else ""
        return (f"this commit against the one before is x{ratio:.3f}, within the {budget:.0%} budget; asv's fitted "
                f"levels rose x{step_ratio:.3f}{spread}")
    return f"the gate's verdict here is {verdict or 'none (not measured at both commits)'}"


def explain(hist: History, fitted: dict, previous: dict, gate_rows: list[dict], cfg: GateConfig,
            att: attribution.Attribution | None = None) -> list[dict]:
    """Where asv's step detection and the gate disagree about a latency change, a sentence saying
    why. Events: a step asv reports that the gate (this commit against the one before) does not
    fail; a commit the gate fails on latency (or calls NOISY) where asv reports no step; a
    failing latency row of a gate JSON file. Where `att` knows that the kernel's code did not
    change at that commit, the sentence starts with that (a FAIL there is not the code's)."""
    out = []

    def add(key, i, step_says, gate_says, why):
        out.append({"variant": key[0], "shape": key[1], "index": i, "step": step_says, "gate": gate_says, "why": why})

    def unchanged(key, i, why):
        if att is None or i is None or i >= len(att.code) or att.code[i].get(key[0]) is not False \
                or not registry.is_kernel_name(key[0]):
            return why
        cause = att.cause.get(key, [None] * (i + 1))[i] or "noise"
        return f"{key[0]}'s code did not change at this commit (attributed to {cause}); {why}"

    for key, (levels, reported) in sorted(fitted.items()):
        starts = {after: ratio for _, after, ratio in reported}
        own = previous.get(key, [None] * len(hist.commits))
        for after, ratio in starts.items():
            if own[after] != "FAIL-LATENCY":
                add(key, after, f"step x{ratio:.3f}", own[after] or "-",
                    _why_gate_passed(hist, key, after, own[after], ratio, cfg))
        for i, verdict in enumerate(own):
            if verdict in ("FAIL-LATENCY", "NOISY") and i not in starts:
                add(key, i, "no step", verdict, unchanged(key, i, _why_no_step(hist, key, levels, i, cfg.latency_budget)))
    for g in gate_rows:
        key, i = (g["variant"], g["shape"]), g["index"]
        if i is None:
            add(key, None, "-", g["verdict"], f"the gate compared {g['head'][:8]}, a commit this history never recorded "
                                              "(a pull request's head): step detection cannot see it")
        elif g["verdict"] == "FAIL-LATENCY" and key in fitted and i not in {a for _, a, _ in fitted[key][1]}:
            why = _why_no_step(hist, key, fitted[key][0], i, cfg.latency_budget)
            own = previous.get(key, [None] * len(hist.commits))[i]
            if own != g["verdict"]:
                why += (f"; the gate's file compared separate, interleaved samples (base {g['base'][:8]}): this "
                        f"history's own samples give {own or '-'}")
            add(key, i, "no step", f"{g['verdict']} (gate JSON)", unchanged(key, i, why))
    return out


# Two colour families, so a chart says kernel or peer before its legend does: the FlashCore kernels
# warm (browns, ochre, wine, mauve, magenta), the SDPA peers cool (navy, teal, periwinkle, slate;
# and dashed). None is near the pages' verdict colours (report.css: FAIL red #d7263d, pass green
# #59a14f; tests/test_report.py measures the distance in CIELAB). By registry position within the
# family, so a variant keeps its colour on every page and chart; a name the registry doesn't know
# (an old result, gated as a kernel) gets a kernel colour by a hash of its name.
KERNEL_PALETTE = ("#8C564B", "#B07AA1", "#5B1A3A", "#A6761D", "#E377C2", "#C51B7D", "#6A1B9A")
PEER_PALETTE = ("#1B4F8A", "#2A9D8F", "#8DA0CB", "#5D6D7E")
PALETTE = KERNEL_PALETTE + PEER_PALETTE


def variant_color(name: str) -> str:
    kernel = registry.is_kernel_name(name)
    family = [v.name for v in registry.VARIANTS if registry.is_kernel_name(v.name) == kernel]
    palette = KERNEL_PALETTE if kernel else PEER_PALETTE
    if name in family:
        return palette[family.index(name) % len(palette)]
    return palette[int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) % len(palette)]


def _round(v):
    """Six significant digits: a ratio of two of them is exact to 1e-5, and the page stays small."""
    return None if v is None else float(f"{v:.6g}")


def links(commit: Commit, commit_url: str | None) -> dict:
    """The commit's URL from the --commit-url template, and its pull request's where the subject
    names one and the template is GitHub-like (.../commit/{sha} -> .../pull/N)."""
    out = {}
    if commit_url:
        out["url"] = commit_url.format(sha=commit.sha)
        if commit.pr and "/commit/{sha}" in commit_url:
            out["pr_url"] = commit_url.split("/commit/{sha}")[0] + f"/pull/{commit.pr}"
    return out


def payload(hist: History, cfg: GateConfig, gate_files: list[dict], commit_url: str | None) -> dict:
    """Everything one machine's pages show, as the JSON their script reads (data.js)."""
    previous, from_baseline, notes = verdicts(hist, cfg)
    att = attribution.attribute(hist, cfg, hist.digests)
    firsts = first_recorded(hist)
    fitted = steps(hist, cfg.latency_budget)
    gate_rows = gate_events(hist, gate_files)
    keys = hist.keys
    n = len(hist.commits)
    shapes = sorted({s for _, s in keys}, key=shape_order)
    variants = sorted({v for v, _ in keys}, key=variant_position)
    rows = []
    for key in keys:
        lat = hist.series["latency"][key]
        rows.append({
            "variant": key[0], "shape": key[1], "budget": cfg.budget(*key) if registry.is_kernel_name(key[0]) else None,
            "metrics": {m: [_round(p.value) for p in hist.series[m][key]] for m in METRICS if key in hist.series[m]},
            "q25": [_round(p.q25) for p in lat], "q75": [_round(p.q75) for p in lat],
            "peer_ratio": [_round(r) for r in peer_ratios(hist, key)],
            "previous": previous[key] if key in previous else [None] * n,
            "from_baseline": from_baseline[key] if key in from_baseline else [None] * n,
            "notes": notes.get(key, {}),
            # Why it moved at each commit (code / environment / noise / unexplained / unknown), its
            # change net of the step's common offset, and its band: fcbench.attribution.
            "cause": att.cause.get(key, [None] * n),
            "net": [None if x is None else _round(math.exp(x)) for x in att.net.get(key, [None] * n)],
            "band": _round(math.exp(att.band[key])) if key in att.band else None,
            "first": firsts.get(key),  # its first recording: the baseline of a row that did not exist at the baseline
        })
    return {
        "machine": hist.machine,
        "info": {k: v for k, v in hist.info.items() if k in ("name", "capability", "driver", "cuda", "torch")},
        # What the samples are: CUDA events on a GPU; host wall-clock on a machine without one.
        "clock": "GPU time" if hist.info.get("timer") == "cuda-events" else "host wall time",
        # Kernels not built for this machine's GPU (registry.Variant.archs): no rows, said in the header.
        "not_built": registry.not_built(hist.info.get("capability")),
        "commits": [{"sha": c.sha, "date": c.date_ms, "subject": c.subject, "author": c.author, "tags": list(c.tags),
                     **links(c, commit_url)} for c in hist.commits],
        "variants": [{"name": v, "kernel": registry.is_kernel_name(v), "color": variant_color(v)} for v in variants],
        "shapes": shapes,
        "fastest_peer": {s: [(fastest_peer(hist, s, i) or (None,))[0] for i in range(n)] for s in shapes},
        "default_baseline": max(0, n - 1 - 10),  # ten commits back, or the oldest
        "gate_config": {"latency_budget": cfg.latency_budget, "significance": cfg.significance,
                        "overrides": dict(cfg.latency_budget_overrides)},
        "rows": rows,
        "steps": regressions(fitted),
        "gate_files": [{"file": g.get("file", ""), "base": g["base"], "head": g["head"], "exit_code": g.get("exit_code")}
                       for g in gate_files],
        "gate_rows": gate_rows,
        "explanations": explain(hist, fitted, previous, gate_rows, cfg, att),
        "offsets": [None if x is None else _round(math.exp(x)) for x in att.offsets],  # as ratios
        "events": [{k: _round(v) if isinstance(v, float) else v for k, v in e.items()} for e in att.events],
        "code_known": sum(d is not None for d in hist.digests),
        "ceilings": {v: {m: getattr(cfg.ceilings_for(v), limit) for m, limit in attribution.RESOURCES.items()}
                     for v in variants if registry.is_kernel_name(v)},
        "near_ceiling": near_ceiling(hist, cfg),
    }


def near_ceiling(hist: History, cfg: GateConfig) -> list[dict]:
    """Kernel resources at the latest commit at or within 5% of their ceiling (or over it), one
    per (variant, head dim)."""
    out, seen = [], set()
    for metric, limit in attribution.RESOURCES.items():
        for (variant, shape), points in sorted(hist.series.get(metric, {}).items()):
            value, dim = points[-1].value if points else None, head_dim(shape)
            if value is None or not registry.is_kernel_name(variant) or (variant, dim, metric) in seen:
                continue
            seen.add((variant, dim, metric))
            ceiling = getattr(cfg.ceilings_for(variant), limit)
            if attribution.near_ceiling(value, ceiling):
                out.append({"variant": variant, "dim": dim, "metric": metric, "value": value, "ceiling": ceiling})
    return out
