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
    assert out["phases"]["restarting crashed or hung workers"] > 0  # each plant kills its worker


def test_a_variant_the_checkout_lacks_is_unsupported_not_an_error(tmp_path, monkeypatch):
    # A head that deleted a kernel unit: its rows must read "not run here" (the gate's MISSING),
    # as its quality and latency already did, not a failure of the resource count.
    from fcbench import measure

    monkeypatch.setattr(registry, "KERNELS_DIR", tmp_path)
    with pytest.raises(measure.Unsupported, match="wmma_unfused.cu does not exist in this checkout"):
        measure.variant_resources("wmma_unfused", 64)


# -- the supervisor's decisions, fast (issue 27: the mutation score's selection) --------------
# supervise.Worker against tests/tiny_worker.py (no torch: milliseconds a start), and the pure
# rules: which reply is a fault, its verdict and detail, the stand-in after a fault, a dead context.

@pytest.fixture
def tiny(monkeypatch):
    from . import tiny_worker

    assert (tiny_worker.READY, tiny_worker.REPLY) == (supervise.READY, supervise.REPLY)
    monkeypatch.setattr(supervise, "WORKER_MODULE", "tests.tiny_worker")
    monkeypatch.setattr(supervise, "STARTUP_TIMEOUT_S", 10.0)  # a worker that never says READY fails the test in 10 s
    import signal

    def too_long(signum, frame):
        raise TimeoutError("over 25 s: a worker the supervisor could not end?")

    # A supervisor whose kill misses its worker waits on it for ever: the test fails instead.
    old = signal.signal(signal.SIGALRM, too_long)
    signal.setitimer(signal.ITIMER_REAL, 25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    # A supervisor that failed to kill its worker (the test failed) must not leave it behind.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, ppid = int(stat.parent.name), int(stat.read_text().rsplit(")", 1)[1].split()[1])
            mine = ppid == os.getpid() and b"tests.tiny_worker" in (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if mine:
            os.kill(pid, 9)
            os.waitpid(pid, 0)


def _log(tmp_path) -> Path:
    return tmp_path / "logs" / "of-this-run" / "worker.log"  # its folders are made by the worker's start


def _tiny(tmp_path, setup=None, **env) -> supervise.Worker:
    return supervise.Worker(tmp_path / "checkout", _log(tmp_path), {**os.environ, **env}, setup=setup)


def _within(limit_s: float, fn):
    """fn() in a thread, failing the test (rather than hanging it) when it has not returned in limit_s."""
    import threading

    out: dict = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit_s)
    assert not thread.is_alive(), f"still waiting after {limit_s} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_the_reply_kinds():
    crashed, hung = {"crashed": "illegal address"}, {"hung": "no reply within 1.0 s"}
    assert [supervise.is_fault(r) for r in (crashed, hung, {"error": "x"}, {"unsupported": "x"}, {"v": 1})] == \
        [True, True, False, False, False]
    assert [supervise.measured_nothing(r) for r in (crashed, hung, {"error": "x"}, {"unsupported": "x"}, {"v": 1})] == \
        [True, True, True, True, False]
    assert [supervise.fault_verdict(r) for r in (crashed, hung, {"error": "x"})] == ["CRASHED", "HUNG", None]
    assert [supervise.fault_detail(r) for r in (crashed, hung, {"error": "x"})] == \
        ["illegal address", "no reply within 1.0 s", ""]
    assert supervise.fault_detail({"crashed": "", "hung": "late"}) == "late"


def test_stops_names_the_first_fault_of_each_variant_and_nothing_else():
    stops = supervise.Stops()
    assert not stops and stops.stand_in("a") is None
    stops.note("a", "case 1", {"error": "RuntimeError: x"})
    stops.note("a", "case 1", {"v": 1})
    assert not stops and stops.stand_in("a") is None  # a Python error or a reply does not stop it
    stops.note("a", "case 2", {"hung": "no reply"})
    stops.note("a", "case 3", {"crashed": "illegal address"})
    stops.note("b", "case 3", {"crashed": "illegal address"})
    assert stops
    assert stops.stand_in("a") == {"hung": "not run: HUNG at case 2"}
    assert stops.stand_in("b") == {"crashed": "not run: CRASHED at case 3"}
    assert stops.stand_in("c") is None


def test_first_line_and_a_dead_context(monkeypatch):
    import torch

    assert supervise.first_line(ValueError("  one\ntwo  ")) == "ValueError: one"
    assert supervise.first_line(ValueError("")) == "ValueError: "
    assert not supervise.context_dead(RuntimeError("CUDA error: an illegal memory access was encountered"))  # no CUDA
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert not supervise.context_dead(RuntimeError("illegal memory access"))  # CUDA never initialised here
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    probes, gpu = [], {"gone": False}
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: probes.append("sync"))
    zeros = torch.zeros

    def ones(*size, device=None):  # the probe's tiny kernel: on the GPU, where a dead context fails it
        probes.append(("ones", size, device))
        if gpu["gone"] and device == "cuda":
            raise RuntimeError("CUDA error: unspecified launch failure")
        return zeros(*size)

    monkeypatch.setattr(torch, "ones", ones)
    for text in supervise._STICKY:
        assert supervise.context_dead(RuntimeError(f"CUDA error: {text}")) and not probes, text
    assert not supervise.context_dead(RuntimeError("shapes do not match"))
    assert probes == ["sync", ("ones", (1,), "cuda"), "sync"]
    assert not supervise.context_dead()  # no exception: the probe alone decides
    gpu["gone"] = True
    assert supervise.context_dead(RuntimeError("shapes do not match")) and supervise.context_dead()

    def gone():
        raise RuntimeError("CUDA error: unknown error")

    monkeypatch.setattr(torch.cuda, "synchronize", gone)
    assert supervise.context_dead(RuntimeError("shapes do not match")) and supervise.context_dead()


def test_the_worker_speaks_past_stray_lines_and_keeps_its_process(tmp_path, tiny):
    import threading

    w = _tiny(tmp_path, setup=[{"op": "echo", "n": 1}, {"op": "echo", "n": 2}])
    with w:
        replies = w.start()
        pid = w.proc.pid
        readers = [t for t in threading.enumerate() if getattr(t, "_args", None) and t._args[0] is w.proc]
        assert len(readers) == 1 and readers[0].daemon  # its reader never keeps the command alive
        assert [r["echo"]["n"] for r in replies] == [1, 2] and all(r["pid"] == pid for r in replies)
        assert w.start() is replies and w.proc.pid == pid and (w.starts, w.restarts, w.restart_s) == (1, 0, 0.0)
        reply = w.request(5, op="echo", stray=True)
        assert reply == {"echo": {"op": "echo", "stray": True}, "pid": pid}
        assert w.request(5, op="error") == {"error": "RuntimeError: planted"} and w.proc.pid == pid
        proc = w.proc
    assert proc.returncode == 0 and w.proc is None  # closed: its stdin ended, it exited
    log = _log(tmp_path).read_text()
    assert log.startswith("--- worker start 1 (") and "--- CRASHED" not in log and "--- HUNG" not in log


def test_the_worker_is_told_its_checkout_and_this_harness(tmp_path, tiny, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it runs in this harness's checkout, wherever the command runs
    _within(20, lambda: _told(tmp_path))  # a kill that cannot reach the worker fails the test, never hangs it


def _told(tmp_path):
    with _tiny(tmp_path, PYTHONPATH="/elsewhere") as w:
        w.start()
        environ = Path(f"/proc/{w.proc.pid}/environ").read_bytes().split(b"\0")
        env = dict(e.decode().split("=", 1) for e in environ if b"=" in e)
        assert env["FCBENCH_SOURCE_ROOT"] == str(tmp_path / "checkout")
        assert env["PYTHONPATH"] == os.pathsep.join([str(registry.REPO_ROOT), "/elsewhere"])
        assert Path(f"/proc/{w.proc.pid}/cwd").resolve() == registry.REPO_ROOT.resolve()
        assert os.getpgid(w.proc.pid) == w.proc.pid  # a session of its own: a kill reaches all it started
    with _tiny(tmp_path) as w:
        w.start()
        env = dict(e.decode().split("=", 1) for e in Path(f"/proc/{w.proc.pid}/environ").read_bytes().split(b"\0")
                   if b"=" in e)
        assert env["PYTHONPATH"].split(os.pathsep)[0] == str(registry.REPO_ROOT)


@pytest.mark.parametrize("request_, code, evidence", [
    ({"op": "crash"}, 70, "CUDA error: an illegal memory access was encountered"),
    ({"op": "segv"}, -11, "the measuring process killed by SIGSEGV (tiny worker: about to segfault)"),
    ({"op": "exit"}, 5, "the measuring process exited with code 5 (tiny worker: exiting 5)"),
    ({"op": "exit", "code": 0}, 0, "the measuring process exited with code 0 (tiny worker: exiting 0)"),
    ({"op": "exit", "say": ""}, 5, "the measuring process exited with code 5"),  # its log says nothing of its own
    ({"op": "exit", "say": "y" * 400 + "\n\n"}, 5, f"the measuring process exited with code 5 ({'y' * 300})"),
    ({"op": "exit", "raw": "41fffe0a"}, 5, "the measuring process exited with code 5 (A\ufffd\ufffd)"),
])
def test_a_crash_is_reported_and_the_next_request_restarts_with_the_setup(tmp_path, tiny, request_, code, evidence):
    with _tiny(tmp_path, setup=[{"op": "echo", "n": 1}]) as w:
        first = w.start()[0]["pid"]
        proc = w.proc
        reply = _within(10, lambda: w.request(5, **request_))
        assert reply == {"crashed": evidence}
        assert w.proc is None and proc.returncode == code  # reaped
        assert (w.starts, w.restarts, w.restart_s) == (1, 0, 0.0)
        again = w.request(5, op="echo")
        assert again["pid"] != first and w.setup_replies[0]["pid"] == again["pid"]  # the setup was replayed
        assert (w.starts, w.restarts) == (2, 1) and 0 < w.restart_s < 30
    log = _log(tmp_path).read_text(errors="replace")
    assert '--- CRASHED after ' in log and f"on {json.dumps(request_)}: {evidence}\n" in log
    assert "--- worker start 2 (" in log


def test_a_hang_costs_the_bound_and_kills_the_process(tmp_path, tiny):
    def hang():  # in _within as a whole: a kill that does not reach the worker fails, never hangs, the test
        with _tiny(tmp_path) as w:
            w.start()
            proc = w.proc
            started = time.monotonic()
            reply = w.request(0.75, op="hang")
            took = time.monotonic() - started
            assert reply == {"hung": "no reply within 0.8 s; the measuring process was killed"}
            assert 0.75 <= took < 5 and w.proc is None and proc.returncode == -9
            assert w.request(5, op="echo")["pid"] != proc.pid and w.restarts == 1

    _within(20, hang)
    assert '--- HUNG after 0.' in _log(tmp_path).read_text()


def test_a_worker_that_does_not_start_or_fails_its_setup_cannot_run(tmp_path, tiny, monkeypatch):
    with pytest.raises(supervise.WorkerFailed) as failed:
        _tiny(tmp_path, TINY_START="die").start()
    assert str(failed.value) == ("the measuring process did not start: the measuring process exited with code 3 "
                                 f"(tiny worker: cannot start); see {_log(tmp_path)}")
    monkeypatch.setattr(supervise, "STARTUP_TIMEOUT_S", 1.0)
    w = _tiny(tmp_path, TINY_START="silent")
    started = time.monotonic()
    with pytest.raises(supervise.WorkerFailed, match=r"did not start: not ready within 1 s; see "):
        _within(10, w.start)
    assert time.monotonic() - started < 5 and w.proc is None
    for op, why in (("error", "error failed: RuntimeError: planted"),
                    ("crash", "crash failed: CUDA error: an illegal memory access was encountered")):
        w = _tiny(tmp_path, setup=[{"op": "echo"}, {"op": op}])
        with pytest.raises(supervise.WorkerFailed) as failed:
            w.start()
        assert str(failed.value) == why and w.proc is None
    w = _tiny(tmp_path, setup=[{"op": "hang"}])
    with pytest.raises(supervise.WorkerFailed, match="^hang failed: no reply within 1.0 s"):
        _within(10, w.start)


def test_leaving_the_worker_on_an_error_kills_it(tmp_path, tiny):
    with pytest.raises(KeyError), _tiny(tmp_path) as w:
        w.start()
        proc = w.proc
        raise KeyError("the command failed")
    assert proc.returncode == -9 and w.proc is None
    w.kill()
    w.close()  # nothing running: nothing to do
    w = _tiny(tmp_path)
    w.start()
    proc = w.proc
    w.close()
    assert proc.returncode == 0 and w.proc is None


def test_restarts_add_up_their_cost(tmp_path, tiny):
    w = _tiny(tmp_path, setup=[{"op": "echo", "sleep": 0.5}])
    with w:
        w.start()
        w.request(5, op="crash")
        w.start()
        first = w.restart_s
        assert first >= 0.5
        w.setup = []  # the second restart is quick: the cost is the sum, not the last one
        w.request(5, op="crash")
        w.start()
        assert w.restarts == 2 and first < w.restart_s < first + 5


def test_a_worker_that_will_not_end_is_killed_after_its_wait(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(supervise, "REAP_TIMEOUT_S", 0.5)
    monkeypatch.setattr(supervise, "EXIT_WAIT_S", 0.5)
    monkeypatch.setattr(supervise, "CLOSE_TIMEOUT_S", 0.5)
    _within(20, lambda: _ends_killed(tmp_path))


def _ends_killed(tmp_path):
    with _tiny(tmp_path) as w:
        # "crashed", then its teardown hangs: killed after REAP_TIMEOUT_S.
        w.start()
        proc = w.proc
        assert _within(10, lambda: w.request(5, op="linger")) == {"crashed": "CUDA error: an illegal memory access was "
                                                                             "encountered"}
        assert proc.returncode == -9 and w.proc is None
        # Its output ended but it lives on: not a crash it can name; killed after EXIT_WAIT_S, a hang.
        w.start()
        proc = w.proc
        started = time.monotonic()
        reply = _within(10, lambda: w.request(5, op="close-stdout"))
        assert reply == {"hung": "no reply within 5.0 s; the measuring process was killed"}
        assert time.monotonic() - started < 4 and proc.returncode == -9 and w.proc is None
        # Its stdin closed at the end, and it does not exit: killed after CLOSE_TIMEOUT_S.
        assert w.request(5, op="deaf") == {"deaf": True}
        proc = w.proc
        _within(10, w.close)
        assert proc.returncode == -9 and w.proc is None
