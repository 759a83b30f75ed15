"""asv's own commands through fcbench's asv environment (fcbench/asv_env.py), on CPU: `asv
continuous` over two real commits of a temporary repository, with the CPU-capable sdpa_math
timed and the kernels resource-counted from each commit's own csrc/."""

import ast
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fcbench import registry

from .conftest import commit

SHAPE = "(1,2,32,64)"


def asv(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FCBENCH_SHAPES": SHAPE.strip("()"), **(env or {})}
    env.pop("FCBENCH_SOURCE_ROOT", None)
    return subprocess.run([sys.executable, "-m", "asv", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=900)


def result_rows(repo: Path, sha: str, benchmark: str) -> dict:
    (path,) = (repo / ".asv" / "results" / "ci-cpu").glob(f"{sha[:8]}-fcbench-layered-*.json")
    data = json.loads(path.read_text())
    row = dict(zip(data["result_columns"], data["results"][benchmark], strict=False))
    import itertools

    return {tuple(ast.literal_eval(p) for p in combo): (value, (row.get("samples") or [None] * 99)[i])
            for i, (combo, value) in enumerate(zip(itertools.product(*row["params"]), row["result"], strict=True))}


@pytest.fixture(scope="module")
def two_commits(repo):
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()

    def more_registers(root):  # the head's wmma_qk asks for 8 blocks per SM: fewer registers, spills
        unit = root / "csrc" / "kernels" / "wmma_qk.cu"
        unit.write_text(unit.read_text().replace("WmmaQkConfig<kHeadDim>::kThreads, 2)",
                                                 "WmmaQkConfig<kHeadDim>::kThreads, 8)"))

    head = commit(repo, "wmma_qk: 8 blocks per SM", more_registers)
    assert asv(repo, "machine", "--yes", "--machine", "ci-cpu").returncode == 0
    return {"repo": repo, "base": base, "head": head}


def test_asv_continuous_measures_each_commit_s_kernels_in_a_layered_environment(two_commits):
    repo, base, head = two_commits["repo"], two_commits["base"], two_commits["head"]
    out = asv(repo, "continuous", "--machine", "ci-cpu", "--factor", "10", "-b", "Latency|Resources.track_(registers|spill)",
              base, head)
    # asv's verdict: the head's spills are a regression, the only one (exit 1).
    assert out.returncode == 1, out.stdout[-4000:] + out.stderr[-4000:]
    changed = [line for line in out.stdout.splitlines() if line.startswith(("| +", "| -"))]
    assert len(changed) == 1 and changed[0].startswith("| +") and \
        "track_spill_bytes('wmma_qk', '(1,2,32,64)')" in changed[0], changed
    assert "Installing" in out.stdout and "fcbench-layered" in out.stdout
    for sha in (base, head):
        latency = result_rows(repo, sha, "benchmarks.Latency.time_attention")
        value, samples = latency[("sdpa_math", SHAPE)]
        # The measuring process's samples, one asv sample each (asv re-runs setup before every
        # sample: a replay that restarted there would hand asv the first sample 40 times).
        assert value > 0 and len(samples) == 40 and len(set(samples)) > 1, samples
        assert math.isnan(latency[("wmma_qk", SHAPE)][0])  # no GPU here: skipped, with the reason in the log
    # Each commit's own kernels: the head's wmma_qk was compiled from the head's csrc/.
    base_regs = result_rows(repo, base, "benchmarks.Resources.track_registers")[("wmma_qk", SHAPE)][0]
    head_regs = result_rows(repo, head, "benchmarks.Resources.track_registers")[("wmma_qk", SHAPE)][0]
    head_spill = result_rows(repo, head, "benchmarks.Resources.track_spill_bytes")[("wmma_qk", SHAPE)][0]
    assert base_regs > head_regs == 64 and head_spill > 0, (base_regs, head_regs, head_spill)
    # The environment holds no torch of its own: it sees the interpreter's that ran asv.
    (env,) = (repo / ".asv" / "env").iterdir()
    assert not list(env.glob("lib/python*/site-packages/torch"))
    installed = (env / "fcbench-source" / "csrc" / "kernels" / "wmma_qk.cu").read_text()  # the last commit installed
    assert installed in {subprocess.run(["git", "-C", str(repo), "show", f"{sha}:csrc/kernels/wmma_qk.cu"],
                                        capture_output=True, text=True, check=True).stdout for sha in (base, head)}


@pytest.mark.gpu  # a CPU build of torch has no CUDA to initialise
def test_importing_the_suite_initialises_no_cuda():
    # asv's forkserver imports the suite once and forks: CUDA initialised there would be unusable
    # in every child. torch counts devices through NVML; the CUDA runtime stays untouched.
    program = ("import sys, torch; sys.path.insert(0, 'benchmarks'); import benchmarks; "
               "print(torch.cuda.is_initialized(), torch.cuda._is_in_bad_fork())")
    env = {k: v for k, v in os.environ.items() if k != "PYTORCH_NVML_BASED_CUDA_CHECK"}
    out = subprocess.run([sys.executable, "-c", program], cwd=registry.REPO_ROOT, capture_output=True, text=True,
                         env=env)
    assert out.stdout.split() == ["False", "False"], out.stderr[-2000:]


def test_backfill_measures_only_the_commits_no_recording_reached(two_commits, tmp_path):
    # main.yml's nightly step: this machine's history comes from the results branch, then
    # `asv run NEW` measures every commit on main after the last recorded one, and no other.
    repo, base, head = two_commits["repo"], two_commits["base"], two_commits["head"]
    git = ["git", "-c", "user.email=ci@fcbench", "-c", "user.name=fcbench-ci"]
    assert asv(repo, "run", "--machine", "ci-cpu", "--skip-existing-commits", f"{base}^!").returncode == 0
    recorded = tmp_path / "recorded"  # the results branch: the base's results alone
    (recorded / "results" / "ci-cpu").mkdir(parents=True)
    for f in [repo / ".asv/results/ci-cpu/machine.json", *(repo / ".asv/results/ci-cpu").glob(f"{base[:8]}-*.json")]:
        shutil.copy2(f, recorded / "results" / "ci-cpu")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run(["git", "init", "-qb", "asv-results", str(recorded)], check=True)
    subprocess.run([*git, "-C", str(recorded), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(recorded), "commit", "-qm", "results"], check=True)
    subprocess.run(["git", "-C", str(recorded), "push", "-q", str(origin), "asv-results"], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", str(origin)], check=True)
    latest = commit(repo, "docs", lambda root: (root / "README.md").write_text((root / "README.md").read_text() + "\n"))
    shutil.rmtree(repo / ".asv" / "results")  # a fresh runner pod: nothing but what the branch holds
    env = {**os.environ, "FCBENCH_SHAPES": SHAPE.strip("()")}
    env.pop("FCBENCH_SOURCE_ROOT", None)
    out = subprocess.run(["scripts/record-main.sh", "backfill", "ci-cpu", str(Path(sys.executable).parent)], cwd=repo,
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    measured = set(re.findall(r"For fcbench commit ([0-9a-f]{8})", out.stdout))
    assert measured == {head[:8], latest[:8]}, out.stdout[-3000:]
    files = {p.name[:8] for p in (repo / ".asv/results/ci-cpu").glob("*-fcbench-layered-*.json")}
    assert files == {base[:8], head[:8], latest[:8]}


def test_a_kernel_run_that_dies_fails_its_own_rows_and_no_others(two_commits, tmp_path):
    # A CUDA fault in one variant's run, in the measuring process asv's setup_cache starts: that
    # variant's rows fail with the fault named, every other row is still measured.
    repo, head = two_commits["repo"], two_commits["head"]
    plant = tmp_path / "plant.json"
    plant.write_text(json.dumps({"sdpa_math": "cuda_fault"}))
    out = asv(repo, "run", "--machine", "ci-cpu", "--show-stderr", f"{head}^!",
              env={"FCBENCH_WORKER_MODULE": "tests.fake_worker", "FCBENCH_PLANT": str(plant)})
    assert out.returncode == 2, out.stdout[-3000:] + out.stderr[-3000:]  # asv: a benchmark failed
    assert "CRASHED: AcceleratorError: CUDA error: an illegal memory access was encountered" in out.stdout
    latency = result_rows(repo, head, "benchmarks.Latency.time_attention")
    assert latency[("sdpa_math", SHAPE)][0] is None  # failed, not a number
    registers = result_rows(repo, head, "benchmarks.Resources.track_registers")
    # The innocent rows: counted, for the arch this machine counts for (sm_89 without a GPU); a
    # kernel not built for it (wgmma_fused: sm_90a only) is skipped there (asv's NaN), not failed.
    built = [v for v in registry.kernel_variants() if not v.arch_reason("sm_89")]
    assert built and all(registers[(v.name, SHAPE)][0] > 0 for v in built)
    skipped = [v for v in registry.kernel_variants() if v not in built]  # asv writes a skip as NaN, a failure as None
    assert skipped and all(math.isnan(registers[(v.name, SHAPE)][0]) for v in skipped)


def test_fcbench_variants_narrows_the_suite_and_names_itself_when_wrong(monkeypatch):
    from fcbench import measure

    monkeypatch.setenv("FCBENCH_VARIANTS", "sdpa_math, wmma_qk")
    assert [v.name for v in measure.tracked_variants()] == ["wmma_qk", "sdpa_math"]  # registry order
    monkeypatch.setenv("FCBENCH_VARIANTS", "wmma_qk,nope")
    with pytest.raises(ValueError, match=r"FCBENCH_VARIANTS='wmma_qk,nope': .*unknown variant 'nope'; known: "):
        measure.tracked_variants()
    monkeypatch.delenv("FCBENCH_VARIANTS")
    assert measure.tracked_variants() == registry.VARIANTS


def test_fcbench_variants_takes_a_kind_so_asv_continuous_can_leave_the_peers_out(monkeypatch):
    # asv continuous exits 1 on any row that moved, peers included (a PR never changes torch, yet
    # sdpa_flash moved up to 10% between two processes on the H200): FCBENCH_VARIANTS=flashcore
    # measures the kernels alone, so that exit code speaks for them.
    from fcbench import measure

    kernels = [v.name for v in registry.kernel_variants()]
    monkeypatch.setenv("FCBENCH_VARIANTS", "flashcore")
    assert [v.name for v in measure.tracked_variants()] == kernels and kernels
    monkeypatch.setenv("FCBENCH_VARIANTS", "sdpa_flash, flashcore")  # mixed with a name, registry order
    assert [v.name for v in measure.tracked_variants()] == [*kernels, "sdpa_flash"]
    monkeypatch.setenv("FCBENCH_VARIANTS", "sdpa")
    assert [v.name for v in measure.tracked_variants()] == ["sdpa_flash", "sdpa_cudnn", "sdpa_efficient", "sdpa_math"]
    monkeypatch.setenv("FCBENCH_VARIANTS", "flashcore,peers")
    with pytest.raises(ValueError, match=r"FCBENCH_VARIANTS='flashcore,peers': .*unknown variant 'peers'; "
                                         r"known: scalar_tiled, .*, sdpa_math; or a kind: flashcore \(every FlashCore "
                                         r"kernel\), sdpa \(every SDPA peer\)$"):
        measure.tracked_variants()


def test_the_suite_reads_a_kind_from_fcbench_variants():
    # What asv's processes see: the suite's variant parameter, from a fresh import under that setting.
    program = "import sys; sys.path.insert(0, 'benchmarks'); import benchmarks; print(','.join(benchmarks.VARIANTS))"
    out = subprocess.run([sys.executable, "-c", program], cwd=registry.REPO_ROOT, capture_output=True, text=True,
                         env={**os.environ, "FCBENCH_VARIANTS": "flashcore"}, timeout=300)
    assert out.stdout.split() == [",".join(v.name for v in registry.kernel_variants())], out.stderr[-2000:]


def test_a_bisection_measures_only_the_rows_asked_about(two_commits):
    # What `FCBENCH_VARIANTS=... FCBENCH_SHAPES=... asv find` does at each step: one commit's
    # measurement of those rows alone.
    repo, head = two_commits["repo"], two_commits["head"]
    out = asv(repo, "run", "--machine", "ci-cpu", f"{head}^!", env={"FCBENCH_VARIANTS": "sdpa_math"})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    latency = result_rows(repo, head, "benchmarks.Latency.time_attention")
    assert list(latency) == [("sdpa_math", SHAPE)] and latency[("sdpa_math", SHAPE)][0] > 0
