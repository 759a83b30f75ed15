# Makes a trace build of mma_fused.cu (session 12, 2026-12-07): clock64 stamps at each stage of a
# block, lane 0 of warps 0-5, in the same slots as ../../2026-12-06-h100-wgmma-7/mktrace.py's, so that
# a launch-bound block of mma_fused can be read stage by stage beside wgmma_fused's. A probe, not for landing.
#   python3 mktrace_mma.py csrc/kernels/mma_fused.cu OUT.cu
import sys
src = open(sys.argv[1]).read()
def sub(old, new, count=1):
    global src
    assert src.count(old) == count, (old, src.count(old))
    src = src.replace(old, new)
sub('#include "launch.cuh"\n', '''#include "launch.cuh"
// Probe: per block (< 1024) and warp (< 6), 24 slots: globaltimer at entry, at the end, the stamp
// count, then clock64() stamps since entry. Read by fcbench_mma_trace_read (ctypes).
__device__ long long g_mma_trace[1024 * 6 * 24];
extern "C" int fcbench_mma_trace_read(long long* dst) {
  return static_cast<int>(cudaMemcpyFromSymbol(dst, g_mma_trace, sizeof(g_mma_trace)));
}
''')
sub('''  constexpr int kChunks = kHeadDim / 8;   // 16-byte chunks per row
''', '''  constexpr int kChunks = kHeadDim / 8;   // 16-byte chunks per row
  unsigned long long tr_g0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(tr_g0));
  const long long tr_c0 = clock64();
  int tr_n = 0;
  const int tr_blk = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const bool tr_on = threadIdx.x % 32 == 0 && threadIdx.x / 32 < 6 && tr_blk < 1024;
  long long* tr_slot = g_mma_trace + (tr_blk * 6 + threadIdx.x / 32) * 24;
  if (tr_on) { tr_slot[0] = static_cast<long long>(tr_g0); tr_slot[1] = 0; }
#define TR() if (tr_on) do { if (tr_n < 21) tr_slot[3 + tr_n++] = clock64() - tr_c0; } while (0)
#define TR_END() do { if (tr_on) { unsigned long long g1; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(g1)); tr_slot[1] = static_cast<long long>(g1); tr_slot[2] = tr_n; } } while (0)
''')
sub('''  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();
''', '''  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();
  TR();
''')
sub('''      // Masks only where a key can be masked''', '''      TR();
      // Masks only where a key can be masked''')
sub('''    cp_async_wait<0>();
    __syncthreads();  // V(j) is visible''', '''    TR();
    cp_async_wait<0>();
    __syncthreads();  // V(j) is visible''')
sub('''    __syncthreads();  // K(j+1) is visible, and every warp is done reading V(j)
''', '''    __syncthreads();  // K(j+1) is visible, and every warp is done reading V(j)
    TR();
''')
sub('''  } else {
    // Each split warp holds''', '''    TR();
  } else {
    // Each split warp holds''')
sub('''      *reinterpret_cast<uint4*>(o_base + static_cast<int64_t>(block_row0 + r) * p.o_stride[2] + chunk * 8) = packed;
    }
  }
}''', '''      *reinterpret_cast<uint4*>(o_base + static_cast<int64_t>(block_row0 + r) * p.o_stride[2] + chunk * 8) = packed;
    }
    TR();
  }
  TR_END();
}''')
open(sys.argv[2], "w").write(src)
