"""ptxas parsing and resource counts, from really compiling with nvcc (no GPU needed)."""

import shutil
import subprocess

import pytest

from fcbench import build, config, ptxas, registry, resources

pytestmark = pytest.mark.skipif(shutil.which("nvcc") is None and not build.cuda_home().exists(),
                                reason="needs nvcc (the CUDA toolkit)")

# Forced to spill: 24 registers (sm_89's floor for -maxrregcount) cannot hold 64 live values.
SPILLING_KERNEL = r"""
__global__ void spills(float* out, const float* in) {
  __shared__ float tile[256];
  float acc[64];
  #pragma unroll
  for (int i = 0; i < 64; ++i) acc[i] = in[threadIdx.x * 64 + i];
  tile[threadIdx.x] = acc[0];
  __syncthreads();
  float s = tile[(threadIdx.x + 1) % 128];
  #pragma unroll
  for (int i = 0; i < 64; ++i) s += acc[i] * acc[(i * 7) % 64];
  out[threadIdx.x] = s;
}
__global__ void plain(float* out) { out[threadIdx.x] = threadIdx.x; }
"""


def nvcc_report(tmp_path, source: str, *flags: str) -> str:
    src = tmp_path / "k.cu"
    src.write_text(source)
    proc = subprocess.run([build.nvcc(), "-c", "-arch=sm_89", "-Xptxas", "-v", *flags, str(src), "-o",
                           str(tmp_path / "k.o")], capture_output=True, text=True, check=True)
    return proc.stderr


def test_parse_real_report_with_spills(tmp_path):
    report = nvcc_report(tmp_path, SPILLING_KERNEL, "-maxrregcount=24")
    functions = {f.name: f for f in ptxas.parse(report)}
    spills = functions["spills(float*, float const*)"]
    assert spills.arch == "sm_89"
    assert spills.registers == 24
    assert spills.static_smem_bytes == 1024
    assert spills.spill_store_bytes > 0 and spills.spill_load_bytes > 0 and spills.spills
    assert spills.stack_frame_bytes >= spills.spill_store_bytes
    assert spills.barriers == 1
    plain = functions["plain(float*)"]
    assert (plain.static_smem_bytes, plain.spill_store_bytes, plain.stack_frame_bytes, plain.spills) == (0, 0, 0, False)
    assert 0 < plain.registers <= 24


def test_parse_ignores_other_lines():
    assert ptxas.parse("ptxas info    : 0 bytes gmem\nsomething else\n") == []


@pytest.fixture(scope="module")
def all_resources():
    return resources.collect(registry.VARIANTS, ("sm_89", "sm_90"))


def test_every_kernel_is_counted_for_both_archs_and_head_dims(all_resources):
    seen = {(r.variant, r.arch, r.head_dim) for r in all_resources}
    for v in registry.kernel_variants():
        for arch in ("sm_89", "sm_90"):
            for d in v.head_dims:  # counted where it is built (wgmma_fused: sm_90 only), nowhere else
                assert ((v.name, arch, d) in seen) == bool(v.target(arch)), (v.name, arch, d)
    assert not registry.get("wgmma_fused").target("sm_89")
    unfused = {r.kernel for r in all_resources if r.variant == "wmma_unfused" and r.head_dim == 64}
    assert unfused == {"wmma_unfused_scores_kernel<64>", "wmma_unfused_softmax_kernel", "wmma_unfused_pv_kernel<64>"}


def test_no_kernel_spills_and_limits_hold(all_resources):
    gate_cfg = config.load(registry.REPO_ROOT / "pyproject.toml").gate
    for r in all_resources:
        assert r.spill_bytes == 0 and r.stack_frame_bytes == 0, r
        assert 0 < r.registers <= 255, r
        # The L4's per-block limit, or the variant's own ceiling where it has one: wgmma_fused,
        # built for the H100 only, may take its 227 KB.
        assert r.smem_bytes <= gate_cfg.ceilings_for(r.variant).max_smem_bytes, r
        assert r.smem_bytes <= 99 * 1024 or r.variant == "wgmma_fused", r
        assert r.threads % 32 == 0 and r.threads > 0, r


def test_dynamic_shared_memory_comes_from_the_launchers(all_resources):
    by = {(r.variant, r.arch, r.head_dim): r for r in all_resources}
    # The cp.async variant needs more than the 48 KB static limit: it must be dynamic.
    cp = by[("wmma_fused_cpasync", "sm_89", 128)]
    assert cp.static_smem_bytes == 0 and cp.dynamic_smem_bytes > 48 * 1024
    assert by[("scalar_tiled", "sm_90", 64)].dynamic_smem_bytes == 0
    assert by[("scalar_tiled", "sm_90", 64)].static_smem_bytes > 0


def test_cli_resources_json(capsys):
    import json

    from fcbench.cli import main

    assert main(["resources", "--arch", "sm_89", "--variant", "wmma_qk", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["head_dim"] for r in rows} == {64, 128} and all(r["arch"] == "sm_89" for r in rows)


@pytest.fixture
def broken_kernels(tmp_path, monkeypatch):
    """A copy of csrc/kernels whose `name`.cu does not compile; returns a function that breaks one."""
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    for header in registry.KERNELS_DIR.glob("*.h*"):
        (kernels / header.name).write_text(header.read_text())
    monkeypatch.setattr(registry, "KERNELS_DIR", kernels)
    monkeypatch.setenv("FCBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return lambda name: (kernels / f"{name}.cu").write_text('#include "common.cuh"\nint x = ;\n')


def test_a_compile_error_is_reported_with_the_compiler_output(broken_kernels):
    broken_kernels("wmma_qk")
    with pytest.raises(build.BuildError, match=r"nvcc failed on wmma_qk.cu for sm_89:\n.*error"):
        resources.compile_unit(registry.get("wmma_qk"), "sm_89")


def test_cli_exit_code_for_a_compile_error(broken_kernels, capsys):
    from fcbench.cli import EXIT_CANNOT_RUN, main

    broken_kernels("scalar_tiled")
    assert main(["resources", "--arch", "sm_89", "--variant", "scalar_tiled"]) == EXIT_CANNOT_RUN
    assert "nvcc failed on scalar_tiled.cu" in capsys.readouterr().err
