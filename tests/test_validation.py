"""Bad input is rejected before anything runs, naming the argument and what is supported."""

import pytest
import torch

from fcbench import attention


def qkv(shape=(1, 2, 17, 64), dtype=torch.float16, device="cpu"):
    return [torch.randn(shape).to(dtype=dtype, device=device) for _ in range(3)]


@pytest.mark.parametrize(
    "make, variant, error, match",
    [
        (lambda: qkv(), "wmma_fused", ValueError, r"q: is on cpu, but wmma_fused runs on cuda; move the tensors"),
        (lambda: qkv(dtype=torch.float32), "sdpa_math", TypeError, r"q: dtype torch.float32 is not supported; expected torch.float16"),
        (lambda: qkv((2, 17, 64)), "sdpa_math", ValueError, r"q: expected a 4-d \[batch, heads, seqlen, head_dim\]"),
        (lambda: qkv((1, 2, 0, 64)), "sdpa_math", ValueError, r"q: empty tensor of shape \(1, 2, 0, 64\)"),
        (lambda: qkv((1, 2, 17, 96)), "sdpa_math", ValueError, r"q: head_dim 96 is not supported by sdpa_math; supported: 64, 128"),
        (lambda: qkv(), "flash9", ValueError, r"variant: unknown variant 'flash9'; known: .*sdpa_math"),
        (lambda: [*qkv()[:2], torch.randn(1, 2, 18, 64).half()], "sdpa_math", ValueError, r"v: shape \(1, 2, 18, 64\) does not match q's"),
        (lambda: [1, 2, 3], "sdpa_math", TypeError, r"q: expected a torch.Tensor, got int"),
    ],
)
def test_bad_input_is_named(make, variant, error, match):
    with pytest.raises(error, match=match):
        attention(*make(), variant=variant)


@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan"), float("inf"), "0.1", True])
def test_bad_scale(scale):
    with pytest.raises(ValueError, match="scale: expected a finite positive float or None"):
        attention(*qkv(), variant="sdpa_math", scale=scale)


def test_causal_must_be_bool():
    with pytest.raises(TypeError, match="causal: expected a bool, got int"):
        attention(*qkv(), variant="sdpa_math", causal=1)


def test_kernel_stride_rules_are_checked_before_the_device(monkeypatch):
    # A [B, H, S, D] tensor whose head dim is strided cannot feed the 16-byte tile loads.
    from fcbench import api, registry

    wide = torch.randn(1, 2, 17, 128).half()[..., ::2]
    with pytest.raises(ValueError, match=r"q: head-dim stride must be 1, got strides .*; call .contiguous\(\)"):
        api._check_tensor("q", wide, registry.Variant("k", "", "flashcore", devices=("cpu",)))
    odd_rows = torch.randn(1, 2, 17, 68).half()[..., :64]  # sequence stride 68: not a multiple of 8
    with pytest.raises(ValueError, match=r"q: rows must start on 16-byte boundaries"):
        api._check_tensor("q", odd_rows, registry.Variant("k", "", "flashcore", devices=("cpu",)))
    # One row per head, heads 100 elements (200 bytes) apart: the second head's row is misaligned
    # although the sequence stride (never stepped at S = 1) is fine.
    storage = torch.randn(400).half()
    odd_heads = storage.as_strided((1, 2, 1, 64), (200, 100, 64, 1))
    with pytest.raises(ValueError, match=r"out: rows must start on 16-byte boundaries .*got strides \(200, 100, 64, 1\)"):
        api._check_tensor("out", odd_heads, registry.Variant("k", "", "flashcore", devices=("cpu",)))
    # A dim of extent 1 is never stepped: its stride does not matter.
    one_head = storage.as_strided((1, 1, 2, 64), (3, 5, 64, 1))
    api._check_tensor("k", one_head, registry.Variant("k", "", "flashcore", devices=("cpu",)))


def test_sdpa_math_runs_on_cpu_and_matches_reference():
    from fcbench.reference import max_abs_error, reference_attention

    q, k, v = qkv((2, 3, 33, 64))
    out = attention(q, k, v, variant="sdpa_math", causal=True)
    ref = reference_attention(q, k, v, causal=True, scale=64**-0.5)
    assert out.shape == q.shape and out.dtype == torch.float16
    assert max_abs_error(out, ref) < 2e-3
