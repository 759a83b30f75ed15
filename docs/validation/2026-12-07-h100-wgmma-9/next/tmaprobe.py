"""Issue 25 probe (prepared 2026-12-07, not yet run on a GPU): a tensor map built on the device
against one passed as a parameter. Three kernels (tmaprobe.cu; 64 blocks, each copies one 64 x 64
fp16 tile by TMA and writes its first element) timed 80 times each with fcbench's timer, the slow
samples marked by period4.py's rule:
  param-552B    the map passed by value with padding to wgmma_fused's 552 bytes of parameters
  param-136B    the map and the output pointer alone
  device-24B    a template map (encoded once, in global memory) copied to shared memory, its
                address and row count replaced (tensormap.replace), copied to a per-block global
                slot with a release fence (tensormap.cp_fenceproxy) and acquired there
  global-16B    (added in the tenth session) the real map in global memory, copied there by the host
                once, acquired in the tensor-map proxy: what a host-side cache of maps would cost
Each kernel's output is checked against the source first. Usage, from the repository root on an
sm_90 GPU with nvcc: PYTHONPATH=$PWD python3 docs/validation/2026-12-07-h100-wgmma-9/next/tmaprobe.py"""
import ctypes
import subprocess
import sys
import tempfile
from ctypes import POINTER, c_int, c_uint, c_uint32, c_uint64, c_void_p
from pathlib import Path

import numpy as np
import torch

from fcbench.timer import CudaTimer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "2026-12-06-h100-wgmma-8"))
from period4 import describe  # noqa: E402

BLOCKS, ROWS = 64, 64 * 64
torch.zeros(1, device="cuda")  # the primary context, current on this thread
cuda = ctypes.CDLL("libcuda.so.1")


def check(result, what):
    if result != 0:
        raise RuntimeError(f"{what}: CUresult {result}")


cubin = Path(tempfile.mkdtemp()) / "tmaprobe.cubin"
subprocess.run(["nvcc", "-std=c++17", "-O3", "-gencode=arch=compute_90a,code=sm_90a", "-cubin", "-o", str(cubin),
                str(HERE / "tmaprobe.cu")], check=True)
module = c_void_p()
check(cuda.cuModuleLoad(ctypes.byref(module), str(cubin).encode()), "cuModuleLoad")


def function(name):
    f = c_void_p()
    check(cuda.cuModuleGetFunction(ctypes.byref(f), module, name.encode()), f"cuModuleGetFunction({name})")
    return f


class Aligned:
    """128 bytes at a 64-byte aligned host address, as cuTensorMapEncodeTiled wants a CUtensorMap."""

    def __init__(self):
        self._raw = ctypes.create_string_buffer(256)
        base = ctypes.addressof(self._raw)
        self.address = base + (-base) % 64
        self.bytes = (ctypes.c_ubyte * 128).from_address(self.address)


cuda.cuTensorMapEncodeTiled.argtypes = [c_void_p, c_int, c_uint32, c_void_p, POINTER(c_uint64), POINTER(c_uint64),
                                        POINTER(c_uint32), POINTER(c_uint32), c_int, c_int, c_int, c_int]


def encode(tensor, rows):
    """A 2-D map over [rows, 64] fp16 rows of 128 bytes: 64 x 64 boxes, 128-byte swizzle."""
    m = Aligned()
    check(cuda.cuTensorMapEncodeTiled(m.address, 6, 2, tensor.data_ptr(), (c_uint64 * 2)(64, rows), (c_uint64 * 1)(128),
                                      (c_uint32 * 2)(64, 64), (c_uint32 * 2)(1, 1), 0, 3, 2, 0),
          "cuTensorMapEncodeTiled")  # FLOAT16, no interleave, SWIZZLE_128B, L2 promotion 128B, no NaN fill
    return m


src = torch.randn(ROWS, 64, device="cuda").half()
dummy = torch.zeros(64, 64, device="cuda").half()
out = torch.zeros(BLOCKS, dtype=torch.int32, device="cuda")
expected = (src.view(torch.int16)[::64, 0].to(torch.int32) & 0xFFFF).cpu()

# The device route's template: another tensor and row count, so only tensormap.replace makes it right.
template = encode(dummy, 64)
dptr, size = c_uint64(), ctypes.c_size_t()
check(cuda.cuModuleGetGlobal_v2(ctypes.byref(dptr), ctypes.byref(size), module, b"g_template"), "cuModuleGetGlobal")
check(cuda.cuMemcpyHtoD_v2(dptr, c_void_p(template.address), c_uint64(128)), "cuMemcpyHtoD")

param = encode(src, ROWS)
ready, ready_ptr = c_uint64(), c_void_p()
check(cuda.cuModuleGetGlobal_v2(ctypes.byref(ready), ctypes.byref(size), module, b"g_ready"), "cuModuleGetGlobal")
check(cuda.cuMemcpyHtoD_v2(ready, c_void_p(param.address), c_uint64(128)), "cuMemcpyHtoD")
ready_ptr.value = ready.value
pad = (c_uint64 * 52)()
out_ptr, src_ptr, rows = c_void_p(out.data_ptr()), c_void_p(src.data_ptr()), c_int(ROWS)
cuda.cuLaunchKernel.argtypes = [c_void_p, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_void_p, c_void_p,
                                c_void_p]


def launcher(name, *args):
    f = function(name)
    arr = (c_void_p * len(args))(*[ctypes.addressof(a) for a in args])

    def launch():
        check(cuda.cuLaunchKernel(f, BLOCKS, 1, 1, 128, 1, 1, 0, c_void_p(torch.cuda.current_stream().cuda_stream),
                                  ctypes.cast(arr, c_void_p), None), name)
    return launch


kernels = {"param-552B": launcher("param_map", param.bytes, pad, out_ptr),
           "param-136B": launcher("param_map_small", param.bytes, out_ptr),
           "device-24B": launcher("device_map", src_ptr, rows, out_ptr),
           "global-16B": launcher("global_map", ready_ptr, out_ptr)}
timer = CudaTimer()
for name, fn in kernels.items():
    out.zero_()
    fn()
    torch.cuda.synchronize()
    if not torch.equal(out.cpu(), expected):
        sys.exit(f"{name}: wrong output, {out.cpu()[:4].tolist()} against {expected[:4].tolist()}")
    timer.warm_up(fn)
    x = np.array([timer.sample(fn) for _ in range(80)])
    print(f"{describe(name, x)}, median {np.median(x):.2f}, mean {x.mean():.2f}")
