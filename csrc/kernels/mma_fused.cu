// mma_fused: FlashCore v9, a FlashAttention-2-class forward kernel. Q.K^T and P.V are
// inline-PTX mma.sync m16n8k16 (fp16 in, fp32 accumulate), whose fragment layout PTX
// documents (WMMA's is opaque), so the fp32 scores of 16 keys are repacked in registers as
// the fp16 A operand of P.V: S and P never touch shared memory (wmma_fused_cpasync's ncu
// profile: bound by exactly that round trip). Q fragments stay in registers for the whole
// K/V loop; K and V tiles arrive by cp.async into XOR-swizzled shared memory that ldmatrix
// reads without bank conflicts and without padding.
//
// The helpers live in this unit rather than in a new header: fcbench's build keys and the
// sanitizer's changed-kernel detection hash every header in csrc/kernels/, so a new header
// would rebuild, and re-sanitize, every other kernel.
#include <cstdint>

#include "launch.cuh"

namespace fcbench {

// Three tile configurations per head dim; the launcher (mma_fused_forward) picks one per call.
//
// Full (non-causal, grids that fill the GPU): kWarps warps x kRowTiles m16 row tiles, one K
// and one V tile of kBlockN keys. Shared memory is one Q tile plus one K and one V tile:
//   D=64:  4 warps x 32 rows, 128-key tiles on sm_90 (below): Q 16 KB + K 16 KB + V 16 KB = 48 KB;
//          64-key tiles on sm_89: Q 16 KB + K 8 KB + V 8 KB = 32 KB
//   D=128: 4 warps x 32 rows, 64-key tiles: Q 32 KB + K 16 KB + V 16 KB = 64 KB (one block
//          per L4 SM: 100 KB of shared memory per SM, 99 KB per block)
// FlashAttention-2's 128-row blocks: each K/V fragment that ldmatrix reads feeds two row
// tiles' MMAs. Measured on the H200 (scripts/tune_tiles.py, 2026-12-01, docs/RESULTS.md),
// us at (4,16,2048,64) / (4,16,2048,128) / (4,16,2048,64,causal) / (1,8,512,64), each
// configuration used for every shape:
//   4 warps x 32 rows, 64-key tiles (v9.1)            268 / 415 / 182 / 16.9
//   16 rows per warp, 128-key tiles at D=64 (v9.0)    304 / 516 / 182 / 14.9
//   D=64 as v9.0 but 3 blocks per SM (168 regs)       278 /   - / 165 / 15.0
//   8 warps x 16 rows, 64-key tiles                   405 / 582 / 241 / 15.6
//   32-key tiles at D=128                               - / 473 /   - /    -
// With 16 rows per warp the kernels were latency-bound at 8 resident warps per SM (ncu: 42%
// SM throughput, 12% achieved occupancy); 32 rows per warp with 128-key tiles at D=64
// spilled until v9.3 freed registers (now on sm_90 only, below). No single tile won every
// shape, hence:
//
// Causal: 64-row blocks (4 warps x 16 rows), 128-key tiles, 3 blocks per SM at D=64 (the
// third line above: 165 us against Full's 182; as committed in v9.2, 167 us, H200
// 2026-12-03, docs/RESULTS.md): a causal row block's work grows with its
// index, and smaller blocks leave a shorter tail. Blocks run longest first (the launch
// order is reversed), so the last wave holds the shortest blocks. D=128 keeps Full's tiles
// (no causal D=128 alternative was measured), and D=64 on sm_90 where Full's blocks fill the
// GPU (v9.5, MmaFusedTiles::CausalWide: with 128-key full blocks there, the smaller blocks no
// longer win).
//
// Split (grids that would not fill the GPU with the above, e.g. (1,8,512,64): 32 Full
// blocks for 132 SMs): 16-row blocks whose kSplits warps share the rows and split every K/V
// tile's keys (kWarpN each), then combine their partial softmax states (max, sum, output)
// through shared memory. Every block's time is its K/V loop, so splitting the keys over
// warps shortens it kSplits-fold where a one-warp block of 16 rows (v9.0/v9.1's fallback)
// walked all of them: 256 blocks of 4 warps at (1,8,512,64), 8.8 us there against v9.1's
// 16.9 and sdpa_flash's 14.1 (H200, 2026-12-03; ncu: 7.7 us of kernel time, the DRAM latency
// of four K/V tiles' loads after the timer's L2 flush).
//
// FCBENCH_MMA_*MIN_BLOCKS* is __launch_bounds__' resident blocks: at 2 blocks of 4 warps
// ptxas may take up to 255 registers (full kernels: 255 on sm_90, D=64 215 on sm_89; no
// spills), at 3 up to 168 (causal and split kernels: 154-168).
#ifndef FCBENCH_MMA_WARPS_D64
#define FCBENCH_MMA_WARPS_D64 4
#endif
#ifndef FCBENCH_MMA_ROW_TILES_D64
#define FCBENCH_MMA_ROW_TILES_D64 2
#endif
// 128-key tiles at D=64 where they fit in registers: on sm_90 (255 registers, no spills) they
// took (4,16,2048,64) from 271 to 233 us (H200, scripts/tune_tiles.py, 2026-12-03: half the
// barriers, row-max reductions and rescales per key); on sm_89 ptxas spills 12 bytes with them,
// so the L4 keeps 64-key tiles. __CUDA_ARCH_LIST__ names the one arch fcbench builds for (one
// gencode per build), on the host pass too, so the launcher and the kernel agree.
#ifndef FCBENCH_MMA_BLOCK_N_D64
#if defined(__CUDA_ARCH_LIST__) && __CUDA_ARCH_LIST__ >= 900
#define FCBENCH_MMA_BLOCK_N_D64 128
#else
#define FCBENCH_MMA_BLOCK_N_D64 64
#endif
#endif
#ifndef FCBENCH_MMA_MIN_BLOCKS_D64
#define FCBENCH_MMA_MIN_BLOCKS_D64 2
#endif
#ifndef FCBENCH_MMA_WARPS_D128
#define FCBENCH_MMA_WARPS_D128 4
#endif
#ifndef FCBENCH_MMA_ROW_TILES_D128
#define FCBENCH_MMA_ROW_TILES_D128 2
#endif
#ifndef FCBENCH_MMA_BLOCK_N_D128
#define FCBENCH_MMA_BLOCK_N_D128 64
#endif
#ifndef FCBENCH_MMA_MIN_BLOCKS_D128
#define FCBENCH_MMA_MIN_BLOCKS_D128 2
#endif
#ifndef FCBENCH_MMA_CAUSAL_ROW_TILES_D64
#define FCBENCH_MMA_CAUSAL_ROW_TILES_D64 1
#endif
#ifndef FCBENCH_MMA_CAUSAL_BLOCK_N_D64
#define FCBENCH_MMA_CAUSAL_BLOCK_N_D64 128
#endif
#ifndef FCBENCH_MMA_CAUSAL_MIN_BLOCKS_D64
#define FCBENCH_MMA_CAUSAL_MIN_BLOCKS_D64 3
#endif
#ifndef FCBENCH_MMA_CAUSAL_ROW_TILES_D128
#define FCBENCH_MMA_CAUSAL_ROW_TILES_D128 FCBENCH_MMA_ROW_TILES_D128
#endif
#ifndef FCBENCH_MMA_CAUSAL_BLOCK_N_D128
#define FCBENCH_MMA_CAUSAL_BLOCK_N_D128 FCBENCH_MMA_BLOCK_N_D128
#endif
#ifndef FCBENCH_MMA_CAUSAL_MIN_BLOCKS_D128
#define FCBENCH_MMA_CAUSAL_MIN_BLOCKS_D128 FCBENCH_MMA_MIN_BLOCKS_D128
#endif
#ifndef FCBENCH_MMA_SPLITS
#define FCBENCH_MMA_SPLITS 4
#endif
#ifndef FCBENCH_MMA_SPLIT_KEYS_D64
#define FCBENCH_MMA_SPLIT_KEYS_D64 64
#endif
#ifndef FCBENCH_MMA_SPLIT_KEYS_D128
#define FCBENCH_MMA_SPLIT_KEYS_D128 32
#endif
#ifndef FCBENCH_MMA_SPLIT_MIN_BLOCKS
#define FCBENCH_MMA_SPLIT_MIN_BLOCKS 3
#endif

// kRowWarps x kSplits warps: each group of kSplits warps owns kRowTiles m16 row tiles (the
// block has kRowWarps * 16 * kRowTiles query rows) and splits every K/V tile of
// kSplits * kWarpN keys, kWarpN keys per warp.
template <int kHeadDim, int kRowWarps, int kRowTiles, int kSplits, int kWarpN, int kMinResidentBlocks>
struct MmaFusedConfig {
  static constexpr int kHeadDimV = kHeadDim;
  static constexpr int kSplitsV = kSplits;
  static constexpr int kWarpNV = kWarpN;
  static constexpr int kWarps = kRowWarps * kSplits;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kWarpRows = 16 * kRowTiles;
  static constexpr int kBlockM = kRowWarps * kWarpRows;
  static constexpr int kBlockN = kSplits * kWarpN;
  static constexpr int kMinBlocks = kMinResidentBlocks;
  static constexpr size_t kQBytes = sizeof(__half) * kBlockM * kHeadDim;
  static constexpr size_t kTileBytes = sizeof(__half) * kBlockN * kHeadDim;
  static constexpr size_t kSmemBytes = kQBytes + 2 * kTileBytes;
  // The split warps' partial outputs (fp32 rows padded by 8 floats against bank conflicts)
  // and their (max, sum) per row, in the K/V tiles' space once the loop is done.
  static constexpr int kPartialLd = kHeadDim + 8;
  static constexpr size_t kPartialBytes = sizeof(float) * kSplits * kBlockM * (kPartialLd + 2);
  // One m16 row tile keeps Q's fragments in registers for the whole K/V loop (D/4 registers).
  // Two row tiles read them again from shared memory at every k step, as FlashAttention-2
  // does: two tiles' O and S accumulators need the registers (D=128: O alone is 128), and
  // keeping Q too spilled (scripts/tune_tiles.py, H200, 2026-12-01: 2840-5180 bytes).
  static constexpr bool kQInRegs = kRowTiles == 1;
  static_assert(kHeadDim % 64 == 0, "the swizzle permutes groups of eight 16-byte chunks of a row");
  static_assert(kWarpN % 16 == 0, "P.V consumes keys 16 at a time");
  static_assert(kSmemBytes <= 99 * 1024, "over the L4's (sm_89) 99 KB of shared memory per block");
  static_assert(kSplits == 1 || kPartialBytes <= 2 * kTileBytes, "the partial states fit in the K/V tiles");
};

// The three configurations a launcher picks from (see the comment at the top).
template <int kHeadDim>
struct MmaFusedTiles {
  static constexpr bool k64 = kHeadDim == 64;
  using Full = MmaFusedConfig<kHeadDim, k64 ? FCBENCH_MMA_WARPS_D64 : FCBENCH_MMA_WARPS_D128,
                              k64 ? FCBENCH_MMA_ROW_TILES_D64 : FCBENCH_MMA_ROW_TILES_D128, 1,
                              k64 ? FCBENCH_MMA_BLOCK_N_D64 : FCBENCH_MMA_BLOCK_N_D128,
                              k64 ? FCBENCH_MMA_MIN_BLOCKS_D64 : FCBENCH_MMA_MIN_BLOCKS_D128>;
  using Causal = MmaFusedConfig<kHeadDim, k64 ? FCBENCH_MMA_WARPS_D64 : FCBENCH_MMA_WARPS_D128,
                                k64 ? FCBENCH_MMA_CAUSAL_ROW_TILES_D64 : FCBENCH_MMA_CAUSAL_ROW_TILES_D128, 1,
                                k64 ? FCBENCH_MMA_CAUSAL_BLOCK_N_D64 : FCBENCH_MMA_CAUSAL_BLOCK_N_D128,
                                k64 ? FCBENCH_MMA_CAUSAL_MIN_BLOCKS_D64 : FCBENCH_MMA_CAUSAL_MIN_BLOCKS_D128>;
  // Causal grids that fill the GPU with full blocks (v9.5): on sm_90 the full blocks (4 warps x
  // 32 rows, 128-key tiles at D=64, 2 per SM). On the H100 they took (2,32,8192,64,causal) from
  // 2074-2078 to 1814-1822 us (0.90x -> 1.05x sdpa_flash's TFLOP/s) and (4,16,2048,64,causal)
  // from 162-165 to 160-161 us (2026-12-06, docs/RESULTS.md): the causal blocks were chosen on
  // the H200 against full blocks of 64-key tiles, which sm_90 no longer uses. Causal grids too
  // small for them keep the causal blocks, as does sm_89 everywhere.
#if defined(__CUDA_ARCH_LIST__) && __CUDA_ARCH_LIST__ >= 900
  using CausalWide = Full;
#else
  using CausalWide = Causal;
#endif
  using Split = MmaFusedConfig<kHeadDim, 1, 1, FCBENCH_MMA_SPLITS,
                               k64 ? FCBENCH_MMA_SPLIT_KEYS_D64 : FCBENCH_MMA_SPLIT_KEYS_D128,
                               FCBENCH_MMA_SPLIT_MIN_BLOCKS>;
};

__device__ __forceinline__ unsigned shared_address(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// Byte offset of 16-byte chunk `chunk` (columns 8*chunk .. 8*chunk+7) of row `row` in a
// [rows][kHeadDim] fp16 tile. Rows are 128 or 256 bytes, so without the swizzle the eight
// rows one ldmatrix 8x8 matrix reads would start in the same bank (an 8-way conflict);
// chunk ^ (row % 8) puts them in eight different 16-byte bank groups. The same holds for
// the eight consecutive chunks of a row that eight threads write with cp.async.
template <int kHeadDim>
__device__ __forceinline__ unsigned swizzled_offset(int row, int chunk) {
  return static_cast<unsigned>(row * kHeadDim * 2 + ((chunk ^ (row % 8)) << 4));
}

// ldmatrix addresses of one lane in a swizzled tile, with the XOR done once: the lane reads
// row `row` (+ multiples of 8) at chunks 2i + chunk_lo; the swizzle only permutes chunks
// within aligned groups of eight, so every address is one of four registers plus an
// immediate (computing chunk ^ (row % 8) in the loops cost ptxas a register per address).
template <int kHeadDim>
struct SwizzledLane {
  unsigned base[4];

  __device__ __forceinline__ SwizzledLane(unsigned tile, int row, int chunk_lo) {
#pragma unroll
    for (int i = 0; i < 4; ++i) base[i] = tile + swizzled_offset<kHeadDim>(row, 2 * i + chunk_lo);
  }

  // Row row + row_step (row_step a multiple of 8), chunk 2 * pair + chunk_lo.
  __device__ __forceinline__ unsigned at(int row_step, int pair) const {
    return base[pair % 4] + row_step * kHeadDim * 2 + (pair / 4) * 128;
  }
};

// Rows [row0, row0 + kRows) of a [seqlen, kHeadDim] matrix into the swizzled tile at shared
// address `dst`, by 16-byte cp.async; rows at or past seqlen are zero-filled (a src-size
// of 0 reads nothing), so masked keys never multiply garbage (0 * NaN) in P.V.
template <int kRows, int kHeadDim, int kThreads>
__device__ __forceinline__ void cp_async_tile(unsigned dst, const __half* src, int64_t src_ld, int row0,
                                              int seqlen) {
  constexpr int kChunks = kHeadDim / 8;
  static_assert(kThreads % kChunks == 0, "each thread copies a fixed chunk column");
  constexpr int kRowsPerPass = kThreads / kChunks;
  const int chunk = threadIdx.x % kChunks;
#pragma unroll
  for (int pass = 0; pass < (kRows + kRowsPerPass - 1) / kRowsPerPass; ++pass) {
    const int r = pass * kRowsPerPass + threadIdx.x / kChunks;
    if (kRows % kRowsPerPass == 0 || r < kRows) {
      const bool valid = row0 + r < seqlen;
      const __half* g = valid ? src + static_cast<int64_t>(row0 + r) * src_ld + chunk * 8 : src;
      asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst + swizzled_offset<kHeadDim>(r, chunk)),
                   "l"(g), "r"(valid ? 16 : 0));
    }
  }
}

// Four 8x8 fp16 matrices; lanes 8i..8i+7 give the row addresses of matrix i, which lands
// in r[i]: lane l holds (row l/4, columns 2(l%4), 2(l%4)+1).
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], unsigned address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

// The same, transposed: lane l holds (rows 2(l%4), 2(l%4)+1, column l/4) of each matrix.
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], unsigned address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

// c += a * b for a 16x16 (row-major) by 16x8 (column-major) fp16 product in fp32. With
// lane = 4g + t: a = {(g, 2t..2t+1), (g+8, 2t..), (g, 2t+8..), (g+8, 2t+8..)};
// b = {(k 2t..2t+1, n g), (k 2t+8..2t+9, n g)}; c = {(g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1)}.
__device__ __forceinline__ void mma_m16n8k16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two fp32 values as one fp16x2 register, `lo` in the low half (the lower column).
__device__ __forceinline__ uint32_t pack_half2(float lo, float hi) {
  const __half2 h = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&h);
}

// 2^x by the SFU alone. exp2f adds a compare and two multiplies per call to get results
// below 2^-126 exact (208 of the 2344 SASS instructions of the D=128 kernel, sm_90); here
// those results are flushed to 0, which they become in fp16 anyway. ex2.approx(-inf) = +0.
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// One K/V tile's online softmax for a warp's rows. s holds the raw scores Q.K^T as c
// fragments per n8 key tile: s[mt][nt] = rows row0 + 16mt (e = 0, 1) and row0 + 16mt + 8
// (e = 2, 3), keys key0 + 8nt + (e % 2), where row0 = warp_row0 + g and key0 = n0 + 2t; the
// other columns of these rows are in the three other lanes of the quad. On return p holds
// the fp16 probabilities as P.V's A fragments (p[mt][kk]: keys n0 + 16kk ..), o and row_sum
// are rescaled to the new row max, and row_sum has this thread's columns added (the quad's
// partial sums share one max, so they are added up once, at the end).
// row_max is the max of the unscaled scores: with scale > 0 (bindings.cpp checks it) that is
// the scaled max too, and each probability is then one FFMA and one ex2, exp2(s * scale_log2 -
// max * scale_log2), as FlashAttention-2 computes it.
template <bool kMask, int kRowTiles, int kNTiles, int kDTiles>
__device__ __forceinline__ void online_softmax(float (&s)[kRowTiles][kNTiles][4], uint32_t (&p)[kRowTiles][kNTiles / 2][4],
                                               float (&o)[kRowTiles][kDTiles][4], float (&row_max)[kRowTiles][2],
                                               float (&row_sum)[kRowTiles][2], float scale_log2, int row0, int key0,
                                               int seqlen, bool causal) {
#pragma unroll
  for (int mt = 0; mt < kRowTiles; ++mt) {
    float tile_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int nt = 0; nt < kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        if (kMask && key_masked(key0 + nt * 8 + e % 2, row0 + mt * 16 + (e / 2) * 8, seqlen, causal))
          s[mt][nt][e] = -INFINITY;
        tile_max[e / 2] = fmaxf(tile_max[e / 2], s[mt][nt][e]);
      }
    }
    float shift[2];  // the new row max, scaled to base 2
    float alpha[2];  // the rescale factor of the row's running output and sum
    bool moved = false;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float m = tile_max[half];
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      const float old_max = row_max[mt][half];
      const float new_max = fmaxf(old_max, m);
      // A row whose keys so far are all masked keeps max -inf; shifting by 0 instead makes its
      // exponentials exp2(-inf) = 0 and never computes -inf - -inf (FlashAttention-2's rule).
      shift[half] = new_max == -INFINITY ? 0.f : new_max * scale_log2;
      alpha[half] = fast_exp2(old_max * scale_log2 - shift[half]);  // 0 while the old max is -inf
      moved = moved || new_max != old_max;
      row_max[mt][half] = new_max;
    }
    // Once the rows' max stops moving (most tiles after the first few) every factor is exactly
    // 1, and the warp skips the D/2 multiplies per row tile and thread; any moved max in the
    // warp rescales the tile's rows as always.
    if (__any_sync(0xffffffffu, moved)) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        row_sum[mt][half] *= alpha[half];
#pragma unroll
        for (int dt = 0; dt < kDTiles; ++dt) {
          o[mt][dt][2 * half] *= alpha[half];
          o[mt][dt][2 * half + 1] *= alpha[half];
        }
      }
    }
#pragma unroll
    for (int nt = 0; nt < kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        s[mt][nt][e] = fast_exp2(fmaf(s[mt][nt][e], scale_log2, -shift[e / 2]));
        row_sum[mt][e / 2] += s[mt][nt][e];
      }
    }
    // The c fragments of key tiles 2kk and 2kk+1 are, element for element, the A fragment
    // of keys 16kk .. 16kk+15: (g, 2t..), (g+8, 2t..), (g, 8+2t..), (g+8, 8+2t..).
#pragma unroll
    for (int kk = 0; kk < kNTiles / 2; ++kk) {
      p[mt][kk][0] = pack_half2(s[mt][2 * kk][0], s[mt][2 * kk][1]);
      p[mt][kk][1] = pack_half2(s[mt][2 * kk][2], s[mt][2 * kk][3]);
      p[mt][kk][2] = pack_half2(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
      p[mt][kk][3] = pack_half2(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
    }
  }
}

template <typename Cfg>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks) mma_fused_kernel(const AttentionParams p) {
  constexpr int kHeadDim = Cfg::kHeadDimV;
  constexpr int kRowTiles = Cfg::kWarpRows / 16;
  constexpr int kSplits = Cfg::kSplitsV;
  constexpr int kBlockN = Cfg::kBlockN;   // keys per K/V tile
  constexpr int kWarpN = Cfg::kWarpNV;    // of which this warp's
  constexpr int kKSteps = kHeadDim / 16;  // k16 steps of Q.K^T
  constexpr int kDTiles = kHeadDim / 8;   // n8 column tiles of O
  constexpr int kNTiles = kWarpN / 8;     // n8 key tiles of this warp's S
  constexpr int kChunks = kHeadDim / 8;   // 16-byte chunks per row
  extern __shared__ __align__(128) unsigned char smem[];
  const unsigned q_smem = shared_address(smem);
  const unsigned k_smem = q_smem + Cfg::kQBytes;
  const unsigned v_smem = k_smem + Cfg::kTileBytes;

  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int b = blockIdx.z;
  const int h = blockIdx.y;
  // Causal blocks run longest first: the block scheduler starts blocks in blockIdx order, and
  // the last row block of a head has the most K/V tiles.
  const int block_row0 = (p.causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x) * Cfg::kBlockM;
  const int warp_local_row0 = warp / kSplits * Cfg::kWarpRows;
  const int warp_key0 = warp % kSplits * kWarpN;  // this warp's keys in every K/V tile
  const int warp_row0 = block_row0 + warp_local_row0;
  const int warp_row_last = warp_row0 + Cfg::kWarpRows - 1;
  const bool warp_has_rows = warp_row0 < p.seqlen;  // the last block's padding warps only keep the barriers
  const int kv_end = p.causal ? min(p.seqlen, block_row0 + Cfg::kBlockM) : p.seqlen;
  const int num_tiles = ceil_div(kv_end, kBlockN);  // >= 1: key 0 is never causally masked
  const __half* k_base = row_ptr(p.k, p.k_stride, b, h, 0);
  const __half* v_base = row_ptr(p.v, p.v_stride, b, h, 0);

  cp_async_tile<Cfg::kBlockM, kHeadDim, Cfg::kThreads>(q_smem, row_ptr(p.q, p.q_stride, b, h, 0), p.q_stride[2],
                                                      block_row0, p.seqlen);
  cp_async_tile<kBlockN, kHeadDim, Cfg::kThreads>(k_smem, k_base, p.k_stride[2], 0, p.seqlen);
  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();

  // Q as A fragments, once: lanes 0-15 address rows 0-15 at the k16 step's first 8 columns,
  // lanes 16-31 the same rows 8 columns on, which ldmatrix returns as a0..a3.
  const SwizzledLane<kHeadDim> q_lane(q_smem, warp_local_row0 + lane % 16, lane / 16);
  uint32_t q[kRowTiles][Cfg::kQInRegs ? kKSteps : 1][4];
  if constexpr (Cfg::kQInRegs) {
#pragma unroll
    for (int kk = 0; kk < kKSteps; ++kk) ldmatrix_x4(q[0][kk], q_lane.at(0, kk));
  }

  float o[kRowTiles][kDTiles][4];
  float row_max[kRowTiles][2];
  float row_sum[kRowTiles][2];
#pragma unroll
  for (int mt = 0; mt < kRowTiles; ++mt) {
#pragma unroll
    for (int dt = 0; dt < kDTiles; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[mt][dt][e] = 0.f;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      row_max[mt][half] = -INFINITY;
      row_sum[mt][half] = 0.f;
    }
  }
  const float scale_log2 = p.softmax_scale * kLog2e;

  // K rows are keys with d contiguous: read untransposed they are the column-major B operand
  // K^T. Lanes 0-7 / 8-15 address keys 0-7 at d chunks 2kk / 2kk+1 (b0, b1 of the first n8
  // key tile), lanes 16-31 the same for keys 8-15 (the second tile).
  const SwizzledLane<kHeadDim> k_lane(k_smem, warp_key0 + lane % 8 + 8 * (lane / 16), (lane / 8) % 2);
  // V rows are keys with d contiguous, the row-major B operand: ldmatrix.trans turns each 8x8
  // block into b fragments. Lanes 0-15 address keys 0-15 at d chunk 2dt2 (b0, b1 of the
  // first n8 column tile), lanes 16-31 keys 0-15 at chunk 2dt2+1 (the second tile).
  const SwizzledLane<kHeadDim> v_lane(v_smem, warp_key0 + lane % 16, lane / 16);

  // One K and one V buffer, staggered as in FlashAttention-2: V(j) streams in while the
  // warps compute S = Q K(j)^T and its softmax, K(j+1) while they compute P V(j). Every
  // MMA phase overlaps one tile's copy, with half the shared memory of double-buffering
  // both (D=128: 48 KB instead of 80 KB, two blocks per L4 SM instead of one).
  for (int tile = 0; tile < num_tiles; ++tile) {
    const int n0 = tile * kBlockN;
    const int warp_n0 = n0 + warp_key0;
    // V's buffer was released by the barrier that ended the last step.
    cp_async_tile<kBlockN, kHeadDim, Cfg::kThreads>(v_smem, v_base, p.v_stride[2], n0, p.seqlen);
    cp_async_commit();
    // Warp-uniform: keys entirely above this warp's diagonal or past seqlen, or a warp with no
    // row below seqlen, do no math.
    const bool active = warp_has_rows && warp_n0 < p.seqlen && !(p.causal && warp_n0 > warp_row_last);
    uint32_t prob[kRowTiles][kNTiles / 2][4];
    if (active) {
      float s[kRowTiles][kNTiles][4];
#pragma unroll
      for (int mt = 0; mt < kRowTiles; ++mt)
#pragma unroll
        for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
          for (int e = 0; e < 4; ++e) s[mt][nt][e] = 0.f;
#pragma unroll
      for (int kk = 0; kk < kKSteps; ++kk) {
        uint32_t qa[kRowTiles][4];  // this k step's Q fragments
#pragma unroll
        for (int mt = 0; mt < kRowTiles; ++mt) {
          if constexpr (Cfg::kQInRegs) {
#pragma unroll
            for (int e = 0; e < 4; ++e) qa[mt][e] = q[mt][kk][e];
          } else {
            ldmatrix_x4(qa[mt], q_lane.at(16 * mt, kk));
          }
        }
#pragma unroll
        for (int nt2 = 0; nt2 < kNTiles / 2; ++nt2) {
          uint32_t kb[4];
          ldmatrix_x4(kb, k_lane.at(16 * nt2, kk));
#pragma unroll
          for (int mt = 0; mt < kRowTiles; ++mt) {
            mma_m16n8k16(s[mt][2 * nt2], qa[mt], kb[0], kb[1]);
            mma_m16n8k16(s[mt][2 * nt2 + 1], qa[mt], kb[2], kb[3]);
          }
        }
      }
      // Masks only where a key can be masked: past seqlen, or above this warp's first row.
      const bool mask = warp_n0 + kWarpN > p.seqlen || (p.causal && warp_n0 + kWarpN - 1 > warp_row0);
      if (mask)
        online_softmax<true>(s, prob, o, row_max, row_sum, scale_log2, warp_row0 + g, warp_n0 + 2 * t, p.seqlen,
                             p.causal);
      else
        online_softmax<false>(s, prob, o, row_max, row_sum, scale_log2, warp_row0 + g, warp_n0 + 2 * t, p.seqlen,
                              p.causal);
    }
    cp_async_wait<0>();
    __syncthreads();  // V(j) is visible to every warp, and every warp is done reading K(j)
    if (tile + 1 < num_tiles) {
      cp_async_tile<kBlockN, kHeadDim, Cfg::kThreads>(k_smem, k_base, p.k_stride[2], n0 + kBlockN, p.seqlen);
      cp_async_commit();
    }
    if (active) {
#pragma unroll
      for (int kk = 0; kk < kNTiles / 2; ++kk) {
#pragma unroll
        for (int dt2 = 0; dt2 < kDTiles / 2; ++dt2) {
          uint32_t vb[4];
          ldmatrix_x4_trans(vb, v_lane.at(16 * kk, dt2));
#pragma unroll
          for (int mt = 0; mt < kRowTiles; ++mt) {
            mma_m16n8k16(o[mt][2 * dt2], prob[mt][kk], vb[0], vb[1]);
            mma_m16n8k16(o[mt][2 * dt2 + 1], prob[mt][kk], vb[2], vb[3]);
          }
        }
      }
    }
    cp_async_wait<0>();
    __syncthreads();  // K(j+1) is visible, and every warp is done reading V(j)
  }

  __half* o_base = p.o + b * p.o_stride[0] + h * p.o_stride[1];
  if constexpr (kSplits == 1) {
    // O / l as fp16, staged through this warp's own rows of the Q tile (no other warp reads
    // them after the Q fragments were loaded) so that global stores are 16 bytes per row chunk.
#pragma unroll
    for (int mt = 0; mt < kRowTiles; ++mt) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        float l = row_sum[mt][half];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        // l >= 1 wherever the warp did math (the max key contributes exp2(0)); 0 only in a warp
        // whose rows are all past seqlen, which stores nothing.
        const float inv_l = l > 0.f ? 1.f / l : 0.f;
        const int row = warp_local_row0 + mt * 16 + g + 8 * half;
#pragma unroll
        for (int dt = 0; dt < kDTiles; ++dt)
          *reinterpret_cast<uint32_t*>(smem + swizzled_offset<kHeadDim>(row, dt) + 4 * t) =
              pack_half2(o[mt][dt][2 * half] * inv_l, o[mt][dt][2 * half + 1] * inv_l);
      }
    }
    __syncwarp();
    static_assert(Cfg::kWarpRows * kChunks % 32 == 0, "whole passes of the warp");
#pragma unroll
    for (int pass = 0; pass < Cfg::kWarpRows * kChunks / 32; ++pass) {
      const int r = (pass * 32 + lane) / kChunks;
      const int chunk = lane % kChunks;
      if (warp_row0 + r < p.seqlen)
        *reinterpret_cast<uint4*>(o_base + static_cast<int64_t>(warp_row0 + r) * p.o_stride[2] + chunk * 8) =
            *reinterpret_cast<const uint4*>(smem + swizzled_offset<kHeadDim>(warp_local_row0 + r, chunk));
    }
  } else {
    // Each split warp holds (max, partial sum, unnormalised output) of its keys for the same
    // rows. They go to the K/V tiles' space (free: the loop's last barrier ended every read),
    // then every thread combines 8 columns of a row: O = sum_w c_w O_w / sum_w c_w l_w with
    // c_w = 2^((m_w - M) scale log2 e) and M = max_w m_w. A split whose keys were all masked has m = -inf,
    // l = 0 and O = 0, and weighs 2^-inf = 0.
    float* partial_o = reinterpret_cast<float*>(smem + Cfg::kQBytes);
    float* partial_ml = partial_o + kSplits * Cfg::kBlockM * Cfg::kPartialLd;
    const int split = warp % kSplits;
#pragma unroll
    for (int mt = 0; mt < kRowTiles; ++mt) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        float l = row_sum[mt][half];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        const int slot = split * Cfg::kBlockM + warp_local_row0 + mt * 16 + g + 8 * half;
        if (t == 0) {
          partial_ml[2 * slot] = row_max[mt][half];
          partial_ml[2 * slot + 1] = l;
        }
#pragma unroll
        for (int dt = 0; dt < kDTiles; ++dt)
          *reinterpret_cast<float2*>(partial_o + slot * Cfg::kPartialLd + dt * 8 + 2 * t) =
              make_float2(o[mt][dt][2 * half], o[mt][dt][2 * half + 1]);
      }
    }
    __syncthreads();
    for (int item = threadIdx.x; item < Cfg::kBlockM * kChunks; item += Cfg::kThreads) {
      const int r = item / kChunks;
      const int chunk = item % kChunks;
      if (block_row0 + r >= p.seqlen) continue;
      float m = -INFINITY;  // of the unscaled scores, as online_softmax keeps it
#pragma unroll
      for (int w = 0; w < kSplits; ++w) m = fmaxf(m, partial_ml[2 * (w * Cfg::kBlockM + r)]);
      const float shift = m == -INFINITY ? 0.f : m * scale_log2;
      float l = 0.f;
      float acc[8] = {};
#pragma unroll
      for (int w = 0; w < kSplits; ++w) {
        const int slot = w * Cfg::kBlockM + r;
        const float weight = fast_exp2(partial_ml[2 * slot] * scale_log2 - shift);
        l += weight * partial_ml[2 * slot + 1];
        const float4* src = reinterpret_cast<const float4*>(partial_o + slot * Cfg::kPartialLd + chunk * 8);
        const float4 lo = src[0], hi = src[1];
        acc[0] += weight * lo.x, acc[1] += weight * lo.y, acc[2] += weight * lo.z, acc[3] += weight * lo.w;
        acc[4] += weight * hi.x, acc[5] += weight * hi.y, acc[6] += weight * hi.z, acc[7] += weight * hi.w;
      }
      const float inv_l = l > 0.f ? 1.f / l : 0.f;
      const uint4 packed = make_uint4(pack_half2(acc[0] * inv_l, acc[1] * inv_l), pack_half2(acc[2] * inv_l, acc[3] * inv_l),
                                      pack_half2(acc[4] * inv_l, acc[5] * inv_l), pack_half2(acc[6] * inv_l, acc[7] * inv_l));
      *reinterpret_cast<uint4*>(o_base + static_cast<int64_t>(block_row0 + r) * p.o_stride[2] + chunk * 8) = packed;
    }
  }
}

namespace {

template <typename Cfg>
constexpr auto kernel_of() {
  return mma_fused_kernel<Cfg>;
}

}  // namespace

// A block per kBlockM query rows of one (batch, head): the causal or the full configuration,
// unless its grid would leave SMs idle (each block's time is its whole K/V loop however few
// blocks there are: (1,8,512,64) gives 32 full blocks for the H100's 132 SMs); then 16-row
// blocks whose warps split the keys (256 blocks of 4 warps there).
cudaError_t mma_fused_forward(const AttentionParams& p, cudaStream_t stream) {
  return with_head_dim(p.head_dim, cudaErrorInvalidValue, [&](auto d) {
    constexpr int D = decltype(d)::value;
    using Tiles = MmaFusedTiles<D>;
    int sms = 0;
    if (cudaError_t err = multiprocessor_count(&sms); err != cudaSuccess) return err;
    const int64_t heads = static_cast<int64_t>(p.batch) * p.heads;
    auto fills = [&](int block_m) { return ceil_div(p.seqlen, block_m) * heads >= sms; };
    if (p.causal && fills(Tiles::CausalWide::kBlockM))
      return launch_row_blocks<typename Tiles::CausalWide>(kernel_of<typename Tiles::CausalWide>(), p, stream);
    if (p.causal && fills(Tiles::Causal::kBlockM))
      return launch_row_blocks<typename Tiles::Causal>(kernel_of<typename Tiles::Causal>(), p, stream);
    if (!p.causal && fills(Tiles::Full::kBlockM))
      return launch_row_blocks<typename Tiles::Full>(kernel_of<typename Tiles::Full>(), p, stream);
    return launch_row_blocks<typename Tiles::Split>(kernel_of<typename Tiles::Split>(), p, stream);
  });
}

}  // namespace fcbench

extern "C" int fcbench_mma_fused_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  using namespace fcbench;
  return with_head_dim(head_dim, 0, [&](auto d) {
    constexpr int D = decltype(d)::value;
    using Tiles = MmaFusedTiles<D>;
    const KernelLaunchInfo candidates[] = {
        {reinterpret_cast<const void*>(kernel_of<typename Tiles::Full>()), unsigned{Tiles::Full::kThreads},
         Tiles::Full::kSmemBytes},
        {reinterpret_cast<const void*>(kernel_of<typename Tiles::Causal>()), unsigned{Tiles::Causal::kThreads},
         Tiles::Causal::kSmemBytes},
        {reinterpret_cast<const void*>(kernel_of<typename Tiles::Split>()), unsigned{Tiles::Split::kThreads},
         Tiles::Split::kSmemBytes},
    };
    // Configurations set equal (D=128's causal tiles are the full ones) are one kernel: list each once.
    int count = 0;
    for (const KernelLaunchInfo& c : candidates) {
      bool listed = false;
      for (int i = 0; i < count; ++i) listed = listed || out[i].kernel == c.kernel;
      if (!listed && count < capacity) out[count++] = c;
    }
    return count;
  });
}
