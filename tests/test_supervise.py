"""The supervisor (fcbench.supervise) on CPU, with tests/fake_worker.py: a measuring process that
dies by SIGSEGV, reports a CUDA fault, hangs or raises for the variants a checkout plants.
The GPU counterparts (real kernels that trap, read out of bounds or spin) are in
scripts/mutation-test.sh."""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fcbench import check, config, gate, history, registry, supervise
from fcbench.cli import main

from .conftest import GIT, commit

# The watchdog bound for every request in these tests, innocent ones included: a quick-check case
# at (4,40,257) on a loaded 2-core CPU took over 3 s, so 3 s made sdpa_math "hang" there.
HANG_BOUND_S = 10.0


@pytest.fixture
def fake_worker(monkeypatch):
    monkeypatch.setattr(supervise, "WORKER_MODULE", "tests.fake_worker")
    monkeypatch.setattr(config, "load", lambda pyproject=None: config.Config(hang_timeout_s=HANG_BOUND_S))


def plant(root: Path, **how) -> None:
    (root / "fcbench-plant.json").write_text(json.dumps(how))


def test_bound_follows_the_base_with_a_floor_and_a_ceiling():
    assert supervise.bound_s(None, 60) == 60
    assert supervise.bound_s(0.01, 60) == supervise.MIN_BOUND_S
    assert supervise.bound_s(2.0, 60) == 20.0
    assert supervise.bound_s(30.0, 60) == 60


@pytest.mark.parametrize("how, verdict, evidence", [
    ("segfault", "crashed", "killed by SIGSEGV"),
    ("cuda_fault", "crashed", "an illegal memory access was encountered"),
    ("hang", "hung", f"no reply within {HANG_BOUND_S:.1f} s"),
])
def test_a_fault_is_reported_and_the_next_request_gets_a_fresh_process(tmp_path, fake_worker, how, verdict, evidence):
    plant(tmp_path, sdpa_math=how)
    (tmp_path / "csrc" / "kernels").mkdir(parents=True)
    with supervise.Worker(tmp_path, tmp_path / "worker.log", dict(os.environ)) as w:
        w.start()
        first_pid = w.proc.pid
        started = time.monotonic()
        reply = w.request(HANG_BOUND_S, op="quality", variant="sdpa_math", shape="(1,2,32,64)")
        took = time.monotonic() - started
        assert supervise.fault_verdict(reply) == verdict.upper() and evidence in supervise.fault_detail(reply), reply
        assert took < HANG_BOUND_S + 5  # a hang costs the bound, plus the kill
        assert w.proc is None or w.proc.poll() is not None
        # The next request runs in a fresh, healthy process.
        reply = w.request(30, op="resources", variant="sdpa_math", shape="(1,2,32,64)")
        assert reply == {"unsupported": "an SDPA peer: no kernel source to count"}
        assert w.proc.pid != first_pid and w.restarts == 1


def test_the_real_worker_exits_on_a_sticky_cuda_error_and_the_supervisor_names_it(tmp_path, fake_worker):
    # Not the fake worker's own reply: the kernel call raises a sticky CUDA error's text, and
    # fcbench.worker.main decides (context_dead), replies "crashed", and exits 70 without teardown.
    plant(tmp_path, sdpa_math="sticky")
    (tmp_path / "csrc" / "kernels").mkdir(parents=True)
    log = tmp_path / "worker.log"
    with supervise.Worker(tmp_path, log, dict(os.environ)) as w:
        w.start()
        proc = w.proc
        reply = w.request(HANG_BOUND_S, op="quality", variant="sdpa_math", shape="(1,2,32,64)")
        assert reply == {"crashed": "RuntimeError: CUDA error: an illegal memory access was encountered"}, reply
        assert proc.returncode == 70 and w.proc is None  # reaped: the next request starts a fresh process
        assert ("fcbench.worker: CUDA context lost (RuntimeError: CUDA error: an illegal memory access was "
                "encountered); exiting") in log.read_text()
        reply = w.request(30, op="resources", variant="sdpa_math", shape="(1,2,32,64)")
        assert reply == {"unsupported": "an SDPA peer: no kernel source to count"} and w.restarts == 1


def test_a_python_error_keeps_the_process(tmp_path, fake_worker):
    plant(tmp_path, sdpa_math="raise")
    (tmp_path / "csrc" / "kernels").mkdir(parents=True)
    with supervise.Worker(tmp_path, tmp_path / "worker.log", dict(os.environ)) as w:
        w.start()
        pid = w.proc.pid
        assert w.request(30, op="quality", variant="sdpa_math", shape="(1,2,32,64)") == \
            {"error": "RuntimeError: planted Python error"}
        assert w.proc.pid == pid and w.restarts == 0


def test_a_worker_that_cannot_start_is_could_not_run(tmp_path, monkeypatch):
    monkeypatch.setattr(supervise, "WORKER_MODULE", "fcbench.no_such_module")
    with pytest.raises(supervise.WorkerFailed, match="did not start: the measuring process exited with code 1"):
        supervise.Worker(tmp_path, tmp_path / "worker.log", dict(os.environ)).start()


def _tree(tmp_path) -> Path:
    """A checkout whose kernels are this one's (the check skips a variant whose source is absent)."""
    root = tmp_path / "checkout"
    shutil.copytree(registry.REPO_ROOT / "csrc", root / "csrc")
    return root


def test_check_names_the_crashed_and_the_hung_variant_alone(tmp_path, fake_worker, capsys):
    root = _tree(tmp_path)
    plant(root, wmma_fused="segfault", wmma_qk="hang")
    variants = tuple(registry.get(n) for n in ("sdpa_math", "wmma_fused", "wmma_qk"))
    started = time.monotonic()
    report = check.run(variants, quick=True, progress=None, root=root)
    took = time.monotonic() - started
    n = len(check.cases(quick=True))
    by = {row[0]: row[1:-1] for row in report.summary()}  # pass, fail, crashed, hung, skip, not run
    assert by["sdpa_math"] == (n, 0, 0, 0, 0, 0)
    assert by["wmma_fused"] == (0, 0, 1, 0, 0, n - 1)
    assert by["wmma_qk"] == (0, 0, 0, 1, 0, n - 1)
    crashed = next(r for r in report.results if r.verdict == "CRASHED")
    assert crashed.variant == "wmma_fused" and "killed by SIGSEGV" in crashed.note
    assert crashed.case == check.cases(quick=True)[0]
    assert report.restarts == 2 and report.log_path.exists()
    assert took < 60, took  # one hang bound, two restarts, and the CPU check of sdpa_math


def test_fcbench_check_prints_its_summary_and_exits_1_on_a_crash(tmp_path, fake_worker, monkeypatch, capsys):
    root = _tree(tmp_path)
    plant(root, wmma_fused="cuda_fault")
    monkeypatch.setattr(registry, "SOURCE_ROOT", root)
    code = main(["check", "--variant", "sdpa_math,wmma_fused", "--quick"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Traceback" not in out
    assert "CRASHED" in out and "an illegal memory access was encountered" in out
    first, second = check.cases(quick=True)[:2]
    assert f"wmma_fused: {len(check.cases(quick=True)) - 1} case(s), e.g. {second.name}: not run: CRASHED at {first.name}" \
        in out


@pytest.fixture(scope="module")
def planted(repo, tmp_path_factory):
    """Real commits: base, then heads whose checkout plants a segfault, a CUDA fault, a hang."""
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    heads = {}
    for how, variant in (("segfault", "wmma_fused"), ("cuda_fault", "wmma_unfused"), ("hang", "wmma_qk")):
        subprocess.run(["git", "-C", str(repo), "checkout", "-q", base], check=True)

        def edit(r, how=how, variant=variant):
            plant(r, **{variant: how})
            subprocess.run([*GIT, "-C", str(r), "add", "fcbench-plant.json"], check=True)

        heads[how] = (commit(repo, f"plant: {variant} {how}", edit), variant)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", base], check=True)
    return {"repo": repo, "base": base, "heads": heads, "results": tmp_path_factory.mktemp("compare")}


@pytest.mark.parametrize("how, verdict", [("segfault", "CRASHED"), ("cuda_fault", "CRASHED"), ("hang", "HUNG")])
def test_compare_blames_only_the_planted_variant(planted, fake_worker, monkeypatch, how, verdict):
    head, variant = planted["heads"][how]
    monkeypatch.chdir(planted["repo"])
    monkeypatch.setenv("FCBENCH_SHAPES", "1,2,32,64")
    out = history.run([planted["base"], head], results_dir=planted["results"], append=False, machine="ci-cpu",
                      variants=tuple(registry.get(n) for n in ("sdpa_math", variant)),
                      shapes=None, rounds=1, samples=3, progress=None)
    rows = gate.evaluate(gate.load(planted["results"], "ci-cpu", planted["base"]),
                         gate.load(planted["results"], "ci-cpu", head), config.GateConfig(),
                         history.read_failures(planted["results"], "ci-cpu", head))
    failing = {(r.variant, r.verdict) for r in rows if r.verdict in gate.FAILING}
    assert failing == {(variant, verdict)}, [(r.variant, r.verdict, r.note) for r in rows]
    note = next(r.note for r in rows if r.variant == variant)
    assert {"segfault": "killed by SIGSEGV", "cuda_fault": "illegal memory access", "hang": "no reply within"}[how] in note
    assert gate.exit_code(rows) == gate.EXIT_CORRECTNESS
    assert out["phases"]["restarting crashed or hung workers"] >= 0


def test_a_variant_the_checkout_lacks_is_unsupported_not_an_error(tmp_path, monkeypatch):
    # A head that deleted a kernel unit: its rows must read "not run here" (the gate's MISSING),
    # as its quality and latency already did, not a failure of the resource count.
    from fcbench import measure

    monkeypatch.setattr(registry, "KERNELS_DIR", tmp_path)
    with pytest.raises(measure.Unsupported, match="wmma_unfused.cu does not exist in this checkout"):
        measure.variant_resources("wmma_unfused", 64)
