import math

import pytest
import torch

from fcbench import check, reference


def test_reference_matches_a_hand_computed_case():
    # One query, two keys: softmax([0, 1]) weights, done by hand.
    q = torch.tensor([[[[1.0, 0.0]]]]).half()
    k = torch.tensor([[[[0.0, 0.0], [1.0, 0.0]]]]).half()
    v = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]).half()
    q = q.expand(1, 1, 2, 2).contiguous()  # two identical queries (S=2)
    out = reference.reference_attention(q, k, v, causal=False, scale=1.0)
    w = math.exp(1) / (1 + math.exp(1))
    assert out[0, 0, 0].tolist() == pytest.approx([1 + 2 * w, 2 + 2 * w], abs=1e-12)
    causal = reference.reference_attention(q, k, v, causal=True, scale=1.0)
    assert causal[0, 0, 0].tolist() == pytest.approx([1.0, 2.0])  # row 0 sees key 0 only


def test_uniform_attention_gives_the_mean_of_v():
    case = check.CheckCase(97, 64, False, "uniform", 0)
    q, k, v = check.make_inputs(case, "cpu")
    ref = reference.reference_attention(q, k, v, causal=False, scale=0.125)
    assert torch.allclose(ref, v.double().mean(dim=2, keepdim=True).expand_as(ref), atol=1e-12)


def test_error_is_inf_for_nan_and_the_bound_rejects_it():
    ref = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    poisoned = torch.tensor([[[[0.0, float("nan")], [0.0, 0.0]]]]).half()
    assert reference.max_abs_error(poisoned, ref) == math.inf
    assert not reference.ErrorBound(0.1, 0.0).passes(math.inf)


def test_bound_arithmetic():
    b = reference.ErrorBound(baseline_error=1e-3, floor=2e-4)
    assert b.bound == pytest.approx(2.2e-3)
    assert b.passes(2.2e-3) and not b.passes(2.21e-3)


def test_floor_is_two_fp16_roundings_of_the_largest_output():
    case = check.CheckCase(17, 64, False, "normal", 0)
    q, k, v = check.make_inputs(case, "cpu")
    ref = reference.reference_attention(q, k, v, causal=False, scale=0.125)
    b = reference.error_bound(q, k, v, ref, causal=False, scale=0.125)
    assert b.floor == pytest.approx(2.0**-10 * ref.abs().max().item())
    assert 0 < b.baseline_error < 1e-2  # fp16 math path is close but not exact


def test_a_wrong_kernel_fails_the_bound():
    # FlashCore's layout bug: Q.K instead of Q.K^T (here: keys used untransposed via a transpose of q/k roles).
    case = check.CheckCase(64, 64, False, "normal", 0, batch=1, heads=1)
    q, k, v = check.make_inputs(case, "cpu")
    ref = reference.reference_attention(q, k, v, causal=False, scale=0.125)
    b = reference.error_bound(q, k, v, ref, causal=False, scale=0.125)
    wrong = reference.reference_attention(q, k.transpose(-2, -1).reshape_as(k), v, causal=False, scale=0.125)
    assert not b.passes(reference.max_abs_error(wrong, ref))
    forgot_normalisation = ref * 1.01  # a 1% scale error (e.g. a missing rescale)
    assert not b.passes(reference.max_abs_error(forgot_normalisation, ref))


def test_check_cases_cover_the_required_grid():
    cases = check.cases()
    assert {1, 17, 97, 1000, 1025} <= {c.seqlen for c in cases}
    assert {c.head_dim for c in cases} == {64, 128}
    assert {c.causal for c in cases} == {False, True}
    assert {c.inputs for c in cases} == {"normal", "scaled", "uniform"}
    assert {c.seed for c in cases} == {0, 1} and "bshd" in {c.layout for c in cases}


def test_check_passes_sdpa_math_on_cpu_and_skips_kernels_with_a_reason():
    from fcbench import registry

    report = check.run((registry.get("sdpa_math"), registry.get("wmma_fused")), quick=True, progress=None)
    by = {row[0]: (row[1], row[2], row[5]) for row in report.summary()}  # pass, fail, skip
    assert by["sdpa_math"] == (len(check.cases(quick=True)), 0, 0)
    assert by["wmma_fused"][2] == len(check.cases(quick=True))
    assert all("runs on cuda, not cpu" in r.note for r in report.results if r.variant == "wmma_fused")
