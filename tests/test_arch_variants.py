"""Kernels built for some archs only (registry.Variant.archs), such as a Hopper-only one that needs
the arch-specific sm_90a target for wgmma: left out of other archs' builds and resource counts,
and "not for sm_89" (never MISSING, never a failure) wherever a machine of another arch meets it.
The test kernel uses wgmma.fence, which ptxas accepts for sm_90a alone."""

import dataclasses
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from fcbench import bench, build, check, config, gate, history, registry, supervise
from fcbench.shapes import Shape

from .conftest import GIT, commit
from .fake_worker import plant_archs

HOPPER_UNIT = r"""#include "launch.cuh"

namespace fcbench {
template <int D>
__global__ void hopper_only_kernel(AttentionParams p) {
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");  // sm_90a only
}
}  // namespace fcbench

extern "C" int fcbench_hopper_only_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  using namespace fcbench;
  return with_head_dim(head_dim, 0, [&](auto d) {
    if (capacity < 1) return 0;
    out[0] = {reinterpret_cast<const void*>(hopper_only_kernel<decltype(d)::value>), 128u, size_t{0}};
    return 1;
  });
}
"""
HOPPER = registry.Variant("hopper_only", "test: wgmma.fence, built for sm_90a only", "flashcore", archs=("sm_90a",))
NOT_FOR_SM_89 = "not for sm_89 (built for sm_90a only)"


def test_the_registry_knows_which_target_each_arch_gets():
    assert HOPPER.target("sm_90") == "sm_90a" and HOPPER.target("sm_89") is None
    assert registry.get("mma_fused").target("sm_89") == "sm_89"  # no archs: every arch, its plain target
    assert HOPPER.unsupported_reason(head_dim=64, causal=False, device="cuda", arch="sm_89") == NOT_FOR_SM_89
    assert HOPPER.unsupported_reason(head_dim=64, causal=False, device="cuda", arch="sm_90") is None
    # No arch known (no GPU, no FCBENCH_ARCH): the device says why.
    assert HOPPER.unsupported_reason(head_dim=64, causal=False, device="cpu", arch=None) == "runs on cuda, not cpu"
    assert registry.not_built("sm_89", (HOPPER, registry.get("mma_fused"))) == [f"hopper_only: {NOT_FOR_SM_89}"]
    with pytest.raises(ValueError, match=r"^archs: 'hopper' \(x\) is not an nvcc target; expected e.g. sm_90 or sm_90a"):
        registry.Variant("x", "", "flashcore", archs=("hopper",))


@pytest.fixture
def kernels(tmp_path, monkeypatch):
    """csrc/kernels plus hopper_only.cu, and the registry with HOPPER in it; a private build cache."""
    kernels = tmp_path / "kernels"
    shutil.copytree(registry.KERNELS_DIR, kernels)
    (kernels / "hopper_only.cu").write_text(HOPPER_UNIT)
    monkeypatch.setattr(registry, "KERNELS_DIR", kernels)
    monkeypatch.setattr(registry, "VARIANTS", (*registry.VARIANTS, HOPPER))
    monkeypatch.setenv("FCBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return kernels


@pytest.fixture
def cpu_plan(monkeypatch):
    """build.plan without a CUDA build of torch: its include paths and runtime stand in."""
    monkeypatch.setattr(build, "_torch_paths", lambda: ([], [], "torch=test cuda=test abi=1"))
    monkeypatch.setattr(build, "_cudart_dir", lambda: "/no/cudart")


def _compiles(plan: build.BuildPlan) -> dict[str, build.Step]:
    return {s.inputs[0].name: s for s in plan.steps if s.rule == "nvcc"}


def _variant_table(plan: build.BuildPlan) -> str:
    binding = next(s for s in plan.steps if s.rule == "cxx")
    gen_dir = next(f.removeprefix("-I") for f in binding.flags.split() if "/generated/" in f)
    return (Path(gen_dir) / "variants.inc").read_text()


def test_the_sm_89_build_leaves_it_out(kernels, cpu_plan):
    plan = build.plan("sm_89", registry.VARIANTS)
    compiles = _compiles(plan)
    assert "hopper_only.cu" not in compiles and "mma_fused.cu" in compiles
    table = _variant_table(plan)
    assert "hopper_only" not in table and "FCBENCH_KERNEL(mma_fused)" in table


def test_the_sm_90_build_compiles_it_for_sm_90a_and_the_rest_for_sm_90(kernels, cpu_plan, tmp_path):
    plan = build.plan("sm_90", registry.VARIANTS)
    compiles = _compiles(plan)
    assert "-gencode=arch=compute_90a,code=sm_90a" in compiles["hopper_only.cu"].flags.split()
    # Every other kernel at its own target: the plain sm_90, or its registry archs' (wgmma_fused: sm_90a).
    others = {v.name: v.target("sm_90") for v in registry.VARIANTS if v.is_kernel and v.name != "hopper_only"}
    assert "sm_90" in others.values()
    for name, target in others.items():
        digits = target.removeprefix("sm_")
        assert f"-gencode=arch=compute_{digits},code=sm_{digits}" in compiles[f"{name}.cu"].flags.split(), name
    assert "FCBENCH_KERNEL(hopper_only)" in _variant_table(plan)
    # The object's key carries the variant's own flags: the same unit at the plain target is another object.
    plain = _compiles(build.plan("sm_90", (dataclasses.replace(HOPPER, archs=None),)))["hopper_only.cu"]
    assert plain.output != compiles["hopper_only.cu"].output
    # Real nvcc: the planned step assembles; the plain sm_90 target refuses wgmma (the test kernel needs sm_90a).
    src = kernels / "hopper_only.cu"
    ok = subprocess.run([build.nvcc(), *shlex.split(compiles["hopper_only.cu"].flags), "-c", str(src), "-o",
                         str(tmp_path / "a.o")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run([build.nvcc(), *shlex.split(plain.flags), "-c", str(src), "-o", str(tmp_path / "b.o")],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "wgmma" in refused.stderr


@pytest.mark.parametrize("check_mode", [False, True])
def test_resources_count_it_on_sm_90_and_say_not_for_sm_89(kernels, capsys, check_mode):
    from fcbench.cli import EXIT_OK, main

    args = ["resources", "--arch", "sm_89,sm_90", "--variant", "hopper_only"]
    assert main(args + ["--json"]) == EXIT_OK
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert {(r["arch"], r["head_dim"]) for r in rows} == {("sm_90", 64), ("sm_90", 128)}
    assert f"hopper_only: {NOT_FOR_SM_89}" in captured.err
    assert main(args + ["--check"] * check_mode) == EXIT_OK
    out = capsys.readouterr().out
    assert "hopper_only_kernel<64>" in out and f"hopper_only: {NOT_FOR_SM_89}" in out
    assert "MISSING" not in out and "error" not in out.lower()


@pytest.fixture
def on_sm_89(tmp_path, monkeypatch):
    """An sm_89 machine (FCBENCH_ARCH) whose registry says mma_fused is built for sm_90a only, here
    and in the fake measuring process (its "sm_90a-only" plant)."""
    plant = {"mma_fused": "sm_90a-only"}
    (tmp_path / "plant.json").write_text(json.dumps(plant))
    monkeypatch.setenv("FCBENCH_PLANT", str(tmp_path / "plant.json"))
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")
    monkeypatch.setattr(supervise, "WORKER_MODULE", "tests.fake_worker")
    monkeypatch.setattr(registry, "VARIANTS", plant_archs(plant))
    return registry.get("mma_fused")


def test_check_and_bench_on_sm_89_say_not_for_sm_89(on_sm_89, tmp_path, monkeypatch):
    root = tmp_path / "checkout"
    (root / "csrc" / "kernels").mkdir(parents=True)
    (root / "csrc" / "kernels" / "mma_fused.cu").write_text("")
    monkeypatch.setattr(check, "cases", lambda quick=False: [check.CheckCase(17, 64, False, "normal", 0)])
    report = check.run((on_sm_89,), progress=None, root=root)
    assert [(r.verdict, r.note) for r in report.results] == [("SKIP", NOT_FOR_SM_89)]
    assert not report.failed
    results = bench.run((on_sm_89,), [Shape(1, 2, 32, 64)], progress=None)
    assert [(r.status, r.note) for r in results] == [("skip", NOT_FOR_SM_89)]


def test_a_head_adding_it_on_sm_89_is_not_compared_and_not_a_failure(on_sm_89, repo, tmp_path, monkeypatch, capsys):
    # Base: no mma_fused.cu. Head: mma_fused.cu is a wgmma unit, which nvcc refuses for sm_89.
    def delete(r):
        subprocess.run([*GIT, "-C", str(r), "rm", "-q", "csrc/kernels/mma_fused.cu"], check=True)

    base = commit(repo, "no mma_fused", delete)

    def add(r):
        (r / "csrc/kernels/mma_fused.cu").write_text(HOPPER_UNIT.replace("hopper_only", "mma_fused"))
        subprocess.run([*GIT, "-C", str(r), "add", "csrc/kernels/mma_fused.cu"], check=True)

    head = commit(repo, "mma_fused: Hopper only", add)
    monkeypatch.chdir(repo)
    results = tmp_path / "results"
    history.run([base, head], results_dir=results, append=False, machine="ci-cpu",
                variants=(on_sm_89, registry.get("sdpa_math")), shapes=(Shape(1, 2, 32, 64),), rounds=1,
                samples=2, progress=None)
    rows = gate.evaluate(gate.load(results, "ci-cpu", base), gate.load(results, "ci-cpu", head), config.GateConfig(),
                         history.read_failures(results, "ci-cpu", head))
    assert [r.variant for r in rows] == ["sdpa_math"], [(r.variant, r.verdict, r.note) for r in rows]
    assert history.read_failures(results, "ci-cpu", head) == {}
    # The gate says why it has no row, from the head's recorded GPU (a CPU run records none: as an L4's).
    result_file = next((results / "ci-cpu").glob(f"{head[:8]}-*.json"))
    data = json.loads(result_file.read_text())
    data["params"]["capability"] = "sm_89"
    result_file.write_text(json.dumps(data))
    code, text = gate.run(base, head, results_dir=results, machine="ci-cpu", cfg=config.GateConfig())
    assert code == gate.EXIT_PASS
    assert f"mma_fused: {NOT_FOR_SM_89}: not compared on this machine" in text
