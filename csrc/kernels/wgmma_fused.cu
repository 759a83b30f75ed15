// wgmma_fused: FlashCore v10, the first kernel written for Hopper (sm_90a) alone: the
// FlashAttention-3 design in fcbench's own code. mma_fused (v9) reached FlashAttention-2 on the
// H100 and stopped at 55-67 % of cuDNN: mma.sync cannot feed Hopper's tensor cores (ncu:
// latency-bound at 8 resident warps, 42 % of issue slots busy). Here:
//   - TMA (cp.async.bulk.tensor) copies Q, K and V tiles into 128-byte-swizzled shared memory,
//     completing on mbarriers; a 4-D tensor map per operand ([B, H, S, D] with the caller's
//     strides) zero-fills rows past seqlen, so partial tiles need no bounds checks in the copy;
//   - one producer warp (of its own warpgroup, its registers given away with setmaxnreg) keeps
//     kStages K and V tiles in flight; consumer warpgroups (three at D=64, two at D=128; one
//     where those blocks would not fill the GPU once, with 64-key tiles where S <= 64, or
//     S <= 128 at D=64) own 64 query rows each, or (grids whose 64-row blocks all fit at once)
//     two (D=128) or four (D=64) share 64 rows and split the key tiles between them, then
//     combine their partial states through shared memory: warpgroups 1-3 write theirs as
//     float4 the moment their last P.V is done (at D=64 into a region of their own) and leave,
//     warpgroup 0 combines and writes O; with O's stores quad-transposed to 16 bytes per
//     lane, (1,8,512,64) 9.2 -> 8.9 us, its causal row 8.9 -> 8.7, (2,4,1000,64) 11.8 -> 11.6
//     (v10.19, H200, 2026-12-06; on an H100 a stage probe of clock64 stamps had shown the
//     exchange, the combine and the stores taking the last 2170 of a block's 10500 cycles:
//     docs/RESULTS.md);
//   - wgmma computes S = Q K^T from shared memory (both operands K-major) and O += P V with P
//     from registers (the fp32 S accumulators repacked as fp16, the layout FlashAttention-2's
//     mma.sync kernels use too) and V read MN-major (transposed by the descriptor, not by a copy);
//   - one tensor phase per tile: S(j) and P(j-1).V(j-1) issued and waited together, then the
//     softmax of S(j); the consumer warpgroups' phases take turns (named barriers), so one
//     warpgroup's softmax runs under the others' MMAs;
//   - causal: a warpgroup skips the key tiles wholly masked for its 64 rows;
//   - non-causal wide grids are persistent: one block per SM walks work items, and Q's buffer goes
//     back to the producer after each warpgroup's last Q.K^T, so the next item's copies run under
//     this one's last tiles and output: (4,16,2048,128) 257-261 -> 248-250 us, (4,16,2048,64)
//     162-165 -> 161-162 (v10.13, H100, 2026-12-06);
//   - FlashAttention-2's exp2 / running-max rules, as mma_fused keeps them, with FlashAttention-4's
//     conditional rescale: the running max (and with it O and the row sum) moves only where a row's
//     max grew by more than 2^8, so most tiles skip O's rescale (v10.15 with the descriptors below:
//     648 -> 545 SASS instructions per D=128 tile, (8,16,4096,128) 1926-1938 -> 1892-1895 us,
//     (4,16,2048,64) 161-162 -> 159-160, H100, 2026-12-06).
// Inline PTX rather than CuTe: the kernel is one file like every other FlashCore unit, builds
// with nvcc alone (no CUTLASS headers to carry), and every descriptor bit is written out below
// where a reader can check it against the PTX ISA.
// Measured and not kept (H100, 2026-12-06, docs/RESULTS.md): FlashAttention-3's intra-warpgroup
// overlap (the softmax of S(j) under the warpgroup's own P(j-1).V(j-1)) was 5-20 % slower with
// V released a tile late (v10.1), and with it released right after its P.V on top of the turns
// below no faster at D=64 and 3 % slower at (8,16,4096,128) (v10.12ab); 3 K/V stages at D=128
// and the row reductions in 4 independent chains were no faster (the chains 12 % slower at D=64);
// cuDNN's 128-key tiles with 3 stages at D=128 were 2-3 % slower at (8,16,4096,128) (v10.15n3).
// The overlap's SASS: with wgmma.wait_group 0 written after the softmax in the same basic block,
// ptxas put its WARPGROUP.DEPBAR before every exponential (v10.1 and v10.12ab overlapped nothing);
// with that wait moved to the next round's top (v10.16o: 403 of a D=128 tile's 574 instructions
// between the waits) it was level to 4 % faster at D=128 and 4 % slower at D=64.
// In the four-way key split, fewer and larger K/V copies (one TMA box per round of 2 or 4 tiles)
// were 0.3-0.7 us slower at (1,8,512,64), a warpgroup's first tile waiting for a whole box, and
// every fourth exponential on FMA polynomials (FlashAttention-4) bought nothing on top (H100,
// 2026-12-06, c8 / c8h / c9). Q and the first K tiles by cp.async from the producer's idle warps
// were 0.3-0.7 us slower at the small D=64 shapes (c10s, H100, 2026-12-07).
// At (1,8,512,64) this kernel is level with mma_fused in fcbench's timer because of its launch,
// not its body: a parameter block of 384 bytes or more (three tensor maps + AttentionParams: 552)
// costs ~0.9 us at every fourth launch that reaches an idle GPU (docs/RESULTS.md, ninth session).
// Building the maps on the device instead (a template per device, tensormap.replace and
// tensormap.cp_fenceproxy into a per-block slot, 168-byte parameter block) removed that period
// and cost 1.6-1.7 us at every launch: (1,8,512,64) 9.0-9.1 -> 10.7 us (c11, H100, 2026-12-07).
// At launch-bound shapes it was 0.5-1.0 us slower than mma_fused, and that is its body, not its
// launch (ncu, 20 queued calls per sample): (1,1,64,64) 5.8 against 5.3 us, (1,1,64,128) 6.7-6.8
// against 5.7-5.9 (H100, 2026-12-07, docs/RESULTS.md's twelfth session); with v10.21 level at
// (1,1,64,128), 0.5 us slower at (2,3,97,128) and (1,2,128,128,causal), and 0.3-0.7 us slower at
// the D=64 ones (fifteenth session). clock64 stage probes of
// both kernels there: TMA's first Q lands ~2000 cycles after its issue (the tensor map is fetched
// first), where mma_fused's cp.async Q and K have landed 1190-1273 cycles after entry; and at D=128
// one warpgroup's 128-key tile holds S=64's 64 keys, its softmax 1239 cycles against mma_fused's
// 550. The first copies by cp.async from the consumer warpgroups (session 12's E) hung at
// (1,1,128,64) at full speed and never under compute-sanitizer: not kept.
//
// The helpers live in this unit (see mma_fused.cu): a new header would rebuild every kernel.
#include <cuda.h>  // CUtensorMap and its enums (types only: the driver entry point is looked up at run time)

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "launch.cuh"

#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#error "wgmma_fused needs sm_90a (wgmma, setmaxnreg): the registry builds it for sm_90 only"
#endif

namespace fcbench {
namespace {

// 192 (D=64) or 128 (D=128) query rows per block, 64 per consumer warpgroup; 128-key tiles
// (176 at D=128 with two consumer warpgroups).
// Shared memory:
//   D=64:  Q 24 KB + 2 stages x (K 16 KB + V 16 KB) = 88 KB
//   D=128: Q 32 KB + 2 stages x (K 44 KB + V 44 KB) = 208 KB, 176-key tiles (one block per SM)
//   one warpgroup or a two-way key split (D=128): D=64 Q 8 KB + 4 stages x 32 KB = 136 KB, D=128
//   16 KB + 3 x 64 KB = 208 KB (a two-way split's partial states reuse the stages); a four-way key
//   split (D=64): 8 KB + 8 stages x 16 KB + 54 KB of partial states = 190 KB
// Registers per consumer thread: S kBlockN/2 + O D/2 + P kBlockN/4 fp32/fp16x2 values; setmaxnreg gives the
// producer warpgroup 24 and each consumer 160 (D=64: 128 x 24 + 384 x 160 = 64512 of 65536) or
// 240 (D=128, one warpgroup and a two-way split: 128 x 24 + 256 x 240 = 64512) or 112 (a four-way
// split: 128 x 24 + 512 x 112 = 60416; 120 would need more than the producer gives back, below).
// D=64: three consumer warpgroups (192 rows), FlashAttention-3's choice there; on the H100 it
// took (4,16,2048,64) from 209 to 201 us and the long causal shape from 1547 to 1435 us (v10.3).
template <int kHeadDim>
constexpr int kWideConsumers = kHeadDim == 64 ? 3 : 2;
template <int kHeadDim>
constexpr int kSplitConsumers = kHeadDim == 64 ? 4 : 2;

// kConsumers = 1 is the configuration for grids under one wave of wide blocks: 64-row blocks, and
// K/V stages for every tile of a short sequence.
// kSplit: the consumer warpgroups share one block's 64 rows and split its key tiles (tile j to
// warpgroup j % kConsumers), then combine their partial softmax states through shared memory:
// the configuration for grids whose 64-row blocks fit on the GPU at once (e.g. (1,8,512,64): 64
// blocks for 132 SMs), where every block's time is its walk over the keys. With the tensor maps
// prefetched it took that shape from 9.5 to 9.1 us and (1,8,512,128) from 12.0 to 11.5 (v10.12,
// H100, 2026-12-06); four warpgroups and 64-key tiles at D=64 took (2,4,1000,64) from 12.5-12.7
// to 12.0-12.1 us and (1,8,512,64) from 9.2-9.5 to 9.1-9.2 (v10.14).
template <int kHeadDim, int kConsumersT = kWideConsumers<kHeadDim>, bool kSplitT = false, int kBlockNT = 0>
struct WgmmaConfig {
  static constexpr int kConsumers = kConsumersT;
  static constexpr bool kSplit = kSplitT;
  // A key split: two warpgroups of 240 registers and 128-key tiles, or (D=64) four of 112 and
  // 64-key tiles (S 32 + O 32 + P 16 values per thread).
  static_assert(!kSplit || kConsumers == 2 || (kConsumers == 4 && kHeadDim == 64));
  // setmaxnreg's split of the 64K registers: producer warpgroup kProducerRegs, consumers kConsumerRegs.
  static constexpr int kProducerRegs = 24;
  static constexpr int kConsumerRegs = kConsumers == 4 ? 112 : kConsumers == 3 ? 160 : 240;
  static constexpr int kBlockM = kSplit ? 64 : 64 * kConsumers;
  // Warpgroups that consume each K and V tile (one arrival per warp on its empty barrier).
  static constexpr int kTileConsumers = kSplit ? 1 : kConsumers;
  // D=128 with two consumer warpgroups: 176-key tiles (FlashAttention-3's non-causal choice there):
  // fewer tiles, so fewer of each tile's fixed costs (waits, turns, the max and rescale). A
  // four-way key split: 64-key tiles (its 112 registers).
  // kBlockNT: a tile size of the launcher's choice (one warpgroup's 64-key tiles on a small grid
  // where S <= 64, or S <= 128 at D=64: no half-masked 128-key tile, no split's combine).
  static constexpr int kBlockN = kBlockNT != 0                   ? kBlockNT
                                 : kSplit && kConsumers == 4     ? 64
                                 : kHeadDim == 128 && kConsumers == 2 && !kSplit ? 176
                                                                 : 128;
  // One warpgroup: 4 stages at D=64 (Q 8 KB + 4 x 32 KB), 3 at D=128 (16 KB + 3 x 64 KB); with
  // 64-key tiles (S <= 64; at D=64 S <= 128) 8 at D=64 (8 KB + 8 x 16 KB), 4 at D=128 (16 KB +
  // 4 x 32 KB).
  // A four-way split: 8 stages of 64 keys (Q 8 KB + 8 x 16 KB = 136 KB), every tile of S = 512 in flight.
  static constexpr int kStages = kConsumers > 1 && !kSplit ? 2
                                : kBlockN == 64 ? (kHeadDim == 64 ? 8 : 4)
                                : kHeadDim == 64 ? 4 : 3;
  static constexpr int kThreads = 128 * (kConsumers + 1);
  // setmaxnreg.inc takes registers only from those the block's own setmaxnreg.dec gave back, and
  // waits for ever where they are too few (a four-way split at 120 registers hung the check on
  // the H100). The block starts with 65536 / kThreads per thread, rounded down to 8: what ptxas
  // gives the multi-warpgroup kernels under __launch_bounds__(kThreads, 1) (`fcbench resources`).
  static constexpr int kEntryRegs = 65536 / kThreads / 8 * 8;
  static_assert(128 * (kEntryRegs - kProducerRegs) >= 128 * kConsumers * (kConsumerRegs - kEntryRegs),
                "the consumers' setmaxnreg.inc would wait for registers no warpgroup gives back");
  static constexpr int kColBlocks = kHeadDim / 64;  // 128-byte swizzle atoms are 64 fp16 wide
  static constexpr uint32_t kQBytes = kBlockM * kHeadDim * 2;
  static constexpr uint32_t kTileBytes = kBlockN * kHeadDim * 2;
  static constexpr uint32_t kKOffset = kQBytes;
  static constexpr uint32_t kVOffset = kKOffset + kStages * kTileBytes;
  static constexpr int kBarriers = 2 + 4 * kStages;  // Q full; K, V full; K, V empty; Q empty
  // A key split's partial states (O, then max and sum, per thread of each warpgroup but the
  // first, as float4) get a region of their own where it fits (D=64: 136 + 54 KB), so a
  // warpgroup writes its state as soon as its last P.V is done; otherwise (D=128: 208 + 34 KB)
  // they reuse the K and V stages (contiguous) once every warpgroup's last MMA has read them.
  static constexpr int kPartialFloats = kHeadDim / 2 + 4;
  static constexpr uint32_t kPartialBytes = kSplit ? (kConsumers - 1) * kPartialFloats * 128 * 4 : 0;
  static constexpr uint32_t kStagesEnd = kVOffset + kStages * kTileBytes;
  static constexpr bool kOwnPartials = kSplit && kStagesEnd + kPartialBytes + 8 * kBarriers + 1024 <= 227 * 1024;
  static constexpr uint32_t kPartialOffset = kOwnPartials ? kStagesEnd : kKOffset;
  static constexpr uint32_t kBarOffset = kStagesEnd + (kOwnPartials ? kPartialBytes : 0);
  // + 1024: the dynamic shared memory base is aligned up to the swizzle atom's 1024 bytes.
  static constexpr size_t kSmemBytes = kBarOffset + 8 * kBarriers + 1024;
  static_assert(kOwnPartials || kPartialBytes <= 2 * kStages * kTileBytes);
  static_assert(kPartialOffset % 16 == 0, "float4 partial states");
  static_assert(kHeadDim % 64 == 0, "rows are whole 128-byte swizzle atoms");
  static_assert(kSmemBytes <= 227 * 1024, "the H100's shared memory per block");
};

__device__ __forceinline__ uint32_t shared_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// ---- mbarriers (PTX ISA, "Parallel Synchronization and Communication Instructions: mbarrier")
__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count));
}
// The producer's arrival, announcing the bytes the copies will complete on this barrier.
__device__ __forceinline__ void mbar_arrive_expect_tx(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Waits until the phase of parity `parity` has completed. A fresh barrier is in phase 0, so
// waiting for parity 1 returns at once: the producer's first pass over the empty barriers.
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
  uint32_t done;
  do {
    asm volatile(
        "{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
        : "=r"(done)
        : "r"(bar), "r"(parity)
        : "memory");
  } while (!done);
}

// ---- TMA: rows [row, row + box rows) and columns [col, col + 64) of head h of batch b.
__device__ __forceinline__ void tma_load(uint32_t dst, const CUtensorMap* map, int col, int row, int h, int b,
                                         uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4, %5}], "
      "[%6];\n" ::"r"(dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(col), "r"(row), "r"(h), "r"(b), "r"(bar)
      : "memory");
}

// Fetches a tensor map (a __grid_constant__ parameter) into the TMA unit's cache before the first
// copy needs it.
__device__ __forceinline__ void prefetch_tensor_map(const CUtensorMap* map) {
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

// ---- wgmma shared-memory matrix descriptors (PTX ISA, "Matrix Descriptor Format"):
// bits 0-13 start address >> 4, 16-29 leading-dimension byte offset >> 4, 32-45 stride-dimension
// byte offset >> 4, 62-63 swizzle (1 = 128-byte). Every tile here is rows of 128 bytes (64 fp16)
// swizzled as TMA's SWIZZLE_128B writes them: 16-byte chunk c of row r at chunk c ^ (r % 8), in
// 1024-byte atoms of 8 rows; the stride between atoms (SBO) is therefore 1024 bytes.
// K-major (Q and K: the reduction dim d is contiguous): the 16-wide k step kk starts 32 * kk bytes
// into the row; the hardware applies the swizzle to the absolute address, so stepping the start
// address inside an atom is exact (atoms are 1024-byte aligned). LBO is unused (1 by convention).
// MN-major (V in P.V: its n dim d is contiguous, the reduction dim is keys): 8 keys per atom at
// SBO = 1024, and LBO = the distance to the next 64 columns of d (the next column block).
// A descriptor is built as two 32-bit halves: the high one (SBO 1024, 128-byte swizzle) is the same
// for every operand, and the low one (start address and LBO) steps by (byte offset >> 4) within
// shared memory (addresses < 2^18, so the start field never carries into LBO). Each wgmma's
// descriptor is then one add from a base computed once per tile, where a full build (mask, shift,
// or) cost about 4 uniform instructions: 2656 -> 2536 SASS instructions in the D=128 wide kernel.
constexpr uint32_t kDescHi = (1024 >> 4) | 1u << 30;
__device__ __forceinline__ uint32_t smem_desc_lo(uint32_t address, uint32_t lbo_bytes) {
  return (address >> 4) | (lbo_bytes >> 4) << 16;
}
__device__ __forceinline__ uint64_t desc_from_lo(uint32_t lo) {
  return static_cast<uint64_t>(kDescHi) << 32 | lo;
}

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_wait_all() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
// Keeps the compiler from moving reads or writes of an accumulator across the asynchronous MMA.
template <int N>
__device__ __forceinline__ void fence_registers(float (&r)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(r[i])::"memory");
}

// The MMAs (generated text: one output operand per accumulator register). Accumulator layout of
// m64nNk16, per warp w of the warpgroup and lane 4g + t: d[4j + e] is row 16w + g + 8 (e / 2),
// column 8j + 2t + (e % 2), the m16n8 C layout repeated over n; an A fragment from registers is
// mma.sync m16n8k16's: (g, 2t..), (g + 8, 2t..), (g, 2t + 8..), (g + 8, 2t + 8..).
__device__ __forceinline__ void wgmma_ss_m64n128k16(float (&d)[64], uint64_t a, uint64_t b, int scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(a), "l"(b), "r"(scale_d));
}

__device__ __forceinline__ void wgmma_ss_m64n176k16(float (&d)[88], uint64_t a, uint64_t b, int scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %90, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n176k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87}, %88, %89, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]),
        "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]),
        "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),
        "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87])
      : "l"(a), "l"(b), "r"(scale_d));
}

__device__ __forceinline__ void wgmma_ss_m64n64k16(float (&d)[32], uint64_t a, uint64_t b, int scale_d) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, %32, %33, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "l"(a), "l"(b), "r"(scale_d));
}

template <int N>
__device__ __forceinline__ void wgmma_ss(float (&d)[N / 2], uint64_t a, uint64_t b, int scale_d) {
  if constexpr (N == 64) wgmma_ss_m64n64k16(d, a, b, scale_d);
  else if constexpr (N == 128) wgmma_ss_m64n128k16(d, a, b, scale_d);
  else wgmma_ss_m64n176k16(d, a, b, scale_d);
}

__device__ __forceinline__ void wgmma_rs_m64n64k16(float (&d)[32], const uint32_t (&a)[4], uint64_t b) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(1));
}

__device__ __forceinline__ void wgmma_rs_m64n128k16(float (&d)[64], const uint32_t (&a)[4], uint64_t b) {
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(1));
}


template <int N>
__device__ __forceinline__ void wgmma_rs(float (&d)[N / 2], const uint32_t (&a)[4], uint64_t b) {
  if constexpr (N == 64) wgmma_rs_m64n64k16(d, a, b);
  else wgmma_rs_m64n128k16(d, a, b);
}

__device__ __forceinline__ uint32_t pack_half2(float lo, float hi) {
  const __half2 h = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&h);
}

// 2^x by the SFU alone (mma_fused.cu says why: results below 2^-126 become 0 in fp16 anyway).
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// One round of quad_transpose: lanes whose index differs in bit kBit swap two of their four
// values; a lane with the bit set keeps the elements whose index has it, the other lane the rest.
template <int kBit>
__device__ __forceinline__ void quad_exchange(uint32_t (&w)[4], bool upper) {
  constexpr int i0 = 0, i1 = kBit == 1 ? 2 : 1;  // the two indices without kBit
  const uint32_t a = __shfl_xor_sync(0xffffffffu, upper ? w[i0] : w[i0 | kBit], kBit);
  const uint32_t b = __shfl_xor_sync(0xffffffffu, upper ? w[i1] : w[i1 | kBit], kBit);
  if (upper) {  // a branch, not a computed index: w stays in registers
    w[i0] = a;
    w[i1] = b;
  } else {
    w[i0 | kBit] = a;
    w[i1 | kBit] = b;
  }
}

// Lane t of a quad holds w[i], its 4 bytes (columns 8i + 2t, + 1) of chunk i of one row, i < 4;
// afterwards it holds chunk t whole (columns 8t .. 8t + 7: lanes 0-3's pairs in order), so that
// the quad writes its row's 64 bytes as four 16-byte stores where it wrote 16 of 4 bytes.
__device__ __forceinline__ void quad_transpose(uint32_t (&w)[4], int t) {
  quad_exchange<1>(w, t & 1);
  quad_exchange<2>(w, t & 2);
}

// Named barriers 1..kConsumers (0 is __syncthreads'): `threads` counts the waiting and the passing warpgroup.
__device__ __forceinline__ void named_barrier_sync(int id, int threads) {
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}
__device__ __forceinline__ void named_barrier_arrive(int id, int threads) {
  asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

template <int kRegs>
__device__ __forceinline__ void setmaxnreg_inc() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(kRegs));
}
template <int kRegs>
__device__ __forceinline__ void setmaxnreg_dec() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(kRegs));
}

}  // namespace

template <int kHeadDim, int kConsumers, bool kSplit, int kBlockNT>
__global__ void __launch_bounds__(WgmmaConfig<kHeadDim, kConsumers, kSplit, kBlockNT>::kThreads, 1)
    wgmma_fused_kernel(const __grid_constant__ CUtensorMap tm_q, const __grid_constant__ CUtensorMap tm_k,
                       const __grid_constant__ CUtensorMap tm_v, const AttentionParams p) {
  using Cfg = WgmmaConfig<kHeadDim, kConsumers, kSplit, kBlockNT>;
  constexpr int kBlockM = Cfg::kBlockM;
  constexpr int kBlockN = Cfg::kBlockN;
  constexpr int kStages = Cfg::kStages;
  extern __shared__ unsigned char smem_raw[];
  const uint32_t base = (shared_address(smem_raw) + 1023) & ~1023u;
  const uint32_t q_smem = base;
  const uint32_t k_smem = base + Cfg::kKOffset;
  const uint32_t v_smem = base + Cfg::kVOffset;
  const uint32_t q_full = base + Cfg::kBarOffset;
  auto k_full = [&](int s) { return q_full + 8 * (1 + s); };
  auto v_full = [&](int s) { return q_full + 8 * (1 + kStages + s); };
  auto k_empty = [&](int s) { return q_full + 8 * (1 + 2 * kStages + s); };
  auto v_empty = [&](int s) { return q_full + 8 * (1 + 3 * kStages + s); };
  const uint32_t q_empty = q_full + 8 * (1 + 4 * kStages);

  // Read through a shuffle so the compiler knows it is the same in every lane: values derived
  // from it (this warpgroup's rows and tile count, hence the loop's stage and every wgmma
  // descriptor) stay in uniform registers (CUTLASS's canonical_warp_group_idx does the same).
  // Derived from threadIdx.x alone, the causal tile count moved the descriptors to per-lane
  // registers and R2UR copies, and (4,16,2048,128) ran 3 % slower (v10.9, H100).
  const int warpgroup = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x / 128), 0);
  // Work item w (kBlockM query rows of one batch and head) for w = blockIdx.x, + gridDim.x, ...:
  // one per block, or (a persistent grid of one block per SM) several, so that the next item's
  // Q, K and V copies run under this one's last tiles and output instead of after them.
  const int m_blocks = ceil_div(p.seqlen, kBlockM);
  const int num_work = m_blocks * p.heads * p.batch;
  struct Work {
    int b, h, block_row0, num_tiles;
  };
  auto work_at = [&](int w) {
    Work work;
    const int m = w % m_blocks, bh = w / m_blocks;
    work.h = bh % p.heads;
    work.b = bh / p.heads;
    // Causal blocks run longest first (as in mma_fused): the last row block has the most tiles.
    work.block_row0 = (p.causal ? m_blocks - 1 - m : m) * kBlockM;
    const int kv_end = p.causal ? min(p.seqlen, work.block_row0 + kBlockM) : p.seqlen;
    work.num_tiles = ceil_div(kv_end, kBlockN);  // >= 1: key 0 is never causally masked
    return work;
  };

  if (threadIdx.x == 0) {
    prefetch_tensor_map(&tm_q);
    prefetch_tensor_map(&tm_k);
    prefetch_tensor_map(&tm_v);
    mbar_init(q_full, 1);
    mbar_init(k_full(0), 1);
    mbar_init(v_full(0), 1);
    // The copy engine (the async proxy) must see the initialised barriers.
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    // The first item's Q and its first K and V tiles (stage 0) are copied before the block's first
    // barrier, not by the producer after its setmaxnreg.dec, where K landed 330-800 cycles after Q
    // at the launch-bound shapes (clock64 probe, H100): (1,1,64,64) 6.2-6.3 -> 5.8 us with the
    // combine below (session 12, calls D and E). Only the first tile: every key-split warpgroup's
    // first tile here too made (2,4,1000,64) 0.2-0.3 us slower, and (1,8,512,64)'s Q landed 2958
    // cycles after entry against 2277 (calls A and C).
    const Work first = work_at(blockIdx.x);
    mbar_arrive_expect_tx(q_full, Cfg::kQBytes);
#pragma unroll
    for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
      tma_load(q_smem + cb * kBlockM * 128, &tm_q, 64 * cb, first.block_row0, first.h, first.b, q_full);
    mbar_arrive_expect_tx(k_full(0), Cfg::kTileBytes);
#pragma unroll
    for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
      tma_load(k_smem + cb * kBlockN * 128, &tm_k, 64 * cb, 0, first.h, first.b, k_full(0));
    mbar_arrive_expect_tx(v_full(0), Cfg::kTileBytes);
#pragma unroll
    for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
      tma_load(v_smem + cb * kBlockN * 128, &tm_v, 64 * cb, 0, first.h, first.b, v_full(0));
    // The other barriers (up to 31 at D=64) under the first copies' flight, not before their issue:
    // (1,1,64,64) 5.8 -> 5.6 us, (1,1,64,128) 6.0 -> 5.8, (2,3,97,64) 6.7-6.8 -> 6.6, (2,4,1000,64)
    // 11.8-11.9 -> 11.6 (H100, 2026-12-07, session 15 call B's X; full check 365/365).
    for (int s = 0; s < kStages; ++s) {
      if (s > 0) {
        mbar_init(k_full(s), 1);
        mbar_init(v_full(s), 1);
      }
      mbar_init(k_empty(s), 4 * Cfg::kTileConsumers);  // one arrival per consuming warp
      mbar_init(v_empty(s), 4 * Cfg::kTileConsumers);
    }
    mbar_init(q_empty, 4 * Cfg::kConsumers);  // every consumer warp reads Q
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  if (warpgroup == 0) {
    // Producer: one thread issues every copy; the warpgroup's registers go to the consumers.
    setmaxnreg_dec<Cfg::kProducerRegs>();
    if (threadIdx.x == 0) {
      int loaded = 1;  // K/V tiles loaded so far (the first above): the stage ring runs on across work items
      for (int w = blockIdx.x, round = 0; w < num_work; w += gridDim.x, ++round) {
        const Work work = work_at(w);
        const int b = work.b, h = work.h;
        // Q's buffer is free once every consumer warp's last Q.K^T of the previous item is done.
        if (round > 0) {
          mbar_wait(q_empty, (round - 1) & 1);
          mbar_arrive_expect_tx(q_full, Cfg::kQBytes);
#pragma unroll
          for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
            tma_load(q_smem + cb * kBlockM * 128, &tm_q, 64 * cb, work.block_row0, h, b, q_full);
        }
        for (int tile = round == 0 ? 1 : 0; tile < work.num_tiles; ++tile, ++loaded) {
          const int s = loaded % kStages;
          const uint32_t parity = (loaded / kStages) & 1;
          mbar_wait(k_empty(s), parity ^ 1);
          mbar_arrive_expect_tx(k_full(s), Cfg::kTileBytes);
#pragma unroll
          for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
            tma_load(k_smem + s * Cfg::kTileBytes + cb * kBlockN * 128, &tm_k, 64 * cb, tile * kBlockN, h, b, k_full(s));
          mbar_wait(v_empty(s), parity ^ 1);
          mbar_arrive_expect_tx(v_full(s), Cfg::kTileBytes);
#pragma unroll
          for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
            tma_load(v_smem + s * Cfg::kTileBytes + cb * kBlockN * 128, &tm_v, 64 * cb, tile * kBlockN, h, b, v_full(s));
        }
      }
    }
    return;
  }

  setmaxnreg_inc<Cfg::kConsumerRegs>();
  const int consumer = warpgroup - 1;
  const int warp = (threadIdx.x / 32) % 4;
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const float scale_log2 = p.softmax_scale * kLog2e;
  // The current work item's rows and tiles (set at the top of each round below; the lambdas
  // read them); this thread's rows are row0 and row0 + 8.
  int block_row0 = 0, wg_row0 = 0, row0 = 0, num_tiles = 0;
  // K/V tiles of the earlier work items: this item's tile j is the stage ring's tile done + j.
  int done = 0;
  auto stage = [&](int tile) { return (done + tile) % kStages; };
  auto phase = [&](int tile) { return static_cast<uint32_t>((done + tile) / kStages) & 1; };

  float o[kHeadDim / 2];
  float row_max[2], row_sum[2];

  // One tensor phase per tile: S(j) = Q K(j)^T and O += P(j-1) V(j-1) issued together, waited
  // together, then the softmax of S(j) with no MMA of this warpgroup in flight. The phases of the
  // consumer warpgroups take turns (named barriers, round robin), so one warpgroup's softmax runs
  // under the others' MMAs instead of every warpgroup reaching its softmax at once.
  float sc[kBlockN / 2];
  uint32_t prob[kBlockN / 16][4];
  const uint32_t q_lo = smem_desc_lo(q_smem, 16), k_lo = smem_desc_lo(k_smem, 16);
  const uint32_t v_lo = smem_desc_lo(v_smem, kBlockN * 128);
  auto issue_qk = [&](int tile) {
    const uint32_t k_tile = k_lo + stage(tile) * (Cfg::kTileBytes >> 4);
    const uint32_t q_rows = q_lo + (wg_row0 - block_row0) * (128 >> 4);
#pragma unroll
    for (int kk = 0; kk < kHeadDim / 16; ++kk) {
      const int cb = kk / 4;
      const uint32_t k_off = 32 * (kk % 4);
      const uint64_t a = desc_from_lo(q_rows + ((cb * kBlockM * 128 + k_off) >> 4));
      const uint64_t bk = desc_from_lo(k_tile + ((cb * kBlockN * 128 + k_off) >> 4));
      wgmma_ss<kBlockN>(sc, a, bk, kk > 0);
    }
  };
  // Key tiles 2kk and 2kk + 1 of S are, element for element, P.V's A fragment of keys 16kk..
  auto issue_pv = [&](int tile) {
    const uint32_t v_tile = v_lo + stage(tile) * (Cfg::kTileBytes >> 4);
#pragma unroll
    for (int kk = 0; kk < kBlockN / 16; ++kk)
      wgmma_rs<kHeadDim>(o, prob[kk], desc_from_lo(v_tile + (kk * 2048 >> 4)));
  };
  // Keys at or past seqlen or (causal) past the row's query get -inf: key_masked's rule as one
  // bound per row, relative to this thread's first column of the tile. Called only for tiles that
  // reach past seqlen or this warpgroup's first row: a test of those inside the softmax's unrolled
  // loop compiled to predicated compares issued on every tile, a quarter of the softmax's
  // instructions (SASS and ncu of v10.4, H100, 2026-12-06).
  auto apply_mask = [&](int tile) {
    int limit[2];
#pragma unroll
    for (int half = 0; half < 2; ++half)
      limit[half] = (p.causal ? min(p.seqlen, row0 + 8 * half + 1) : p.seqlen) - tile * kBlockN - 2 * t;
#pragma unroll
    for (int i = 0; i < kBlockN / 2; ++i)
      if (8 * (i / 4) + i % 2 >= limit[(i % 4) / 2]) sc[i] = -INFINITY;
  };
  // Online softmax of this thread's two rows of S(tile) (the quad of lanes 4g..4g+3 shares a
  // row): rescales O (which holds every P.V before this tile) and leaves P(tile) in prob.
  auto softmax = [&](int tile) {
    const int n0 = tile * kBlockN;
    if (n0 + kBlockN > p.seqlen || (p.causal && n0 + kBlockN - 1 > wg_row0)) apply_mask(tile);
    float tile_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int i = 0; i < kBlockN / 2; ++i) tile_max[(i % 4) / 2] = fmaxf(tile_max[(i % 4) / 2], sc[i]);
    // FlashAttention-4's conditional rescale: the running max moves (and O and the sum are
    // rescaled) only where a row's max grew by more than 2^8, so P <= 256 (exact in fp16, the sum in
    // fp32) and the final O / l is the same; once the first tiles have set the max, O's rescale
    // (D/2 multiplies and an exponential per row) is skipped by the whole warp.
    float grown[2];
    bool moves[2];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float m = tile_max[half];
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      grown[half] = fmaxf(row_max[half], m);
      // A row whose keys so far are all masked keeps -inf (-inf - -inf is NaN: no rescale).
      moves[half] = (grown[half] - row_max[half]) * scale_log2 > 8.f;
    }
    if (__any_sync(0xffffffffu, moves[0] || moves[1])) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const float alpha = moves[half] ? fast_exp2((row_max[half] - grown[half]) * scale_log2) : 1.f;
        if (moves[half]) row_max[half] = grown[half];
        row_sum[half] *= alpha;
#pragma unroll
        for (int j = 0; j < kHeadDim / 8; ++j) {
          o[4 * j + 2 * half] *= alpha;
          o[4 * j + 2 * half + 1] *= alpha;
        }
      }
    }
    float shift[2];
#pragma unroll
    for (int half = 0; half < 2; ++half)
      // FlashAttention-2's rule: a row with every key so far masked shifts by 0, never -inf - -inf.
      shift[half] = row_max[half] == -INFINITY ? 0.f : row_max[half] * scale_log2;
#pragma unroll
    for (int i = 0; i < kBlockN / 2; ++i) {
      sc[i] = fast_exp2(fmaf(sc[i], scale_log2, -shift[(i % 4) / 2]));
      row_sum[(i % 4) / 2] += sc[i];
    }
#pragma unroll
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      prob[kk][0] = pack_half2(sc[8 * kk + 0], sc[8 * kk + 1]);
      prob[kk][1] = pack_half2(sc[8 * kk + 2], sc[8 * kk + 3]);
      prob[kk][2] = pack_half2(sc[8 * kk + 4], sc[8 * kk + 5]);
      prob[kk][3] = pack_half2(sc[8 * kk + 6], sc[8 * kk + 7]);
    }
  };
  // Turns: warpgroup c waits on barrier 1 + c and passes to the next; the last passes the first
  // turn. Every barrier gets as many passes as waits: the last warpgroup does not pass its final turn.
  // A lone warpgroup has no one to take turns with, and a key split's warpgroups share no tile.
  const int next = (consumer + 1) % Cfg::kConsumers;
  auto wait_turn = [&]() {
    if constexpr (kConsumers > 1 && !kSplit) named_barrier_sync(1 + consumer, 256);
  };
  auto pass_turn = [&]() {
    if constexpr (kConsumers > 1 && !kSplit) named_barrier_arrive(1 + next, 256);
  };
  const bool last_consumer = consumer == Cfg::kConsumers - 1;
  // Q's buffer goes back to the producer after this warpgroup's last Q.K^T of the item.
  auto release_q = [&]() {
    if (lane == 0) mbar_arrive(q_empty);
  };

  for (int w = blockIdx.x, round = 0; w < num_work; w += gridDim.x, ++round, done += num_tiles) {
    const Work work = work_at(w);
    block_row0 = work.block_row0;
    num_tiles = work.num_tiles;
    wg_row0 = block_row0 + (kSplit ? 0 : 64 * consumer);
    row0 = wg_row0 + 16 * warp + g;
#pragma unroll
    for (int i = 0; i < kHeadDim / 2; ++i) o[i] = 0.f;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      row_max[half] = -INFINITY;
      row_sum[half] = 0.f;
    }
    if (last_consumer) pass_turn();

    // Causal: the tiles past this warpgroup's last row are wholly masked for it; it skips them
    // (their P would be 0 and leave max and sum as they are), keeping only its turns and the
    // releases of their K and V.
    const int my_tiles = p.causal ? min(num_tiles, ceil_div(wg_row0 + 64, kBlockN)) : num_tiles;
    // This warpgroup's tiles: first, first + step, ... below my_tiles.
    const int first = kSplit ? consumer : 0;
    constexpr int step = kSplit ? kConsumers : 1;
    const int my_count = first < my_tiles ? ceil_div(my_tiles - first, step) : 0;

    mbar_wait(q_full, round & 1);
    // A key split's second warpgroup has no tile where the sequence has one.
    if (my_count > 0) {
      mbar_wait(k_full(stage(first)), phase(first));
      wait_turn();
      wgmma_fence();
      issue_qk(first);
      wgmma_commit();
      pass_turn();
      wgmma_wait_all();
      fence_registers(sc);
      if (lane == 0) mbar_arrive(k_empty(stage(first)));
      if (my_count == 1) release_q();
      softmax(first);
      for (int i = 1; i < my_count; ++i) {
        const int tile = first + i * step, prev = tile - step;
        const int s = stage(tile), sp = stage(prev);
        mbar_wait(k_full(s), phase(tile));
        mbar_wait(v_full(sp), phase(prev));
        wait_turn();
        fence_registers(o);
        wgmma_fence();
        issue_qk(tile);
        issue_pv(prev);
        wgmma_commit();
        pass_turn();
        wgmma_wait_all();
        fence_registers(sc);
        fence_registers(o);
        if (lane == 0) {
          mbar_arrive(k_empty(s));
          mbar_arrive(v_empty(sp));
        }
        if (i == my_count - 1) release_q();
        softmax(tile);
      }
      // Every warpgroup takes num_tiles + 1 turns; the last warpgroup does not pass its final one.
      const int last = first + (my_count - 1) * step;
      mbar_wait(v_full(stage(last)), phase(last));
      wait_turn();
      fence_registers(o);
      wgmma_fence();
      issue_pv(last);
      wgmma_commit();
      if (!(last_consumer && my_tiles == num_tiles)) pass_turn();
      wgmma_wait_all();
      fence_registers(o);
      // Its last V stage is released too: a tile this warpgroup skips may be loaded into it.
      if (lane == 0) mbar_arrive(v_empty(stage(last)));
    } else {
      release_q();
    }
    for (int tile = kSplit ? num_tiles : my_tiles; tile < num_tiles; ++tile) {
      // A skipped tile's stages are released once loaded: an arrival before would count towards
      // the stage's previous use.
      const int s = stage(tile);
      const uint32_t parity = phase(tile);
      mbar_wait(k_full(s), parity);
      if (lane == 0) mbar_arrive(k_empty(s));
      mbar_wait(v_full(s), parity);
      if (lane == 0) mbar_arrive(v_empty(s));
      wait_turn();
      if (!(last_consumer && tile == num_tiles - 1)) pass_turn();
    }

    if constexpr (kSplit) {
      // Every warpgroup but the first leaves its O, max and sum (thread for thread: the same rows
      // and columns) in shared memory, as float4 (a warp's store or load is 512 contiguous bytes),
      // and arrives; the first waits for them and combines: O = sum_w c_w O_w, l = sum_w c_w l_w
      // with c_w = 2^((m_w - M) scale log2 e) and M = max_w m_w (a warpgroup without keys has
      // m = -inf, c = 0). The writers leave without waiting: a key split runs one work item per
      // block (its launch is never persistent), so none comes back to overwrite its state before
      // the first warpgroup has read it.
      constexpr int kChunks = Cfg::kPartialFloats / 4;  // O's D/8 chunks, then max and sum
      float4* partial = reinterpret_cast<float4*>(smem_raw + (base + Cfg::kPartialOffset - shared_address(smem_raw)));
      const int tid = threadIdx.x % 128;
      // Partials in the K and V stages wait until no MMA or copy uses them any more.
      if constexpr (!Cfg::kOwnPartials) named_barrier_sync(1, 128 * kConsumers);
      // Fewer key tiles than warpgroups (my_tiles is the block's): warpgroup w >= my_tiles had
      // none, so it writes no state and warpgroup 0 combines only the others.
      if (consumer > 0) {
        float4* mine = partial + (consumer - 1) * kChunks * 128 + tid;
        if (my_count > 0) {
#pragma unroll
          for (int c = 0; c < kHeadDim / 8; ++c) mine[128 * c] = make_float4(o[4 * c], o[4 * c + 1], o[4 * c + 2], o[4 * c + 3]);
          mine[128 * (kHeadDim / 8)] = make_float4(row_max[0], row_max[1], row_sum[0], row_sum[1]);
        }
        named_barrier_arrive(1, 128 * kConsumers);
        continue;
      }
      named_barrier_sync(1, 128 * kConsumers);
      auto combine = [&](int other) {
        const float4* theirs = partial + (other - 1) * kChunks * 128 + tid;
        const float4 ml = theirs[128 * (kHeadDim / 8)];
        const float m_w[2] = {ml.x, ml.y}, l_w[2] = {ml.z, ml.w};
        float c_mine[2], c_w[2];
#pragma unroll
        for (int half = 0; half < 2; ++half) {
          const float m = fmaxf(row_max[half], m_w[half]);
          c_mine[half] = row_max[half] == -INFINITY ? 0.f : fast_exp2((row_max[half] - m) * scale_log2);
          c_w[half] = m_w[half] == -INFINITY ? 0.f : fast_exp2((m_w[half] - m) * scale_log2);
          row_max[half] = m;
          row_sum[half] = row_sum[half] * c_mine[half] + l_w[half] * c_w[half];
        }
#pragma unroll
        for (int c = 0; c < kHeadDim / 8; ++c) {
          const float4 x = theirs[128 * c];
          o[4 * c] = o[4 * c] * c_mine[0] + x.x * c_w[0];
          o[4 * c + 1] = o[4 * c + 1] * c_mine[0] + x.y * c_w[0];
          o[4 * c + 2] = o[4 * c + 2] * c_mine[1] + x.z * c_w[1];
          o[4 * c + 3] = o[4 * c + 3] * c_mine[1] + x.w * c_w[1];
        }
      };
      // Every warpgroup's state, unrolled, where each had a tile; a loop over those that had one
      // otherwise (a test inside the unrolled loop cost (1,8,512,64) 0.2-0.3 us, session 12 call B;
      // skipping the empty ones: (1,1,64,64) 6.2 -> 5.8 us with the first tile's copies above).
      if (my_tiles >= kConsumers) {
#pragma unroll
        for (int other = 1; other < kConsumers; ++other) combine(other);
      } else {
        for (int other = 1; other < my_tiles; ++other) combine(other);
      }
    }

    // O / l as fp16: groups of four 8-column chunks of one row (half), each quad-transposed so that
    // a lane writes 16 contiguous bytes where it wrote four of 4 bytes (every row starts 16-byte
    // aligned: the binding checks the strides of the dims a kernel steps).
    __half* o_base = p.o + work.b * p.o_stride[0] + work.h * p.o_stride[1];
    float inv_l[2];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float l = row_sum[half];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      inv_l[half] = l > 0.f ? 1.f / l : 0.f;
    }
#pragma unroll
    for (int g4 = 0; g4 < kHeadDim / 16; ++g4) {
      const int half = 4 * g4 / (kHeadDim / 8), jb = 4 * g4 % (kHeadDim / 8);
      const int row = row0 + 8 * half;
      __half* out = o_base + static_cast<int64_t>(row) * p.o_stride[2];
      uint32_t w[4];
#pragma unroll
      for (int i = 0; i < 4; ++i)
        w[i] = pack_half2(o[4 * (jb + i) + 2 * half] * inv_l[half], o[4 * (jb + i) + 2 * half + 1] * inv_l[half]);
      quad_transpose(w, t);
      if (row < p.seqlen) *reinterpret_cast<uint4*>(out + 8 * (jb + t)) = make_uint4(w[0], w[1], w[2], w[3]);
    }
  }
}

namespace {

// cuTensorMapEncodeTiled, from the driver the runtime already loaded (no -lcuda at link time).
using EncodeTiled = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                 const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                 CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

EncodeTiled encode_tiled() {
  static std::atomic<EncodeTiled> cached{nullptr};
  EncodeTiled fn = cached.load(std::memory_order_relaxed);
  if (fn == nullptr) {
    void* entry = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &entry, 12000, cudaEnableDefault, &found) !=
            cudaSuccess ||
        found != cudaDriverEntryPointSuccess)
      return nullptr;
    fn = reinterpret_cast<EncodeTiled>(entry);
    cached.store(fn, std::memory_order_relaxed);
  }
  return fn;
}

// A [B, H, S, D] fp16 tensor with the caller's strides (elements; d contiguous) as boxes of
// `rows` x 64 columns, 128-byte swizzled, rows past S read as zeros. TMA wants every stride a
// multiple of 16 bytes; the binding guarantees that of the sequence stride, and a dimension
// of extent 1 is never stepped, so its stride is replaced by a valid one.
bool encode(CUtensorMap* map, const __half* data, const int64_t* stride, const AttentionParams& p, int rows) {
  const EncodeTiled fn = encode_tiled();
  if (fn == nullptr) return false;
  const cuuint64_t dims[4] = {static_cast<cuuint64_t>(p.head_dim), static_cast<cuuint64_t>(p.seqlen),
                              static_cast<cuuint64_t>(p.heads), static_cast<cuuint64_t>(p.batch)};
  const int64_t extent[3] = {p.seqlen, p.heads, p.batch};
  cuuint64_t strides[3];
  for (int i = 0; i < 3; ++i)
    strides[i] = static_cast<cuuint64_t>(extent[i] == 1 ? 16 : stride[2 - i] * 2);
  const cuuint32_t box[4] = {64, static_cast<cuuint32_t>(rows), 1, 1};
  const cuuint32_t unit[4] = {1, 1, 1, 1};
  return fn(map, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 4, const_cast<__half*>(data), dims, strides, box, unit,
            CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

// max_blocks: a persistent grid (one block per SM: each block's registers or shared memory fill
// one) where it is smaller than the work items.
template <int D, int kConsumers, bool kSplit = false, int kBlockNT = 0>
cudaError_t launch(const AttentionParams& p, cudaStream_t stream, int64_t max_blocks = INT32_MAX) {
  using Cfg = WgmmaConfig<D, kConsumers, kSplit, kBlockNT>;
  CUtensorMap q, k, v;
  if (!encode(&q, p.q, p.q_stride, p, Cfg::kBlockM) || !encode(&k, p.k, p.k_stride, p, Cfg::kBlockN) ||
      !encode(&v, p.v, p.v_stride, p, Cfg::kBlockN))
    return cudaErrorInvalidValue;
  auto kernel = wgmma_fused_kernel<D, kConsumers, kSplit, kBlockNT>;
  if (cudaError_t err = allow_dynamic_smem(kernel, Cfg::kSmemBytes); err != cudaSuccess) return err;
  const int64_t work = static_cast<int64_t>(ceil_div(p.seqlen, Cfg::kBlockM)) * p.heads * p.batch;
  if (work > INT32_MAX) return cudaErrorInvalidConfiguration;  // the kernel counts work items in int
  const unsigned blocks = static_cast<unsigned>(std::min(work, max_blocks));
  kernel<<<blocks, Cfg::kThreads, Cfg::kSmemBytes, stream>>>(q, k, v, p);
  return cudaGetLastError();
}

}  // namespace

// Work items of Cfg::kBlockM query rows of one (batch, head): 192 at D=64, 128 at D=128, or 64
// where those would not fill every SM once: two warpgroups splitting the keys where all 64-row
// items fit on the GPU at once, one otherwise. Non-causal wide items run on a persistent grid;
// causal ones a block each, so that the hardware hands the next (shorter) item to whichever SM
// is free first; a key split a block each, since its partial states reuse the K and V stages.
cudaError_t wgmma_fused_forward(const AttentionParams& p, cudaStream_t stream) {
  return with_head_dim(p.head_dim, cudaErrorInvalidValue, [&](auto d) {
    constexpr int D = decltype(d)::value;
    int sms = 0;
    if (cudaError_t err = multiprocessor_count(&sms); err != cudaSuccess) return err;
    const int64_t heads = static_cast<int64_t>(p.heads) * p.batch;
    if (ceil_div(p.seqlen, WgmmaConfig<D>::kBlockM) * heads >= sms)
      return launch<D, kWideConsumers<D>>(p, stream, p.causal ? INT32_MAX : sms);
    if (ceil_div(p.seqlen, 64) * heads <= sms) {
      // D=128 and S <= 128: one 128-key tile holds every key, so a two-way split's second warpgroup
      // would have none and its exchange and combine are pure cost: (2,3,97,128) 7.6-7.8 -> 7.3-7.4 us,
      // (1,2,128,128,causal) 7.5-7.6 -> 7.2, (1,1,64,128) 7.4-7.6 -> 7.1-7.2 (H100, 2026-12-07,
      // session 11 call F). At D=64 the lone warpgroup's 128-key tile was slower than a four-way
      // split's one 64-key tile at (1,1,64,64), 6.2 -> 6.4-6.5 (call E).
      // S <= 64: one warpgroup and one 64-key tile. A 128-key tile's softmax and P.V are half masked
      // work there (1239 and 833 cycles at (1,1,64,128), mma_fused's 550 and 429; clock64 probes):
      // (1,1,64,128) 6.7-6.8 -> 6.0 us, (1,1,64,64) level at 5.7-5.9 (H100, 2026-12-07, session 14
      // call D; full check 365/365). At D=64 also where S <= 128, in place of the four-way split's
      // exchange and combine: (1,1,128,64) 6.5-6.6 -> 6.2 us, (2,3,97,64) 6.6 -> 6.5 (both with the
      // barriers below the first copies); at D=128 two 64-key tiles were slower than one 128-key
      // tile there, (2,3,97,128) 6.8 -> 7.0 (H100, 2026-12-07, session 15 call B: U, X, UX).
      if (p.seqlen <= (D == 64 ? 128 : 64)) return launch<D, 1, false, 64>(p, stream);
      if (D == 128 && p.seqlen <= WgmmaConfig<D, 1>::kBlockN) return launch<D, 1>(p, stream);
      return launch<D, kSplitConsumers<D>, true>(p, stream);
    }
    return launch<D, 1>(p, stream);
  });
}

}  // namespace fcbench

extern "C" int fcbench_wgmma_fused_launch_info(int head_dim, fcbench::KernelLaunchInfo* out, int capacity) {
  using namespace fcbench;
  return with_head_dim(head_dim, 0, [&](auto d) {
    constexpr int D = decltype(d)::value;
    using Wide = WgmmaConfig<D>;
    using Narrow = WgmmaConfig<D, 1>;
    using Narrow64 = WgmmaConfig<D, 1, false, 64>;
    using Split = WgmmaConfig<D, kSplitConsumers<D>, true>;
    const KernelLaunchInfo candidates[] = {
        {reinterpret_cast<const void*>(wgmma_fused_kernel<D, Wide::kConsumers, false, 0>), unsigned{Wide::kThreads},
         Wide::kSmemBytes},
        {reinterpret_cast<const void*>(wgmma_fused_kernel<D, 1, false, 0>), unsigned{Narrow::kThreads},
         Narrow::kSmemBytes},
        {reinterpret_cast<const void*>(wgmma_fused_kernel<D, 1, false, 64>), unsigned{Narrow64::kThreads},
         Narrow64::kSmemBytes},
        {reinterpret_cast<const void*>(wgmma_fused_kernel<D, Split::kConsumers, true, 0>), unsigned{Split::kThreads},
         Split::kSmemBytes},
    };
    int count = 0;
    for (const KernelLaunchInfo& c : candidates)
      if (count < capacity) out[count++] = c;
    return count;
  });
}
