"""The results store never loses a sample (issue 16), on CPU with real asv result files of real
commits: records that merge, writes that are atomic and locked, damaged files named, worktrees
cleaned up after killed runs, arguments and config refused before anything runs."""

import contextlib
import html
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fcbench import config, gate, history, registry, report, report_pages, store
from fcbench.cli import main

SHAPE, OTHER_SHAPE = "1,2,32,64", "1,2,16,64"
MACHINE = "ci-cpu"


def _results(repo: Path) -> Path:
    return repo / ".asv" / "results"


def samples_of(repo: Path, sha: str, variant: str, shape: str) -> int:
    """How many latency samples the commit's result file holds for (variant, shape)."""
    import itertools

    path = _results(repo) / MACHINE / f"{sha[:8]}-{history.ENV_NAME}.json"
    data = json.loads(path.read_text())
    row = dict(zip(data["result_columns"], data["results"]["benchmarks.Latency.time_attention"], strict=False))
    for i, combo in enumerate(itertools.product(*row["params"])):
        if combo == (repr(variant), repr(f"({shape})")):
            return len(row["samples"][i] or []) if row.get("samples") else 0
    return 0


def record(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FCBENCH_MACHINE": MACHINE}
    return subprocess.run([sys.executable, "-m", "fcbench.cli", "record", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def head(repo):
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_recording_a_subset_keeps_every_earlier_sample(repo, head):
    assert record(repo, "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "3").returncode == 0
    assert samples_of(repo, head, "sdpa_math", SHAPE) == 3
    # Another variant, then another shape: sdpa_math's samples at SHAPE stay.
    assert record(repo, "--variant", "wmma_qk", "--shape", SHAPE, "--samples", "3").returncode == 0
    assert record(repo, "--variant", "sdpa_math", "--shape", OTHER_SHAPE, "--samples", "2").returncode == 0
    assert samples_of(repo, head, "sdpa_math", SHAPE) == 3
    assert samples_of(repo, head, "sdpa_math", OTHER_SHAPE) == 2
    # The same key again: its samples add up.
    assert record(repo, "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "4").returncode == 0
    assert samples_of(repo, head, "sdpa_math", SHAPE) == 7 and samples_of(repo, head, "sdpa_math", OTHER_SHAPE) == 2


def test_a_shape_nothing_can_run_is_refused_and_touches_nothing(repo, head):
    before = samples_of(repo, head, "sdpa_math", SHAPE)
    out = record(repo, "--shape", "1,2,64,48", "--samples", "3")
    assert out.returncode == 2, out.stderr
    assert "--shape (1,2,64,48): no selected variant can run it on this machine" in out.stderr
    assert samples_of(repo, head, "sdpa_math", SHAPE) == before


SLOW_SAVE = """
import sys, time
import fcbench.store as store
save = store.save_results
def slow(results, results_dir):
    print("saving", flush=True)
    time.sleep(float(sys.argv[1]))
    return save(results, results_dir)
store.save_results = slow
from fcbench.cli import main
sys.exit(main(["record", "--variant", "sdpa_math", "--shape", "SHAPE", "--samples", "5"]))
""".replace("SHAPE", SHAPE)


def test_concurrent_writers_both_land(repo, head):
    before = samples_of(repo, head, "sdpa_math", SHAPE)
    env = {**os.environ, "FCBENCH_MACHINE": MACHINE}
    # Each writer pauses 3 s between reading the commit's results and saving them: unlocked, the
    # second would save over the first's samples.
    procs = [subprocess.Popen([sys.executable, "-c", SLOW_SAVE, "3"], cwd=repo, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    # Both waited for before either is judged: a writer left running would land its samples in the
    # next test (CI once failed that one too, 12 == 7, when this one failed).
    errs = [p.communicate(timeout=600)[1] for p in procs]
    for p, err in zip(procs, errs, strict=True):
        assert p.returncode == 0, err[-2000:]
    assert samples_of(repo, head, "sdpa_math", SHAPE) == before + 10


def test_a_writer_killed_mid_write_loses_nothing(repo, head):
    before = samples_of(repo, head, "sdpa_math", SHAPE)
    env = {**os.environ, "FCBENCH_MACHINE": MACHINE}
    # Killed while saving: after it has merged the new samples, before the file is in place.
    for patched in ("save_results", "write_atomic"):
        script = SLOW_SAVE.replace("store.save_results = slow", f"store.{patched} = slow" if patched == "save_results"
                                   else "")
        if patched == "write_atomic":  # killed between writing the result file's temporary copy and renaming it
            script = script.replace("import fcbench.store as store", """import fcbench.store as store, os
atomic = store.write_atomic
def killed_before_rename(path, data):
    if str(path).endswith("-fcbench.json"):  # the commit's result file, not the asv config beside the store
        os.fsync = lambda fd: (print("saving", flush=True), time.sleep(60))
    return atomic(path, data)
store.write_atomic = killed_before_rename""")
        p = subprocess.Popen([sys.executable, "-c", script, "60"], cwd=repo, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "saving"
        p.kill()
        p.wait()
        path = _results(repo) / MACHINE / f"{head[:8]}-{history.ENV_NAME}.json"
        assert store.check_result_file(path) is None
        assert samples_of(repo, head, "sdpa_math", SHAPE) == before
    assert list((_results(repo) / MACHINE).glob(".*.tmp"))  # the temporary copy the killed writer left
    # The next writer finds the lock free and the store whole, and adds its samples.
    assert record(repo, "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "2").returncode == 0
    assert samples_of(repo, head, "sdpa_math", SHAPE) == before + 2
    assert not list((_results(repo) / MACHINE).glob(".*.tmp"))  # the killed writer's temporary file is gone


def test_a_killed_run_s_worktrees_are_pruned_and_sigterm_removes_its_own(repo):
    env = {**os.environ, "FCBENCH_MACHINE": MACHINE}

    def worktrees():
        out = subprocess.run(["git", "-C", str(repo), "worktree", "list", "--porcelain"], capture_output=True,
                             text=True, check=True).stdout
        return [line for line in out.splitlines() if line.startswith("worktree ") and "fcbench-worktrees-" in line]

    def measuring():
        """A record that stops while measuring, its worktree in place ("saving" once it is)."""
        slow = SLOW_SAVE.replace("store.save_results = slow", "import fcbench.history as h\n"
                                 "h.measure_commits = lambda *a, **k: (print('saving', flush=True), time.sleep(60))")
        p = subprocess.Popen([sys.executable, "-c", slow, "60"], cwd=repo, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "saving"
        return p

    # Worktrees of a run killed while measuring: a worktree left locked, as `git worktree add` leaves it.
    p = measuring()
    left = worktrees()
    assert len(left) == 1
    subprocess.run(["git", "-C", str(repo), "worktree", "lock", left[0].removeprefix("worktree ")], check=True)
    p.kill()
    p.wait()
    assert worktrees() == left and Path(left[0].removeprefix("worktree ")).exists()
    # SIGTERM while measuring: the run removes its own.
    p = measuring()
    # It started by pruning the killed run's worktree (locked as it was), and holds its own.
    own = worktrees()
    assert len(own) == 1 and own != left and not Path(left[0].removeprefix("worktree ")).exists()
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=60) == 128 + signal.SIGTERM
    assert worktrees() == [] and not Path(own[0].removeprefix("worktree ")).parent.exists()


def test_worktrees_are_added_removed_and_pruned_under_the_repositorys_worktree_lock(repo, head, monkeypatch):
    # Two concurrent records once failed in CI: one run's `git worktree prune` deleted the
    # administrative directory of a worktree the other was adding. Every add, remove and prune
    # of fcbench's runs happens with the repository's worktree lock held.
    import fcntl

    lock_file = repo / ".git" / store.LOCK_NAME
    seen = []
    real_run = subprocess.run

    def run(cmd, *args, **kwargs):
        if "worktree" in cmd and cmd[cmd.index("worktree") + 1] in ("add", "remove", "prune"):
            with open(lock_file, "a") as other:
                try:
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(other, fcntl.LOCK_UN)
                    held = False
                except BlockingIOError:
                    held = True
            seen.append((cmd[cmd.index("worktree") + 1], held))
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    with history.Checkouts(repo, [head]) as roots:
        assert roots[head].is_dir()
    assert {op for op, _ in seen} == {"add", "remove", "prune"} and all(held for _, held in seen), seen


@pytest.mark.parametrize("args, message", [
    (["compare", "HEAD~0", "HEAD", "--rounds", "0"], "--rounds 0 / --samples 8: both must be at least 1"),
    (["compare", "HEAD~0", "HEAD~0", "--samples", "0"], "--rounds 5 / --samples 0: both must be at least 1"),
    (["record", "--samples", "0"], "fcbench record: --samples 0: must be at least 1"),  # record has no --rounds
    (["forget", "nosuchref"], "fcbench forget: 'nosuchref' is neither a commit here nor a hash"),  # said once
    (["compare", "HEAD", "HEAD"], "HEAD and HEAD are the same commit"),
    (["gate", "HEAD", "HEAD"], "HEAD and HEAD are the same commit"),
    (["gate", "HEAD~0", "HEAD", "--markdown", "g.md", "--json", "./g.md"], "--markdown and --json are the same file"),
    (["record", "--machine", "../../escaped"], "--machine: '../../escaped' is not a machine name"),
    (["record", "--machine", "gpu two"], "--machine: 'gpu two' is not a machine name"),
])
def test_refused_before_anything_runs(repo, monkeypatch, capsys, args, message):
    monkeypatch.chdir(repo)
    started = time.monotonic()
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert time.monotonic() - started < 10  # refused before any build or measurement
    assert not (repo / ".asv" / "escaped").exists() and not (repo.parent / "escaped").exists()


def test_a_bad_machine_name_from_the_environment_is_blamed_on_it(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    monkeypatch.setenv("FCBENCH_MACHINE", "../x")
    assert main(["record"]) == 2
    assert "fcbench record: FCBENCH_MACHINE: '../x' is not a machine name" in capsys.readouterr().err
    # An empty --machine (an unset shell variable) is refused too, not read as the default machine.
    monkeypatch.delenv("FCBENCH_MACHINE")
    assert main(["record", "--machine", ""]) == 2
    assert "fcbench record: --machine: '' is not a machine name" in capsys.readouterr().err


LATENCY = "benchmarks.Latency.time_attention"


def _corrupt(path: Path, how: str) -> Path:
    """Damages the commit's result file (or writes its failures file) `how`; returns the damaged file."""
    data = path.read_text()
    if how == "truncated":
        path.write_text(data[: len(data) // 2])
        return path
    if how.startswith("failures"):  # the failures file beside it, not what write_failures writes
        failures = history.failures_path(path.parent.parent, path.parent.name, path.name[:8])
        failures.write_text(json.dumps(["x"] if how == "failures as a list" else {f"sdpa_math ({SHAPE})": {"x": 1}}))
        return failures
    doc = json.loads(data)
    cols = doc["result_columns"]
    row = doc["results"][LATENCY]
    ran = [i for i, s in enumerate(row[cols.index("samples")]) if s]  # sdpa_math, which ran on this CPU
    if how == "samples as strings":
        row[cols.index("samples")] = [["fast"] if s else s for s in row[cols.index("samples")]]
    elif how.startswith("sample "):  # "sample nan", "sample inf", "sample -1.0"
        row[cols.index("samples")][ran[0]][0] = float(how.removeprefix("sample "))
    elif how == "NaN latency with samples":
        row[cols.index("result")][ran[0]] = float("nan")
    elif how == "negative registers":
        doc["results"]["benchmarks.Resources.track_registers"][0] = [-1 if isinstance(v, int) else v for v in
                                                                     doc["results"]["benchmarks.Resources.track_registers"][0]]
    elif how == "short commit hash":
        doc["commit_hash"] = doc["commit_hash"][:12]
    elif how == "parameter not a literal":
        row[cols.index("params")][0][0] = "__import__('os').system('id')"
    else:  # a cut result list
        row[cols.index("result")] = row[cols.index("result")][:3]
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def second(repo, head):
    """A second recorded commit (a docs change), so a report has something left to show."""
    from .conftest import commit

    sha = commit(repo, "docs", lambda r: (r / "README.md").write_text((r / "README.md").read_text() + "\n"))
    assert record(repo, sha, "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "2").returncode == 0
    return sha


SAMPLE = f"{LATENCY}('sdpa_math', '({SHAPE})')"


@pytest.mark.parametrize("how, why", [
    ("truncated", "not valid JSON ("),
    ("samples as strings", f"{LATENCY}: samples that are not numbers"),
    ("cut result list", f"{LATENCY}: 3 results for "),
    # Numbers no measurement gives (issue 23): the gate passed these, and record made a NaN median.
    ("sample nan", f"{SAMPLE}: sample nan is not a time (finite, > 0 s)"),
    ("sample inf", f"{SAMPLE}: sample inf is not a time (finite, > 0 s)"),
    ("sample -1.0", f"{SAMPLE}: sample -1.0 is not a time (finite, > 0 s)"),
    ("NaN latency with samples", f"{SAMPLE}: result nan is not a time (finite, > 0 s)"),
    ("negative registers", "benchmarks.Resources.track_registers('wmma_qk', "),
    ("short commit hash", "commit_hash '"),
    # Passed the check, then failed every `fcbench report`; never evaluated (ast.literal_eval).
    ("parameter not a literal", f"{LATENCY}: parameter \"__import__('os').system('id')\" is not a Python literal"),
    # read_failures raised AttributeError on these, or the gate read them as no failure.
    ("failures as a list", "not a failures file (a JSON list, not an object)"),
    ("failures without a reason", f"sdpa_math ({SHAPE}): {{'x': 1}} is not a failing reply"),
])
def test_damaged_results_are_named_by_gate_and_report(repo, head, second, tmp_path, capsys, how, why):
    import shutil

    results = tmp_path / "results"
    shutil.copytree(_results(repo), results)
    path = _corrupt(results / MACHINE / f"{head[:8]}-{history.ENV_NAME}.json", how)
    reason = store.check_file(path)
    assert reason.startswith(why), reason
    if how == "negative registers":
        assert reason.endswith("): -1 is not a measurement (>= 0)")
    if how == "short commit hash":
        assert reason.endswith("is not a commit (40 lowercase hex digits)")
    assert store.damaged_files(results) == [(path, reason)]
    with pytest.raises(gate.DamagedResults, match=re.escape(f"{path}: {reason}")):
        gate.load(results, MACHINE, head)
    code, text = gate.run(head, second, results_dir=results, machine=MACHINE, cfg=config.GateConfig())
    assert code == gate.EXIT_CANNOT_RUN and "damaged result file(s)" in text and f"{path}: {reason}" in text
    # The report leaves the damaged file out, names it and why, and shows the rest.
    index = report.build(results, tmp_path / "site", repo=repo, cfg=config.GateConfig())
    page = index.read_text()
    assert "Damaged result files (1)" in page and str(path) in page and second[:8] in page
    assert html.escape(reason) in page
    assert f"skipping damaged result file {path}: {reason}" in capsys.readouterr().err


def test_record_refuses_a_sample_that_is_not_a_time(repo, head, tmp_path):
    import shutil

    results = tmp_path / "results"
    shutil.copytree(_results(repo), results)
    path = results / MACHINE / f"{head[:8]}-{history.ENV_NAME}.json"
    before = path.read_bytes()
    # A measurement that returns a NaN sample: the write is refused, the file stays as it was.
    nan_sample = SLOW_SAVE.replace("store.save_results = slow", """import fcbench.history as h
measure = h.measure_commits
def nan_sample(*a, **k):
    out = measure(*a, **k)
    for m in out.values():
        m.metrics["latency"][("sdpa_math", "(SHAPE)")][0] = float("nan")
    return out
h.measure_commits = nan_sample""".replace("SHAPE", SHAPE)).replace('"record",', f'"record", "{head}", "--results-dir", "{results}",')
    out = subprocess.run([sys.executable, "-c", nan_sample, "0"], cwd=repo, env={**os.environ, "FCBENCH_MACHINE": MACHINE},
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 3, out.stderr[-2000:]
    assert f"{path}: not storing it: {SAMPLE}: sample nan is not a time" in out.stderr
    assert path.read_bytes() == before
    # A file that holds one already is not recorded into (its median would be NaN).
    _corrupt(path, "sample nan")
    damaged = path.read_bytes()
    out = record(repo, head, "--results-dir", str(results), "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "2")
    assert out.returncode == 3 and f"{SAMPLE}: sample nan is not a time" in out.stderr
    assert "not recording into it" in out.stderr and path.read_bytes() == damaged


def test_failures_that_are_not_failing_replies_are_not_written(tmp_path):
    sha = "0" * 40
    with pytest.raises(store.DamagedResults, match=r"not storing it: sdpa_math \(1,2,16,64\): \{'verdict': 'x'\} is not"):
        history.write_failures(tmp_path, MACHINE, sha, {("sdpa_math", "(1,2,16,64)"): {"verdict": "x"}}, replaces=None)
    assert not history.failures_path(tmp_path, MACHINE, sha).exists()


@pytest.mark.parametrize("out", ["site", "absolute"])
def test_report_never_writes_into_the_results_directory(repo, tmp_path, monkeypatch, out):
    import shutil

    results = tmp_path / "results"
    shutil.copytree(_results(repo), results)
    before = {p: p.read_bytes() for p in results.rglob("*") if p.is_file()}
    monkeypatch.chdir(repo)  # the report's commits come from the working directory's repository
    site = tmp_path / "abs-site" if out == "absolute" else Path("site-relative")
    assert main(["report", "--results-dir", str(results), "--out", str(site)]) == 0
    assert (repo / site / "asv" / "index.html").exists()
    shutil.rmtree(repo / "site-relative", ignore_errors=True)
    assert {p: p.read_bytes() for p in results.rglob("*") if p.is_file()} == before  # not one byte more or changed
    assert main(["report", "--results-dir", str(results), "--out", str(results / "inside")]) == 2
    assert not (results / "inside").exists()


def test_report_gate_json_errors_name_the_file(repo, tmp_path, capsys):
    bad, empty = tmp_path / "bad.json", tmp_path / "empty.json"
    bad.write_text("{not json")
    empty.write_text("[]")
    for path, why in ((bad, "not valid JSON"), (empty, "not an `fcbench gate --json` file")):
        assert main(["report", "--results-dir", str(_results(repo)), "--out", str(tmp_path / "s"),
                     "--gate-json", str(path)]) == 2
        assert f"--gate-json {path}: {why}" in capsys.readouterr().err


def test_machine_slugs_are_unique():
    assert report_pages.machine_slug("gpu-two") == "gpu-two"
    assert report_pages.machine_slug("gpu two") != report_pages.machine_slug("gpu-two")
    assert report_pages.machine_slug("gpu two").startswith("gpu-two-")
    with pytest.raises(ValueError, match="not a machine name"):
        store.validate_machine("..")


# ---- configuration -------------------------------------------------------------------------

@pytest.mark.parametrize("table, match", [
    ({"gate": {"variants": {"wmma_qk": 5}}}, r"\[tool.fcbench.gate.variants\] wmma_qk = 5: expected a table"),
    ({"gate": {"latency_budget_overrides": 5}}, r"\[tool.fcbench.gate\] latency_budget_overrides = 5: expected a table"),
    ({"gate": 3}, r"\[tool.fcbench\] gate = 3: expected a table"),
    ({"gate": {"variants": "wmma_qk"}}, r"variants = 'wmma_qk': expected a table"),
    ({"gate": {"latency_budget_overrides": {"wmma_qk(1,2,abc)": 0.1}}},
     r"'wmma_qk\(1,2,abc\)': expected 'variant' or 'variant\(B,H,S,D\[,causal\]\)'"),
    ({"gate": {"latency_budget_overrides": {"wmma_qk(1,8,512,64,causal": 0.1}}}, r"expected 'variant' or"),
    ({"gate": {"variants": {"wmma_qk(1,8,512,64)": {}}}}, r"expected a variant name, not a variant and a shape"),
    ({"hang_timeout_s": 0}, r"hang_timeout_s = 0: expected a number in \[1, 3600\]"),
])
def test_wrong_types_and_malformed_keys_are_config_errors(table, match):
    with pytest.raises(config.ConfigError, match=match):
        config.parse(table)


def test_a_wrong_type_in_pyproject_exits_3_naming_the_key(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[tool.fcbench.gate.variants]\nwmma_qk = 5\n")
    monkeypatch.setattr(config, "load", lambda pyproject=None, _real=config.load: _real(bad))
    assert main(["check", "--variant", "sdpa_math", "--quick"]) == 3
    assert "wmma_qk = 5: expected a table" in capsys.readouterr().err


def test_defaults_are_the_documented_ones_and_a_misspelt_table_is_refused(tmp_path, monkeypatch, capsys):
    assert config.parse({}).gate.latency_budget == 0.03  # README: default 3%
    assert config.Config().hang_timeout_s == 60
    misspelt = tmp_path / "pyproject.toml"
    misspelt.write_text("[tool.fcbnech.gate]\nlatency_budget = 0.5\n")
    with pytest.raises(config.ConfigError, match=r"\[tool.fcbnech\] is not read by fcbench; did you mean \[tool.fcbench\]"):
        config.load(misspelt)
    monkeypatch.setenv(config.CONFIG_ENV, str(misspelt))  # as a command meets it: exit 3, one line naming it
    assert main(["check", "--variant", "sdpa_math", "--quick"]) == 3
    assert "[tool.fcbnech] is not read by fcbench" in capsys.readouterr().err


@pytest.mark.parametrize("table, match", [
    ({"error_floor_relative": 2}, r"^\[tool\.fcbench\] error_floor_relative = 2: "),
    ({"hang_timeout_s": 0}, r"^\[tool\.fcbench\] hang_timeout_s = 0: "),
    ({"gate": {"significance": 1}}, r"^\[tool\.fcbench\.gate\] significance = 1: "),
    ({"gate": {"max_spill_bytes": -1}}, r"^\[tool\.fcbench\.gate\] max_spill_bytes = -1: "),
    ({"gate": {"max_stack_bytes": -1}}, r"^\[tool\.fcbench\.gate\] max_stack_bytes = -1: "),
    ({"gate": {"variants": 5}}, r"^\[tool\.fcbench\.gate\] variants = 5: "),
    ({"gate": {"latency_budget_overrides": {"wmma_qk": 11}}},
     r"^\[tool\.fcbench\.gate\.latency_budget_overrides\] wmma_qk = 11: expected a number in \[0, 10\]"),
    ({"gate": {"latency_budget_overrides": {"flash9": 0.1}}}, r"^\[tool\.fcbench\.gate\.latency_budget_overrides\] 'flash9': "),
    ({"gate": {"variants": {"flash9": {}}}}, r"^\[tool\.fcbench\.gate\.variants\] 'flash9': "),
    ({"gate": {"variants": {"wmma_qk": {"max_registers": 256}}}}, r"^\[tool\.fcbench\.gate\.variants\.wmma_qk\] max_registers = 256: "),
])
def test_each_config_error_names_the_table_the_key_is_in(table, match):
    # The same key name sits in several tables (max_registers at [tool.fcbench.gate] and per variant):
    # the error must say which one to edit.
    with pytest.raises(config.ConfigError, match=match):
        config.parse(table)


@pytest.mark.parametrize("key, high", [("max_registers", 255), ("max_smem_bytes", 228 * 1024),
                                       ("max_spill_bytes", 1 << 20), ("max_stack_bytes", 1 << 20)])
def test_ceiling_range_edges(key, high):
    # The upper ends are the hardware's (255 registers a thread, 228 KB shared memory an SM on the
    # H100); a ceiling is an integer: 64.5 registers is refused, not rounded.
    for where in ({"gate": {key: high}}, {"gate": {"variants": {"wmma_qk": {key: high}}}}):
        cfg = config.parse(where).gate
        assert getattr(cfg.ceilings_for("wmma_qk"), key) == high
    with pytest.raises(config.ConfigError, match=rf"{key} = {high + 1}: expected an integer in \[0, {high}\]"):
        config.parse({"gate": {key: high + 1}})
    with pytest.raises(config.ConfigError, match=rf"{key} = 64.5: expected an integer"):
        config.parse({"gate": {key: 64.5}})


def test_every_configured_value_is_the_one_in_force():
    cfg = config.parse({"error_floor_relative": 0.5, "hang_timeout_s": 30, "gate": {
        "latency_budget": 0.07, "significance": 0.01, "latency_budget_overrides": {"wmma_qk": 0.2},
        "max_registers": 128, "max_smem_bytes": 4096, "max_spill_bytes": 8, "max_stack_bytes": 16,
        "variants": {"wmma_fused": {"max_registers": 96}}}})
    assert (cfg.error_floor_relative, cfg.hang_timeout_s) == (0.5, 30)
    assert (cfg.gate.latency_budget, cfg.gate.significance, cfg.gate.budget("wmma_qk", "(1,8,512,64)")) == (0.07, 0.01, 0.2)
    assert cfg.gate.ceilings == config.ResourceCeilings(128, 4096, 8, 16)
    assert cfg.gate.ceilings_for("wmma_fused") == config.ResourceCeilings(96, 4096, 8, 16)


def test_load_reads_the_repositorys_pyproject_unless_pointed_elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv(config.CONFIG_ENV, raising=False)
    monkeypatch.setattr(registry, "REPO_ROOT", tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fcbench.gate]\nlatency_budget = 0.07\n")
    assert config.load().gate.latency_budget == 0.07
    other = tmp_path / "base.toml"
    other.write_text("[tool.fcbench.gate]\nlatency_budget = 0.09\n")
    monkeypatch.setenv(config.CONFIG_ENV, str(other))
    assert config.load().gate.latency_budget == 0.09
    # No [tool] table, or only other tools' (one whose name is merely near fcbench's too): the defaults.
    other.write_text("[project]\nname = 'x'\n")
    assert config.load() == config.Config()
    other.write_text("[tool.benchmark]\nrounds = 3\n[tool.ruff]\nline-length = 99\n")
    assert config.load() == config.Config()
    # A file that is not TOML, or [tool] fcbench that is not a table: a ConfigError naming where.
    other.write_text("[tool.fcbench\n")
    with pytest.raises(config.ConfigError, match=re.escape(str(other))):
        config.load()
    other.write_text("[tool]\nfcbench = 5\n")
    with pytest.raises(config.ConfigError, match=r"^\[tool\] fcbench = 5: expected a table"):
        config.load()


def test_config_changes_name_each_key_that_differs():
    # fcbench ci pr shows these above the verdicts: a head that moves its own bar must be seen.
    base = config.parse({"gate": {"latency_budget_overrides": {"wmma_fused": 0.1}}})
    head = config.parse({"gate": {"latency_budget": 0.05, "latency_budget_overrides": {"wmma_qk": 0.2},
                                  "variants": {"wmma_qk": {"max_registers": 128}}}})
    assert config.changes(base, base) == []
    assert config.changes(base, head) == [
        "gate.latency_budget: 0.03 -> 0.05",
        "gate.latency_budget_overrides.wmma_fused: 0.1 -> (unset)",
        "gate.latency_budget_overrides.wmma_qk: (unset) -> 0.2",
        "gate.variant_ceilings.wmma_qk.max_registers: (unset) -> 128",
        "gate.variant_ceilings.wmma_qk.max_smem_bytes: (unset) -> 101376",
        "gate.variant_ceilings.wmma_qk.max_spill_bytes: (unset) -> 0",
        "gate.variant_ceilings.wmma_qk.max_stack_bytes: (unset) -> 0",
    ]


def test_record_says_which_rows_failed_and_exits_1(repo, tmp_path):
    # Every measurement of the row raised: the failure is kept (the gate fails it), and record says
    # so with exit 1 instead of "recorded" and 0.
    plant = tmp_path / "plant.json"
    plant.write_text('{"sdpa_math": "raise"}')
    env = {**os.environ, "FCBENCH_MACHINE": MACHINE, "FCBENCH_WORKER_MODULE": "tests.fake_worker",
           "FCBENCH_PLANT": str(plant), "PYTHONPATH": str(registry.REPO_ROOT)}
    out = subprocess.run([sys.executable, "-m", "fcbench.cli", "record", "--variant", "sdpa_math", "--shape", SHAPE,
                          "--samples", "2", "--results-dir", str(tmp_path / "results")], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 1, out.stderr[-2000:]
    assert f"fcbench record: 1 (variant, shape) row(s) did not measure: sdpa_math ({SHAPE}): error " in out.stderr
    assert "planted Python error" in out.stderr


def test_record_refuses_a_repository_without_kernels_and_warns_of_uncommitted_ones(repo, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["git", "init", "-qb", "main", str(other)], check=True)
    (other / "README").write_text("not fcbench\n")
    subprocess.run(["git", "-C", str(other), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(other), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], check=True)
    out = record(other, "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "2")
    assert out.returncode == 3 and "has no csrc/kernels/: not a FlashCore repository" in out.stderr
    unit = repo / "csrc" / "kernels" / "wmma_qk.cu"
    before = unit.read_text()
    unit.write_text(before + "// an edit not committed\n")
    try:
        out = record(repo, "--variant", "sdpa_math", "--shape", SHAPE, "--samples", "2",
                     "--results-dir", str(tmp_path / "results"))
    finally:
        unit.write_text(before)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "uncommitted changes in csrc/ are not measured (the commit is): csrc/kernels/wmma_qk.cu" in out.stderr


def test_forget_removes_recorded_failures_or_a_commits_files_only_with_yes(repo, head, tmp_path, capsys):
    # A shape that ran out of memory is kept as a failure and fails every later gate against that
    # commit: `fcbench forget` removes it (or the commit's files), saying what first.
    results = tmp_path / "results"
    history.write_failures(results, MACHINE, head, {("sdpa_math", f"({SHAPE})"): {"error": "OutOfMemoryError: CUDA"},
                                                     ("wmma_qk", f"({SHAPE})"): {"hung": "no reply within 60 s"}},
                           replaces=set())
    base = ["forget", head, "--machine", MACHINE, "--results-dir", str(results)]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        assert main([*base, "--variant", "sdpa_math"]) == 0  # without --yes: says, removes nothing
        out = capsys.readouterr().out
        assert "1 recorded failures:\n  sdpa_math (1,2,32,64): error (OutOfMemoryError: CUDA)" in out
        assert "nothing removed; run again with --yes" in out
        assert len(history.read_failures(results, MACHINE, head)) == 2
        assert main([*base, "--variant", "sdpa_math", "--yes"]) == 0
        assert set(history.read_failures(results, MACHINE, head)) == {("wmma_qk", f"({SHAPE})")}
        assert main([*base, "--yes"]) == 0
        assert not history.failures_path(results, MACHINE, head).exists()
        assert "nothing recorded to remove" in (main(base), capsys.readouterr().out)[1]
        (results / MACHINE / f"{head[:8]}-fcbench.json").write_text("{}")
        assert main([*base, "--results", "--variant", "sdpa_math"]) == 2  # --variant narrows failures only
        assert main([*base, "--results", "--yes"]) == 0
        assert not list((results / MACHINE).glob(f"{head[:8]}-*"))
        # A mistyped hash sharing the first 8 characters of a recorded commit: not that commit's files.
        other = head[:8] + "0" * 32
        kept = results / MACHINE / f"{head[:8]}-fcbench.json"
        kept.write_text(json.dumps({"commit_hash": head}))
        capsys.readouterr()
        assert main(["forget", other, "--results", "--yes", "--machine", MACHINE, "--results-dir", str(results)]) == 3
        assert f"holds commit {head}, not {other}" in capsys.readouterr().err and kept.exists()
        assert main(["forget", head[:8], "--results", "--yes", "--machine", MACHINE, "--results-dir", str(results)]) == 0
        assert not kept.exists()
        assert main(["forget", "zzz", "--machine", MACHINE, "--results-dir", str(results)]) == 2
        # A mistyped machine or directory is not "nothing to remove": it says where it looked.
        assert main(["forget", head, "--machine", "h100", "--results-dir", str(results)]) == 3
        assert f"no machine 'h100' in {results} (machines there: {MACHINE};" in capsys.readouterr().err
        assert main(["forget", head, "--machine", MACHINE, "--results-dir", str(tmp_path / "nope")]) == 3
        assert "(no such directory;" in capsys.readouterr().err
        # A damaged failures file fails every gate against the commit: forget removes it whole (its
        # rows cannot be read), where it said "could not run" with no way out but --results.
        damaged = history.failures_path(results, MACHINE, head)
        damaged.write_text("{not json")
        assert main([*base, "--variant", "sdpa_math", "--yes"]) == 3 and damaged.exists()
        assert "forget without --variant / --shape removes the file whole" in capsys.readouterr().err
        assert main(base) == 0 and damaged.exists()
        assert f"{damaged} (damaged: " in capsys.readouterr().out
        assert main([*base, "--yes"]) == 0 and not damaged.exists()
        # Unreadable is not damaged: an OSError says so (exit 3) and removes nothing.
        damaged.mkdir()
        assert main([*base, "--yes"]) == 3 and damaged.is_dir()
        damaged.rmdir()
        # A record writing the file between what forget showed and its --yes: nothing removed.
        damaged.write_text("{not json")
        real_lock = store.lock

        @contextlib.contextmanager
        def lock_after_a_record(results_dir, **kw):
            history.write_failures(results, MACHINE, head, {("wmma_qk", f"({SHAPE})"): {"hung": "no reply"}}, replaces=None)
            with real_lock(results_dir, **kw):
                yield

        mp.setattr(store, "lock", lock_after_a_record)
        capsys.readouterr()
        assert main([*base, "--yes"]) == 3
        assert "changed while forget ran" in capsys.readouterr().err
        assert set(history.read_failures(results, MACHINE, head)) == {("wmma_qk", f"({SHAPE})")}


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_get_the_mode_a_plain_open_gives(tmp_path, umask):
    # Issue 26: write_atomic's mkstemp made every result file 0600, next to asv's own 0644.
    old = os.umask(umask)
    try:
        store.write_atomic(tmp_path / "result.json", b"{}")
        with open(tmp_path / "plain.json", "wb") as f:
            f.write(b"{}")
    finally:
        os.umask(old)
    assert oct((tmp_path / "result.json").stat().st_mode & 0o777) == oct((tmp_path / "plain.json").stat().st_mode & 0o777)
    # Rewriting keeps a file's mode, as open() on an existing file does.
    os.chmod(tmp_path / "result.json", 0o640)
    store.write_atomic(tmp_path / "result.json", b"[]")
    assert (tmp_path / "result.json").stat().st_mode & 0o777 == 0o640 and (tmp_path / "result.json").read_bytes() == b"[]"


# -- history's write path in this process (issue 27: the mutation score's fast selection) -----
# history.write_results / write_failures on hand-made measurements and a hand-made suite: what
# each reply becomes in asv's file, what a record keeps of earlier runs and what a compare
# replaces, the failures beside it, a damaged earlier file refused before anything is written.

SHA = "ab" * 20
V1, V2 = "sdpa_math", "wmma_fused"
S1, S2 = "(1,2,16,64)", "(1,2,32,64)"


def _suite(variants=(V1, V2), shapes=(S1, S2), version="v1") -> dict:
    return {name: {"name": name, "param_names": ["variant", "shape"], "version": version,
                   "params": [[repr(v) for v in variants], [repr(s) for s in shapes]],
                   "type": "time" if metric == "latency" else "track", "unit": "seconds" if metric == "latency" else "x"}
            for metric, name in history.BENCHMARKS.items()}


def _measured(values: dict, info=None, failures=None) -> history.Measured:
    """values: metric -> (variant, shape) -> value or reply; a latency's value is its samples."""
    m = history.Measured(SHA, info=info or {})
    for metric, by_key in values.items():
        m.metrics[metric].update(by_key)
    m.failures.update(failures or {})
    return m


def _read(results_dir: Path, metric: str) -> dict:
    from asv.results import Results

    results = Results.load(str(results_dir / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json"), MACHINE)
    return history.read_benchmark(results, history.BENCHMARKS[metric])


def _write(results_dir, measured, *, append, suite=None):
    machine_json = Path(results_dir) / MACHINE / "machine.json"  # what `asv machine` writes in a record
    if not machine_json.exists():
        machine_json.parent.mkdir(parents=True, exist_ok=True)
        machine_json.write_text(json.dumps({"machine": MACHINE, "version": 1}))
    return history.write_results(results_dir, MACHINE, measured, suite or _suite(), 1_790_000_000_000, append=append)


def test_write_results_stores_each_reply_as_asv_reads_it(tmp_path):
    info = {"device": {"name": "cpu", "capability": "none", "driver": "d", "cuda": "c", "torch": "t",
                       "sm_clock_max_mhz": 1, "serial": "not kept"}, "timer": "perf_counter"}
    crash = {"crashed": "killed by SIGSEGV"}
    m = _measured({"latency": {(V1, S1): [3e-3, 1e-3, 2e-3, 5e-3], (V2, S1): crash, (V2, S2): {"unsupported": "no"}},
                   "registers": {(V1, S1): 40, (V1, S2): {"error": "RuntimeError: x"}}},
                  info=info, failures={(V2, S1): crash})
    assert _write(tmp_path, m, append=False) == tmp_path / MACHINE
    latency = _read(tmp_path, "latency")
    assert latency[(V1, S1)][2] == [3e-3, 1e-3, 2e-3, 5e-3] and latency[(V1, S1)][0] == 2.5e-3  # asv's median
    assert latency[(V2, S1)][0] is None and math.isnan(latency[(V2, S2)][0])  # failed / skipped
    assert math.isnan(latency[(V1, S2)][0])  # not measured: a skip, not a failure
    registers = _read(tmp_path, "registers")
    assert registers[(V1, S1)][0] == 40 and registers[(V1, S1)][2] is None and registers[(V1, S2)][0] is None
    data = json.loads((tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json").read_text())
    assert data["params"] == {"machine": MACHINE, "python": f"{sys.version_info.major}.{sys.version_info.minor}",
                              "name": "cpu", "capability": "none", "driver": "d", "cuda": "c", "torch": "t",
                              "sm_clock_max_mhz": "1", "timer": "perf_counter"}
    assert (data["date"], data["python"], data["env_name"], data["requirements"], data["env_vars"]) == \
        (1_790_000_000_000, data["params"]["python"], history.ENV_NAME, {}, {})
    assert latency[(V1, S1)][1]["number"] == 1 and latency[(V1, S1)][1]["repeat"] == 4  # asv's stats of the samples
    assert history.read_failures(tmp_path, MACHINE, SHA) == {(V2, S1): crash}
    # Beside the asv file, named as asv names it (the commit's first 8 hex digits), never *.json.
    assert history.failures_path(tmp_path, MACHINE, SHA) == tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.failures"
    assert not list((tmp_path / MACHINE).glob(".*.tmp"))


def test_write_results_without_a_timer_or_device_stores_empty_names(tmp_path):
    _write(tmp_path, _measured({"latency": {(V1, S1): [1e-3]}}), append=False)
    data = json.loads((tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json").read_text())
    assert data["params"] == {"machine": MACHINE, "python": f"{sys.version_info.major}.{sys.version_info.minor}",
                              "timer": ""}


def test_a_record_merges_into_the_commits_earlier_results_and_a_compare_replaces_them(tmp_path):
    first = _measured({"latency": {(V1, S1): [1e-3, 1e-3], (V1, S2): [2e-3], (V2, S1): {"hung": "no reply"}},
                       "registers": {(V1, S1): 40, (V1, S2): 41}},
                      failures={(V2, S1): {"hung": "no reply"}, (V1, S2): {"error": "RuntimeError: once"}})
    _write(tmp_path, first, append=True)
    # Again, V1 at S1 only, and a variant the first run did not select: earlier samples stay.
    again = _measured({"latency": {(V1, S1): [3e-3], ("wmma_qk", S1): [4e-3]}, "registers": {(V1, S1): 42}},
                      failures={})
    _write(tmp_path, again, append=True, suite=_suite(variants=(V1, "wmma_qk"), shapes=(S1,), version="v2"))
    latency = _read(tmp_path, "latency")
    assert sorted(latency[(V1, S1)][2]) == [1e-3, 1e-3, 3e-3] and latency[(V1, S1)][0] == 1e-3
    assert latency[(V1, S2)][0] == 2e-3 and latency[(V1, S2)][2] == [2e-3]  # not measured now: kept
    assert latency[(V2, S1)][0] is None and latency[("wmma_qk", S1)][0] == 4e-3
    assert _read(tmp_path, "registers")[(V1, S1)][0] == 42 and _read(tmp_path, "registers")[(V1, S2)][0] == 41
    # The failures of keys not measured now are kept; V1 at S1 was measured again and is clean.
    assert history.read_failures(tmp_path, MACHINE, SHA) == {(V2, S1): {"hung": "no reply"},
                                                             (V1, S2): {"error": "RuntimeError: once"}}
    # A compare replaces the commit's results and failures with its own.
    _write(tmp_path, _measured({"latency": {(V1, S1): [5e-3]}}, failures={}), append=False)
    latency = _read(tmp_path, "latency")
    assert latency[(V1, S1)][2] == [5e-3] and math.isnan(latency[(V1, S2)][0]) and (V2, S1) in latency
    assert ("wmma_qk", S1) not in latency
    assert not history.failures_path(tmp_path, MACHINE, SHA).exists()


def test_a_record_of_a_new_key_into_an_unchanged_suite_keeps_the_rest(tmp_path):
    _write(tmp_path, _measured({"latency": {(V1, S1): [1e-3], (V2, S2): [7e-3]}}), append=True)
    _write(tmp_path, _measured({"latency": {(V2, S1): [2e-3]}}), append=True)  # same suite, same version
    latency = _read(tmp_path, "latency")
    assert (latency[(V1, S1)][0], latency[(V2, S2)][0], latency[(V2, S1)][0]) == (1e-3, 7e-3, 2e-3)
    assert latency[(V1, S1)][2] == [1e-3]


def test_a_damaged_earlier_file_is_refused_before_anything_is_written(tmp_path):
    _write(tmp_path, _measured({"latency": {(V1, S1): [1e-3]}}, failures={(V2, S1): {"hung": "x"}}), append=True)
    failures = history.failures_path(tmp_path, MACHINE, SHA)
    result = tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json"
    for damaged, text in ((failures, "[]"), (result, "{")):
        before = {p: p.read_bytes() for p in (failures, result)}
        damaged.write_text(text)
        with pytest.raises(store.DamagedResults, match=rf"^{re.escape(str(damaged))}: .*; not recording into it "
                                                        r"\(move it aside to start this commit over\)$"):
            _write(tmp_path, _measured({"latency": {(V1, S1): [2e-3]}}), append=True)
        assert damaged.read_text() == text
        _write(tmp_path, _measured({"latency": {(V1, S1): [2e-3]}}), append=False)  # a compare starts over
        assert _read(tmp_path, "latency")[(V1, S1)][2] == [2e-3]
        for p, b in before.items():
            p.write_bytes(b)


def test_a_record_never_merges_into_another_machines_file(tmp_path):
    _write(tmp_path, _measured({"latency": {(V1, S1): [1e-3]}}), append=True)
    path = tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json"
    doc = json.loads(path.read_text())
    doc["params"]["machine"] = "another-gpu"  # copied over from another machine's folder
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    # Named as damaged before anything is written (asv's own reader would skip it, or raise).
    with pytest.raises(store.DamagedResults, match="params.machine 'another-gpu' is not its directory's machine 'ci-cpu'"):
        _write(tmp_path, _measured({"latency": {(V1, S1): [2e-3]}}), append=True)
    assert path.read_bytes() == before


def test_write_failures_keeps_what_is_not_replaced_and_removes_an_empty_file(tmp_path):
    a, b, c = (V1, S1), (V1, S2), (V2, S1)
    history.write_failures(tmp_path, MACHINE, SHA, {a: {"hung": "x"}, b: {"error": "y"}}, replaces=None)
    history.write_failures(tmp_path, MACHINE, SHA, {c: {"crashed": "z"}}, replaces={a})
    assert history.read_failures(tmp_path, MACHINE, SHA) == {b: {"error": "y"}, c: {"crashed": "z"}}
    history.write_failures(tmp_path, MACHINE, SHA, {b: {"hung": "w"}}, replaces={b})
    assert history.read_failures(tmp_path, MACHINE, SHA) == {b: {"hung": "w"}, c: {"crashed": "z"}}
    history.write_failures(tmp_path, MACHINE, SHA, {}, replaces=set())
    assert len(history.read_failures(tmp_path, MACHINE, SHA)) == 2
    history.write_failures(tmp_path, MACHINE, SHA, {}, replaces={b, c})
    assert not history.failures_path(tmp_path, MACHINE, SHA).exists()
    history.write_failures(tmp_path, MACHINE, SHA, {}, replaces=None)  # nothing to remove: no error
    assert history.read_failures(tmp_path, MACHINE, SHA) == {}
    history.failures_path(tmp_path, MACHINE, SHA).write_text('{"x (1)": {"hung": "y"}}')
    history.write_failures(tmp_path, MACHINE, SHA, {a: {"hung": "x"}}, replaces=None)
    assert history.read_failures(tmp_path, MACHINE, SHA) == {a: {"hung": "x"}}
    history.failures_path(tmp_path, MACHINE, SHA).write_text('{"x": {"hung": "y"}}')
    with pytest.raises(store.DamagedResults, match=r"\.failures: 'x' is not 'variant shape'$"):
        history.read_failures(tmp_path, MACHINE, SHA)


def test_record_keeps_a_value_or_the_reply_and_the_first_failure():
    m = history.Measured(SHA)
    history._record(m, "registers", (V1, S1), {"registers": 40, "smem_bytes": 3})
    history._record(m, "registers", (V1, S2), {"unsupported": "no"})
    history._record(m, "registers", (V2, S1), {"error": "RuntimeError: first"})
    history._record(m, "registers", (V2, S1), {"crashed": "second"})
    history._record(m, "latency", (V2, S2), {"hung": "no reply"})
    assert m.metrics["registers"] == {(V1, S1): 40, (V1, S2): {"unsupported": "no"}, (V2, S1): {"crashed": "second"}}
    assert m.metrics["latency"] == {(V2, S2): {"hung": "no reply"}}
    assert m.failures == {(V2, S1): {"error": "RuntimeError: first"}, (V2, S2): {"hung": "no reply"}}


def test_ran_tells_a_measurement_from_a_failure_and_a_skip():
    assert [history.ran(x) for x in (0, 0.0, 1e-3, math.inf, None, math.nan, float("nan"))] == \
        [True, True, True, True, False, False, False]


# -- the store's validation in this process (issue 27: the mutation score's fast selection) ---
# store.check_result_file / check_failures / damaged_files on a file written by
# history.write_results and damaged by hand: each reason at its edge, what is left out.

def _result_file(tmp_path) -> Path:
    m = _measured({"latency": {(V1, S1): [1e-3, 2e-3, 3e-3], (V2, S1): {"crashed": "x"}, (V2, S2): {"unsupported": "no"}},
                   "registers": {(V1, S1): 0, (V1, S2): 40}, "max_abs_error": {(V1, S1): math.inf}},
                  failures={(V2, S1): {"crashed": "x"}})
    _write(tmp_path, m, append=False)
    path = tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json"
    assert store.check_file(path) is None and store.check_file(history.failures_path(tmp_path, MACHINE, SHA)) is None
    return path


def _damaged(path: Path, edit) -> str | None:
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    return store.check_result_file(path)


def _row(doc, metric="latency"):
    return doc["results"][history.BENCHMARKS[metric]]


def _col(doc, name):
    return doc["result_columns"].index(name)


def _set(doc, metric, column, value):
    """A column of a benchmark's row set, the row padded first (asv trims trailing empty columns)."""
    row = _row(doc, metric)
    row.extend([None] * (len(doc["result_columns"]) - len(row)))
    row[_col(doc, column)] = value


LAT = history.BENCHMARKS["latency"]
REGS = history.BENCHMARKS["registers"]


@pytest.mark.parametrize("edit, why", [
    (lambda d: d.clear(), "not an asv result file (no commit_hash, params, results, result_columns, requirements, "
                          "date, python, env_name, version)"),
    (lambda d: d.pop("result_columns"), "not an asv result file (no result_columns)"),
    # What asv's reader needs, or it skips the file and the commit vanishes from the report and the gate.
    (lambda d: d.pop("date"), "not an asv result file (no date)"),
    (lambda d: d.update(version=3), "version 3: asv reads result files of version 2"),
    (lambda d: d.update(date="2026-01-01"), "date '2026-01-01' is not asv's milliseconds since the epoch"),
    (lambda d: d.update(date=True), "date True is not asv's milliseconds since the epoch"),
    (lambda d: d.update(python=3.12), "python or env_name is not a string"),
    (lambda d: d.update(requirements=[]), "requirements is not a table"),
    (lambda d: d.update(params=[]), "params is not the machine's table of strings"),
    (lambda d: d["params"].update(machine="other"), "params.machine 'other' is not its directory's machine 'ci-cpu'"),
    # fcbench's own benchmarks: (variant, shape) strings, and shapes that parse.
    (lambda d: _row(d)[_col(d, "params")][0].__setitem__(0, "1"),
     f"{LAT}: parameter 1 is not a string (a variant name or a shape label)"),
    (lambda d: _row(d)[_col(d, "params")][1].__setitem__(0, "(1, 2, 16, 64)"),
     f"{LAT}: parameter (1, 2, 16, 64) is not a string (a variant name or a shape label)"),
    (lambda d: _row(d)[_col(d, "params")][1].__setitem__(0, "'(1,8)'"),
     f"{LAT}: shape '(1,8)' is not a shape label ('(B,H,S,D)' or '(B,H,S,D,causal)')"),
    (lambda d: _row(d)[_col(d, "params")].append(["'x'"]), f"{LAT}: 3 parameter lists, not (variant, shape)"),
    (lambda d: d.update(commit_hash=SHA.upper()), f"commit_hash {SHA.upper()!r} is not a commit (40 lowercase hex digits)"),
    (lambda d: d.update(commit_hash=SHA + "0"), f"commit_hash {SHA + '0'!r} is not a commit (40 lowercase hex digits)"),
    (lambda d: d.update(commit_hash=7), "commit_hash 7 is not a commit (40 lowercase hex digits)"),
    (lambda d: d.update(commit_hash="cd" * 20), "commit_hash cdcdcdcd... is not the commit the file name says"),
    (lambda d: d.update(results=[]), "malformed: 'results' or 'result_columns'"),
    (lambda d: d.update(result_columns="result"), "malformed: 'results' or 'result_columns'"),
    (lambda d: d["result_columns"].remove("result"), "malformed: 'results' or 'result_columns'"),
    (lambda d: d["results"].update({LAT: {}}), f"{LAT}: malformed row"),
    (lambda d: _row(d).extend([None] * 20), f"{LAT}: malformed row"),
    (lambda d: _row(d).__setitem__(_col(d, "params"), "x"), f"{LAT}: malformed params"),
    (lambda d: _row(d).__setitem__(_col(d, "params"), ["x"]), f"{LAT}: malformed params"),
    (lambda d: _row(d)[_col(d, "params")][1].__setitem__(0, "(1,2"), f"{LAT}: parameter '(1,2' is not a Python literal"),
    (lambda d: _row(d)[_col(d, "params")][1].append(3), f"{LAT}: parameter 3 is not a Python literal"),
    (lambda d: _row(d).__setitem__(_col(d, "result"), 1.0), f"{LAT}: float results for 4 parameter combinations (cut short?)"),
    (lambda d: _row(d)[_col(d, "result")].pop(), f"{LAT}: 3 results for 4 parameter combinations (cut short?)"),
    # A benchmark that did not run (None) is passed over, and the next one still checked.
    (lambda d: (d.update(results={"benchmarks.A.track_none": [None], **d["results"]}), _row(d)[_col(d, "result")].pop()),
     f"{LAT}: 3 results for 4 parameter combinations (cut short?)"),
    (lambda d: _row(d)[_col(d, "result")].__setitem__(0, "1"), f"{LAT}: a result that is not a number"),
    (lambda d: _row(d)[_col(d, "result")].__setitem__(0, True), f"{LAT}: a result that is not a number"),
    (lambda d: _row(d).__setitem__(_col(d, "samples"), [None] * 3), f"{LAT}: samples do not match the 4 parameter combinations"),
    (lambda d: _row(d).__setitem__(_col(d, "samples"), {}), f"{LAT}: samples do not match the 4 parameter combinations"),
    (lambda d: _row(d)[_col(d, "samples")].__setitem__(1, 2.0), f"{LAT}: samples that are not numbers"),
    (lambda d: _row(d)[_col(d, "samples")][0].append("x"), f"{LAT}: samples that are not numbers"),
    (lambda d: _row(d).__setitem__(_col(d, "stats_q_25"), [1.0]), f"{LAT}: stats_q_25 does not match the results"),
    (lambda d: _row(d).__setitem__(_col(d, "stats_q_75"), 1.0), f"{LAT}: stats_q_75 does not match the results"),
    (lambda d: _row(d)[_col(d, "stats_ci_99_a")].__setitem__(0, "x"), f"{LAT}: stats_ci_99_a does not match the results"),
    (lambda d: _row(d)[_col(d, "stats_ci_99_b")].__setitem__(0, "x"), f"{LAT}: stats_ci_99_b does not match the results"),
    (lambda d: _row(d)[_col(d, "samples")][0].__setitem__(1, 0.0), f"{LAT}('{V1}', '{S1}'): sample 0.0 is not a time (finite, > 0 s)"),
    (lambda d: _row(d)[_col(d, "samples")][0].__setitem__(1, None), f"{LAT}('{V1}', '{S1}'): sample None is not a time (finite, > 0 s)"),
    (lambda d: _row(d)[_col(d, "result")].__setitem__(0, -1e-3), f"{LAT}('{V1}', '{S1}'): result -0.001 is not a time (finite, > 0 s)"),
    (lambda d: _row(d)[_col(d, "result")].__setitem__(0, 0.0), f"{LAT}('{V1}', '{S1}'): result 0.0 is not a time (finite, > 0 s)"),
    (lambda d: d["results"].update({"benchmarks.X.timeraw_x": [[0.0]]}),
     "benchmarks.X.timeraw_x(): result 0.0 is not a time (finite, > 0 s)"),
    (lambda d: d["results"].update({"time_x": [[0.0]]}), "time_x(): result 0.0 is not a time (finite, > 0 s)"),  # no dot
    (lambda d: _row(d, "registers")[_col(d, "result")].__setitem__(1, -1), f"{REGS}('{V1}', '{S2}'): -1 is not a measurement (>= 0)"),
    (lambda d: _row(d, "registers")[_col(d, "result")].__setitem__(0, math.nan) or
     _set(d, "registers", "samples", [[1.0], None, None, None]),
     f"{REGS}('{V1}', '{S1}'): nan is not a measurement (>= 0)"),
    (lambda d: _set(d, "registers", "samples", [[-2.0], None, None, None]),
     f"{REGS}('{V1}', '{S1}'): -2.0 is not a measurement (>= 0)"),
    (lambda d: _set(d, "registers", "samples", [[None], None, None, None]),
     f"{REGS}('{V1}', '{S1}'): None is not a measurement (>= 0)"),
])
def test_each_damage_is_named_at_its_edge(tmp_path, edit, why):
    path = _result_file(tmp_path)
    assert _damaged(path, edit) == why
    assert store.damaged_files(tmp_path) == [(path, why)] and store.damaged_files(tmp_path, MACHINE, SHA) == [(path, why)]


@pytest.mark.parametrize("edit", [
    lambda d: None,
    lambda d: _row(d)[_col(d, "result")].__setitem__(1, None),  # a failure
    lambda d: _row(d)[_col(d, "result")].__setitem__(1, math.nan),  # a skip, no samples
    lambda d: _row(d)[_col(d, "result")].__setitem__(0, 5e-324),  # the smallest time there is
    lambda d: _row(d).__setitem__(_col(d, "samples"), None),
    lambda d: _row(d).__setitem__(_col(d, "stats_q_25"), None),
    lambda d: _row(d, "registers").__setitem__(_col(d, "result"), None),  # not run at all
    lambda d: _row(d, "registers")[_col(d, "result")].__setitem__(1, 0),
    lambda d: _row(d, "registers")[_col(d, "result")].__setitem__(1, math.inf),  # an error of a NaN output
    lambda d: _set(d, "registers", "samples", [[0.0, 1], None, None, None]),
    lambda d: _row(d)[_col(d, "samples")].__setitem__(1, None),
    lambda d: d["results"].update({"benchmarks.X.track_x": [[1.0]]}),  # no params: one value
    lambda d: d["results"].update({"benchmarks.X.track_y": [[1.0], []]}),
    lambda d: d["results"].update({"benchmarks.X.time_z": [[2e-3], [], [[2e-3]]]}),
    lambda d: d["results"].update({"benchmarks.X.track_w": [[1.0], [], *[None] * (len(d["result_columns"]) - 2)]}),
])
def test_what_a_measurement_can_be_is_kept(tmp_path, edit):
    path = _result_file(tmp_path)
    assert _damaged(path, edit) is None


def test_forget_with_a_results_dir_needs_no_git_repository(tmp_path, monkeypatch, capsys):
    # A results branch's checkout outside any repository: --results-dir says where, and the
    # default directory (which asks git) is not worked out.
    _write(tmp_path / "results", _measured({"latency": {(V1, S1): [1e-3]}}), append=True)
    monkeypatch.chdir(tmp_path)
    assert main(["forget", SHA[:8], "--results", "--machine", MACHINE, "--results-dir", "results"]) == 0
    assert f"results/{MACHINE}/{SHA[:8]}-fcbench.json" in capsys.readouterr().out


def test_a_commit_sharing_another_commits_first_8_characters_is_not_that_commit(tmp_path):
    # Result files are named by 8 characters: the gate does not read, and a record does not merge
    # into, another commit's file that shares them.
    from fcbench import gate

    _write(tmp_path, _measured({"latency": {(V1, S1): [1e-3]}}), append=True)
    twin = SHA[:8] + "cd" * 16
    with pytest.raises(gate.MissingResults, match=f"results there are of {SHA}, which shares its first 8 characters"):
        gate.load(tmp_path, MACHINE, twin)
    path = tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json"
    before = path.read_bytes()
    measured = _measured({"latency": {(V1, S1): [2e-3]}})
    measured.sha = twin
    for append in (True, False):  # a record merges, a compare replaces: neither into another commit's file
        with pytest.raises(store.DamagedResults, match=f"holds commit {SHA}, not {twin}"):
            _write(tmp_path, measured, append=append)
    assert path.read_bytes() == before and gate.load(tmp_path, MACHINE, SHA)["latency"][(V1, S1)].value == 1e-3


def test_a_second_fcbench_file_for_a_commit_is_damaged(tmp_path):
    # A copy beside the commit's file: the report and the gate would each read a different one.
    path = _result_file(tmp_path)
    copy = path.with_name(f"{SHA[:8]}-fcbench-copy.json")
    copy.write_text(path.read_text())
    assert store.damaged_files(tmp_path) == [
        (copy, f"env_name 'fcbench' in a file fcbench does not write (its file for the commit is {SHA[:8]}-fcbench.json)")]


def test_the_damaged_results_of_one_machine_or_commit(tmp_path):
    path = _result_file(tmp_path)
    other = tmp_path / "other-machine"
    other.mkdir()
    (other / "cdcdcdcd-fcbench.json").write_text("{")
    (other / "machine.json").write_text("{")  # asv reads none of the directory: the directory is damaged
    (tmp_path / MACHINE / "benchmarks.json").write_text("{")
    (tmp_path / "benchmarks.json").write_text("{")
    failures = history.failures_path(tmp_path, MACHINE, SHA)
    failures.write_text("[1]")
    later = tmp_path / MACHINE / "dcdcdcdc-fcbench.json"  # after benchmarks.json in the folder's order
    later.write_text("{")
    bad_json = "not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2; truncated?)"
    bad_failures = "not a failures file (a JSON list, not an object)"
    bad_machine = ("machine.json is unreadable or not JSON (Expecting property name enclosed in double quotes: "
                   "line 1 column 2 (char 1); truncated?)")
    assert sorted(store.damaged_files(tmp_path)) == [(failures, bad_failures), (later, bad_json),
                                                     (other / "machine.json", bad_machine)]
    assert store.damaged_files(tmp_path, "other-machine") == [(other / "machine.json", bad_machine)]
    assert store.damaged_files(tmp_path, "other-machine", SHA) == []  # no file of that commit there
    (other / "machine.json").write_text(json.dumps({"machine": "other-machine", "version": 1}))
    assert store.damaged_files(tmp_path, "other-machine") == [(other / "cdcdcdcd-fcbench.json", bad_json)]
    (other / "machine.json").unlink()
    assert store.damaged_files(tmp_path, "other-machine") == [
        (other / "machine.json", "no machine.json: asv reads none of this directory's results")]
    assert store.damaged_files(tmp_path, MACHINE, "cd" * 20) == []
    assert store.damaged_files(tmp_path, "no-such-machine") == [] and store.damaged_files(tmp_path / "none") == []
    path.write_text("[]")
    assert store.damaged_files(tmp_path, MACHINE, SHA) == [(failures, bad_failures),
                                                           (path, "not an asv result file (not a JSON object)")]
    path.write_bytes(b"\xff")
    assert store.check_result_file(path).startswith("unreadable (") and store.check_file(failures) == bad_failures
    failures.write_bytes(b"\xff")
    assert store.check_failures_file(failures).startswith("unreadable (")
    failures.write_text("{")
    assert store.check_failures_file(failures) == bad_json
    assert store.check_result_file(tmp_path / "absent.json").startswith("unreadable (")


@pytest.mark.parametrize("failures, why", [
    ({"a (1)": {"crashed": "x"}, "b (2)": {"hung": "y"}, "c (3)": {"error": "z", "more": 1}}, None),
    ({}, None),
    ([], "not a failures file (a JSON list, not an object)"),
    ({"a": {"hung": "x"}}, "'a' is not 'variant shape'"),
    ({"a b c": {"hung": "x"}}, "'a b c' is not 'variant shape'"),
    ({" b": {"hung": "x"}}, "' b' is not 'variant shape'"),
    ({"a ": {"hung": "x"}}, "'a ' is not 'variant shape'"),
    ({"a b": ["hung"]}, "a b: ['hung'] is not a failing reply (crashed, hung or error, and why)"),
    ({"a b": {"hung": 1}}, "a b: {'hung': 1} is not a failing reply (crashed, hung or error, and why)"),
    ({"a b": {"unsupported": "x"}}, "a b: {'unsupported': 'x'} is not a failing reply (crashed, hung or error, and why)"),
])
def test_failures_have_the_shape_write_failures_gives(failures, why):
    assert store.check_failures(failures) == why


def test_saving_refuses_what_the_readers_would_call_damaged(tmp_path):
    path = tmp_path / "x.failures"
    with pytest.raises(store.DamagedResults, match=rf"^{re.escape(str(path))}: not storing it: 'a' is not 'variant shape'$"):
        store.save_failures(path, {"a": {"hung": "x"}})
    assert not path.exists()
    store.save_failures(path, {"a b": {"hung": "x"}})
    assert json.loads(path.read_text()) == {"a b": {"hung": "x"}}
    with pytest.raises(store.DamagedResults, match=r"not storing it: .*sample 0.0 is not a time"):
        _write(tmp_path, _measured({"latency": {(V1, S1): [1e-3, 0.0]}}), append=False)
    assert not (tmp_path / MACHINE / f"{SHA[:8]}-{history.ENV_NAME}.json").exists()


@pytest.mark.parametrize("name, ok", [
    ("h100-80gb-hbm3", True), ("a", True), ("A.b_c-9", True), ("x" * 100, True), ("x" * 101, False),
    ("", False), (".", False), ("..", False), ("...", False), ("-a", False), (".a", False), ("a.", True),
    ("gpu two", False), ("a/b", False), ("../../escaped", False), (None, False),
])
def test_machine_names_are_directory_names(name, ok):
    if ok:
        assert store.validate_machine(name) == name
    else:
        with pytest.raises(ValueError, match=r"^--machine: .* is not a machine name; use letters"):
            store.validate_machine(name)


def test_the_lock_is_exclusive_and_a_writer_held_too_long_is_named(tmp_path):
    import fcntl

    with store.lock(tmp_path / "r"):
        assert (tmp_path / "r" / store.LOCK_NAME).exists()
        with open(tmp_path / "r" / store.LOCK_NAME) as other:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            started = time.monotonic()
            with pytest.raises(store.StoreBusy, match=r"another fcbench has held the results lock for 0 s; is one"):
                with store.lock(tmp_path / "r", wait_s=0.2):
                    pass
            assert 0.2 <= time.monotonic() - started < 2
    with open(tmp_path / "r" / store.LOCK_NAME) as other:  # released
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_UN)


def test_stale_temporaries_go_and_nothing_else(tmp_path):
    for name in (".a.json.x.tmp", ".b.tmp", "a.json", "c.tmp", ".d.json"):
        (tmp_path / name).write_text("")
    store.remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".d.json", "a.json", "c.tmp"]
