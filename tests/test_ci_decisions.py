"""`fcbench ci pr`'s own decisions in this process (issue 27: the mutation score's fast
selection): each stage's failures as gate rows, the sanitizer stage skipping what hung, the
bar's change told first, the same commit refused, the gate's exit code returned, and the links
to main's history of the rows a PR moved. The stages themselves are replaced by recorders; the
same job end to end, on planted heads, is tests/test_ci_pr.py (tens of seconds a run)."""

from __future__ import annotations

import math
import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from fcbench import asv_compare, check, ci, config, gate, history, registry, sanitize

from .conftest import GIT

CASE = check.CheckCase(17, 64, False, "normal", 0)
OTHER = check.CheckCase(97, 128, True, "normal", 0)


def _r(variant, verdict, case=CASE, error=math.nan, bound=math.nan, note=""):
    return check.CheckResult(variant, case, verdict, error, bound, note)


def test_check_findings_name_the_first_failing_case_and_count_the_judged_ones():
    report = check.CheckReport([
        _r("a", "PASS", error=0.1, bound=1.0),
        _r("a", "SKIP"),
        _r("a", "FAIL", OTHER, error=3.0, bound=2.0),
        _r("a", "FAIL", CASE, note="NaN/Inf in output"),
        _r("b", "CRASHED", note="killed by SIGSEGV"), _r("b", "NOT-RUN", OTHER, note="not run: CRASHED"),
        _r("c", "HUNG", note="no reply"),
        _r("d", "PASS", error=0.1, bound=1.0)])
    rows = ci.check_findings(report)
    assert [(r.variant, r.shape, r.verdict, r.note) for r in rows] == [
        ("a", f"check: {OTHER.name}", "FAIL-CORRECTNESS", "error / bound 1.5 (2 of 3 cases failed)"),
        ("b", f"check: {CASE.name}", "CRASHED", "killed by SIGSEGV (1 of 2 cases failed)"),
        ("c", f"check: {CASE.name}", "HUNG", "no reply (1 of 1 cases failed)")]
    assert ci.check_findings(check.CheckReport([_r("d", "PASS", error=0.1, bound=1.0)])) == []


def test_sanitizer_findings_are_the_ones_that_did_not_pass():
    found = [sanitize.Finding("a", "memcheck", "PASS", "", 1.0),
             sanitize.Finding("a", "racecheck", "FAIL-SANITIZER", "race at x", 1.0),
             sanitize.Finding("b", "synccheck", "HUNG", "no end within 60 s", 60.0)]
    rows = ci.sanitizer_findings(found)
    assert [(r.variant, r.shape, r.verdict, r.note) for r in rows] == [
        ("a", "sanitize: racecheck", "FAIL-SANITIZER", "race at x"), ("b", "sanitize: synccheck", "HUNG", "no end within 60 s")]


def test_history_links_are_for_the_rows_a_pr_moved_and_only_with_a_report():
    rows = [gate.Row("wmma_fused", "(1,8,512,64)", "SLOWER", base_us=10.0),
            gate.Row("wmma_qk", "(1,8,512,64)", "SAME", base_us=10.0),
            gate.Row("wmma_qk", "(1,8,512,64,causal)", "NEW", base_us=10.0),
            gate.Row("scalar_tiled", "(1,8,512,64)", "FAIL-LATENCY", base_us=10.0),
            gate.Row("mma_fused", "(1,8,512,64)", "MISSING", base_us=None)]
    text = ci.history_links(rows, "h100", "https://x.example/fcbenchX/")
    assert text == ("\n#### Main's history of the rows this pull request moved\n\n"
                    "- `wmma_fused` (1,8,512,64), SLOWER: [latency over main's commits]"
                    "(https://x.example/fcbenchX/static/h100/wmma_fused/latency-1-8-512-64.svg)\n"
                    "- `scalar_tiled` (1,8,512,64), FAIL-LATENCY: [latency over main's commits]"
                    "(https://x.example/fcbenchX/static/h100/scalar_tiled/latency-1-8-512-64.svg)\n")
    assert ci.history_links(rows, "h100", "") == ""
    assert ci.history_links(rows[1:3] + rows[4:], "h100", "https://x.example") == ""


@pytest.fixture
def stages(monkeypatch, tmp_path):
    """ci._pr's stages replaced by recorders; `seen` says what each was given."""
    seen: dict = {"check_report": check.CheckReport([_r("sdpa_math", "PASS", error=0.1, bound=1.0)]),
                  "changed": [registry.get("wmma_fused"), registry.get("wmma_qk")], "sanitize": [], "gate_code": 0}
    roots = {"b" * 40: tmp_path / "base", "h" * 40: tmp_path / "head"}

    @contextmanager
    def checkouts(repo, shas):
        seen["checkouts"] = (repo, list(shas))
        yield roots

    def check_run(variants, *, quick, progress, root):
        seen["check"] = (variants, quick, progress, root)
        return seen["check_report"]

    def changed_variants(base_root, head_root):
        seen["changed_roots"] = (base_root, head_root)
        return seen["changed"]

    def sanitize_run(variants, *, root, progress):
        seen["sanitized"] = ([v.name for v in variants], root, progress)
        return seen["sanitize"]

    def history_run(refs, **kw):
        seen["history"] = (refs, kw)
        grid = (("wmma_fused", "sdpa_math"), ("(1,2,128,64)",))
        return {"machine": "ci-cpu", "grids": {refs[0]: seen.get("base_grid", grid), refs[1]: grid}}

    def asv_run(results, machine, base, head, factor):
        seen["asv"] = (results, machine, base, head, factor)
        return 2, "asv says"

    def gate_run(base_sha, head_sha, **kw):
        seen["gate"] = (base_sha, head_sha, kw)
        return seen["gate_code"], "the gate's table"

    monkeypatch.setattr(history, "Checkouts", checkouts)
    monkeypatch.setattr(check, "run", check_run)
    monkeypatch.setattr(sanitize, "changed_variants", changed_variants)
    monkeypatch.setattr(sanitize, "run", sanitize_run)
    monkeypatch.setattr(history, "run", history_run)
    monkeypatch.setattr(asv_compare, "run", asv_run)
    monkeypatch.setattr(gate, "run", gate_run)
    monkeypatch.setattr(history, "default_results_dir", lambda kind: tmp_path / f"default-{kind}")
    seen["roots"] = roots
    return seen


def _pr(seen, changed=(), results_dir=None, sanitize_changed=True, markdown="m.md", json_out="g.json"):
    cfg = config.Config(gate=config.GateConfig(latency_budget=0.25))
    return ci._pr(Path("/repo"), "b" * 40, "h" * 40, cfg, list(changed), markdown=markdown, json_out=json_out,
                  results_dir=results_dir, sanitize_changed=sanitize_changed, progress="PROGRESS")


def test_pr_runs_every_stage_on_the_heads_checkout_and_returns_the_gates_code(stages, capsys, tmp_path):
    stages["gate_code"] = 6
    stages["sanitize"] = [sanitize.Finding("wmma_qk", "memcheck", "FAIL-SANITIZER", "oob", 1.0),
                          sanitize.Finding("wmma_fused", "memcheck", "PASS", "", 1.0)]
    assert _pr(stages, results_dir=str(tmp_path / "r")) == 6
    head, base = stages["roots"]["h" * 40], stages["roots"]["b" * 40]
    assert stages["checkouts"] == (Path("/repo"), ["b" * 40, "h" * 40])
    assert stages["check"] == (registry.VARIANTS, True, "PROGRESS", head)
    assert stages["changed_roots"] == (base, head) and stages["sanitized"] == (["wmma_fused", "wmma_qk"], head, "PROGRESS")
    refs, kw = stages["history"]
    assert refs == ["b" * 40, "h" * 40] and kw == {"rounds": 5, "samples": 8, "append": False,
                                                     "results_dir": tmp_path / "r", "repo": Path("/repo"), "grids": True}
    assert stages["asv"] == (tmp_path / "r", "ci-cpu", "b" * 40, "h" * 40, 1.25)
    base_sha, head_sha, kw = stages["gate"]
    assert (base_sha, head_sha, kw["results_dir"], kw["machine"], kw["cfg"]) == \
        ("b" * 40, "h" * 40, tmp_path / "r", "ci-cpu", config.GateConfig(latency_budget=0.25))
    assert (kw["markdown_path"], kw["json_path"], kw["notes"]) == ("m.md", "g.json", [])
    assert [(r.variant, r.verdict) for r in kw["findings"]] == [("wmma_qk", "FAIL-SANITIZER")]
    out = capsys.readouterr().out
    assert "the gate's table\n" in out and "asv compare --factor 1.25 on the same samples (exit 2):\nasv says" in out
    assert "check --quick of hhhhhhhh: 0 failing case(s)\n" in out
    assert "kernels whose compiled inputs changed: wmma_fused, wmma_qk\n" in out
    assert "measuring process(es) replaced" not in out  # no log kept: nothing crashed or hung
    took = re.search(r"fcbench ci pr: took check (\S+) s, sanitize (\S+) s, compare (\S+) s, total (\S+) s\n$", out)
    assert took and all(0 <= float(t) < 60 for t in took.groups()), out[-300:]


def test_pr_gates_what_the_heads_suite_dropped_after_the_stages_findings(stages):
    stages["base_grid"] = (("wmma_fused", "wmma_qk", "sdpa_math"), ("(1,2,128,64)", "(1,2,128,64,causal)"))
    stages["sanitize"] = [sanitize.Finding("wmma_qk", "memcheck", "FAIL-SANITIZER", "oob", 1.0)]
    _pr(stages)
    assert [(r.variant, r.shape, r.verdict) for r in stages["gate"][2]["findings"]] == [
        ("wmma_qk", "sanitize: memcheck", "FAIL-SANITIZER"), ("wmma_qk", "every shape", "MISSING"),
        ("every variant", "(1,2,128,64,causal)", "MISSING")]


def test_pr_does_not_sanitize_what_hung_and_keeps_the_checks_findings_first(stages, capsys, monkeypatch):
    stages["check_report"] = check.CheckReport([_r("wmma_qk", "HUNG", note="no reply"),
                                                _r("wmma_fused", "CRASHED", note="SIGSEGV")], restarts=2, restart_s=3.5,
                                               log_path=Path("/tmp/fcbench-check-x/worker.log"))
    stages["sanitize"] = [sanitize.Finding("wmma_fused", "memcheck", "FAIL-SANITIZER", "oob", 1.0)]
    monkeypatch.setenv("FCBENCH_REPORT_URL", "")
    _pr(stages)
    assert stages["sanitized"][0] == ["wmma_fused"]  # a hung kernel would hang under each tool too
    assert [(r.variant, r.verdict) for r in stages["gate"][2]["findings"]] == [
        ("wmma_qk", "HUNG"), ("wmma_fused", "CRASHED"), ("wmma_fused", "FAIL-SANITIZER")]
    assert stages["history"][1]["results_dir"] == stages["roots"]["h" * 40].parent / "default-compare"
    out = capsys.readouterr().out
    assert (f"check --quick of hhhhhhhh: 2 failing case(s)\n  HUNG wmma_qk: check: {CASE.name}: no reply (1 of 1 cases "
            f"failed)\n  CRASHED wmma_fused: check: {CASE.name}: SIGSEGV (1 of 1 cases failed)\n  2 measuring process(es) "
            "replaced in 3.5 s; log: /tmp/fcbench-check-x/worker.log\n") in out


def test_pr_without_the_sanitizer_stage_and_with_nothing_changed(stages, capsys):
    _pr(stages, sanitize_changed=False)
    assert "sanitized" not in stages and "changed_roots" not in stages
    stages["changed"] = []
    _pr(stages)
    assert stages["sanitized"][0] == []
    assert "kernels whose compiled inputs changed: none (sanitizers not needed)" in capsys.readouterr().out


def test_pr_tells_a_change_of_the_bar_first_and_gates_by_the_base(stages, capsys):
    _pr(stages, changed=["gate.latency_budget: 0.1 -> 0.5", "hang_timeout_s: 60 -> 10"])
    note = ("This pull request changes `[tool.fcbench]` (gate.latency_budget: 0.1 -> 0.5; hang_timeout_s: 60 -> 10). "
            "The gate holds it to the base's values; the change applies once merged.")
    assert stages["gate"][2]["notes"] == [note]
    assert capsys.readouterr().out.startswith(f"fcbench ci pr: {note}\n")


def test_pr_appendix_is_asvs_comparison_and_the_history_links(stages, monkeypatch):
    monkeypatch.setenv("FCBENCH_REPORT_URL", "https://x.example")
    told = []
    monkeypatch.setattr(asv_compare, "markdown", lambda *args: told.append(args) or "[asv]")
    _pr(stages)
    rows = [gate.Row("wmma_fused", "(1,8,512,64)", "SLOWER", base_us=10.0)]
    appendix = stages["gate"][2]["appendix"](rows)
    assert told == [(2, "asv says", rows, 1.25, "b" * 40, "h" * 40)]
    assert appendix.startswith("[asv]\n#### Main's history") and "(https://x.example/static/ci-cpu/wmma_fused/" in appendix
    monkeypatch.delenv("FCBENCH_REPORT_URL")
    _pr(stages)
    assert stages["gate"][2]["appendix"](rows) == "[asv]"  # no report published: no links


def test_pr_refuses_the_same_commit_twice(monkeypatch):
    monkeypatch.setattr(history, "current_repo", lambda: Path("/repo"))
    monkeypatch.setattr(history, "resolve", lambda repo, ref: "c" * 40)
    with pytest.raises(ValueError, match=r"^--base main and --head HEAD are the same commit \(cccccccc\): nothing"):
        ci.pr("main", "HEAD", markdown=None, json_out=None, results_dir=None)


def test_pr_gates_by_the_bar_of_the_base(monkeypatch):
    monkeypatch.setattr(history, "current_repo", lambda: Path("/repo"))
    seen = {"resolved": []}
    monkeypatch.setattr(history, "resolve", lambda repo, ref: seen["resolved"].append((repo, ref)) or ref * 40)

    @contextmanager
    def bar_of(repo, base_sha):
        seen["bar"] = (repo, base_sha)
        yield "CFG", ["a change"]

    monkeypatch.setattr(config, "bar_of", bar_of)
    monkeypatch.setattr(ci, "_pr", lambda *a, **kw: seen.setdefault("pr", (a, kw)) and 4)
    assert ci.pr("b", "h", markdown="m", json_out="j", results_dir="r", sanitize_changed=False, progress="P") == 4
    assert seen["bar"] == (Path("/repo"), "b" * 40) and seen["resolved"] == [(Path("/repo"), "b"), (Path("/repo"), "h")]
    assert seen["pr"] == ((Path("/repo"), "b" * 40, "h" * 40, "CFG", ["a change"]),
                          {"markdown": "m", "json_out": "j", "results_dir": "r", "sanitize_changed": False,
                           "progress": "P"})


def test_pr_sanitizes_and_shows_progress_on_stderr_unless_told(monkeypatch):
    monkeypatch.setattr(history, "current_repo", lambda: Path("/repo"))
    monkeypatch.setattr(history, "resolve", lambda repo, ref: ref * 40)

    @contextmanager
    def bar_of(repo, base_sha):
        yield "CFG", []

    monkeypatch.setattr(config, "bar_of", bar_of)
    seen = {}
    monkeypatch.setattr(ci, "_pr", lambda *a, **kw: seen.update(kw) or 0)
    ci.pr("b", "h", markdown=None, json_out=None, results_dir=None)
    # The default is the stderr of when fcbench was imported (pytest swaps sys.stderr since).
    assert seen["sanitize_changed"] is True and seen["progress"] is not None and hasattr(seen["progress"], "write")


def test_the_bases_bar_may_name_a_variant_the_head_dropped(tmp_path, monkeypatch):
    # The base's [tool.fcbench] was checked against the base's registry; a name the head's no longer
    # has must not stop the gate (exit 3) before it can say MISSING (gate.dropped).
    monkeypatch.delenv(config.CONFIG_ENV, raising=False)
    monkeypatch.delenv(config.BASE_ENV, raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool.fcbench.gate.latency_budget_overrides]\n"gone_variant" = 0.1\n')
    subprocess.run(["git", "init", "-qb", "main", str(tmp_path)], check=True)
    subprocess.run([*GIT, "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(tmp_path), "commit", "-qm", "base"], check=True)
    sha = history.resolve(tmp_path, "HEAD")
    with config.bar_of(tmp_path, sha) as (base, _changed):
        assert base.gate.latency_budget_overrides == {"gone_variant": 0.1}
        assert config.load().gate.latency_budget_overrides == {"gone_variant": 0.1}  # as the measuring processes read it
    assert config.BASE_ENV not in os.environ and config.CONFIG_ENV not in os.environ
    with pytest.raises(config.ConfigError, match="unknown variant 'gone_variant'"):
        config.load(tmp_path / "pyproject.toml")  # anywhere else a name the registry lacks is still an error
