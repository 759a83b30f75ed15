"""The content-addressed build cache: keys, arch handling, the generated ninja file."""

import shutil

import pytest

from fcbench import build, registry
from fcbench.cli import main


def test_normalize_arch():
    assert build.normalize_arch("90") == build.normalize_arch("sm_90") == build.normalize_arch("9.0") == "sm_90"
    with pytest.raises(ValueError, match="arch: 'hopper' is not a CUDA arch; expected e.g. sm_89"):
        build.normalize_arch("hopper")
    # Older GPUs lack the kernels' instructions: said here, not in 70 lines of ptxas errors.
    with pytest.raises(ValueError, match="arch: 'sm_75' is not supported: FlashCore's kernels need sm_80 or newer"):
        build.normalize_arch("sm_75")
    # The registry's name for wgmma_fused's target is not a machine's arch: point to the one that is.
    with pytest.raises(ValueError, match="arch: 'sm_90a' is an arch-specific target, not a GPU's arch; give sm_90"):
        build.normalize_arch("sm_90a")
    # major.minor takes one minor digit: '8.9.0' was read as sm_890 and failed later, in nvcc.
    assert build.normalize_arch("8.9") == "sm_89" and build.normalize_arch("12.0") == "sm_120"
    for bad in ("8.9.0", "sm_٩٠", "sm_9000", "9"):
        with pytest.raises(ValueError, match="is not a CUDA arch"):
            build.normalize_arch(bad)


@pytest.mark.parametrize("command", [["check", "--variant", "sdpa_math", "--quick"], ["build"], ["resources"]])
def test_a_bad_fcbench_arch_is_named_as_the_variable_by_every_command(monkeypatch, capsys, command):
    # check said "could not run: info failed: ValueError: ..." (exit 3), build "arch: ..." (exit 2).
    monkeypatch.setenv("FCBENCH_ARCH", "garbage")
    assert main(command) == 2
    assert f"fcbench {command[0]}: FCBENCH_ARCH='garbage': arch: 'garbage' is not a CUDA arch" in capsys.readouterr().err


def test_env_override_sets_the_arch(monkeypatch):
    monkeypatch.setenv("FCBENCH_ARCH", "89")
    assert build.target_arch() == "sm_89"


def test_kernel_key_depends_on_content_flags_and_arch_not_path(tmp_path, monkeypatch):
    src = registry.KERNELS_DIR / "wmma_fused.cu"
    key = build.kernel_object_key(src, "sm_90", ("-O3",), "nvcc 13.0")
    copy = tmp_path / "wmma_fused.cu"
    shutil.copy(src, copy)
    assert build.kernel_object_key(copy, "sm_90", ("-O3",), "nvcc 13.0") == key  # another checkout: shared
    assert build.kernel_object_key(src, "sm_89", ("-O3",), "nvcc 13.0") != key
    assert build.kernel_object_key(src, "sm_90", ("-O2",), "nvcc 13.0") != key
    assert build.kernel_object_key(src, "sm_90", ("-O3",), "nvcc 13.1") != key
    copy.write_text(copy.read_text() + "\n// edited\n")
    assert build.kernel_object_key(copy, "sm_90", ("-O3",), "nvcc 13.0") != key


def test_editing_one_kernel_changes_only_its_key(tmp_path, monkeypatch):
    kernels = tmp_path / "kernels"
    shutil.copytree(registry.KERNELS_DIR, kernels)
    monkeypatch.setattr(registry, "KERNELS_DIR", kernels)
    names = [v.name for v in registry.kernel_variants()]

    def keys():
        return {n: build.kernel_object_key(kernels / f"{n}.cu", "sm_90", ("-O3",), "v") for n in names}

    before = keys()
    (kernels / "wmma_qk.cu").write_text((kernels / "wmma_qk.cu").read_text() + "\n")
    after = keys()
    assert [n for n in names if before[n] != after[n]] == ["wmma_qk"]
    (kernels / "common.cuh").write_text((kernels / "common.cuh").read_text() + "\n")  # shared header: all
    assert all(keys()[n] != after[n] for n in names)


def test_extra_nvcc_flags_enter_the_key(monkeypatch, tmp_path):
    # A tuned build (FCBENCH_NVCC_FLAGS) and a plain one must not share a cached object: the
    # plan's kernel objects are named by a key the flags enter. The toolchain and torch are
    # stand-ins: only the plan is made, nothing is compiled.
    monkeypatch.setenv("FCBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("FCBENCH_NVCC_FLAGS", raising=False)
    monkeypatch.setattr(build, "nvcc", lambda: "nvcc")
    monkeypatch.setattr(build, "_tool_version", lambda cmd: "stand-in 1.0")
    monkeypatch.setattr(build, "_torch_paths", lambda: ([], [], "torch=stand-in abi=1"))
    monkeypatch.setattr(build, "_cudart_dir", lambda: tmp_path)

    def kernel_objects():
        return {s.output for s in build.plan("sm_90").steps if s.rule == "nvcc"}

    plain = kernel_objects()
    monkeypatch.setenv("FCBENCH_NVCC_FLAGS", "-DFCBENCH_CPASYNC_WARPS_D64=8")
    tuned = kernel_objects()
    assert build.kernel_flags("sm_90")[-1] == "-DFCBENCH_CPASYNC_WARPS_D64=8"
    assert plain and len(tuned) == len(plain) and not plain & tuned


def test_ninja_file_escapes_paths_and_renames_atomically(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "nvcc", lambda: "/usr/local/cuda/bin/nvcc")
    out = tmp_path / "a dir" / "x.o"
    plan = build.BuildPlan("sm_90", tmp_path / "lib.so",
                           [build.Step("nvcc", out, [tmp_path / "x.cu"], "x.cu", "-O3 -DX=$Y")])
    text = build._ninja_file(plan, plan.steps)
    assert f"build {tmp_path}/a$ dir/x.o: nvcc {tmp_path}/x.cu" in text
    assert "flags = -O3 -DX=$$Y" in text
    assert "-o $out.$$$$ && mv -f $out.$$$$ $out" in text


def test_build_without_cuda_torch_says_why(monkeypatch):
    import torch

    if torch.version.cuda is not None:
        pytest.skip("this torch is a CUDA build")
    monkeypatch.setenv("FCBENCH_ARCH", "sm_90")
    with pytest.raises(build.BuildError, match="is a CPU build; running kernels needs a CUDA build of torch"):
        build.plan()
