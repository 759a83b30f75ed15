"""The check's FAIL paths on CPU (issue 27): kernels that answer wrongly, through the real
measuring process and the real fcbench.check.check_case. tests/fake_worker.py serves a planted
kernel variant's check from sdpa_math's output on the CPU, made wrong in one way each ("wrong",
"nan", "unwritten", "flaky", "hair", "under-hair"); the poisoned buffer, the bound and the
determinism comparison are the check's own. Also the pass rule at its boundary, and the
configured error floor reaching the worker."""

import math

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

