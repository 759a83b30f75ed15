// Device helpers shared by the FlashCore kernel units.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <cmath>

#include "attention_params.h"

namespace fcbench {

constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ float warp_max(float x) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, offset));
  return x;
}

__device__ __forceinline__ float warp_sum(float x) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) x += __shfl_xor_sync(0xffffffffu, x, offset);
  return x;
}

// exp2(x - max) that is 0 for a masked score and never computes -inf - -inf (NaN).
__device__ __forceinline__ float exp2_shifted(float x, float row_max) {
  return row_max == -INFINITY ? 0.f : exp2f(x - row_max);
}

// Factor that rescales the running output and sum when the running max moves.
__device__ __forceinline__ float rescale_factor(float old_max, float new_max) {
  return new_max == -INFINITY ? 1.f : exp2f(old_max - new_max);
}

__device__ __forceinline__ bool key_masked(int key, int query, int seqlen, bool causal) {
  return key >= seqlen || (causal && key > query);
}

__device__ __forceinline__ const __half* row_ptr(const __half* base, const int64_t* stride, int b, int h,
                                                 int row) {
  return base + b * stride[0] + h * stride[1] + static_cast<int64_t>(row) * stride[2];
}

// Copies rows [row0, row0 + kRows) of a [seqlen, kHeadDim] matrix into shared memory with
// 16-byte loads; rows at or past seqlen are zero-filled so partial tiles never read
// garbage (0 * NaN would poison the P.V sum).
template <int kRows, int kHeadDim, int kThreads>
__device__ __forceinline__ void load_rows_zero_fill(__half* dst, int dst_ld, const __half* src, int64_t src_ld,
                                                    int row0, int seqlen) {
  constexpr int kVecsPerRow = kHeadDim / 8;
  for (int idx = threadIdx.x; idx < kRows * kVecsPerRow; idx += kThreads) {
    const int r = idx / kVecsPerRow;
    const int c = (idx % kVecsPerRow) * 8;
    uint4 value = make_uint4(0, 0, 0, 0);
    if (row0 + r < seqlen) value = *reinterpret_cast<const uint4*>(src + (row0 + r) * src_ld + c);
    *reinterpret_cast<uint4*>(dst + r * dst_ld + c) = value;
  }
}

// cp.async variant of load_rows_zero_fill: 16-byte asynchronous copies that bypass L1;
// a src-size of 0 zero-fills the destination without reading global memory.
template <int kRows, int kHeadDim, int kThreads>
__device__ __forceinline__ void cp_async_rows_zero_fill(__half* dst, int dst_ld, const __half* src,
                                                        int64_t src_ld, int row0, int seqlen) {
  constexpr int kVecsPerRow = kHeadDim / 8;
  for (int idx = threadIdx.x; idx < kRows * kVecsPerRow; idx += kThreads) {
    const int r = idx / kVecsPerRow;
    const int c = (idx % kVecsPerRow) * 8;
    const bool valid = row0 + r < seqlen;
    const __half* g = valid ? src + (row0 + r) * src_ld + c : src;
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(dst + r * dst_ld + c));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(g), "r"(valid ? 16 : 0));
  }
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int kPending>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending));
}

using AccumFragment = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 16, float>;

// WMMA does not document which (row, col) of the 16x16 tile each accumulator element
// holds. Loading a tile whose every element equals its row index reveals the row of each
// element, so running outputs can be rescaled per row without leaving registers.
// `scratch` is 16x16 floats of this warp's shared memory; all lanes of the warp call this.
__device__ __forceinline__ void accumulator_rows(float* scratch, int (&rows)[AccumFragment::num_elements]) {
  const int lane = threadIdx.x % 32;
  for (int i = lane; i < 256; i += 32) scratch[i] = static_cast<float>(i / 16);
  __syncwarp();
  AccumFragment frag;
  nvcuda::wmma::load_matrix_sync(frag, scratch, 16, nvcuda::wmma::mem_row_major);
#pragma unroll
  for (int i = 0; i < frag.num_elements; ++i) rows[i] = static_cast<int>(frag.x[i]);
  __syncwarp();
}

// Writes a warp's 16 x kHeadDim fp32 accumulator tiles as fp16 rows [row0, row0 + 16),
// skipping rows at or past seqlen. Goes through 16x16 floats of `scratch` per tile.
template <int kHeadDim>
__device__ __forceinline__ void store_output_rows(const AccumFragment (&acc)[kHeadDim / 16], float* scratch,
                                                  __half* out, int64_t out_ld, int row0, int seqlen) {
  const int lane = threadIdx.x % 32;
  const int r = lane / 2;
  const int c = (lane % 2) * 8;
#pragma unroll
  for (int t = 0; t < kHeadDim / 16; ++t) {
    nvcuda::wmma::store_matrix_sync(scratch, acc[t], 16, nvcuda::wmma::mem_row_major);
    __syncwarp();
    if (row0 + r < seqlen) {
      __align__(16) __half packed[8];
#pragma unroll
      for (int j = 0; j < 8; ++j) packed[j] = __float2half(scratch[r * 16 + c + j]);
      *reinterpret_cast<uint4*>(out + (row0 + r) * out_ld + t * 16 + c) = *reinterpret_cast<uint4*>(packed);
    }
    __syncwarp();
  }
}

__host__ __device__ inline int ceil_div(int a, int b) { return (a + b - 1) / b; }

}  // namespace fcbench
