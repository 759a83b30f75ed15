import re

import pytest

from fcbench import registry
from fcbench.build import variant_table


def test_names_are_unique_and_kernels_have_sources():
    names = [v.name for v in registry.VARIANTS]
    assert len(names) == len(set(names))
    for v in registry.kernel_variants():
        assert v.source.exists(), v.source


def test_every_kernel_unit_defines_the_launcher_interface():
    for v in registry.kernel_variants():
        text = v.source.read_text()
        assert f"cudaError_t {v.name}_forward(const AttentionParams& p, cudaStream_t stream)" in text, v.name
        assert f'extern "C" int fcbench_{v.name}_launch_info(' in text, v.name
        assert (f"size_t {v.name}_workspace_bytes(" in text) == v.workspace, v.name
        assert "#include <torch" not in text and "#include <ATen" not in text, f"{v.name} must stay torch-free"


def test_every_kernel_unit_is_registered():
    units = {p.stem for p in registry.KERNELS_DIR.glob("*.cu")}
    assert units == {v.name for v in registry.kernel_variants()}


def test_peers_force_a_real_sdpa_backend():
    from torch.nn.attention import SDPBackend

    peers = [v for v in registry.VARIANTS if v.kind == "sdpa"]
    assert {v.sdpa_backend for v in peers} == {"FLASH_ATTENTION", "CUDNN_ATTENTION", "EFFICIENT_ATTENTION", "MATH"}
    for v in peers:
        assert hasattr(SDPBackend, v.sdpa_backend)
    assert registry.get("sdpa_math").devices == ("cuda", "cpu")


def test_unknown_variant_names_the_known_ones():
    with pytest.raises(ValueError, match=r"variant: unknown variant 'nope'; known: scalar_tiled, wmma_qk"):
        registry.get("nope")


def test_select_takes_a_kind_for_every_variant_of_it_mixed_with_names():
    assert registry.select(["flashcore"]) == registry.kernel_variants()
    assert {v.kind for v in registry.select(["sdpa"])} == {"sdpa"} and len(registry.select(["sdpa"])) == 4
    assert registry.select(["sdpa_math", "flashcore", "wmma_qk"]) == (*registry.kernel_variants(), registry.get("sdpa_math"))
    assert registry.select(["sdpa", "flashcore"]) == registry.VARIANTS
    assert registry.select(None) == registry.select([]) == registry.VARIANTS


def test_the_kinds_are_the_registry_kinds_and_no_variant_is_named_like_one():
    assert set(registry.KINDS) == {v.kind for v in registry.VARIANTS}
    assert not set(registry.KINDS) & {v.name for v in registry.VARIANTS}


def test_select_names_the_known_variants_and_kinds():
    with pytest.raises(ValueError, match=r"^variant: unknown variant 'kernels'; known: scalar_tiled, .*, sdpa_math; "
                                         r"or a kind: flashcore \(every FlashCore kernel\), sdpa \(every SDPA peer\)$"):
        registry.select(["flashcore", "kernels"])


def test_unsupported_reason():
    v = registry.get("wmma_fused")
    assert v.unsupported_reason(head_dim=64, causal=True, device="cuda", arch="sm_90") is None
    assert "head_dim 96" in v.unsupported_reason(head_dim=96, causal=False, device="cuda", arch=None)
    assert "not cpu" in v.unsupported_reason(head_dim=64, causal=False, device="cpu", arch=None)


def test_generated_variant_table_lists_kernels_only():
    table = variant_table(registry.VARIANTS)
    lines = re.findall(r"^FCBENCH_\w+\((\w+)\)$", table, re.M)
    assert lines == [v.name for v in registry.kernel_variants()]
    assert "FCBENCH_KERNEL_WITH_WORKSPACE(wmma_unfused)" in table
