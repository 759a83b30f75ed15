"""The pull-request job (`fcbench ci pr`): the stages a change meets, each on the head's own
checkout, and one verdict table.

  1. check --quick of every variant (the reference, poisoned outputs, determinism);
  2. compute-sanitizer (memcheck, racecheck, synccheck) on the kernels the change touched;
  3. base vs head measured interleaved, then the gate, and asv's own `asv compare` of the same
     samples beside it (fcbench.asv_compare), shown and never gating.
The bar (budgets, ceilings, the check's error floor, the watchdog's bound) is the base commit's
[tool.fcbench]: a head that changes it is told so at the top of the comment, and gated by the
base's values.
A stage's failures become gate rows of their own (`findings`), so the PR comment names each
failing variant with the stage, the case and the evidence; every stage runs whatever an earlier
one found, so one broken kernel never hides what the change did to the others.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from . import asv_compare, check, config, gate, history, registry, sanitize


def check_findings(report: check.CheckReport) -> list[gate.Row]:
    """One row per variant that failed the check: its first failing case, and how many failed."""
    rows = []
    for name in dict.fromkeys(r.variant for r in report.failed):
        failed = [r for r in report.failed if r.variant == name]
        first = failed[0]
        verdict = first.verdict if first.verdict in ("CRASHED", "HUNG") else "FAIL-CORRECTNESS"
        evidence = first.note or f"error / bound {first.error / first.bound:.3g}"
        count = sum(r.variant == name for r in report.results if r.verdict != "SKIP")
        rows.append(gate.Row(name, f"check: {first.case.name}", verdict,
                             note=f"{evidence} ({len(failed)} of {count} cases failed)"))
    return rows


def sanitizer_findings(findings: list[sanitize.Finding]) -> list[gate.Row]:
    return [gate.Row(f.variant, f"sanitize: {f.tool}", f.verdict, note=f.report) for f in findings if f.verdict != "PASS"]


def history_links(rows: list[gate.Row], machine: str, report_url: str) -> str:
    """Links to main's static latency chart (the published report's SVG, fcbench.report_static)
    of every row this PR moved, so a reviewer sees the change against the row's history; none
    without a report URL (FCBENCH_REPORT_URL: the Pages site of main's report)."""
    from .report_static import chart_path

    moved = [r for r in rows if r.verdict not in ("SAME", "NEW") and r.base_us is not None]
    if not report_url or not moved:
        return ""
    url = report_url.rstrip("/")
    return "\n".join(["", "#### Main's history of the rows this pull request moved", "",
                      *(f"- `{r.variant}` {r.shape}, {r.verdict}: [latency over main's commits]"
                        f"({url}/{chart_path(machine, r.variant, r.shape)})" for r in moved)]) + "\n"


def pr(base: str, head: str, *, markdown: str | None, json_out: str | None, results_dir: str | None,
       sanitize_changed: bool = True, progress=sys.stderr) -> int:
    # An earlier run's verdict files go first: where this run ends before the gate, the PR comment
    # says so instead of posting them (pr-comment.yml reads a missing gate.md as that).
    for path in filter(None, (markdown, json_out)):
        Path(path).unlink(missing_ok=True)
    repo = history.current_repo()
    base_sha, head_sha = history.resolve(repo, base), history.resolve(repo, head)
    if base_sha == head_sha:
        raise ValueError(f"--base {base} and --head {head} are the same commit ({base_sha[:8]}): nothing to compare")
    with config.bar_of(repo, base_sha) as (cfg, changed):
        return _pr(repo, base_sha, head_sha, cfg, changed, markdown=markdown, json_out=json_out,
                   results_dir=results_dir, sanitize_changed=sanitize_changed, progress=progress)


def _pr(repo, base_sha, head_sha, cfg, changed, *, markdown, json_out, results_dir, sanitize_changed, progress) -> int:
    notes = []
    if changed:
        # Shown first, never applied: a PR cannot lower its own bar. Its changes take effect once
        # merged, after the review CODEOWNERS asks for (docs/runner.md).
        notes.append(f"This pull request changes `[tool.fcbench]` ({'; '.join(changed)}). The gate holds it to the "
                     f"base's values; the change applies once merged.")
        print(f"fcbench ci pr: {notes[0]}", flush=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with history.Checkouts(repo, [base_sha, head_sha]) as roots:
        report = check.run(registry.VARIANTS, quick=True, progress=progress, root=roots[head_sha])
        findings = check_findings(report)
        timings["check"] = time.perf_counter() - started
        print(f"fcbench ci pr: check --quick of {head_sha[:8]}: {len(report.failed)} failing case(s)"
              + "".join(f"\n  {r.verdict} {r.variant}: {r.shape}: {r.note}" for r in findings)
              + (f"\n  {report.restarts} measuring process(es) replaced in {report.restart_s:.1f} s; log: {report.log_path}"
                 if report.log_path else ""), flush=True)
        if sanitize_changed:
            clock = time.perf_counter()
            changed = sanitize.changed_variants(roots[base_sha], roots[head_sha])
            print("fcbench ci pr: kernels whose compiled inputs changed: "
                  + (", ".join(v.name for v in changed) or "none (sanitizers not needed)"), flush=True)
            # One that hung in the check would hang under each tool too, for their whole bound.
            hung = {r.variant for r in findings if r.verdict == "HUNG"}
            changed = [v for v in changed if v.name not in hung]
            findings += sanitizer_findings(sanitize.run(changed, root=roots[head_sha], progress=progress))
            timings["sanitize"] = time.perf_counter() - clock
    clock = time.perf_counter()
    results = Path(results_dir) if results_dir else history.default_results_dir("compare")
    out = history.run([base_sha, head_sha], rounds=5, samples=8, append=False, results_dir=results, repo=repo,
                      grids=True)
    timings["compare"] = time.perf_counter() - clock
    findings += gate.dropped(out["grids"][base_sha], out["grids"][head_sha])
    # asv's own comparison of the same samples, beside the verdict (asv_compare says why not a second measurement).
    factor = 1 + cfg.gate.latency_budget
    asv_code, asv_out = asv_compare.run(results, out["machine"], base_sha, head_sha, factor)
    code, text = gate.run(base_sha, head_sha, results_dir=results, machine=out["machine"], cfg=cfg.gate,
                          markdown_path=markdown, json_path=json_out, findings=findings, notes=notes,
                          appendix=lambda rows: asv_compare.markdown(asv_code, asv_out, rows, factor, base_sha, head_sha)
                          + history_links(rows, out["machine"], os.environ.get("FCBENCH_REPORT_URL", "")))
    print(text)
    print(f"fcbench ci pr: asv compare --factor {factor:g} on the same samples (exit {asv_code}):\n{asv_out}")
    timings["total"] = time.perf_counter() - started
    print("fcbench ci pr: took " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return code
