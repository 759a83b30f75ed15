"""asv's own verdict beside the gate's (`fcbench ci pr`): `asv compare` over the very result files
the comparison stage wrote, and the rows where asv and the gate disagree, each with its reason.

`asv continuous` is `asv run` of each commit then `asv compare`. The PR job keeps fcbench's
interleaved measurement (both commits in one measuring process per round, so a drift of the
runner between two runs is not read as a change; docs/RESULTS.md, "asv's own commands on the
GPU", has the 21 runs that decided it) and hands its samples to asv's own comparison, so the
comment shows what `asv continuous` would say without measuring twice.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import gate, history

# One row of asv compare's table: | mark | before | after | ratio | benchmarks.Class.name('variant', 'shape') |
_ROW = re.compile(r"^\|\s*(?P<mark>[-+!x* ]?)\s*\|[^|]*\|[^|]*\|\s*(?P<ratio>[~\w.]+)\s*\|\s*"
                  r"benchmarks\.\w+\.(?P<metric>\w+)\('(?P<variant>[^']*)', '(?P<shape>[^']*)'\)\s*\|$")
LATENCY = "time_attention"
MARKS = {"+": "slower", "-": "faster", "!": "failed at head"}


@dataclass
class AsvRow:
    metric: str
    variant: str
    shape: str
    mark: str  # "+" worse beyond the factor and significant, "-" better, "!" failed at head
    ratio: str  # as asv prints it


def run(results_dir: Path, machine: str, base: str, head: str, factor: float) -> tuple[int, str]:
    """`asv compare --only-changed` over results_dir (the config the comparison stage wrote)."""
    cmd = [sys.executable, "-m", "asv", "compare", "--only-changed", "--factor", f"{factor:g}", "--machine", machine,
           "--config", str(history.asv_config_path(results_dir)), base, head]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def parse(output: str) -> list[AsvRow]:
    return [AsvRow(m["metric"], m["variant"], m["shape"], m["mark"], m["ratio"])
            for m in map(_ROW.match, output.splitlines()) if m and m["mark"] in MARKS]


def disagreements(asv_rows: list[AsvRow], gate_rows: list[gate.Row], factor: float) -> list[str]:
    """Latency rows that asv flags and the gate does not fail, and the reverse, with why."""
    flagged = {(r.variant, r.shape): r for r in asv_rows if r.metric == LATENCY and r.mark in "+!"}
    out = []
    for row in gate_rows:
        key = (row.variant, row.shape)
        asv_row = flagged.pop(key, None)
        if asv_row is not None and row.verdict not in gate.FAILING:
            if row.budget is None and row.note.startswith("SDPA peer"):
                why = "an SDPA peer: the gate shows peers and never gates them (a PR does not change torch)"
            elif row.budget is not None and abs(1 + row.budget - factor) > 1e-9:
                why = f"this row's budget is {row.budget:.0%} ([tool.fcbench.gate] latency_budget_overrides), asv's factor x{factor:g}"
            else:
                why = f"the gate's verdict is {row.verdict}"
            out.append(f"`{row.variant}` {row.shape}: asv {asv_row.mark} x{asv_row.ratio}; gate {row.verdict}: {why}")
        elif asv_row is None and row.verdict == "FAIL-LATENCY":
            out.append(f"`{row.variant}` {row.shape}: gate FAIL-LATENCY x{row.ratio:.3f}; asv does not flag it: "
                       f"this row's budget is {row.budget:.0%}, asv's factor x{factor:g}")
    # Rows asv flags that the gate has no row for (none expected: both read the same files).
    out += [f"`{r.variant}` {r.shape}: asv {r.mark} x{r.ratio}; the gate has no such row" for r in flagged.values()]
    return out


def markdown(code: int, output: str, gate_rows: list[gate.Row], factor: float, base: str, head: str) -> str:
    cmd = f"asv compare --only-changed --factor {factor:g} {base[:8]} {head[:8]}"
    if code != 0:
        return f"#### asv's verdict on the same samples\n\n`{cmd}` could not run (exit {code}):\n\n```\n{output[-2000:]}\n```\n"
    rows = parse(output)
    latency = [r for r in rows if r.metric == LATENCY]
    counts = ", ".join(f"{sum(r.mark == m for r in latency)} {what}" for m, what in MARKS.items())
    disagree = disagreements(rows, gate_rows, factor)
    lines = ["#### asv's verdict on the same samples", "",
             f"`{cmd}` over the samples above (what `asv continuous` would report): latency rows {counts}; "
             f"{len(rows) - len(latency)} other metric row(s) changed (asv reads every metric as lower-is-better; "
             "the gate holds error and resources to their bounds and ceilings instead).", ""]
    lines += (["Where asv and the gate disagree:", "", *(f"- {d}" for d in disagree)] if disagree
              else ["On latency, asv and the gate agree on every row."])
    lines += ["", "<details><summary>asv's output</summary>", "", "```", output or "(no changed rows)", "```", "",
              "</details>"]
    return "\n".join(lines) + "\n"
