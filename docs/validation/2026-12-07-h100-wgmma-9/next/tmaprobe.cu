// Issue 25 probe (prepared 2026-12-07, not yet run): is a tensor map built on the device (small
// parameter block) faster to a first TMA copy than one passed as a 552-byte parameter block, which
// costs ~0.9 us at every fourth launch (../README.txt, callB)? tmaprobe.py builds and times it.
struct __align__(64) TMap { unsigned long long w[16]; };
struct Pad { unsigned long long w[52]; };  // 416 bytes: with the map and the pointer, wgmma_fused's 552
__device__ __align__(128) TMap g_template;  // encoded once by the host (cuTensorMapEncodeTiled)
__device__ __align__(128) TMap g_slots[256];  // one per block: the map built on the device
__device__ __align__(128) TMap g_ready;  // the real map, copied by the host before any launch (global-16B)

__device__ __forceinline__ unsigned smem_u32(const void* p) { return static_cast<unsigned>(__cvta_generic_to_shared(p)); }

// One 64 x 64 fp16 tile (rows [64 * blockIdx.x, +64)) by TMA into swizzled shared memory; returns one element.
__device__ __forceinline__ int copy_tile(const void* map, unsigned short* tile, unsigned long long* bar) {
  const unsigned b = smem_u32(bar);
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(b));
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], 8192;" ::"r"(b) : "memory");
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];" ::"r"(
            smem_u32(tile)),
        "l"(map), "r"(0), "r"(64 * static_cast<int>(blockIdx.x)), "r"(b)
        : "memory");
    asm volatile(
        "{\n.reg .pred p;\nW: mbarrier.try_wait.parity.shared::cta.b64 p, [%0], 0;\n@!p bra W;\n}" ::"r"(b) : "memory");
    return tile[0];
  }
  return 0;
}

extern "C" __global__ void param_map(const __grid_constant__ TMap map, const Pad pad, int* out) {
  __shared__ __align__(1024) unsigned short tile[64 * 64];
  __shared__ unsigned long long bar;
  const int v = copy_tile(&map, tile, &bar);
  if (threadIdx.x == 0) out[blockIdx.x] = v + static_cast<int>(pad.w[51]);
}

extern "C" __global__ void param_map_small(const __grid_constant__ TMap map, int* out) {
  __shared__ __align__(1024) unsigned short tile[64 * 64];
  __shared__ unsigned long long bar;
  const int v = copy_tile(&map, tile, &bar);
  if (threadIdx.x == 0) out[blockIdx.x] = v;
}

// The map built on the device: the template copied to shared memory, its address and row count
// replaced, then copied with a release fence to this block's global slot and acquired there.
extern "C" __global__ void device_map(const unsigned short* src, int rows, int* out) {
  __shared__ __align__(1024) unsigned short tile[64 * 64];
  __shared__ __align__(128) TMap local;
  __shared__ unsigned long long bar;
  TMap* slot = &g_slots[blockIdx.x];
  if (threadIdx.x < 32) {
    if (threadIdx.x < 16) local.w[threadIdx.x] = g_template.w[threadIdx.x];
    __syncwarp();
    if (threadIdx.x == 0) {
      asm volatile("tensormap.replace.tile.global_address.shared::cta.b1024.b64 [%0], %1;" ::"r"(smem_u32(&local)),
                   "l"(src) : "memory");
      asm volatile("tensormap.replace.tile.global_dim.shared::cta.b1024.b32 [%0], 1, %1;" ::"r"(smem_u32(&local)),
                   "r"(rows) : "memory");
    }
    __syncwarp();
    const unsigned long long global_slot = __cvta_generic_to_global(slot);
    asm volatile(
        "tensormap.cp_fenceproxy.global.shared::cta.tensormap::generic.release.gpu.sync.aligned [%0], [%1], 128;" ::"l"(
            global_slot),
        "r"(smem_u32(&local))
        : "memory");
    asm volatile("fence.proxy.tensormap::generic.acquire.gpu [%0], 128;" ::"l"(slot) : "memory");
  }
  const int v = copy_tile(slot, tile, &bar);
  if (threadIdx.x == 0) out[blockIdx.x] = v;
}

// The map in global memory, written by the host before the launch (as a host-side cache of maps
// would hold it), acquired in the tensor-map proxy as the programming guide asks of a map there.
extern "C" __global__ void global_map(const TMap* map, int* out) {
  __shared__ __align__(1024) unsigned short tile[64 * 64];
  __shared__ unsigned long long bar;
  if (threadIdx.x == 0) asm volatile("fence.proxy.tensormap::generic.acquire.gpu [%0], 128;" ::"l"(map) : "memory");
  const int v = copy_tile(map, tile, &bar);
  if (threadIdx.x == 0) out[blockIdx.x] = v;
}
