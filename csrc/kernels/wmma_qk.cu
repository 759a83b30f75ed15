// wmma_qk: FlashCore v6. WMMA 16x16x16 computes Q.K^T into fp32 scores in shared memory;
// online softmax and P.V stay scalar fp32 code. Each warp owns 16 query rows and keeps
// their running outputs in registers (447 us at (1,8,512,64) on the L4, 79 registers).
#include "common.cuh"
#include "launch.cuh"

namespace fcbench {

// 4 warps x 16 rows = 64 query rows against 64-key tiles. Half rows are padded by 8
// elements (16 bytes) and float rows by 4, which keeps WMMA's 32-byte fragment alignment
// at every 16-row boundary while spreading rows over banks. Launch bounds (threads, 2):
// without the 2, ptxas capped the D=64 build at 128 registers and spilled 4 bytes.
template <int kHeadDim>
struct WmmaQkConfig {
  static constexpr int kWarps = 4;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kBlockM = kWarps * 16;
  static constexpr int kTileN = 64;
  static constexpr int kLd = kHeadDim + 8;  // halves
  static constexpr int kScoreLd = kTileN + 4;  // floats
  static constexpr size_t kSmemBytes =
      sizeof(__half) * (kBlockM + 2 * kTileN) * kLd + sizeof(float) * kBlockM * kScoreLd;
};

template <int kHeadDim>
__global__ void __launch_bounds__(WmmaQkConfig<kHeadDim>::kThreads, 2) wmma_qk_kernel(const AttentionParams p) {
  using namespace nvcuda;
  using Cfg = WmmaQkConfig<kHeadDim>;
  constexpr int kTileN = Cfg::kTileN;
  constexpr int kLd = Cfg::kLd;
  constexpr int kPerLane = kHeadDim / 32;
  extern __shared__ __align__(128) unsigned char smem[];
  __half* q_tile = reinterpret_cast<__half*>(smem);
  __half* k_tile = q_tile + Cfg::kBlockM * kLd;
  __half* v_tile = k_tile + kTileN * kLd;
  float* scores = reinterpret_cast<float*>(v_tile + kTileN * kLd);

  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  const int block_row0 = blockIdx.x * Cfg::kBlockM;
  const int warp_row0 = block_row0 + warp * 16;
  const float score_scale = p.softmax_scale * kLog2e;
  float* warp_scores = scores + warp * 16 * Cfg::kScoreLd;

  load_rows_zero_fill<Cfg::kBlockM, kHeadDim, Cfg::kThreads>(q_tile, kLd, row_ptr(p.q, p.q_stride, b, h, 0),
                                                             p.q_stride[2], block_row0, p.seqlen);

  float row_max[16], row_sum[16], acc[16][kPerLane];
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    row_max[r] = -INFINITY;
    row_sum[r] = 0.f;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) acc[r][i] = 0.f;
  }

  const int kv_end = p.causal ? min(p.seqlen, block_row0 + Cfg::kBlockM) : p.seqlen;
  const __half* k_base = row_ptr(p.k, p.k_stride, b, h, 0);
  const __half* v_base = row_ptr(p.v, p.v_stride, b, h, 0);
  for (int n0 = 0; n0 < kv_end; n0 += kTileN) {
    __syncthreads();  // previous tile fully consumed
    load_rows_zero_fill<kTileN, kHeadDim, Cfg::kThreads>(k_tile, kLd, k_base, p.k_stride[2], n0, p.seqlen);
    load_rows_zero_fill<kTileN, kHeadDim, Cfg::kThreads>(v_tile, kLd, v_base, p.v_stride[2], n0, p.seqlen);
    __syncthreads();

    // S = Q K^T for this warp's 16 rows. K sits row-major as [key][d]; read as a
    // col_major matrix_b it is K^T, element (d, key) at k_tile[key * kLd + d].
#pragma unroll
    for (int nb = 0; nb < kTileN / 16; ++nb) {
      AccumFragment s;
      wmma::fill_fragment(s, 0.f);
#pragma unroll
      for (int kk = 0; kk < kHeadDim / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> bt;
        wmma::load_matrix_sync(a, q_tile + warp * 16 * kLd + kk * 16, kLd);
        wmma::load_matrix_sync(bt, k_tile + nb * 16 * kLd + kk * 16, kLd);
        wmma::mma_sync(s, a, bt, s);
      }
      wmma::store_matrix_sync(warp_scores + nb * 16, s, Cfg::kScoreLd, wmma::mem_row_major);
    }
    __syncwarp();

    // Online softmax, one row at a time across the warp: lane owns keys lane, lane + 32.
#pragma unroll
    for (int r = 0; r < 16; ++r) {
      const int row = warp_row0 + r;
      float s[kTileN / 32];
      float tile_max = -INFINITY;
#pragma unroll
      for (int jj = 0; jj < kTileN / 32; ++jj) {
        const int j = lane + 32 * jj;
        s[jj] = key_masked(n0 + j, row, p.seqlen, p.causal) ? -INFINITY : warp_scores[r * Cfg::kScoreLd + j] * score_scale;
        tile_max = fmaxf(tile_max, s[jj]);
      }
      const float new_max = fmaxf(row_max[r], warp_max(tile_max));
      const float alpha = rescale_factor(row_max[r], new_max);
      float tile_sum = 0.f;
#pragma unroll
      for (int jj = 0; jj < kTileN / 32; ++jj) {
        const float pj = exp2_shifted(s[jj], new_max);
        warp_scores[r * Cfg::kScoreLd + lane + 32 * jj] = pj;
        tile_sum += pj;
      }
      row_sum[r] = row_sum[r] * alpha + warp_sum(tile_sum);
      row_max[r] = new_max;
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) acc[r][i] *= alpha;
    }
    __syncwarp();

    // O += P V in scalar fp32: lane owns output columns lane + 32 i of all 16 rows.
#pragma unroll 2
    for (int j = 0; j < kTileN; ++j) {
      float v[kPerLane];
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) v[i] = __half2float(v_tile[j * kLd + lane + 32 * i]);
#pragma unroll
      for (int r = 0; r < 16; ++r) {
        const float pj = warp_scores[r * Cfg::kScoreLd + j];
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) acc[r][i] += pj * v[i];
      }
    }
  }

#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int row = warp_row0 + r;
    if (row >= p.seqlen) continue;
    __half* o = p.o + b * p.o_stride[0] + h * p.o_stride[1] + static_cast<int64_t>(row) * p.o_stride[2];
    const float inv_sum = 1.f / row_sum[r];
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) o[lane + 32 * i] = __float2half(acc[r][i] * inv_sum);
  }
}

cudaError_t wmma_qk_forward(const AttentionParams& p, cudaStream_t stream) {
  return with_head_dim(p.head_dim, cudaErrorInvalidValue, [&](auto d) {
    constexpr int D = decltype(d)::value;
    return launch_row_blocks<WmmaQkConfig<D>>(wmma_qk_kernel<D>, p, stream);
  });
}

}  // namespace fcbench

extern "C" int fcbench_wmma_qk_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  using namespace fcbench;
  return with_head_dim(head_dim, 0, [&](auto d) {
    constexpr int D = decltype(d)::value;
    return row_blocks_launch_info<WmmaQkConfig<D>>(wmma_qk_kernel<D>, out, capacity);
  });
}
