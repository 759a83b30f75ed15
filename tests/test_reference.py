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
    assert {c.inputs for c in cases} == {"normal", "scaled", "uniform", "creeping", "offset"}
    assert {4096, 4100} <= {c.seqlen for c in cases} and max(c.seqlen for c in check.cases(quick=True)) == 512
    assert {c.seed for c in cases} == {0, 1} and "bshd" in {c.layout for c in cases}
    # Grids wider than any GPU's SM count (B200: 148), at both head dims, causal and not, in the
    # quick check too: mma_fused's large-block kernels run only there.
    for subset in (cases, check.cases(quick=True)):
        wide = {(c.head_dim, c.causal) for c in subset if c.batch * c.heads > 148}
        assert wide == {(64, False), (64, True), (128, False), (128, True)}


def test_check_passes_sdpa_math_on_cpu_and_skips_kernels_with_a_reason():
    from fcbench import registry

    report = check.run((registry.get("sdpa_math"), registry.get("wmma_fused")), quick=True, progress=None)
    by = {row[0]: (row[1], row[2], row[5]) for row in report.summary()}  # pass, fail, skip
    assert by["sdpa_math"] == (len(check.cases(quick=True)), 0, 0)
    assert by["wmma_fused"][2] == len(check.cases(quick=True))
    assert all("runs on cuda, not cpu" in r.note for r in report.results if r.variant == "wmma_fused")


def _online_softmax(q, k, v, scale, *, skip_rescale_above=None, tile=64):
    """A CPU model of the kernels' online softmax (fp32 running max and sum, fp16 P), with the
    planted bug 'skip the rescale when alpha >= skip_rescale_above' (the max still moves)."""
    qf, kf, vf = q.float(), k.float(), v.float()
    shape = (*q.shape[:-1], 1)
    m, row_sum, acc = torch.full(shape, -math.inf), torch.zeros(shape), torch.zeros(q.shape)
    for n0 in range(0, q.shape[2], tile):
        s = qf @ kf[:, :, n0:n0 + tile].transpose(-1, -2) * scale
        m_new = torch.maximum(m, s.amax(-1, keepdim=True))
        alpha = torch.exp(m - m_new)
        if skip_rescale_above is not None:
            alpha = torch.where(alpha >= skip_rescale_above, torch.ones_like(alpha), alpha)
        p = torch.exp(s - m_new)
        row_sum = row_sum * alpha + p.sum(-1, keepdim=True)
        acc, m = acc * alpha + p.half().float() @ vf[:, :, n0:n0 + tile], m_new
    return (acc / row_sum).half()


def test_creeping_inputs_catch_a_kernel_that_skips_small_rescales():
    scale = 1 / 8
    ratios = {}
    for inputs in ("normal", "creeping"):
        q, k, v = check.make_inputs(check.CheckCase(512, 64, False, inputs, 0), "cpu")
        ref = reference.reference_attention(q, k, v, causal=False, scale=scale)
        b = reference.error_bound(q, k, v, ref, causal=False, scale=scale, floor_relative=2**-10)
        good = reference.max_abs_error(_online_softmax(q, k, v, scale), ref)
        bad = reference.max_abs_error(_online_softmax(q, k, v, scale, skip_rescale_above=0.99), ref)
        assert b.passes(good), (inputs, good, b.bound)
        ratios[inputs] = bad / b.bound
    assert ratios["normal"] < 1 < 3 < ratios["creeping"], ratios  # normal inputs let the bug through


def test_offset_inputs_catch_a_forgotten_normalisation_term():
    q, k, v = check.make_inputs(check.CheckCase(97, 64, False, "offset", 0), "cpu")
    ref = reference.reference_attention(q, k, v, causal=False, scale=0.125)
    assert 30 < ref.mean().item() < 34  # V's offset comes through the softmax's convex combination
    b = reference.error_bound(q, k, v, ref, causal=False, scale=0.125, floor_relative=2**-10)
    off_by_one_key = (ref.double() * (1 + 1 / 97)).half()  # l counts one key too few
    assert not b.passes(reference.max_abs_error(off_by_one_key, ref))


def test_the_causal_bound_is_the_causal_fp16_paths_error():
    # The baseline of a causal case is the fp16 math path with the same mask (restated here):
    # without it, the baseline would be the full attention's distance to the causal reference.
    case = check.CheckCase(97, 64, True, "normal", 0)
    q, k, v = check.make_inputs(case, "cpu")
    ref = reference.reference_attention(q, k, v, causal=True, scale=0.125)
    scores = (q @ k.transpose(-2, -1)) * 0.125
    scores = scores.masked_fill(torch.ones(97, 97, dtype=torch.bool).triu(1), float("-inf"))
    fp16 = torch.softmax(scores, dim=-1) @ v
    assert fp16.dtype == torch.float16
    b = reference.error_bound(q, k, v, ref, causal=True, scale=0.125)
    assert b.baseline_error == reference.max_abs_error(fp16, ref) and b.baseline_error < 0.01
    full = reference.reference_attention(q, k, v, causal=False, scale=0.125)
    assert reference.max_abs_error(full.half(), ref) > 10 * b.bound  # what a mask left out would cost


def test_an_fp16_path_that_overflows_leaves_the_bound_undefined():
    q = k = torch.full((1, 1, 4, 64), 300.0, dtype=torch.float16)  # q.k = 5.8e6: inf in fp16, NaN after softmax
    v = torch.ones(1, 1, 4, 64, dtype=torch.float16)
    ref = reference.reference_attention(q, k, v, causal=False, scale=1.0)
    assert torch.isfinite(ref).all()
    with pytest.raises(ArithmeticError, match=r"^the fp16 math path produced NaN/Inf on these inputs; the bound is "
                                              r"undefined$"):
        reference.error_bound(q, k, v, ref, causal=False, scale=1.0)


def test_the_reference_is_fp64_up_to_its_size_limit_then_fp32(monkeypatch):
    q, k, v = check.make_inputs(check.CheckCase(17, 64, False, "normal", 0), "cpu")  # B=2, H=3, S=17
    monkeypatch.setattr(reference, "FP64_MAX_SCORES", 2 * 3 * 17 * 17)
    assert reference.reference_attention(q, k, v, causal=False, scale=0.125).dtype == torch.float64
    monkeypatch.setattr(reference, "FP64_MAX_SCORES", 2 * 3 * 17 * 17 - 1)
    out = reference.reference_attention(q, k, v, causal=False, scale=0.125)
    assert out.dtype == torch.float32
