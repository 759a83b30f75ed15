// Issue 25, session 11: what does a block's first 64 x 64 fp16 tile (8 KB) cost to land, by each way
// of copying it? Beside tmaprobe.cu's TMA kernels (same grid, same tile): 64 blocks of 128 threads,
// block b reads rows [64 b, 64 b + 64) of a [4096, 64] fp16 tensor and writes the tile's first element.
__device__ __forceinline__ unsigned smem_u32(const void* p) { return static_cast<unsigned>(__cvta_generic_to_shared(p)); }

// No copy: the launch and one store (the floor under every other kernel here).
extern "C" __global__ void none(const unsigned short* src, int* out) {
  if (threadIdx.x == 0) out[blockIdx.x] = static_cast<int>(src == nullptr);
}

// cp.async (as mma_fused copies): 16 bytes per thread per instruction, 4 per thread, then waited.
extern "C" __global__ void cpasync(const unsigned short* src, int* out) {
  __shared__ __align__(128) unsigned short tile[64 * 64];
  const unsigned short* base = src + static_cast<size_t>(blockIdx.x) * 64 * 64;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int chunk = threadIdx.x + 128 * i;  // 512 chunks of 8 halves
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(smem_u32(tile + 8 * chunk)), "l"(base + 8 * chunk)
                 : "memory");
  }
  asm volatile("cp.async.commit_group;\ncp.async.wait_group 0;" ::: "memory");
  __syncthreads();
  if (threadIdx.x == 0) out[blockIdx.x] = tile[0];
}

// Plain loads into registers (no shared memory): the DRAM latency alone.
extern "C" __global__ void ldg(const unsigned short* src, int* out) {
  const uint4* base = reinterpret_cast<const uint4*>(src + static_cast<size_t>(blockIdx.x) * 64 * 64);
  unsigned x = 0;
#pragma unroll
  for (int i = 0; i < 4; ++i) x ^= base[threadIdx.x + 128 * i].y;
  __shared__ unsigned any;
  if (threadIdx.x == 0) any = 0;
  __syncthreads();
  atomicOr(&any, x & 0x80000000u);  // every load used, one store
  __syncthreads();
  if (threadIdx.x == 0) out[blockIdx.x] = base[0].x & 0xFFFF | (any >> 31) * 0;
}
