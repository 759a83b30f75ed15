"""Issue 25, session 11 (call D). wgmma_fused is ~1 us slower than mma_fused at launch-bound shapes
((1,1,64,64) 6.2-6.4 against 5.2-5.3 us, call B). Two questions, on trivial kernels and on both
variants, timed with fcbench's timer (each sample: L2 flush, hold, call, so the call reaches an idle GPU):
 1. smem: a trivial kernel (smemprobe.cu) at 1 or 64 blocks of 128 or 640 threads, asking for
    0 to 227 KB of dynamic shared memory (mma_fused's small-grid kernels ask 66-69 KB,
    wgmma_fused's 91-214 KB): median of 80 samples each;
 2. queued: each variant at the launch-bound shapes, one call per sample (as fcbench bench) and 20
    calls queued per sample (divided by 20: the launch hidden behind the previous call).
Usage, from the repository root on an sm_90 GPU with nvcc and the extension built:
  PYTHONPATH=$PWD python3 docs/validation/2026-12-07-h100-wgmma-11/callD/smemprobe.py"""
import ctypes
import subprocess
import sys
import tempfile
from ctypes import c_uint, c_void_p
from pathlib import Path

import numpy as np
import torch

from fcbench import measure
from fcbench.shapes import parse_shape
from fcbench.timer import CudaTimer

HERE = Path(__file__).resolve().parent
torch.zeros(1, device="cuda")
cuda = ctypes.CDLL("libcuda.so.1")


def check(result, what):
    if result != 0:
        raise RuntimeError(f"{what}: CUresult {result}")


cubin = Path(tempfile.mkdtemp()) / "smemprobe.cubin"
subprocess.run(["nvcc", "-O3", "-gencode=arch=compute_90,code=sm_90", "-cubin", "-o", str(cubin),
                str(HERE / "smemprobe.cu")], check=True)
module, f = c_void_p(), c_void_p()
check(cuda.cuModuleLoad(ctypes.byref(module), str(cubin).encode()), "cuModuleLoad")
check(cuda.cuModuleGetFunction(ctypes.byref(f), module, b"touch"), "cuModuleGetFunction")
check(cuda.cuFuncSetAttribute(f, 8, 227 * 1024), "MAX_DYNAMIC_SHARED_SIZE_BYTES")
cuda.cuLaunchKernel.argtypes = [c_void_p, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_void_p, c_void_p,
                                c_void_p]
out = torch.zeros(64, dtype=torch.int32, device="cuda")
out_ptr = c_void_p(out.data_ptr())
args = (c_void_p * 1)(ctypes.addressof(out_ptr))
timer = CudaTimer()


def median_us(fn, n=80):
    timer.warm_up(fn)
    return float(np.median([timer.sample(fn) for _ in range(n)]))


print("== 1. trivial kernel: median us of 80 samples")
print(f"{'blocks':>6} {'threads':>7} " + " ".join(f"{kb:>6}KB" for kb in (0, 48, 68, 100, 140, 196, 227)))
for blocks, threads in ((1, 128), (1, 640), (64, 128), (64, 640)):
    row = []
    for kb in (0, 48, 68, 100, 140, 196, 227):
        def launch(blocks=blocks, threads=threads, smem=max(kb * 1024, 16)):  # the body writes one int of it
            check(cuda.cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, smem,
                                      c_void_p(torch.cuda.current_stream().cuda_stream), ctypes.cast(args, c_void_p),
                                      None), "cuLaunchKernel")
        out.zero_()
        launch()
        torch.cuda.synchronize()
        assert out[:blocks].tolist() == list(range(blocks)), "wrong output"
        row.append(median_us(launch))
    print(f"{blocks:>6} {threads:>7} " + " ".join(f"{x:8.2f}" for x in row))

print("== 2. variants: median us of 80 samples, one call per sample / 20 queued per sample (per call)")
for shape in ("1,1,64,64", "2,3,97,64", "2,3,97,128", "1,8,512,64"):
    for name in ("mma_fused", "wgmma_fused"):
        ready = measure.prepare(name, parse_shape(shape))
        one = median_us(ready.call)

        def twenty(call=ready.call):
            for _ in range(20):
                call()
        print(f"{name:11s} ({shape}) one {one:6.2f}  queued {median_us(twenty) / 20:6.2f}")
sys.stdout.flush()
