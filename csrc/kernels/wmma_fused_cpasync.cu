// wmma_fused_cpasync: FlashCore v8's idea done right. wmma_fused's per-warp math, with
// K/V tiles double-buffered through cp.async (16-byte copies, zero-filled past seqlen) so
// the next tile streams in while the tensor cores work on the current one, and dynamic
// shared memory beyond 48 KB. (v8 on the L4: 98.4 us at (1,8,512,64), 48x32 tiles,
// 12 warps, 49 KB.)
#include "fused_tile.cuh"
#include "launch.cuh"

namespace fcbench {

// Shared memory: the Q tile, reused as the warps' score/probability slices once Q is in
// registers, then two K and two V buffers.
//   D=64:  4 warps, 64-key tiles: 26 KB + 4 x 9 KB  = 62 KB
//   D=128: 4 warps, 64-key tiles: 26 KB + 4 x 17 KB = 94 KB (under the L4's 99 KB
//          per-block limit: one block per L4 SM)
// Chosen by measurement (scripts/tune_cpasync.py, H100, 2026-11-23; docs/RESULTS.md):
// 4 warps x 64 keys was fastest at every 2048-long shape, e.g. (4,16,2048,64) 572 us vs
// 597-741 us for 2/8 warps or 32-key tiles, (4,16,2048,128) 928 us vs 1040-1594 us.
// On the H100 it runs 3 blocks (12 warps) per SM, limited by registers (150/197) and
// shared memory alike (ncu: 18.75% theoretical occupancy). 8 warps x 64 keys at D=128
// would need 121 KB, over the L4's limit.
#ifndef FCBENCH_CPASYNC_WARPS_D64
#define FCBENCH_CPASYNC_WARPS_D64 4
#endif
#ifndef FCBENCH_CPASYNC_TILE_N_D64
#define FCBENCH_CPASYNC_TILE_N_D64 64
#endif
#ifndef FCBENCH_CPASYNC_WARPS_D128
#define FCBENCH_CPASYNC_WARPS_D128 4
#endif
#ifndef FCBENCH_CPASYNC_TILE_N_D128
#define FCBENCH_CPASYNC_TILE_N_D128 64
#endif

template <int kHeadDim>
struct WmmaFusedCpAsyncConfig {
  static constexpr int kWarps = kHeadDim == 64 ? FCBENCH_CPASYNC_WARPS_D64 : FCBENCH_CPASYNC_WARPS_D128;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kBlockM = kWarps * 16;
  static constexpr int kTileN = kHeadDim == 64 ? FCBENCH_CPASYNC_TILE_N_D64 : FCBENCH_CPASYNC_TILE_N_D128;
  static constexpr int kLd = kHeadDim + 8;
  using Warp = FusedWarpState<kHeadDim, kTileN>;
  static constexpr size_t kQBytes = sizeof(__half) * kBlockM * kLd;
  static constexpr size_t kWarpBytes = kWarps * Warp::kSmemBytesPerWarp;
  static constexpr size_t kFrontBytes = kQBytes > kWarpBytes ? kQBytes : kWarpBytes;
  static constexpr size_t kTileBytes = sizeof(__half) * kTileN * kLd;
  static constexpr size_t kSmemBytes = kFrontBytes + 4 * kTileBytes;
  // Ask ptxas for two resident 4-warp blocks (without it, it capped registers and spilled);
  // an 8-warp block gets the whole register file.
  static constexpr int kMinBlocks = kWarps >= 8 ? 1 : 2;
  static_assert(kSmemBytes <= 99 * 1024, "over the L4's (sm_89) 99 KB of shared memory per block");
};

template <int kHeadDim>
__global__ void __launch_bounds__(WmmaFusedCpAsyncConfig<kHeadDim>::kThreads, WmmaFusedCpAsyncConfig<kHeadDim>::kMinBlocks)
    wmma_fused_cpasync_kernel(const AttentionParams p) {
  using Cfg = WmmaFusedCpAsyncConfig<kHeadDim>;
  constexpr int kLd = Cfg::kLd;
  constexpr int kTileN = Cfg::kTileN;
  extern __shared__ __align__(128) unsigned char smem[];
  __half* q_tile = reinterpret_cast<__half*>(smem);
  __half* k_tiles = reinterpret_cast<__half*>(smem + Cfg::kFrontBytes);  // [2][kTileN * kLd]
  __half* v_tiles = k_tiles + 2 * kTileN * kLd;                          // [2][kTileN * kLd]

  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  const int block_row0 = blockIdx.x * Cfg::kBlockM;
  const int warp_row0 = block_row0 + warp * 16;
  const int kv_end = p.causal ? min(p.seqlen, block_row0 + Cfg::kBlockM) : p.seqlen;
  const int num_tiles = ceil_div(kv_end, kTileN);
  const __half* k_base = row_ptr(p.k, p.k_stride, b, h, 0);
  const __half* v_base = row_ptr(p.v, p.v_stride, b, h, 0);

  auto issue_tile = [&](int tile) {
    const int buf = tile % 2;
    cp_async_rows_zero_fill<kTileN, kHeadDim, Cfg::kThreads>(k_tiles + buf * kTileN * kLd, kLd, k_base,
                                                             p.k_stride[2], tile * kTileN, p.seqlen);
    cp_async_rows_zero_fill<kTileN, kHeadDim, Cfg::kThreads>(v_tiles + buf * kTileN * kLd, kLd, v_base,
                                                             p.v_stride[2], tile * kTileN, p.seqlen);
    cp_async_commit();
  };

  cp_async_rows_zero_fill<Cfg::kBlockM, kHeadDim, Cfg::kThreads>(q_tile, kLd, row_ptr(p.q, p.q_stride, b, h, 0),
                                                                 p.q_stride[2], block_row0, p.seqlen);
  cp_async_commit();
  issue_tile(0);  // num_tiles >= 1: seqlen >= 1 and key 0 is never causally masked
  cp_async_wait<1>();  // Q has landed; tile 0 may still be in flight
  __syncthreads();
  typename Cfg::Warp state;
  state.load_q(q_tile + warp * 16 * kLd, kLd);
  __syncthreads();  // Q is in registers everywhere before its buffer becomes warp slices
  state.init(smem + warp * Cfg::Warp::kSmemBytesPerWarp);

  const float score_scale = p.softmax_scale * kLog2e;
  for (int tile = 0; tile < num_tiles; ++tile) {
    if (tile + 1 < num_tiles) {
      issue_tile(tile + 1);  // its buffer was released by the barrier ending the last step
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();  // tile `tile` is visible to every warp
    const int n0 = tile * kTileN;
    if (!(p.causal && n0 > warp_row0 + 15)) {  // skip tiles entirely above this warp's diagonal
      const int buf = tile % 2;
      state.compute_scores(k_tiles + buf * kTileN * kLd, kLd);
      state.online_softmax(warp_row0 + lane / 2, n0, p.seqlen, p.causal, score_scale);
      state.accumulate_pv(v_tiles + buf * kTileN * kLd, kLd);
    }
    __syncthreads();  // every warp is done with this buffer before it is refilled
  }
  state.store(p.o + b * p.o_stride[0] + h * p.o_stride[1], p.o_stride[2], warp_row0, p.seqlen);
}

cudaError_t wmma_fused_cpasync_forward(const AttentionParams& p, cudaStream_t stream) {
  return with_head_dim(p.head_dim, cudaErrorInvalidValue, [&](auto d) {
    constexpr int D = decltype(d)::value;
    return launch_row_blocks<WmmaFusedCpAsyncConfig<D>>(wmma_fused_cpasync_kernel<D>, p, stream);
  });
}

}  // namespace fcbench

extern "C" int fcbench_wmma_fused_cpasync_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  using namespace fcbench;
  return with_head_dim(head_dim, 0, [&](auto d) {
    constexpr int D = decltype(d)::value;
    return row_blocks_launch_info<WmmaFusedCpAsyncConfig<D>>(wmma_fused_cpasync_kernel<D>, out, capacity);
  });
}
