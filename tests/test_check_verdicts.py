"""The check's FAIL paths on CPU (issue 27): kernels that answer wrongly, through the real
measuring process and the real fcbench.check.check_case. tests/fake_worker.py serves a planted
kernel variant's check from sdpa_math's output on the CPU, made wrong in one way each ("wrong",
"nan", "unwritten", "flaky", "hair", "under-hair"); the poisoned buffer, the bound and the
determinism comparison are the check's own. Also the pass rule at its boundary, and the
configured error floor reaching the worker."""

import math
from dataclasses import asdict

import pytest
import torch

from fcbench import check, registry, supervise
from fcbench.reference import ErrorBound, error_bound, max_abs_error, reference_attention

# Two small cases (the quick grid is ~93 cases, minutes on a 2-core CPU); normal inputs have
# outputs near zero, where the "hair" plants' fp16 steps are far finer than the bound.
CASES = [check.CheckCase(17, 64, False, "normal", 0), check.CheckCase(97, 128, True, "normal", 0, layout="bshd")]
KERNEL_PLANTS = {"wmma_fused": "wrong", "wmma_qk": "nan", "wmma_unfused": "unwritten", "scalar_tiled": "flaky",
                 "wmma_fused_cpasync": "hair", "mma_fused": "under-hair"}
HARNESS_ERROR = "sdpa_efficient"  # "raise": the worker replies {"error": ...} for its check
NAN_NOTE = "NaN/Inf in output"
RACE_NOTE = "differs between two runs on the same inputs"


def _checkout(root, plant: dict):
    """A checkout holding every kernel's unit (empty: nothing is built on CPU) and the plant."""
    import json

    (root / "csrc" / "kernels").mkdir(parents=True)
    for v in registry.kernel_variants():
        (root / "csrc" / "kernels" / f"{v.name}.cu").write_text("")
    (root / "fcbench-plant.json").write_text(json.dumps(plant))
    return root


def _run(root, names, monkeypatch) -> dict[str, list[check.CheckResult]]:
    monkeypatch.setattr(supervise, "WORKER_MODULE", "tests.fake_worker")
    monkeypatch.setattr(check, "cases", lambda quick=False: CASES)
    report = check.run(tuple(registry.get(n) for n in names), progress=None, root=root)
    by: dict[str, list[check.CheckResult]] = {}
    for r in report.results:
        by.setdefault(r.variant, []).append(r)
    assert all(len(rs) == len(CASES) for rs in by.values()), report.results
    return by


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = _checkout(tmp_path_factory.mktemp("checkout"), {**KERNEL_PLANTS, HARNESS_ERROR: "raise"})
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("FCBENCH_CONFIG", raising=False)
        return _run(root, ["sdpa_math", *KERNEL_PLANTS, HARNESS_ERROR], mp)


def _ratio(r: check.CheckResult) -> float:
    return r.error / r.bound


def test_the_control_passes(planted):
    assert [r.verdict for r in planted["sdpa_math"]] == ["PASS"] * len(CASES), planted["sdpa_math"]


def test_a_wrong_output_fails(planted):
    for r in planted["wmma_fused"]:
        assert r.verdict == "FAIL" and _ratio(r) > 100, r


@pytest.mark.parametrize("variant", ["wmma_qk", "wmma_unfused"])
def test_a_nan_and_an_unwritten_element_fail_as_nan(planted, variant):
    # "unwritten" leaves the poison of the buffer the check handed in: it must read as NaN.
    for r in planted[variant]:
        assert r.verdict == "FAIL" and r.error == math.inf and NAN_NOTE in r.note, r


def test_a_result_that_moves_between_runs_fails_as_a_race(planted):
    for r in planted["scalar_tiled"]:
        assert r.verdict == "FAIL" and RACE_NOTE in r.note, r
        assert r.error <= r.bound, r  # its first run was within the bound: only the second run's difference failed it


def test_an_error_a_hair_over_the_bound_fails_and_a_hair_under_passes(planted):
    for r in planted["wmma_fused_cpasync"]:
        assert r.verdict == "FAIL" and r.note == "" and 1 < _ratio(r) < 1 + 1e-4, r
    for r in planted["mma_fused"]:
        assert r.verdict == "PASS" and r.note == "" and 1 - 1e-4 < _ratio(r) <= 1, r


def test_a_harness_error_is_a_failure_not_a_pass(planted):
    for r in planted[HARNESS_ERROR]:
        assert r.verdict == "FAIL" and "planted Python error" in r.note, r


# -- the pass rule at its boundary ------------------------------------------------------------

def test_the_bound_is_inclusive_and_nothing_over_it_passes():
    b = ErrorBound(baseline_error=2.0**-10, floor=2.0**-12)  # bound 2**-9 + 2**-12, exact in binary
    assert b.bound == 2.0**-9 + 2.0**-12
    assert b.passes(b.bound)
    assert b.passes(math.nextafter(b.bound, 0))
    assert not b.passes(math.nextafter(b.bound, math.inf))
    assert not any(b.passes(e) for e in (math.nan, math.inf, -math.inf))
    assert ErrorBound(0.0, 0.0).passes(0.0) and not ErrorBound(0.0, 0.0).passes(5e-324)


def test_the_floor_decides_where_the_fp16_math_path_is_exact():
    # seqlen 1: softmax is exactly 1, so the fp16 math path returns v exactly: baseline 0, the
    # bound is the floor alone.
    case = check.CheckCase(1, 64, False, "normal", 0)
    q, k, v = check.make_inputs(case, "cpu")
    ref = reference_attention(q, k, v, causal=False, scale=0.125)
    top = ref.abs().max().item()
    default = error_bound(q, k, v, ref, causal=False, scale=0.125)
    assert default.baseline_error == 0 and default.floor == 2.0**-10 * top and default.bound == default.floor
    off = (ref + 0.75 * default.floor).half()  # 3/4 of the floor (plus fp16 rounding, far less)
    err = max_abs_error(off, ref)
    assert default.floor / 2 < err < default.floor and default.passes(err)
    quarter = error_bound(q, k, v, ref, causal=False, scale=0.125, floor_relative=2.0**-12)
    assert quarter.bound == 2.0**-12 * top and not quarter.passes(err)
    assert error_bound(q, k, v, ref, causal=False, scale=0.125, floor_relative=0.0).bound == 0


def test_the_worker_applies_the_configured_floor(tmp_path, monkeypatch):
    floor_relative = 0.25  # 256x the default
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.fcbench]\nerror_floor_relative = {floor_relative}\n")
    monkeypatch.setenv("FCBENCH_CONFIG", str(pyproject))  # check.run hands its environment to the worker
    root = _checkout(tmp_path / "checkout", {"wmma_fused": "under-hair"})
    by = _run(root, ["sdpa_math", "wmma_fused"], monkeypatch)
    for i, case in enumerate(CASES):
        q, k, v = check.make_inputs(case, "cpu")
        scale = 1.0 / math.sqrt(case.head_dim)
        ref = reference_attention(q, k, v, causal=case.causal, scale=scale)
        configured = error_bound(q, k, v, ref, causal=case.causal, scale=scale, floor_relative=floor_relative)
        default = error_bound(q, k, v, ref, causal=case.causal, scale=scale)
        assert configured.bound > 10 * default.bound
        for name in ("sdpa_math", "wmma_fused"):
            assert by[name][i].bound == pytest.approx(configured.bound, rel=1e-9), by[name][i]
        # An error of ~the configured bound, 10x the default one, passes: the floor decided.
        r = by["wmma_fused"][i]
        assert r.verdict == "PASS" and r.error > 10 * default.bound, r


def test_the_fake_kernels_fp16_steps():
    from .fake_worker import _fp16_down, _fp16_up

    for x in (0.0, -0.0, 1.0, -1.0, 2.0**-24, 65504.0 / 2, -3.14):
        x = torch.tensor(x, dtype=torch.float16).item()
        up = _fp16_up(x)
        assert up > x and torch.tensor(up, dtype=torch.float16).item() == up
        assert _fp16_down(up) == x



# -- the check's decisions in this process (issue 27: the mutation score's fast selection) ----
# check.check_case with the kernel's call replaced (as tests/fake_worker.py does in the worker),
# and check.run with the measuring process replaced by scripted replies: every verdict, note and
# what is kept, without a worker start per test.

SMALL = check.CheckCase(17, 64, False, "normal", 0)


def _on_cpu(name: str) -> registry.Variant:
    import dataclasses

    return dataclasses.replace(registry.get(name), devices=("cuda", "cpu"))


def _case_data(case=SMALL):
    q, k, v = check.make_inputs(case, "cpu")
    scale = 1.0 / math.sqrt(case.head_dim)
    ref = reference_attention(q, k, v, causal=case.causal, scale=scale)
    return q, k, v, ref, error_bound(q, k, v, ref, causal=case.causal, scale=scale)


def _kernel_answers(monkeypatch, answer):
    """check.attention replaced: answer(call number, sdpa_math's output, out) -> the kernel's output."""
    from fcbench import api

    calls = []

    def attention(q, k, v, *, variant, causal=False, scale=None, out=None):
        calls.append({"variant": variant, "causal": causal, "out": None if out is None else out.clone()})
        right = api.attention(q, k, v, variant="sdpa_math", causal=causal, scale=scale)
        return answer(len(calls), right, out)

    monkeypatch.setattr(check, "attention", attention)
    return calls


def _copy_into(out, result):
    out.copy_(result)
    return out


def test_check_case_passes_a_right_answer_with_its_error_and_bound(monkeypatch):
    calls = _kernel_answers(monkeypatch, lambda n, right, out: _copy_into(out, right))
    q, k, v, ref, bound = _case_data()
    r = check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert (r.variant, r.case, r.verdict, r.note) == ("wmma_fused", SMALL, "PASS", "")
    assert r.error == max_abs_error(_rerun(q, k, v), ref) and r.bound == bound.bound
    # A kernel runs twice on a buffer poisoned with NaN, with the case's causality.
    assert len(calls) == 2 and all(c["out"] is not None and c["out"].isnan().all() for c in calls)
    assert all(c["out"].dtype == torch.float16 and c["out"].shape == q.shape and c["out"].device == q.device
               for c in calls)
    assert all(c["variant"] == "wmma_fused" and c["causal"] is False for c in calls)


def _rerun(q, k, v):
    from fcbench import api

    return api.attention(q, k, v, variant="sdpa_math", causal=False)


def test_check_case_runs_a_peer_once_without_a_poisoned_buffer(monkeypatch):
    calls = _kernel_answers(monkeypatch, lambda n, right, out: right)
    case = check.CheckCase(17, 64, True, "normal", 0)
    q, k, v, ref, bound = _case_data(case)
    r = check.check_case(registry.get("sdpa_math"), case, q, k, v, ref, bound)
    assert r.verdict == "PASS" and len(calls) == 1 and calls[0]["out"] is None and calls[0]["causal"] is True


def test_check_case_fails_an_answer_over_the_bound_and_a_moving_one(monkeypatch):
    q, k, v, ref, bound = _case_data()
    _kernel_answers(monkeypatch, lambda n, right, out: _copy_into(out, right + 1.0))
    r = check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert r.verdict == "FAIL" and r.error > bound.bound and r.note == "" and r.bound == bound.bound

    def flaky(n, right, out):
        out.copy_(right)
        if n % 2 == 0:
            out.view(-1).view(torch.int16)[0] += 1
        return out

    _kernel_answers(monkeypatch, flaky)
    r = check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert r.verdict == "FAIL" and r.note == "output differs between two runs on the same inputs (race?)"
    assert r.error <= r.bound


def test_check_case_names_nan_and_does_not_run_it_twice(monkeypatch):
    q, k, v, ref, bound = _case_data()

    def nan(n, right, out):
        out.copy_(right)
        out.view(-1)[3] = float("nan")
        return out

    calls = _kernel_answers(monkeypatch, nan)
    r = check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert (r.verdict, r.error, r.note) == ("FAIL", math.inf, "NaN/Inf in output (unwritten element or overflow)")
    assert len(calls) == 1


def test_check_case_skips_what_cannot_run_here_and_a_missing_backend(monkeypatch):
    from fcbench.peers import PeerUnavailable

    q, k, v, ref, bound = _case_data()
    calls = _kernel_answers(monkeypatch, lambda n, right, out: right)
    r = check.check_case(registry.get("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert (r.variant, r.case, r.verdict, r.note) == ("wmma_fused", SMALL, "SKIP", "runs on cuda, not cpu")
    assert not calls and math.isnan(r.error)
    import dataclasses

    causal = check.CheckCase(17, 64, True, "normal", 0)
    no_causal = dataclasses.replace(_on_cpu("wmma_fused"), supports_causal=False)
    assert check.check_case(no_causal, causal, q, k, v, ref, bound).note == "causal not supported"
    assert check.check_case(no_causal, SMALL, q, k, v, ref, bound).verdict == "PASS" and len(calls) == 2
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")  # the arch kernels are built for here decides first
    hopper = dataclasses.replace(_on_cpu("wmma_fused"), archs=("sm_90a",))
    r = check.check_case(hopper, SMALL, q, k, v, ref, bound)
    assert (r.verdict, r.note) == ("SKIP", "not for sm_89 (built for sm_90a only)") and len(calls) == 2

    def unavailable(n, right, out):
        raise PeerUnavailable("no flash backend in this build")

    _kernel_answers(monkeypatch, unavailable)
    r = check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert (r.variant, r.case, r.verdict, r.note) == ("wmma_fused", SMALL, "SKIP",
                                                      "backend unavailable: no flash backend in this build")


def test_check_case_fails_a_kernel_that_raises_and_passes_on_a_dead_context(monkeypatch):
    q, k, v, ref, bound = _case_data()

    def raises(n, right, out):
        raise ValueError("bad launch\nsecond line")

    _kernel_answers(monkeypatch, raises)
    r = check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert (r.variant, r.case, r.verdict, r.note) == ("wmma_fused", SMALL, "FAIL", "raised ValueError: bad launch")
    assert math.isnan(r.error)
    seen = []
    monkeypatch.setattr(check, "context_dead", lambda exc: seen.append(exc) or True)
    with pytest.raises(ValueError, match="bad launch"):  # the measuring process dies: CRASHED, not FAIL
        check.check_case(_on_cpu("wmma_fused"), SMALL, q, k, v, ref, bound)
    assert len(seen) == 1 and str(seen[0]).startswith("bad launch")


class _ScriptedWorker:
    """supervise.Worker's interface, with a reply per (variant, case) from a script."""

    script: dict = {}
    made: list = []

    def __init__(self, root, log_path, env, *, setup=None):
        self.root, self.log_path, self.env, self.setup = root, log_path, env, setup
        self.requests, self.restarts, self.restart_s = [], 3, 1.5
        _ScriptedWorker.made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def start(self):
        return [{"library": None}, {"device": {"name": "scripted"}}]

    def request(self, timeout_s, **request):
        self.requests.append((timeout_s, request))
        how = self.script.get(request["variant"], "pass")
        if how == "crash":
            return {"crashed": "CUDA error: an illegal memory access was encountered"}
        if how == "hang":
            return {"hung": "no reply within 7.0 s"}
        if how == "error":
            return {"error": "RuntimeError: harness"}
        return {"verdict": "PASS", "max_abs_error": 0.25, "bound": 0.5, "note": "fine"}


TWO = [SMALL, check.CheckCase(97, 128, True, "normal", 0)]


def _scripted_run(tmp_path, monkeypatch, script, names, *, present=None, progress=None):
    from fcbench import config

    root = tmp_path / "checkout"
    (root / "csrc" / "kernels").mkdir(parents=True)
    for name in names if present is None else present:
        (root / "csrc" / "kernels" / f"{name}.cu").write_text("")
    monkeypatch.setattr(_ScriptedWorker, "script", script)
    monkeypatch.setattr(_ScriptedWorker, "made", [])
    monkeypatch.setattr(supervise, "Worker", _ScriptedWorker)
    asked = []
    monkeypatch.setattr(check, "cases", lambda quick=False: asked.append(quick) or TWO)
    monkeypatch.setattr(config, "load", lambda pyproject=None: config.Config(hang_timeout_s=7.0))
    report = check.run(tuple(registry.get(n) for n in names), progress=progress, root=root)
    assert asked == [False]  # the full grid unless asked for the quick one
    return report, _ScriptedWorker.made[0]


def test_run_keeps_each_reply_and_asks_with_the_configured_ceiling(tmp_path, monkeypatch):
    import io
    import os

    progress = io.StringIO()
    report, worker = _scripted_run(tmp_path, monkeypatch, {}, ["sdpa_math", "wmma_fused"], progress=progress)
    assert progress.getvalue() == f"[1/2] fcbench check: {TWO[0].name}\n[2/2] fcbench check: {TWO[1].name}\n"
    assert worker.env == dict(os.environ) and worker.log_path.name == "worker.log"
    assert worker.log_path.parent.name.startswith("fcbench-check-")
    assert [(r.variant, r.case, r.verdict, r.error, r.bound, r.note) for r in report.results] == [
        (n, c, "PASS", 0.25, 0.5, "fine") for c in TWO for n in ("sdpa_math", "wmma_fused")]
    assert worker.root == tmp_path / "checkout" and worker.setup == [{"op": "build", "count_resources": False}, {"op": "info"}]
    assert [t for t, _ in worker.requests] == [7.0] * 4
    assert worker.requests[1][1] == {"op": "check", "variant": "wmma_fused", "case": asdict(SMALL)}
    assert report.device == {"name": "scripted"} and (report.restarts, report.restart_s) == (3, 1.5)
    assert report.log_path is None and not worker.log_path.parent.exists() and report.failed == []


def test_run_stops_a_variant_after_its_fault_and_keeps_the_log(tmp_path, monkeypatch):
    report, worker = _scripted_run(tmp_path, monkeypatch, {"wmma_fused": "crash", "wmma_qk": "hang"},
                                   ["wmma_fused", "sdpa_math", "wmma_qk"])
    got = [(r.variant, r.case, r.verdict, r.note) for r in report.results]
    assert got == [
        ("wmma_fused", SMALL, "CRASHED", "CUDA error: an illegal memory access was encountered"),
        ("sdpa_math", SMALL, "PASS", "fine"),
        ("wmma_qk", SMALL, "HUNG", "no reply within 7.0 s"),
        ("wmma_fused", TWO[1], "NOT-RUN", f"not run: CRASHED at {SMALL.name}"),
        ("sdpa_math", TWO[1], "PASS", "fine"),
        ("wmma_qk", TWO[1], "NOT-RUN", f"not run: HUNG at {SMALL.name}"),
    ]
    assert len(worker.requests) == 4 and report.log_path == worker.log_path and report.log_path.parent.is_dir()
    assert [r.verdict for r in report.failed] == ["CRASHED", "HUNG"]


def test_run_keeps_the_log_after_a_hang_alone(tmp_path, monkeypatch):
    report, worker = _scripted_run(tmp_path, monkeypatch, {"wmma_qk": "hang"}, ["wmma_qk"])
    assert report.log_path == worker.log_path and report.log_path.parent.is_dir()


def test_run_skips_a_kernel_the_checkout_lacks_and_fails_a_harness_error(tmp_path, monkeypatch):
    report, worker = _scripted_run(tmp_path, monkeypatch, {"wmma_qk": "error"}, ["wmma_fused", "wmma_qk", "sdpa_math"],
                                   present=["wmma_qk"])
    root = tmp_path / "checkout"
    assert [(r.variant, r.verdict, r.note) for r in report.results[:3]] == [
        ("wmma_fused", "SKIP", f"wmma_fused.cu is not in {root}"),
        ("wmma_qk", "FAIL", "raised RuntimeError: harness"),
        ("sdpa_math", "PASS", "fine")]
    assert {r["variant"] for _, r in worker.requests} == {"wmma_qk", "sdpa_math"}  # a peer has no unit to lack
    assert report.log_path is None and [r.verdict for r in report.failed] == ["FAIL", "FAIL"]
    assert [r.case for r in report.results] == [TWO[0]] * 3 + [TWO[1]] * 3


def test_summary_counts_each_verdict_and_the_worst_ratio_of_the_judged():
    def r(variant, verdict, error=math.nan, bound=math.nan):
        return check.CheckResult(variant, SMALL, verdict, error, bound)

    report = check.CheckReport([
        r("a", "PASS", 0.25, 1.0), r("a", "FAIL", 0.75, 0.5), r("a", "CRASHED"), r("a", "HUNG"), r("a", "SKIP"),
        r("a", "NOT-RUN"), r("a", "NOT-RUN"), r("a", "PASS", 5.0, 0.0), r("a", "SKIP", 9.0, 1.0),
        r("b", "PASS", 0.25, 0.5), r("b", "PASS", 0.125, 0.5), r("c", "SKIP")])
    rows = report.summary()
    assert rows[0] == ("a", 2, 1, 1, 1, 2, 2, 1.5)  # the zero bound and the SKIP's numbers are not judged
    assert rows[1] == ("b", 2, 0, 0, 0, 0, 0, 0.5)
    assert rows[2][:-1] == ("c", 0, 0, 0, 0, 1, 0) and math.isnan(rows[2][-1])
    assert [x.verdict for x in report.failed] == ["FAIL", "CRASHED", "HUNG"]


def test_the_grids_size_per_dimension():
    # 2 head dims x 2 causalities x seqlens x 5 inputs x seeds, 8 strided, 1 headline shape, the
    # wide grid (all inputs in the full check, normal in the quick one), the long one (full only).
    quick, full = check.cases(quick=True), check.cases()
    assert len(quick) == 4 * 4 * 5 * 1 + 8 + 1 + 4 * 1
    assert len(full) == 4 * 8 * 5 * 2 + 8 + 1 + 4 * 5 + 4 * 2 * 2
    assert {c.seed for c in quick} == {0} and {c.inputs for c in quick} == set(check.INPUTS)
    assert sorted({c.seqlen for c in quick}) == [1, 17, 97, 257, 512]
    assert {(c.batch, c.heads) for c in full if c.seqlen in check.LONG_SEQLENS} == {(1, 3)}
    assert {c.inputs for c in full if c.seqlen in check.LONG_SEQLENS} == {"normal", "creeping"}
    assert {c.inputs for c in quick if c.batch == check.WIDE_BATCH} == {"normal"}
    assert {c.inputs for c in full if c.batch == check.WIDE_BATCH} == set(check.INPUTS)
    dims = [(d, c) for d in (64, 128) for c in (False, True)]
    expected = ({(s, d, c, i, seed, 2, 3, "bhsd") for d, c in dims for s in check.SEQLENS for i in check.INPUTS
                 for seed in (0, 1)}
                | {(s, d, c, "normal", 0, 2, 3, "bshd") for d, c in dims for s in (97, 512)}
                | {(512, 64, False, "normal", 0, 1, 8, "bhsd")}
                | {(257, d, c, i, 0, 4, 40, "bhsd") for d, c in dims for i in check.INPUTS}
                | {(s, d, c, i, 0, 1, 3, "bhsd") for d, c in dims for s in (4096, 4100) for i in ("normal", "creeping")})
    assert {tuple(vars(c).values()) for c in full} == expected
    strided = [c for c in full if c.layout == "bshd"]
    assert {(c.seqlen, c.inputs, c.seed) for c in strided} == {(97, "normal", 0), (512, "normal", 0)}
    assert check.CheckCase(512, 64, False, "normal", 0, batch=1, heads=8) in quick
