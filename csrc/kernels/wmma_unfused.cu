// wmma_unfused: FlashCore's "unified architecture". Three kernels with the scores
// materialised in global scratch: WMMA Q.K^T writes fp32 scores, a softmax pass writes
// normalised fp16 P, and WMMA P.V accumulates across K/V tiles in fragments (never
// overwriting them per tile). ~211 us at (1,8,512,64) on the L4.
//
// Scratch is B * H * Sp^2 * 6 bytes (fp32 scores + fp16 P), Sp = seqlen rounded up to 64:
// 1.6 GB at (4,16,2048). The binding allocates it through torch and rejects shapes over
// the registry's limit.
#include "common.cuh"
#include "launch.cuh"

namespace fcbench {

// 64x64 score tiles, or 64 rows of P.V, per block of 4 warps (16 rows each). Rounding
// the scratch up to whole tiles lets every fragment load/store go straight to global
// memory without bounds checks.
struct WmmaUnfusedConfig {
  static constexpr int kWarps = 4;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kTile = 64;
  static constexpr int kSoftmaxWarps = 8;  // one row per warp
};

__host__ __device__ inline int padded_seqlen(int seqlen) {
  return ceil_div(seqlen, WmmaUnfusedConfig::kTile) * WmmaUnfusedConfig::kTile;
}

template <int kHeadDim>
__global__ void __launch_bounds__(WmmaUnfusedConfig::kThreads)
    wmma_unfused_scores_kernel(const AttentionParams p, float* scores) {
  using namespace nvcuda;
  using Cfg = WmmaUnfusedConfig;
  constexpr int kLd = kHeadDim + 8;
  __shared__ __align__(128) __half q_tile[Cfg::kTile * kLd];
  __shared__ __align__(128) __half k_tile[Cfg::kTile * kLd];
  const int sp = padded_seqlen(p.seqlen);
  const int col_blocks = sp / Cfg::kTile;
  const int row0 = (blockIdx.x / col_blocks) * Cfg::kTile;
  const int col0 = (blockIdx.x % col_blocks) * Cfg::kTile;
  if (p.causal && col0 > row0 + Cfg::kTile - 1) return;  // the softmax pass never reads it
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  const int warp = threadIdx.x / 32;

  load_rows_zero_fill<Cfg::kTile, kHeadDim, Cfg::kThreads>(q_tile, kLd, row_ptr(p.q, p.q_stride, b, h, 0),
                                                          p.q_stride[2], row0, p.seqlen);
  load_rows_zero_fill<Cfg::kTile, kHeadDim, Cfg::kThreads>(k_tile, kLd, row_ptr(p.k, p.k_stride, b, h, 0),
                                                          p.k_stride[2], col0, p.seqlen);
  __syncthreads();
  float* out = scores + (static_cast<int64_t>(b) * p.heads + h) * sp * sp + static_cast<int64_t>(row0 + warp * 16) * sp + col0;
#pragma unroll
  for (int nb = 0; nb < Cfg::kTile / 16; ++nb) {
    AccumFragment s;
    wmma::fill_fragment(s, 0.f);
#pragma unroll
    for (int kk = 0; kk < kHeadDim / 16; ++kk) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> kt;  // K^T, see wmma_qk
      wmma::load_matrix_sync(a, q_tile + warp * 16 * kLd + kk * 16, kLd);
      wmma::load_matrix_sync(kt, k_tile + nb * 16 * kLd + kk * 16, kLd);
      wmma::mma_sync(s, a, kt, s);
    }
    wmma::store_matrix_sync(out + nb * 16, s, sp, wmma::mem_row_major);
  }
}

// One warp per row of the padded score matrix: P = softmax(scale * S) over the keys the
// row may see, 0 elsewhere (padding rows and columns included, so P.V reads no garbage).
__global__ void __launch_bounds__(WmmaUnfusedConfig::kSoftmaxWarps * 32)
    wmma_unfused_softmax_kernel(const AttentionParams p, const float* scores, __half* probs) {
  const int sp = padded_seqlen(p.seqlen);
  const int row = blockIdx.x * WmmaUnfusedConfig::kSoftmaxWarps + threadIdx.x / 32;
  if (row >= sp) return;
  const int lane = threadIdx.x % 32;
  const int64_t offset = (static_cast<int64_t>(blockIdx.z) * p.heads + blockIdx.y) * sp * sp + static_cast<int64_t>(row) * sp;
  const float* s = scores + offset;
  __half* out = probs + offset;
  const int visible = row >= p.seqlen ? 0 : (p.causal ? min(p.seqlen, row + 1) : p.seqlen);
  const float score_scale = p.softmax_scale * kLog2e;

  // Online max and sum in one read of the row (a second read writes P): each lane keeps
  // its own running pair, then the 32 pairs are merged.
  float row_max = -INFINITY;
  float row_sum = 0.f;
  for (int c = lane; c < visible; c += 32) {
    const float x = s[c] * score_scale;
    const float new_max = fmaxf(row_max, x);
    row_sum = row_sum * rescale_factor(row_max, new_max) + exp2f(x - new_max);
    row_max = new_max;
  }
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other_max = __shfl_xor_sync(0xffffffffu, row_max, offset);
    const float other_sum = __shfl_xor_sync(0xffffffffu, row_sum, offset);
    const float new_max = fmaxf(row_max, other_max);
    row_sum = row_sum * rescale_factor(row_max, new_max) + other_sum * rescale_factor(other_max, new_max);
    row_max = new_max;
  }
  const float inv_sum = visible > 0 ? 1.f / row_sum : 0.f;
  for (int c = lane; c < sp; c += 32)
    out[c] = __float2half(c < visible ? exp2f(s[c] * score_scale - row_max) * inv_sum : 0.f);
}

template <int kHeadDim>
__global__ void __launch_bounds__(WmmaUnfusedConfig::kThreads)
    wmma_unfused_pv_kernel(const AttentionParams p, const __half* probs) {
  using namespace nvcuda;
  using Cfg = WmmaUnfusedConfig;
  constexpr int kLd = kHeadDim + 8;
  __shared__ __align__(128) __half v_tile[Cfg::kTile * kLd];
  __shared__ __align__(128) float scratch[Cfg::kWarps][16 * 16];
  const int sp = padded_seqlen(p.seqlen);
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  const int warp = threadIdx.x / 32;
  const int row0 = blockIdx.x * Cfg::kTile;
  const int warp_row0 = row0 + warp * 16;
  const __half* p_rows = probs + (static_cast<int64_t>(b) * p.heads + h) * sp * sp + static_cast<int64_t>(warp_row0) * sp;
  const __half* v_base = row_ptr(p.v, p.v_stride, b, h, 0);

  AccumFragment acc[kHeadDim / 16];
#pragma unroll
  for (int t = 0; t < kHeadDim / 16; ++t) wmma::fill_fragment(acc[t], 0.f);
  const int kv_end = p.causal ? min(sp, row0 + Cfg::kTile) : sp;  // P is 0 past the diagonal
  for (int n0 = 0; n0 < kv_end; n0 += Cfg::kTile) {
    __syncthreads();
    load_rows_zero_fill<Cfg::kTile, kHeadDim, Cfg::kThreads>(v_tile, kLd, v_base, p.v_stride[2], n0, p.seqlen);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < Cfg::kTile / 16; ++kk) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> pf;
      wmma::load_matrix_sync(pf, p_rows + n0 + kk * 16, sp);
#pragma unroll
      for (int t = 0; t < kHeadDim / 16; ++t) {
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> vf;
        wmma::load_matrix_sync(vf, v_tile + kk * 16 * kLd + t * 16, kLd);
        wmma::mma_sync(acc[t], pf, vf, acc[t]);
      }
    }
  }
  store_output_rows<kHeadDim>(acc, scratch[warp], p.o + b * p.o_stride[0] + h * p.o_stride[1], p.o_stride[2],
                              warp_row0, p.seqlen);
}

size_t wmma_unfused_workspace_bytes(const AttentionParams& p) {
  const size_t sp = padded_seqlen(p.seqlen);
  return static_cast<size_t>(p.batch) * p.heads * sp * sp * (sizeof(float) + sizeof(__half));
}

namespace {

template <int kHeadDim>
cudaError_t launch(const AttentionParams& p, cudaStream_t stream) {
  using Cfg = WmmaUnfusedConfig;
  if (p.workspace == nullptr || p.workspace_bytes < wmma_unfused_workspace_bytes(p)) return cudaErrorInvalidValue;
  const int sp = padded_seqlen(p.seqlen);
  const int blocks = sp / Cfg::kTile;
  float* scores = static_cast<float*>(p.workspace);
  __half* probs = reinterpret_cast<__half*>(scores + static_cast<size_t>(p.batch) * p.heads * sp * sp);
  wmma_unfused_scores_kernel<kHeadDim><<<dim3(blocks * blocks, p.heads, p.batch), Cfg::kThreads, 0, stream>>>(p, scores);
  if (cudaError_t err = cudaGetLastError(); err != cudaSuccess) return err;
  wmma_unfused_softmax_kernel<<<dim3(sp / Cfg::kSoftmaxWarps, p.heads, p.batch), Cfg::kSoftmaxWarps * 32, 0, stream>>>(
      p, scores, probs);
  if (cudaError_t err = cudaGetLastError(); err != cudaSuccess) return err;
  wmma_unfused_pv_kernel<kHeadDim><<<dim3(blocks, p.heads, p.batch), Cfg::kThreads, 0, stream>>>(p, probs);
  return cudaGetLastError();
}

template <int kHeadDim>
int info(KernelLaunchInfo* out, int capacity) {
  using Cfg = WmmaUnfusedConfig;
  if (capacity < 3) return 0;
  out[0] = {reinterpret_cast<const void*>(&wmma_unfused_scores_kernel<kHeadDim>), Cfg::kThreads, 0};
  out[1] = {reinterpret_cast<const void*>(&wmma_unfused_softmax_kernel), Cfg::kSoftmaxWarps * 32, 0};
  out[2] = {reinterpret_cast<const void*>(&wmma_unfused_pv_kernel<kHeadDim>), Cfg::kThreads, 0};
  return 3;
}

}  // namespace

cudaError_t wmma_unfused_forward(const AttentionParams& p, cudaStream_t stream) {
  return with_head_dim(p.head_dim, cudaErrorInvalidValue, [&](auto d) { return launch<decltype(d)::value>(p, stream); });
}

}  // namespace fcbench

extern "C" int fcbench_wmma_unfused_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  return fcbench::with_head_dim(head_dim, 0, [&](auto d) { return fcbench::info<decltype(d)::value>(out, capacity); });
}
