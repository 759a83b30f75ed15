"""fcbench gate: verdicts per (variant, shape) from the asv results of a base and a head commit.

Correctness first: a wrong head kernel's timing means nothing. Per (variant, shape):
  CRASHED           the head's kernel killed its measuring process (CUDA fault, signal)
  HUNG              the head's kernel did not finish within the watchdog's bound
  FAIL-CORRECTNESS  head error / bound > 1, NaN, or the head failed to run (a Python error)
  MISSING           ran at base, skipped at head (a variant that stopped running fails); or
                    tracked by the base's suite and dropped by the head's (dropped())
  FAIL-SANITIZER    compute-sanitizer reported an error in a kernel the change touched
                    (fcbench ci pr's sanitizer stage; the row's shape names the tool)
  FAIL-RESOURCES    head over a register / shared-memory / stack ceiling, or any spill
  FAIL-LATENCY      head/base > 1 + budget AND significant (asv's Mann-Whitney U test);
                    FlashCore kernels only: SDPA peers are shown but never gate latency
  NOISY             over budget but not significant: shown, not failing
  SLOWER / FASTER   significant, within budget / faster
  SAME, NEW         no significant change; only at head
Exit codes (README): 0 pass, 3 could not run, 4 correctness (incl. crashed, hung, missing),
7 sanitizer, 5 resources, 6 latency. The worst class present decides, in that order.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from . import registry
from .config import GateConfig
from .history import BENCHMARKS, ENV_NAME, ran, read_benchmark
from .registry import is_kernel_name
from .table import format_table

EXIT_PASS, EXIT_CANNOT_RUN, EXIT_CORRECTNESS, EXIT_RESOURCES, EXIT_LATENCY, EXIT_SANITIZER = 0, 3, 4, 5, 6, 7
FAILING = {"FAIL-CORRECTNESS": EXIT_CORRECTNESS, "CRASHED": EXIT_CORRECTNESS, "HUNG": EXIT_CORRECTNESS,
           "MISSING": EXIT_CORRECTNESS, "FAIL-SANITIZER": EXIT_SANITIZER, "FAIL-RESOURCES": EXIT_RESOURCES,
           "FAIL-LATENCY": EXIT_LATENCY}
SEVERITY = [EXIT_CORRECTNESS, EXIT_SANITIZER, EXIT_RESOURCES, EXIT_LATENCY]


class MissingResults(LookupError):
    pass


class DamagedResults(LookupError):
    pass


@dataclass
class Entry:
    value: float | None  # None: failed; NaN: skipped
    stats: dict | None = None
    samples: list | None = None

    @property
    def ran(self) -> bool:
        return ran(self.value)


def load(results_dir: Path, machine: str, sha: str) -> dict[str, dict[tuple[str, str], Entry]]:
    """metric -> (variant, shape) -> Entry, from the asv results of `sha` on `machine`."""
    return entries(_results(results_dir, machine, sha))


def _results(results_dir: Path, machine: str, sha: str):
    """The asv Results of `sha` on `machine` (fcbench's own where asv's commands wrote others too)."""
    from asv.results import iter_results_for_machine_and_hash
    from asv.util import UserError

    from .store import damaged_files, machine_dirs

    damaged = damaged_files(results_dir, machine, sha) if (Path(results_dir) / machine).is_dir() else []
    if damaged:  # file damage is not a kernel's verdict
        raise DamagedResults("; ".join(f"{path}: {why}" for path, why in damaged))
    try:
        found = list(iter_results_for_machine_and_hash(str(results_dir), machine, sha))
    except (UserError, OSError):
        found = []
    # asv finds files by a commit's first 8 characters: another commit sharing them is not this one.
    others = {r.commit_hash for r in found if r.commit_hash != sha}
    found = [r for r in found if r.commit_hash == sha]
    if not found:
        also = f" (results there are of {', '.join(sorted(others))}, which shares its first 8 characters)" if others else ""
        if not (Path(results_dir) / machine).is_dir():  # a mistyped --machine, or results from other machines only
            also = f" (machines there: {', '.join(machine_dirs(results_dir) or []) or 'none'}; --machine says which)"
        raise MissingResults(f"no results for {sha[:8]} on machine {machine!r} in {results_dir}{also}; "
                             f"run `fcbench compare BASE HEAD` first, or pass --results-dir where the commit was "
                             f"recorded (`fcbench record` writes .asv/results)")
    return next((r for r in found if r.env_name == ENV_NAME), found[0])


def entries(results) -> dict[str, dict[tuple[str, str], Entry]]:
    """metric -> (variant, shape) -> Entry of one asv Results (what evaluate compares; the
    report's verdicts over a history come from the same rows)."""
    return {metric: {key: Entry(*row) for key, row in read_benchmark(results, name).items()}
            for metric, name in BENCHMARKS.items()}


@dataclass
class Row:
    variant: str
    shape: str
    verdict: str
    base_us: float | None = None
    head_us: float | None = None
    ratio: float | None = None
    budget: float | None = None
    significant: bool | None = None
    error_over_bound: float | None = None
    registers: tuple | None = None  # (base, head)
    smem_bytes: tuple | None = None
    spill_bytes: int | None = None
    stack_bytes: int | None = None
    note: str = ""


def dropped(base: tuple, head: tuple) -> list[Row]:
    """MISSING rows for what the base's suite tracks and the head's does not ((variant names,
    shape labels) each, history.suite_grid): one harness measures both commits, so a variant the
    head took out of the registry, or a shape it took out of the tracked set, has no row at either
    and would otherwise pass unseen. Dropping one on purpose is a maintainer's override."""
    (base_variants, base_shapes), (head_variants, head_shapes) = base, head
    return ([Row(v, "every shape", "MISSING", note="in the base's registry, not in the head's: measured at neither")
             for v in base_variants if v not in head_variants]
            + [Row("every variant", s, "MISSING", note="a tracked shape at base, not at head: measured at neither")
               for s in base_shapes if s not in head_shapes])


def _value(data, metric, key):
    e = data[metric].get(key)
    return e.value if e is not None and e.ran else None


def evaluate(base: dict, head: dict, cfg: GateConfig, head_failures: dict | None = None) -> list[Row]:
    """Rows per (variant, shape); head_failures: (variant, shape) -> the failing reply recorded
    with the head's results (history.read_failures), which says crashed or hung and why."""
    from asv._stats import is_different

    from . import supervise

    head_failures = head_failures or {}
    keys = list(dict.fromkeys(k for data in (base, head) for metric in data.values() for k in metric))
    rows = []
    for key in keys:
        variant, shape = key

        def entry(data, metric, key=key):
            return data[metric].get(key, Entry(math.nan))

        ran_base = any(entry(base, m).ran for m in BENCHMARKS)
        ran_head = any(entry(head, m).ran for m in BENCHMARKS)
        head_failed = [m for m in BENCHMARKS if entry(head, m).value is None]
        if not ran_base and not ran_head and not head_failed:
            continue  # this machine can't run it at either commit
        row = Row(variant, shape, "SAME", budget=cfg.budget(variant, shape))
        b, h = entry(base, "latency"), entry(head, "latency")
        row.base_us = b.value * 1e6 if b.ran else None
        row.head_us = h.value * 1e6 if h.ran else None
        row.error_over_bound = _value(head, "error_over_bound", key)
        regs = (_value(base, "registers", key), _value(head, "registers", key))
        smem = (_value(base, "smem_bytes", key), _value(head, "smem_bytes", key))
        row.registers = regs if any(x is not None for x in regs) else None
        row.smem_bytes = smem if any(x is not None for x in smem) else None
        row.spill_bytes = _value(head, "spill_bytes", key)
        row.stack_bytes = _value(head, "stack_bytes", key)
        over = cfg.ceilings_for(variant).violations(regs[1], smem[1], row.spill_bytes, row.stack_bytes)
        err = entry(head, "error_over_bound")
        failure = head_failures.get(key, {})
        if supervise.is_fault(failure):
            row.verdict, row.note = supervise.fault_verdict(failure), supervise.fault_detail(failure)
        elif head_failed:
            why = f": {failure['error']}" if "error" in failure else ""
            row.verdict, row.note = "FAIL-CORRECTNESS", f"failed at head ({', '.join(head_failed)}){why}"
        elif ran_base and not ran_head:
            row.verdict, row.note = "MISSING", "ran at base, not at head"
        elif err.ran and not (math.isfinite(err.value) and err.value <= 1):
            row.verdict, row.note = "FAIL-CORRECTNESS", "error over the bound (or NaN)"
        elif over:
            row.verdict, row.note = "FAIL-RESOURCES", "; ".join(over)
        elif not ran_base:
            row.verdict = "NEW"
        elif b.ran and h.ran:
            row.ratio = h.value / b.value
            row.significant = bool(is_different(b.samples, h.samples, b.stats, h.stats,
                                                p_threshold=cfg.significance))
            if not is_kernel_name(variant):
                # A PR does not change torch: a peer's base/head difference is the machine, not
                # the change. Seen: sdpa_math, several launches with host work between them,
                # moved 9% at (1,8,512,64) in an A/A comparison. Shown, never gated.
                row.budget, row.note = None, "SDPA peer: shown, not gated"
            if row.budget is not None and row.ratio > 1 + row.budget:
                row.verdict = "FAIL-LATENCY" if row.significant else "NOISY"
            elif row.significant:
                row.verdict = "SLOWER" if row.ratio > 1 else "FASTER"
        rows.append(row)
    return rows


def exit_code(rows: list[Row]) -> int:
    codes = {FAILING[r.verdict] for r in rows if r.verdict in FAILING}
    return next((c for c in SEVERITY if c in codes), EXIT_PASS)


def _fmt_pair(pair):
    if pair is None:
        return "-"
    b, h = pair
    return f"{b if b is not None else '-'}" if b == h else f"{b if b is not None else '-'} -> {h if h is not None else '-'}"


def table_rows(rows: list[Row]) -> list[list[str]]:
    out = []
    for r in rows:
        out.append([r.variant, r.shape,
                    f"{r.base_us:.1f}" if r.base_us is not None else "-",
                    f"{r.head_us:.1f}" if r.head_us is not None else "-",
                    f"{r.ratio:.3f}" if r.ratio is not None else "-",
                    f"{r.budget:.0%}" if r.budget is not None else "-",
                    {True: "yes", False: "no", None: "-"}[r.significant],
                    f"{r.error_over_bound:.3f}" if r.error_over_bound is not None else "-",
                    _fmt_pair(r.registers), _fmt_pair(r.smem_bytes),
                    str(r.stack_bytes) if r.stack_bytes is not None else "-", r.verdict, r.note])
    return out


HEADERS = ["variant", "shape", "base us", "head us", "head/base", "budget", "significant", "error/bound",
           "registers", "smem B", "stack B", "verdict", "note"]


def _reason(r: Row) -> str:
    """One line saying why a row fails, with the numbers a reviewer needs."""
    if r.verdict == "FAIL-LATENCY":
        return f"{r.base_us:.1f} -> {r.head_us:.1f} us (x{r.ratio:.3f}; budget {r.budget:.0%}, significant)"
    if r.verdict == "FAIL-CORRECTNESS" and r.error_over_bound is not None and not r.note.startswith("failed"):
        return f"error / bound {r.error_over_bound:.3g} (over 1 fails)"
    return r.note


def markdown(rows: list[Row], base: str, head: str, machine: str, code: int, significance: float,
             notes: list[str] = ()) -> str:
    """The PR comment / job summary: what fails first, every row folded below it; `notes` (what
    the reader must know before the verdicts, such as a change to the bar) under the heading."""
    status = {EXIT_PASS: "pass", EXIT_CORRECTNESS: "FAIL: correctness", EXIT_SANITIZER: "FAIL: sanitizer",
              EXIT_RESOURCES: "FAIL: resources", EXIT_LATENCY: "FAIL: latency"}[code]
    failing = [r for r in rows if r.verdict in FAILING]
    # Exit 4 covers four verdicts: the heading names them where a wrong result is not the only one
    # (a pull request that dropped a variant reads "FAIL: correctness (MISSING)").
    causes = list(dict.fromkeys(r.verdict for r in failing if FAILING[r.verdict] == code))
    if code == EXIT_CORRECTNESS and causes != ["FAIL-CORRECTNESS"]:
        status += f" ({', '.join(causes)})"
    lines = [f"### fcbench gate: {status}", "", *(f"> {note}" for note in notes), *([""] if notes else []),
             f"base `{base[:8]}` -> head `{head[:8]}` on `{machine}`: {len(failing)} of {len(rows)} "
             f"(variant, shape) rows failing. Latency is the median time per call (GPU time on a GPU); FAIL-LATENCY needs "
             f"head/base over the variant's budget and a difference significant at p < {significance:g} "
             "(asv's Mann-Whitney test). SDPA peers are shown, never gated.", ""]
    lines += [f"- **{r.verdict}** `{r.variant}` {r.shape}: {_reason(r)}" for r in failing] + [""] * bool(failing)
    lines += [f"<details{'' if failing else ' open'}><summary>all {len(rows)} rows</summary>", "",
              "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in table_rows(rows)]
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def run(base_sha: str, head_sha: str, *, results_dir: Path, machine: str, cfg: GateConfig,
        markdown_path: Path | None = None, json_path: Path | None = None,
        findings: list[Row] | None = None, notes: list[str] = (), variants: set[str] | None = None,
        shapes: set[str] | None = None, appendix=None) -> tuple[int, str]:
    """findings: rows from the stages before the comparison (ci pr's check and sanitizer), first;
    notes: lines shown above the verdicts (markdown); variants / shapes (labels as in the table):
    gate only those rows (None: every row); appendix: rows -> markdown shown below the table
    (ci pr's asv compare), never part of the verdict."""
    from .history import read_failures

    try:
        base, head_results = load(results_dir, machine, base_sha), _results(results_dir, machine, head_sha)
        head = entries(head_results)
    except MissingResults as exc:
        return EXIT_CANNOT_RUN, f"fcbench gate: could not run: {exc}"
    except DamagedResults as exc:
        return EXIT_CANNOT_RUN, f"fcbench gate: could not run: damaged result file(s): {exc}"
    # Kernels not built for the head's GPU (registry.Variant.archs) have no rows here: said above
    # the verdicts. Machines without a GPU record no capability; no kernel runs there anyway.
    arch = head_results.params.get("capability")
    gated = tuple(v for v in registry.VARIANTS if variants is None or v.name in variants)
    not_here = [f"{line}: not compared on this machine" for line in registry.not_built(arch, gated)]
    compared = evaluate(base, head, cfg, read_failures(results_dir, machine, head_sha))
    rows = [*(findings or []), *(r for r in compared
                                 if (variants is None or r.variant in variants) and (shapes is None or r.shape in shapes))]
    if not rows and not not_here:  # a mistyped --variant / --shape must not read as a pass
        asked = " and ".join(f"{what} {', '.join(sorted(chosen))}" for what, chosen in
                             (("--variant", variants), ("--shape", shapes)) if chosen is not None)
        return EXIT_CANNOT_RUN, (
            f"fcbench gate: could not run: no recorded row of {base_sha[:8]} and {head_sha[:8]} on machine {machine!r}"
            + (f" matches {asked}; recorded: {', '.join(sorted({r.variant for r in compared})) or 'none'} at "
               f"{', '.join(sorted({r.shape for r in compared})) or 'no shape'}" if asked else ""))
    code = exit_code(rows)
    text = format_table(HEADERS, table_rows(rows), align_right={2, 3, 4, 5, 7})
    md = markdown(rows, base_sha, head_sha, machine, code, cfg.significance, [*notes, *not_here])
    if appendix is not None:
        md += "\n" + appendix(rows)
    # --markdown is this run's verdict (a stale one would head the PR comment); the job summary
    # collects every step's.
    for path, mode in ((markdown_path, "w"), (os.environ.get("GITHUB_STEP_SUMMARY"), "a")):
        if path:
            with open(path, mode) as f:
                f.write(md)
    if json_path:
        Path(json_path).write_text(json.dumps({"base": base_sha, "head": head_sha, "machine": machine,
                                               "exit_code": code, "rows": [asdict(r) for r in rows]}, indent=2))
    failing = sum(r.verdict in FAILING for r in rows)
    summary = "".join(f"\n{line}" for line in not_here) + f"\n{failing} failing of {len(rows)}; exit {code}"
    return code, text + summary
