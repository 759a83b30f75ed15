// scalar_tiled: FlashCore v5. K/V tiles staged in shared memory, online softmax, fp32
// scalar math, one query row per warp. The correct-but-slow baseline the WMMA variants
// are measured against (2122 us at (1,8,512,64) on the L4).
#include "common.cuh"
#include "launch.cuh"

namespace fcbench {

// 8 warps share each K/V tile (8 query rows per block). Rows are padded by one half2 so
// that lane j reading key row j hits bank j: (kHeadDim + 2) / 2 words per row is odd.
template <int kHeadDim>
struct ScalarTiledConfig {
  static constexpr int kWarps = 8;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kTileN = 64;
  static constexpr int kLd = kHeadDim + 2;
  static constexpr int kBlockM = kWarps;  // query rows per block, for launch_row_blocks
  static constexpr int kSmemBytes = 0;  // dynamic: none, its shared memory is static
};

template <int kHeadDim>
__global__ void __launch_bounds__(ScalarTiledConfig<kHeadDim>::kThreads)
    scalar_tiled_kernel(const AttentionParams p) {
  using Cfg = ScalarTiledConfig<kHeadDim>;
  constexpr int kTileN = Cfg::kTileN;
  constexpr int kPerLane = kHeadDim / 32;  // output columns owned by each lane
  __shared__ __align__(16) __half k_tile[kTileN * Cfg::kLd];
  __shared__ __align__(16) __half v_tile[kTileN * Cfg::kLd];
  __shared__ float q_rows[Cfg::kWarps][kHeadDim];

  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  const int block_row0 = blockIdx.x * Cfg::kWarps;
  const int row = block_row0 + warp;
  const bool row_valid = row < p.seqlen;
  const float q_scale = p.softmax_scale * kLog2e;  // scores in log2 units: exp2 replaces exp

  if (row_valid) {
    const __half* q = row_ptr(p.q, p.q_stride, b, h, row);
    for (int d = lane; d < kHeadDim; d += 32) q_rows[warp][d] = __half2float(q[d]) * q_scale;
  }
  __syncwarp();

  float row_max = -INFINITY;
  float row_sum = 0.f;
  float acc[kPerLane] = {};

  const int kv_end = p.causal ? min(p.seqlen, block_row0 + Cfg::kWarps) : p.seqlen;
  const __half* k_base = row_ptr(p.k, p.k_stride, b, h, 0);
  const __half* v_base = row_ptr(p.v, p.v_stride, b, h, 0);
  for (int n0 = 0; n0 < kv_end; n0 += kTileN) {
    __syncthreads();  // every warp is done with the previous tile
    for (int idx = threadIdx.x; idx < kTileN * (kHeadDim / 2); idx += Cfg::kThreads) {
      const int r = idx / (kHeadDim / 2);
      const int c = (idx % (kHeadDim / 2)) * 2;
      __half2 kv = __float2half2_rn(0.f), vv = __float2half2_rn(0.f);
      if (n0 + r < p.seqlen) {
        kv = *reinterpret_cast<const __half2*>(k_base + (n0 + r) * p.k_stride[2] + c);
        vv = *reinterpret_cast<const __half2*>(v_base + (n0 + r) * p.v_stride[2] + c);
      }
      *reinterpret_cast<__half2*>(&k_tile[r * Cfg::kLd + c]) = kv;
      *reinterpret_cast<__half2*>(&v_tile[r * Cfg::kLd + c]) = vv;
    }
    __syncthreads();
    if (!row_valid) continue;

    // Each lane scores keys lane and lane + 32 against the warp's query row.
    float score[kTileN / 32];
    float tile_max = -INFINITY;
#pragma unroll
    for (int jj = 0; jj < kTileN / 32; ++jj) {
      const int j = lane + jj * 32;
      float dot = 0.f;
#pragma unroll 8
      for (int d = 0; d < kHeadDim; d += 2) {
        const float2 kf = __half22float2(*reinterpret_cast<const __half2*>(&k_tile[j * Cfg::kLd + d]));
        dot += q_rows[warp][d] * kf.x + q_rows[warp][d + 1] * kf.y;
      }
      score[jj] = key_masked(n0 + j, row, p.seqlen, p.causal) ? -INFINITY : dot;
      tile_max = fmaxf(tile_max, score[jj]);
    }
    const float new_max = fmaxf(row_max, warp_max(tile_max));
    const float alpha = rescale_factor(row_max, new_max);
    float tile_sum = 0.f;
#pragma unroll
    for (int jj = 0; jj < kTileN / 32; ++jj) {
      score[jj] = exp2_shifted(score[jj], new_max);
      tile_sum += score[jj];
    }
    row_sum = row_sum * alpha + warp_sum(tile_sum);
    row_max = new_max;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) acc[i] *= alpha;
#pragma unroll 4
    for (int j = 0; j < kTileN; ++j) {
      const float pj = __shfl_sync(0xffffffffu, score[j / 32], j % 32);
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) acc[i] += pj * __half2float(v_tile[j * Cfg::kLd + lane + 32 * i]);
    }
  }

  if (row_valid) {
    __half* o = p.o + b * p.o_stride[0] + h * p.o_stride[1] + static_cast<int64_t>(row) * p.o_stride[2];
    const float inv_sum = 1.f / row_sum;  // row_sum > 0: key 0 is never masked
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) o[lane + 32 * i] = __float2half(acc[i] * inv_sum);
  }
}

cudaError_t scalar_tiled_forward(const AttentionParams& p, cudaStream_t stream) {
  return with_head_dim(p.head_dim, cudaErrorInvalidValue, [&](auto d) {
    constexpr int D = decltype(d)::value;
    return launch_row_blocks<ScalarTiledConfig<D>>(scalar_tiled_kernel<D>, p, stream);
  });
}

}  // namespace fcbench

extern "C" int fcbench_scalar_tiled_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  using namespace fcbench;
  return with_head_dim(head_dim, 0, [&](auto d) {
    constexpr int D = decltype(d)::value;
    return row_blocks_launch_info<ScalarTiledConfig<D>>(scalar_tiled_kernel<D>, out, capacity);
  });
}
