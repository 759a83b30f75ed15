"""fcbench sanitize's logic on CPU: which kernels a change touched, and what each way a
compute-sanitizer run ends becomes, with a stand-in compute-sanitizer on PATH (the real tool
runs in scripts/mutation-test.sh on a GPU)."""

import os
import shutil
import stat
import sys

import pytest

from fcbench import registry, sanitize
from fcbench.cli import main

FAKE = """#!/usr/bin/env bash
# Stand-in compute-sanitizer: behaves as told by FAKE_SANITIZER_<variant> (report | hang | crash | clean).
# Like the real tool, a report exits with --error-exitcode's code (0 without it); each command line
# is appended to $FAKE_SANITIZER_LOG.
variant=${@: -1}
errexit=0; args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --error-exitcode ] && errexit=${args[i + 1]}; done
[ -n "$FAKE_SANITIZER_LOG" ] && echo "$@" >> "$FAKE_SANITIZER_LOG"
case "$(printenv FAKE_SANITIZER_$variant)" in
  report) echo "========= COMPUTE-SANITIZER"
          echo "========= Invalid __global__ read of size 16 bytes"
          echo "=========     at void fcbench::${variant}_kernel<64>(fcbench::AttentionParams)+0x1a0 in ${variant}.cu:61"
          echo "========= ERROR SUMMARY: 1 error"; exit $errexit ;;
  hang) sleep 60 ;;
  crash) echo "Traceback: boom"; exit 1 ;;
  *) echo "========= ERROR SUMMARY: 0 errors"; exit 0 ;;
esac
"""


@pytest.fixture
def fake_sanitizer(tmp_path, monkeypatch):
    tool = tmp_path / "bin" / "compute-sanitizer"
    tool.parent.mkdir()
    tool.write_text(FAKE)
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    # The stand-in runs no kernel, so it plays the GPU's part too (an L4's): `fcbench sanitize` refuses to
    # run without one.
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")
    return tool


def test_changed_variants_follow_the_unit_and_the_headers(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for root in (base, head):
        shutil.copytree(registry.REPO_ROOT / "csrc", root / "csrc")
    assert sanitize.changed_variants(base, head) == []
    (head / "csrc/kernels/wmma_qk.cu").write_text((head / "csrc/kernels/wmma_qk.cu").read_text() + "// edit\n")
    assert [v.name for v in sanitize.changed_variants(base, head)] == ["wmma_qk"]
    (head / "csrc/kernels/common.cuh").write_text((head / "csrc/kernels/common.cuh").read_text() + "// edit\n")
    assert {v.name for v in sanitize.changed_variants(base, head)} == {v.name for v in registry.kernel_variants()}
    (base / "csrc/kernels/scalar_tiled.cu").unlink()  # new at head: changed
    (head / "csrc/kernels/wmma_fused.cu").unlink()  # gone at head: nothing to sanitize
    names = {v.name for v in sanitize.changed_variants(base, head)}
    assert "scalar_tiled" in names and "wmma_fused" not in names


@pytest.mark.parametrize("how, verdict, text", [
    ("clean", "PASS", "ERROR SUMMARY: 0 errors"),
    ("report", "FAIL-SANITIZER", "Invalid __global__ read of size 16 bytes | at void fcbench::wmma_qk_kernel<64>"),
    ("crash", "FAIL-SANITIZER", "the run under memcheck failed (exit 1): Traceback: boom"),
    ("hang", "HUNG", "no end within 2 s under memcheck; killed"),
])
def test_each_way_a_run_ends(fake_sanitizer, monkeypatch, tmp_path, how, verdict, text):
    monkeypatch.setenv("FAKE_SANITIZER_wmma_qk", how)
    monkeypatch.setenv("FAKE_SANITIZER_LOG", str(tmp_path / "calls.log"))
    finding = sanitize.run_one("wmma_qk", "racecheck" if how == "report" else "memcheck", root=registry.REPO_ROOT,
                               timeout_s=2)
    assert finding.verdict == verdict and text.replace("memcheck", "racecheck" if how == "report" else "memcheck") \
        in finding.report, finding
    assert finding.seconds < 10
    # The tool asked for, and an exit code that tells a report from a clean run (without it the
    # real tool exits 0 after reporting errors).
    call = (tmp_path / "calls.log").read_text()
    assert f"--tool {'racecheck' if how == 'report' else 'memcheck'} " in call and "--error-exitcode 86 " in call, call


def test_fcbench_sanitize_exit_codes(fake_sanitizer, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_SANITIZER_wmma_qk", "report")
    assert main(["sanitize", "--variant", "wmma_qk,scalar_tiled", "--tool", "memcheck"]) == 7
    out = capsys.readouterr().out
    assert "wmma_qk       memcheck  FAIL-SANITIZER" in out and "scalar_tiled  memcheck  PASS" in out
    monkeypatch.setenv("FAKE_SANITIZER_wmma_qk", "hang")
    assert main(["sanitize", "--variant", "wmma_qk", "--tool", "racecheck", "--timeout-s", "1"]) == 4
    assert main(["sanitize", "--variant", "wmma_qk", "--tool", "leakcheck"]) == 2
    assert "--tool leakcheck: supported: memcheck, racecheck, synccheck, initcheck" in capsys.readouterr().err


def test_missing_compute_sanitizer_is_could_not_run(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CUDA_HOME", str(tmp_path))
    assert main(["sanitize", "--variant", "wmma_qk"]) == 3
    assert "compute-sanitizer" in capsys.readouterr().err


def test_without_a_gpu_sanitize_cannot_run_and_blames_no_kernel(fake_sanitizer, monkeypatch, capsys):
    # Every kernel's run would fail under the tool ("Torch not compiled with CUDA enabled") and read
    # as a sanitizer finding, exit 7: a machine's lack, reported as the kernels' fault.
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    monkeypatch.setenv("FAKE_SANITIZER_wmma_qk", "crash")
    assert main(["sanitize", "--variant", "wmma_qk", "--tool", "memcheck"]) == 3
    captured = capsys.readouterr()
    assert "needs a CUDA GPU" in captured.err and "FAIL-SANITIZER" not in captured.out


@pytest.mark.parametrize("argv, named", [
    (["--tool", ","], "--tool ','"),             # no tool: an empty table and exit 0 before
    (["--tool", ""], "--tool ''"),
    (["--variant", ""], "--variant ''"),        # every variant before (an unset shell variable)
])
def test_an_option_that_names_nothing_is_refused(fake_sanitizer, monkeypatch, capsys, argv, named):
    monkeypatch.setenv("FAKE_SANITIZER_LOG", "/dev/null")
    assert main(["sanitize", *argv]) == 2
    assert f"{named}: names nothing" in capsys.readouterr().err


@pytest.mark.parametrize("bound", ["-1", "0", "nan", "inf", "soon"])
def test_a_timeout_that_is_no_bound_is_refused(fake_sanitizer, capsys, bound):
    # -1 timed every run out at once and reported HUNG (exit 4); 0 meant the default; nan crashed.
    with pytest.raises(SystemExit) as exit_:
        main(["sanitize", "--variant", "wmma_qk", "--timeout-s", bound])
    assert exit_.value.code == 2 and "--timeout-s" in capsys.readouterr().err


def test_findings_become_gate_rows_and_exit_codes():
    from fcbench import check, ci, gate

    case = check.cases(quick=True)[0]
    report = check.CheckReport([
        check.CheckResult("wmma_qk", case, "FAIL", 3.0, 1.5),
        check.CheckResult("wmma_qk", check.cases(quick=True)[1], "PASS", 0.1, 1.0),
        check.CheckResult("scalar_tiled", case, "HUNG", note="no reply within 60.0 s"),
        check.CheckResult("sdpa_math", case, "PASS", 0.1, 1.0),
    ])
    rows = ci.check_findings(report)
    assert [(r.variant, r.verdict) for r in rows] == [("wmma_qk", "FAIL-CORRECTNESS"), ("scalar_tiled", "HUNG")]
    assert rows[0].note == "error / bound 2 (1 of 2 cases failed)" and rows[0].shape == f"check: {case.name}"
    found = [sanitize.Finding("wmma_fused", "racecheck", "FAIL-SANITIZER", "Race reported", 7.0),
             sanitize.Finding("wmma_fused", "memcheck", "PASS", "", 6.0)]
    sanitizer_rows = ci.sanitizer_findings(found)
    assert [(r.variant, r.shape, r.verdict) for r in sanitizer_rows] == [("wmma_fused", "sanitize: racecheck",
                                                                          "FAIL-SANITIZER")]
    resources = gate.Row("wmma_qk", "(1,8,512,64)", "FAIL-RESOURCES")
    assert gate.exit_code([*sanitizer_rows, resources]) == gate.EXIT_SANITIZER  # a race outranks resources
    assert gate.exit_code([*rows, *sanitizer_rows]) == gate.EXIT_CORRECTNESS  # and correctness outranks a race
    assert gate.markdown([*rows, *sanitizer_rows], "a" * 8, "b" * 8, "m", 4, 0.002).startswith(
        "### fcbench gate: FAIL: correctness")


def test_a_kernel_not_built_for_this_arch_is_not_sanitized(fake_sanitizer, monkeypatch, tmp_path, capsys):
    # On the L4 (sm_89) a change to a shared header marks wgmma_fused as changed too; its program
    # can't run there and read as FAIL-SANITIZER (exit 7) for a good pull request.
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")
    monkeypatch.setenv("FAKE_SANITIZER_LOG", str(tmp_path / "calls.log"))
    hopper = [v for v in registry.kernel_variants() if v.target("sm_89") is None]
    assert hopper, "a kernel built for Hopper only"
    findings = sanitize.run([registry.get("wmma_qk"), *hopper], tools=("memcheck",), progress=sys.stderr)
    assert [(f.variant, f.verdict) for f in findings] == [("wmma_qk", "PASS")]
    assert f"{hopper[0].name}: not for sm_89" in capsys.readouterr().err
    assert hopper[0].name not in (tmp_path / "calls.log").read_text()
