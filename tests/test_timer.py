"""The timer's parts that need no GPU: the hold kernel compiles for the runners' archs, and a torch
without a runtime compiler is a clear error. tests/test_gpu.py times real calls with it."""

import shutil
import subprocess

import pytest
import torch

from fcbench import build, ptxas, timer


@pytest.mark.skipif(shutil.which("nvcc") is None and not build.cuda_home().exists(), reason="needs nvcc")
@pytest.mark.parametrize("arch", ["sm_89", "sm_90"])
def test_the_hold_kernel_compiles_for_the_runner_archs(tmp_path, arch):
    # NVRTC compiles it at run time on the GPU machine; nvcc here checks the same source.
    source = tmp_path / "hold.cu"
    source.write_text(timer.HOLD_SOURCE)
    proc = subprocess.run([build.nvcc(), "-cubin", f"-arch={arch}", "-Xptxas", "-v", str(source),
                           "-o", str(tmp_path / "hold.cubin")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    [hold] = ptxas.parse(proc.stderr)
    assert hold.mangled == "fcbench_hold" and hold.arch == arch and not hold.spills


def test_a_torch_without_a_runtime_compiler_is_a_clear_error(monkeypatch):
    monkeypatch.delattr(torch.cuda, "_compile_kernel", raising=False)
    monkeypatch.setattr(torch, "__version__", "2.5.0")
    with pytest.raises(RuntimeError, match=r"timing needs torch.cuda._compile_kernel \(NVRTC; .*torch 2.5.0 has none"):
        timer.compile_hold()
