import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from fcbench import registry, shapes
from fcbench.cli import EXIT_CANNOT_RUN, EXIT_OK, EXIT_USAGE, main


def test_help_explains_every_exit_code():
    # The commands it lists are pinned exactly by test_readme_cli.py; here, that each exit code the
    # CLI and the gate return is explained, with the word that names it.
    from fcbench import gate

    out = subprocess.run([sys.executable, "-m", "fcbench", "--help"], capture_output=True, text=True, check=True).stdout
    codes = " ".join(out.split("exit codes:", 1)[1].split())
    for code, says in ((EXIT_OK, "ok"), (1, "a check failed"), (2, "bad arguments"), (gate.EXIT_CANNOT_RUN, "could not run"),
                       (gate.EXIT_CORRECTNESS, "correctness"), (gate.EXIT_SANITIZER, "sanitizer"),
                       (gate.EXIT_RESOURCES, "resources"), (gate.EXIT_LATENCY, "latency")):
        assert f"{code} {says}" in codes, (code, says, codes)


def test_list_json(capsys):
    assert main(["list", "--json"]) == EXIT_OK
    names = [v["name"] for v in json.loads(capsys.readouterr().out)]
    assert names[0] == "scalar_tiled" and "sdpa_math" in names


def test_unknown_variant_is_a_usage_error(capsys):
    assert main(["check", "--variant", "nope"]) == EXIT_USAGE
    assert "unknown variant 'nope'" in capsys.readouterr().err


def test_variant_takes_a_kind_and_a_bad_one_lists_the_kinds(capsys):
    from fcbench.cli import _variants

    assert _variants(argparse.Namespace(variant=["sdpa_math", "flashcore"])) == (
        *registry.kernel_variants(), registry.get("sdpa_math"))
    assert main(["check", "--variant", "flashcore,kernel"]) == EXIT_USAGE
    assert "unknown variant 'kernel'" in (err := capsys.readouterr().err) and "or a kind: flashcore" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path")
def test_bench_without_gpu_says_timing_needs_one(capsys):
    assert main(["bench"]) == EXIT_CANNOT_RUN
    assert "timing needs a CUDA GPU" in capsys.readouterr().err


def test_bench_that_times_nothing_cannot_run(monkeypatch, capsys):
    # D=96: every variant skips every row, and the table of skips exited 0 (check has this rule).
    from fcbench import bench, device

    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setattr(device, "fingerprint", lambda: {})
    monkeypatch.setattr(device, "describe", lambda fp: "an H100 (stand-in)")
    monkeypatch.setenv("FCBENCH_ARCH", "sm_90")
    monkeypatch.setattr(bench, "run", lambda variants, chosen, **kw: [
        bench.BenchResult(v.name, s, "skip", "head_dim 96 unsupported (supports 64, 128)") for s in chosen for v in variants])
    assert main(["bench", "--shape", "1,8,128,96"]) == EXIT_CANNOT_RUN
    assert "fcbench bench: could not run: nothing was timed, every row was skipped" in capsys.readouterr().err
    # A kernel built for other archs only is "not for sm_89" there by design, never a failure.
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")
    assert main(["bench", "--variant", "wgmma_fused", "--shape", "1,8,128,64"]) == EXIT_OK
    assert "wgmma_fused" in capsys.readouterr().out  # its row, said


def test_check_json_on_cpu_runs_sdpa_math(capsys):
    assert main(["check", "--variant", "sdpa_math", "--quick", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["device"]["torch"] == torch.__version__
    assert {r["verdict"] for r in data["results"]} == {"PASS"}


@pytest.mark.parametrize("text, shape", [("1,8,512,64", shapes.Shape(1, 8, 512, 64)),
                                         ("4,16,2048,64,causal", shapes.Shape(4, 16, 2048, 64, True))])
def test_parse_shape(text, shape):
    assert shapes.parse_shape(text) == shape


# '²' passed str.isdigit() and died in int(); '٣' (Arabic-Indic 3) passed both and read as D=3.
@pytest.mark.parametrize("text", ["1,8,512", "1,8,0,64", "a,b,c,d", "1,8,512,64,sideways", "1,8,128,²", "1,8,128,٣"])
def test_bad_shape_is_named(text):
    with pytest.raises(ValueError, match="--shape: .* is not B,H,S,D"):
        shapes.parse_shape(text)


@pytest.mark.parametrize("argv, named", [
    (["resources", "--arch", ",", "--check"], "--arch ','"),   # counted nothing and passed the ceilings
    (["check", "--variant", ","], "--variant ','"),           # ran every variant
    (["bench", "--variant", ""], "--variant ''"),
])
def test_an_option_that_names_nothing_is_a_usage_error(capsys, argv, named):
    assert main(argv) == EXIT_USAGE
    assert f"fcbench {argv[0]}: {named}: names nothing" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--markdown", "--json"])
def test_an_output_that_cannot_be_written_is_said_before_any_measurement(capsys, tmp_path, flag):
    # The gate wrote its files last: compare --gate found the bad path after all the measuring.
    for path, why in ((tmp_path / "no-such-dir" / "out", "is not a writable directory"), (tmp_path, "is a directory")):
        assert main(["compare", "HEAD~1", "HEAD", "--gate", flag, str(path)]) == EXIT_CANNOT_RUN
        err = capsys.readouterr().err
        assert f"fcbench compare: could not run: {flag} {path}: cannot be written there" in err and why in err


def test_ci_main_refuses_the_options_of_ci_pr(capsys, tmp_path):
    # It ignored them: `ci main --markdown F` left F unwritten without a word.
    assert main(["ci", "main", "--markdown", str(tmp_path / "x.md"), "--no-sanitize"]) == EXIT_USAGE
    assert "--markdown, --no-sanitize: options of `ci pr`; `ci main` takes --results-dir and --out" in \
        capsys.readouterr().err
    assert not (tmp_path / "x.md").exists()


def test_flops_and_stats():
    from fcbench.stats import summarize

    assert shapes.Shape(1, 8, 512, 64).flops == 4 * 8 * 512 * 512 * 64
    assert shapes.Shape(1, 8, 512, 64, True).flops == 2 * 8 * 512 * 512 * 64
    s = summarize([1.0, 2.0, 3.0, 4.0, 100.0])
    assert (s.median, s.q25, s.q75, s.iqr, s.n, s.min, s.max) == (3.0, 2.0, 4.0, 2.0, 5, 1.0, 100.0)
    with pytest.raises(ValueError, match="samples: need at least one"):
        summarize([])


def _ctrl_c_as_at_a_terminal():
    # A shell starts background jobs (`.ci/run &`, nohup) with SIGINT ignored, and Python then
    # leaves it ignored (no KeyboardInterrupt): the command under test gets SIGINT's default, as
    # when run from a terminal, whatever started this test run.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_stops_a_measurement_with_one_line(repo, sig, code, word):
    # Ctrl-C or a cancelled job during `fcbench record`: one line, the shell's code, no traceback,
    # and no measuring process left behind.
    log = repo / ".asv" / "results"
    for old in log.glob("worker-*.log"):  # an earlier run's: this run's measuring process writes its own
        old.unlink()
    proc = subprocess.Popen([sys.executable, "-m", "fcbench", "record", "HEAD", "--variant", "sdpa_math",
                             "--machine", "ci-cpu", "--samples", "2000"], cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_ctrl_c_as_at_a_terminal)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(log.glob("worker-*.log")):  # the measuring process is up
        time.sleep(0.1)
    time.sleep(0.5)  # mid-measurement (2000 samples per shape); a signal after the run ends is ignored (exit 0)
    proc.send_signal(sig)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err[-2000:]
    assert time.monotonic() - sent < 30  # a multiple of what unwinding takes on a loaded 2-core machine
    assert "Traceback" not in err and f"fcbench record: {word} ({sig.name})\n" in err, err[-2000:]
    assert not _processes_measuring(repo)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_a_hung_request_stops_within_5_s(repo, tmp_path, sig, code):
    # The measuring process is inside a request that never returns (the watchdog's bound is 60 s):
    # the run stops at once, kills it and exits with the shell's code. (It waited up to 60 s for
    # the hung process to finish before.)
    plant = tmp_path / "plant.json"
    plant.write_text(json.dumps({"sdpa_math": "hang"}))
    results = tmp_path / "results"
    env = {**os.environ, "FCBENCH_WORKER_MODULE": "tests.fake_worker", "FCBENCH_PLANT": str(plant)}
    proc = subprocess.Popen([sys.executable, "-m", "fcbench", "record", "HEAD", "--variant", "sdpa_math",
                             "--machine", "ci-cpu", "--results-dir", str(results)], cwd=repo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_ctrl_c_as_at_a_terminal)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("fake worker: hanging" in log.read_text()
                                                  for log in results.glob("worker-*.log")):
        time.sleep(0.1)
    proc.send_signal(sig)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=90)
    took = time.monotonic() - sent
    assert proc.returncode == code and "Traceback" not in err, err[-2000:]
    assert took < 5, f"{took:.1f} s"
    assert not _processes_measuring(repo)


def _processes_measuring(repo: Path) -> list[int]:
    """Measuring processes (fcbench.worker) whose environment names a checkout of `repo`."""
    found = []
    for pid in subprocess.run(["pgrep", "-f", "fcbench.worker"], capture_output=True, text=True).stdout.split():
        try:
            if str(repo).encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:  # gone meanwhile
            pass
    return found


def test_numpy_is_a_dependency_and_torch_imports_without_its_warning():
    # Issue 26: without numpy, torch's first words on every command were "UserWarning: Failed to
    # initialize NumPy: No module named 'numpy'"; pytest's summary repeated it.
    import tomllib

    deps = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "numpy" in [d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps]
    proc = subprocess.run([sys.executable, "-W", "default", "-c", "import torch, fcbench.cli"],
                          capture_output=True, text=True, check=True)
    assert "NumPy" not in proc.stderr, proc.stderr


def test_resources_says_what_it_compiles_before_the_silent_compiles(monkeypatch, capsys):
    # Issue 26: ~15 s of nothing on 2 cores before the table; now a line on stderr first.
    from fcbench import resources

    seen_before_compiling = []

    def fake_unit(variant, arch):
        seen_before_compiling.append(capsys.readouterr().err)
        return []

    monkeypatch.setattr(resources, "is_cached", lambda variant, arch: variant.name == "scalar_tiled")
    monkeypatch.setattr(resources, "unit_resources", fake_unit)
    monkeypatch.setattr(resources.os, "cpu_count", lambda: 1)  # one compile at a time: the first sees the line
    assert main(["resources", "--json"]) == EXIT_OK
    per_arch = {a: sum(bool(v.target(a)) for v in registry.kernel_variants()) for a in ("sm_89", "sm_90")}
    assert per_arch["sm_90"] > per_arch["sm_89"]  # wgmma_fused: built for sm_90 (sm_90a) only
    assert seen_before_compiling[0] == (f"fcbench resources: compiling {sum(per_arch.values()) - 2} kernel unit(s) "
                                        "for sm_89, sm_90 with nvcc (2 cached) ...\n")
    assert json.loads(capsys.readouterr().out) == []  # stdout stays machine-readable

    monkeypatch.setattr(resources, "is_cached", lambda variant, arch: True)
    monkeypatch.setattr(resources, "unit_resources", lambda variant, arch: [])
    assert main(["resources", "--arch", "90"]) == EXIT_OK
    assert f"{per_arch['sm_90']} kernel unit(s) for sm_90 already compiled (cache)" in capsys.readouterr().err


def test_run_without_gpu_closes_with_what_ran_what_was_skipped_and_what_next(monkeypatch, capsys):
    # Issue 26: `fcbench run` on a CPU machine ended with the check's table; now its last lines say
    # what ran, what was skipped and why, and the command to run on a GPU machine.
    import fcbench.cli as cli

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", None)
    monkeypatch.setattr(cli, "cmd_resources", lambda args: EXIT_OK)
    monkeypatch.setattr(cli, "cmd_check", lambda args: EXIT_OK)
    monkeypatch.setattr(cli, "cmd_build", lambda args: pytest.fail("built without a GPU"))
    assert main(["run", "--quick"]) == EXIT_OK
    tail = capsys.readouterr().out.rstrip().splitlines()[-4:]
    n = len(registry.kernel_variants())
    assert tail[0] == "fcbench run without a CUDA GPU:"
    on = {arch: sum(bool(v.target(arch)) for v in registry.kernel_variants()) for arch in ("sm_89", "sm_90")}
    assert on["sm_89"] < on["sm_90"] == n  # wgmma_fused is counted on sm_90 only
    assert tail[1].startswith(f"  ran:     resources ({on['sm_89']} kernels on sm_89, {n} kernels on sm_90, from nvcc)")
    assert "sdpa_math: passed" in tail[1]
    assert tail[2].startswith("  skipped: build") and f"{n} FlashCore kernels" in tail[2] and "bench (timing)" in tail[2]
    assert "need a CUDA GPU" in tail[2]
    assert tail[3].startswith("  next:    ") and "CUDA build of torch" in tail[3] and tail[3].endswith("`fcbench run`")

    monkeypatch.setattr(torch.version, "cuda", "12.8")
    monkeypatch.setattr(cli, "cmd_check", lambda args: 1)
    assert main(["run"]) == 1
    tail = capsys.readouterr().out.rstrip().splitlines()[-4:]
    assert "sdpa_math: FAILED" in tail[1] and "CUDA 12.8" in tail[3] and "install" not in tail[3]


@pytest.mark.parametrize("setting, bad", [("abc", "'abc'"), ("1,2,32,64;1,2,0,64", "'1,2,0,64'")])
def test_a_bad_fcbench_shapes_is_named_as_the_variable_not_as_shape(monkeypatch, capsys, tmp_path, setting, bad):
    # Issue 26: `FCBENCH_SHAPES=abc fcbench record` said "--shape: 'abc' is not B,H,S,D...", an option
    # the user never passed.
    from fcbench import measure

    monkeypatch.setenv("FCBENCH_SHAPES", setting)
    with pytest.raises(ValueError, match=rf"^FCBENCH_SHAPES='{setting}': {bad} is not B,H,S,D\[,causal\]"):
        measure.tracked_shapes()
    assert main(["record", "--machine", "ci-cpu", "--results-dir", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"fcbench record: FCBENCH_SHAPES='{setting}': {bad} is not B,H,S,D") and "--shape" not in err
    assert not list(tmp_path.iterdir())  # refused before anything ran


def test_a_missing_dependency_is_named_in_one_line(monkeypatch, capsys):
    # An offline runner's `pip install --no-deps -e .` installs none of fcbench's dependencies:
    # without ninja and asv the run stopped deep inside with an ImportError; now one line names them.
    import importlib.util

    import fcbench.cli as cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("ninja", "asv") else real(name, *a))
    assert cli.main(["run"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert err.startswith("fcbench run: could not run: missing Python package(s): ninja, asv (") and err.count("\n") == 1
    import tomllib

    deps = tomllib.loads((registry.REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps}
    assert names == {"torch", *cli.DEPENDENCIES}  # the check knows every runtime dependency but torch


def test_the_report_needs_neither_torch_nor_numpy_nor_ninja(monkeypatch, tmp_path):
    # main.yml's report job installs only deploy/report-requirements.txt (hashed): `fcbench report`
    # must not import torch, and must not refuse to run for want of numpy or ninja.
    import importlib.util

    import fcbench.cli as cli

    code = ("import sys, fcbench.cli, fcbench.report, fcbench.report_data, fcbench.report_static; "
            "print(sorted(m for m in ('torch', 'numpy', 'ninja') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]", out.stdout
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("torch", "numpy", "ninja") else real(name, *a))
    assert cli.missing_packages("report") == [] and cli.missing_packages("run") == ["numpy", "ninja"]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pygal" else real(name, *a))
    assert cli.missing_packages("report") == ["pygal"]


LOCK_ENTRY = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\]+) \\\n\s+--hash=sha256:([0-9a-f]{64})$", re.M)


def run_lock_script(tmp_path, report):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report) if not isinstance(report, str) else report)
    out = tmp_path / "lock.txt"
    r = subprocess.run([sys.executable, str(registry.REPO_ROOT / "scripts" / "lock_report_env.py"), "--report",
                        str(path), "--out", str(out)], capture_output=True, text=True)
    return r, out


def test_the_report_lock_file_is_what_its_script_writes(tmp_path):
    # scripts/lock_report_env.py formats pip's installation report; given a report of the committed
    # lock's own packages (in pip's order, not the file's) it must write the committed file exactly.
    text = (registry.REPO_ROOT / "deploy" / "report-requirements.txt").read_text()
    entries = LOCK_ENTRY.findall(text)
    report = {"install": [{"metadata": {"name": n, "version": v},
                           "download_info": {"url": f"https://x/{n}.whl", "archive_info": {"hashes": {"sha256": h}}}}
                          for n, v, h in reversed(entries)]}
    r, out = run_lock_script(tmp_path, report)
    assert r.returncode == 0, r.stderr
    assert out.read_text() == text
    report["install"][1]["download_info"]["archive_info"] = {}
    r, out = run_lock_script(tmp_path, report)
    name, version = report["install"][1]["metadata"].values()
    assert r.returncode == 3 and f"{name}=={version} came without a sha256" in r.stderr
    for bad in ("{not json", '{"install": [{"metadata": {}}]}', "[1]"):
        r, _ = run_lock_script(tmp_path, bad)
        assert r.returncode == 3 and "Traceback" not in r.stderr, r.stderr


def test_the_report_lock_file_pins_every_package_with_a_hash():
    # pip --require-hashes (scripts/report-env.sh) refuses a lock with an unpinned or unhashed
    # line; this says which. The lock holds what the report imports: asv and pygal.
    text = (registry.REPO_ROOT / "deploy" / "report-requirements.txt").read_text()
    entries = LOCK_ENTRY.findall(text)
    pins = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert len(entries) == len(pins) and {"asv", "pygal", "setuptools"} <= {name for name, _, _ in entries}
    assert "torch" not in {name for name, _, _ in entries}
    script = (registry.REPO_ROOT / "scripts" / "report-env.sh").read_text()
    assert "--require-hashes" in script and "-r deploy/report-requirements.txt" in script
