"""`fcbench ci pr` itself, end to end on the CPU and outside act (issue 27 item 4): the command the
PR workflow runs, as a subprocess in a scratch repository, with the measuring process broken on
purpose (tests/fake_worker.py) and the compute-sanitizer stand-in first on PATH. What the workflow
tests (tests/test_act_workflows.py) leave to ci pr is asserted here: its stages' findings and the
gate's rows in one table, and which exit code wins when two classes of failure come at once.
Five runs, ~20-60 s each on a 2-core machine, once per module."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from fcbench import gate, registry

from .conftest import GIT
from .test_act_workflows import JOB_ENV, _both, _commit, _edit, _plant

SHAPES = ("(1,2,128,64)", "(1,2,128,64,causal)")  # the tracked shapes on a machine without a GPU
SANITIZERS = ("memcheck", "racecheck", "synccheck")


@pytest.fixture(scope="module")
def runs(repo, tmp_path_factory):
    """name -> (exit code, gate.json, gate.md, output) of `fcbench ci pr` on each planted head."""
    main = _commit(repo, "main", "HEAD", "ci: a 10 s watchdog", _edit("pyproject.toml", "hang_timeout_s = 60",
                                                                      "hang_timeout_s = 10"))
    latency_base = _commit(repo, "latency-base", main, "wmma_fused on the CPU stand-in", _plant(wmma_fused="stand-in"))
    blow_up = _edit("csrc/kernels/wmma_qk.cu", "WmmaQkConfig<kHeadDim>::kThreads, 2)", "WmmaQkConfig<kHeadDim>::kThreads, 8)")
    heads = {
        "pass": (main, _commit(repo, "pass", main, "docs only", _edit("README.md", "# fcbench", "# fcbench\n"))),
        "latency": (latency_base, _commit(repo, "latency", latency_base, "wmma_fused four times as slow",
                                          _plant(wmma_fused="slow"))),
        # Two classes at once: a slower kernel (latency, 6) and a peer that raises (correctness, 4).
        "slow-and-raise": (latency_base, _commit(repo, "slow-and-raise", latency_base, "slower, and sdpa_math raises",
                                                 _plant(wmma_fused="slow", sdpa_math="raise"))),
        # A sanitizer finding (7) and a resource blow-up (5) in the same kernel: two stages, one table.
        "sanitizer-and-resources": (main, _commit(repo, "sanitizer-and-resources", main, "wmma_qk: 8 blocks per SM, "
                                                  "and an out-of-bounds read", _both(_plant(wmma_qk="sanitizer"), blow_up))),
        # What the head's suite no longer tracks: the harness measures both commits with its own
        # grid, so only the base's own registry and shapes (history.suite_grid) can name it.
        "dropped": (main, _commit(repo, "dropped", main, "wmma_unfused and the causal CPU shape dropped", _both(
            _edit("fcbench/registry.py", '    Variant(\n        "wmma_unfused",', '    Variant(\n        "wmma_unfused_gone",'),
            _edit("fcbench/registry.py", 'Variant("sdpa_efficient",', 'Variant("sdpa_efficient_v2",'),
            _edit("fcbench/measure.py", "CPU_SHAPES = (Shape(1, 2, 128, 64), Shape(1, 2, 128, 64, True))",
                  "CPU_SHAPES = (Shape(1, 2, 128, 64),)")))),
    }
    # JOB_ENV has OMP_NUM_THREADS=1: with torch's thread pool on a shared 2-core machine 0.3 ms rows
    # read 28-40 ms in whole rounds, and a 2x slowdown was NOISY.
    env = {**os.environ, **JOB_ENV, "FCBENCH_MACHINE": "ci-cpu", "PYTHONPATH": str(registry.REPO_ROOT)}
    for name in ("FCBENCH_CONFIG", "GITHUB_STEP_SUMMARY", "FCBENCH_PLANT"):
        env.pop(name, None)
    out = {}
    for name, (base, head) in heads.items():
        # The harness is the head's, as in pr.yml (job-env.sh installs the PR's checkout): python -m
        # puts the working directory first on sys.path.
        subprocess.run([*GIT, "-C", str(repo), "checkout", "-q", head], check=True)
        where = tmp_path_factory.mktemp(name)
        md, js = where / "gate.md", where / "gate.json"
        proc = subprocess.run([sys.executable, "-m", "fcbench.cli", "ci", "pr", "--base", base, "--head", head,
                               "--markdown", str(md), "--json", str(js)], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=600)
        assert js.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
        out[name] = (proc.returncode, json.loads(js.read_text()), md.read_text(), proc.stdout + proc.stderr)
    return out


def failing(result) -> set[tuple[str, str, str]]:
    return {(r["variant"], r["shape"], r["verdict"]) for r in result[1]["rows"] if r["verdict"] in gate.FAILING}


def bullets(result) -> list[str]:
    """The markdown's failing-row lines (above the folded table)."""
    return [line for line in result[2].splitlines() if line.startswith("- **")]


def test_a_docs_only_change_passes(runs):
    code, js, md, output = result = runs["pass"]
    assert code == js["exit_code"] == gate.EXIT_PASS, output[-4000:]
    assert not failing(result) and not bullets(result)
    assert md.splitlines()[0] == "### fcbench gate: pass" and "<details open>" in md
    assert "kernels whose compiled inputs changed: none" in output
    measured = {(r["variant"], r["shape"]): r for r in js["rows"]}
    assert all(measured["sdpa_math", s]["ratio"] is not None for s in SHAPES)  # the comparison ran and was gated


def test_a_slower_kernel_fails_latency_alone(runs):
    code, js, md, output = result = runs["latency"]
    assert code == js["exit_code"] == gate.EXIT_LATENCY, output[-4000:]
    assert failing(result) == {("wmma_fused", s, "FAIL-LATENCY") for s in SHAPES}, js["rows"]
    assert md.splitlines()[0] == "### fcbench gate: FAIL: latency"
    lines = bullets(result)
    assert len(lines) == 2 and all(re.fullmatch(rf"- \*\*FAIL-LATENCY\*\* `wmma_fused` {re.escape(s)}: [\d.]+ -> [\d.]+ us "
                                                r"\(x[\d.]+; budget 3%, significant\)", line)
                                   for s, line in zip(SHAPES, lines, strict=True)), lines


def test_correctness_outranks_latency_and_both_are_listed(runs):
    # sdpa_math raises: the check stage finds it (one row, its first failing case) and the
    # comparison fails its rows at head; wmma_fused is still measured four times as slow beside it.
    code, js, md, output = result = runs["slow-and-raise"]
    assert code == js["exit_code"] == gate.EXIT_CORRECTNESS, output[-4000:]
    (check_row,) = [r for r in js["rows"] if r["shape"].startswith("check: ")]
    assert js["rows"][0] == check_row  # the stages' findings lead the table
    assert check_row["variant"] == "sdpa_math" and check_row["verdict"] == "FAIL-CORRECTNESS"
    assert "planted Python error" in check_row["note"] and re.search(r"\((\d+) of \1 cases failed\)", check_row["note"])
    assert failing(result) == {("sdpa_math", check_row["shape"], "FAIL-CORRECTNESS"),
                               *(("sdpa_math", s, "FAIL-CORRECTNESS") for s in SHAPES),
                               *(("wmma_fused", s, "FAIL-LATENCY") for s in SHAPES)}, js["rows"]
    assert md.splitlines()[0] == "### fcbench gate: FAIL: correctness"
    lines = bullets(result)
    assert len(lines) == 5, lines
    assert lines[0].startswith(f"- **FAIL-CORRECTNESS** `sdpa_math` {check_row['shape']}: raised RuntimeError: "
                               "planted Python error")
    assert {line.split(":")[0] for line in lines[1:]} == {
        *(f"- **FAIL-LATENCY** `wmma_fused` {s}" for s in SHAPES),
        *(f"- **FAIL-CORRECTNESS** `sdpa_math` {s}" for s in SHAPES)}, lines
    assert all("planted Python error" in line for line in lines if "sdpa_math" in line)


def test_a_sanitizer_finding_outranks_resources_in_the_same_table(runs):
    code, js, md, output = result = runs["sanitizer-and-resources"]
    assert code == js["exit_code"] == gate.EXIT_SANITIZER, output[-4000:]
    assert "kernels whose compiled inputs changed: wmma_qk" in output
    assert failing(result) == {*(("wmma_qk", f"sanitize: {t}", "FAIL-SANITIZER") for t in SANITIZERS),
                               *(("wmma_qk", s, "FAIL-RESOURCES") for s in SHAPES)}, js["rows"]
    assert [r["shape"] for r in js["rows"][:3]] == [f"sanitize: {t}" for t in SANITIZERS]
    assert md.splitlines()[0] == "### fcbench gate: FAIL: sanitizer"
    lines = bullets(result)
    starts = [*(f"- **FAIL-SANITIZER** `wmma_qk` sanitize: {t}: " for t in SANITIZERS),
              *(f"- **FAIL-RESOURCES** `wmma_qk` {s}: " for s in SHAPES)]
    assert len(lines) == len(starts) and all(map(str.startswith, lines, starts)), lines
    assert all("Invalid __global__ read" in line for line in lines[:3])
    assert all("B spilled > 0" in line for line in lines[3:])


def test_what_the_head_dropped_from_the_suite_is_missing(runs):
    # Renamed is dropped too: the old name is gone (MISSING), the new one is only at head.
    code, js, md, output = result = runs["dropped"]
    assert code == js["exit_code"] == gate.EXIT_CORRECTNESS, output[-4000:]
    assert failing(result) == {("wmma_unfused", "every shape", "MISSING"), ("sdpa_efficient", "every shape", "MISSING"),
                               ("every variant", SHAPES[1], "MISSING")}, js["rows"]
    assert md.splitlines()[0] == "### fcbench gate: FAIL: correctness (MISSING)"
    assert "- **MISSING** `wmma_unfused` every shape: in the base's registry, not in the head's" in md
    assert f"- **MISSING** `every variant` {SHAPES[1]}: a tracked shape at base, not at head" in md
