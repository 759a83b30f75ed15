"""Issue 25, session 11 (call G): a first 8 KB tile by cp.async or plain loads against no copy at all,
timed as tmaprobe.py times its TMA kernels (fcbench's timer, 80 samples, outputs checked first).
Run beside tmaprobe.py on the same machine: its param-136B row is the TMA way to the same tile.
Usage, from the repository root on an sm_90 GPU with nvcc:
  PYTHONPATH=$PWD python3 docs/validation/2026-12-07-h100-wgmma-11/callG/loadprobe.py"""
import ctypes
import subprocess
import sys
import tempfile
from ctypes import c_uint, c_void_p
from pathlib import Path

import numpy as np
import torch

from fcbench.timer import CudaTimer

HERE = Path(__file__).resolve().parent
torch.zeros(1, device="cuda")
cuda = ctypes.CDLL("libcuda.so.1")


def check(result, what):
    if result != 0:
        raise RuntimeError(f"{what}: CUresult {result}")


cubin = Path(tempfile.mkdtemp()) / "loadprobe.cubin"
subprocess.run(["nvcc", "-O3", "-gencode=arch=compute_90a,code=sm_90a", "-cubin", "-o", str(cubin),
                str(HERE / "loadprobe.cu")], check=True)
module = c_void_p()
check(cuda.cuModuleLoad(ctypes.byref(module), str(cubin).encode()), "cuModuleLoad")
cuda.cuLaunchKernel.argtypes = [c_void_p, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_void_p, c_void_p,
                                c_void_p]
src = torch.randn(64 * 64, 64, device="cuda").half()
out = torch.zeros(64, dtype=torch.int32, device="cuda")
first = (src.view(torch.int16)[::64, 0].to(torch.int32) & 0xFFFF).cpu()
src_ptr, out_ptr = c_void_p(src.data_ptr()), c_void_p(out.data_ptr())
args = (c_void_p * 2)(ctypes.addressof(src_ptr), ctypes.addressof(out_ptr))
timer = CudaTimer()
for name, expected in (("none", torch.zeros(64, dtype=torch.int32)), ("cpasync", first), ("ldg", first)):
    f = c_void_p()
    check(cuda.cuModuleGetFunction(ctypes.byref(f), module, name.encode()), name)

    def launch(f=f, name=name):
        check(cuda.cuLaunchKernel(f, 64, 1, 1, 128, 1, 1, 0, c_void_p(torch.cuda.current_stream().cuda_stream),
                                  ctypes.cast(args, c_void_p), None), name)
    out.fill_(-1)
    launch()
    torch.cuda.synchronize()
    if not torch.equal(out.cpu(), expected):
        sys.exit(f"{name}: wrong output, {out.cpu()[:4].tolist()} against {expected[:4].tolist()}")
    timer.warm_up(launch)
    x = np.array([timer.sample(launch) for _ in range(80)])
    print(f"{name:8s} median {np.median(x):.2f} us, 10th-90th percentile {np.percentile(x, 10):.2f}-{np.percentile(x, 90):.2f}")
