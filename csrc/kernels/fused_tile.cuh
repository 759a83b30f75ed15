// The per-warp stages of a fused flash-attention tile step, shared by wmma_fused and
// wmma_fused_cpasync (which differ only in how K/V tiles reach shared memory).
// A warp owns 16 query rows: their Q fragments and fp32 output accumulators live in
// registers for the whole K/V loop; scores and probabilities go through the warp's own
// slice of shared memory, so no warp ever writes another warp's rows (no atomics).
#pragma once

#include "common.cuh"

namespace fcbench {

template <int kHeadDim, int kTileN>
struct FusedWarpState {
  using QFragment = nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 16, __half, nvcuda::wmma::row_major>;
  static constexpr int kScoreLd = kTileN + 4;  // floats; keeps 32-byte fragment alignment
  static constexpr int kProbLd = kTileN + 8;   // halves
  // Per-warp shared memory: fp32 scores, fp16 probabilities, one float per row.
  static constexpr size_t kSmemBytesPerWarp =
      sizeof(float) * 16 * kScoreLd + sizeof(__half) * 16 * kProbLd + sizeof(float) * 16;

  QFragment q[kHeadDim / 16];
  AccumFragment acc[kHeadDim / 16];
  int acc_row[AccumFragment::num_elements];  // row of each accumulator element
  float row_max = -INFINITY;                  // for row lane / 2, held by lanes 2r and 2r+1
  float row_sum = 0.f;
  float* scores;
  __half* probs;
  float* row_factor;

  // `q_rows` points at this warp's 16 rows of the staged Q tile.
  __device__ void load_q(const __half* q_rows, int q_ld) {
#pragma unroll
    for (int kk = 0; kk < kHeadDim / 16; ++kk) nvcuda::wmma::load_matrix_sync(q[kk], q_rows + kk * 16, q_ld);
  }

  // `warp_smem`: kSmemBytesPerWarp bytes of this warp's own, 32-byte aligned. It may
  // alias the staged Q tile once every warp has called load_q (after a barrier).
  __device__ void init(unsigned char* warp_smem) {
    scores = reinterpret_cast<float*>(warp_smem);
    probs = reinterpret_cast<__half*>(scores + 16 * kScoreLd);
    row_factor = reinterpret_cast<float*>(probs + 16 * kProbLd);
#pragma unroll
    for (int t = 0; t < kHeadDim / 16; ++t) nvcuda::wmma::fill_fragment(acc[t], 0.f);
    accumulator_rows(scores, acc_row);
  }

  // scores = Q K^T for keys [n0, n0 + kTileN). K is row-major [key][d]; read as a
  // col_major matrix_b it is K^T (FlashCore once read it row_major and got Q.K).
  __device__ void compute_scores(const __half* k_tile, int k_ld) {
    using namespace nvcuda;
#pragma unroll
    for (int nb = 0; nb < kTileN / 16; ++nb) {
      AccumFragment s;
      wmma::fill_fragment(s, 0.f);
#pragma unroll
      for (int kk = 0; kk < kHeadDim / 16; ++kk) {
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> kt;
        wmma::load_matrix_sync(kt, k_tile + nb * 16 * k_ld + kk * 16, k_ld);
        wmma::mma_sync(s, q[kk], kt, s);
      }
      wmma::store_matrix_sync(scores + nb * 16, s, kScoreLd, wmma::mem_row_major);
    }
    __syncwarp();
  }

  // Online softmax over the tile: lanes 2r and 2r+1 share row r, lane 2r+h taking the
  // column pairs 4j+2h. With 8-byte accesses a warp is served per half-warp: 8 rows x 4
  // consecutive banks (row stride 68 floats = 4 banks) cover all 32 banks, conflict-free.
  // (Splitting the row into halves instead was a 4-way conflict.) Writes fp16
  // probabilities and rescales the running outputs by exp2(old_max - new_max).
  __device__ void online_softmax(int row, int n0, int seqlen, bool causal, float score_scale) {
    const int lane = threadIdx.x % 32;
    const int r = lane / 2;
    const int h = lane % 2;
    float2 s[kTileN / 4];
    float tile_max = -INFINITY;
#pragma unroll
    for (int j = 0; j < kTileN / 4; ++j) {
      const int c = 4 * j + 2 * h;
      s[j] = *reinterpret_cast<const float2*>(&scores[r * kScoreLd + c]);
      s[j].x = key_masked(n0 + c, row, seqlen, causal) ? -INFINITY : s[j].x * score_scale;
      s[j].y = key_masked(n0 + c + 1, row, seqlen, causal) ? -INFINITY : s[j].y * score_scale;
      tile_max = fmaxf(tile_max, fmaxf(s[j].x, s[j].y));
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
    const float new_max = fmaxf(row_max, tile_max);
    const float alpha = rescale_factor(row_max, new_max);
    float tile_sum = 0.f;
#pragma unroll
    for (int j = 0; j < kTileN / 4; ++j) {
      // The sum uses the fp16-rounded probabilities that P.V will actually multiply.
      const __half2 prob = __floats2half2_rn(exp2_shifted(s[j].x, new_max), exp2_shifted(s[j].y, new_max));
      *reinterpret_cast<__half2*>(&probs[r * kProbLd + 4 * j + 2 * h]) = prob;
      const float2 rounded = __half22float2(prob);
      tile_sum += rounded.x + rounded.y;
    }
    tile_sum += __shfl_xor_sync(0xffffffffu, tile_sum, 1);
    row_sum = row_sum * alpha + tile_sum;
    row_max = new_max;
    // Once the running maxima settle, most tiles move no row's max: skip the rescale then.
    const bool rescale = __any_sync(0xffffffffu, alpha != 1.f);
    if (h == 0) row_factor[r] = alpha;
    __syncwarp();
    if (rescale) scale_rows();
  }

  // acc += P V for this tile; accumulates across tiles, never overwrites.
  __device__ void accumulate_pv(const __half* v_tile, int v_ld) {
    using namespace nvcuda;
#pragma unroll
    for (int kk = 0; kk < kTileN / 16; ++kk) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> pf;
      wmma::load_matrix_sync(pf, probs + kk * 16, kProbLd);
#pragma unroll
      for (int t = 0; t < kHeadDim / 16; ++t) {
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> vf;
        wmma::load_matrix_sync(vf, v_tile + kk * 16 * v_ld + t * 16, v_ld);
        wmma::mma_sync(acc[t], pf, vf, acc[t]);
      }
    }
    __syncwarp();  // probs are rewritten by the next tile's softmax
  }

  // Final 1/l normalisation and fp16 store of rows [row0, row0 + 16) below seqlen.
  __device__ void store(__half* out, int64_t out_ld, int row0, int seqlen) {
    const int lane = threadIdx.x % 32;
    // row_sum is 0 only for padding rows past seqlen, which are never stored.
    if (lane % 2 == 0) row_factor[lane / 2] = row_sum > 0.f ? 1.f / row_sum : 0.f;
    __syncwarp();
    scale_rows();
    store_output_rows<kHeadDim>(acc, scores, out, out_ld, row0, seqlen);
  }

 private:
  __device__ void scale_rows() {
#pragma unroll
    for (int t = 0; t < kHeadDim / 16; ++t)
#pragma unroll
      for (int i = 0; i < AccumFragment::num_elements; ++i) acc[t].x[i] *= row_factor[acc_row[i]];
    __syncwarp();  // row_factor is rewritten by the next tile
  }
};

}  // namespace fcbench
