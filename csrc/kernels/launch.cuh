// Host-side launch plumbing shared by the kernel units: the head-dim dispatch every unit's
// launcher and launch_info use, and the launch of the units that are one kernel over blocks
// of query rows.
#pragma once

#include <cuda_runtime.h>

#include <atomic>
#include <type_traits>

#include "attention_params.h"
#include "common.cuh"

namespace fcbench {

// Calls f(std::integral_constant<int, D>{}) for the head dims every unit compiles (64, 128);
// any other head dim returns `otherwise`.
template <typename R, typename F>
R with_head_dim(int head_dim, R otherwise, F&& f) {
  switch (head_dim) {
    case 64: return f(std::integral_constant<int, 64>{});
    case 128: return f(std::integral_constant<int, 128>{});
    default: return otherwise;
  }
}

// Multiprocessor count of the current device, asked of the runtime once per device: launchers
// that size a grid by it run on every call, and the attribute query costs host time each.
inline cudaError_t multiprocessor_count(int* count) {
  constexpr int kMaxDevices = 64;
  static std::atomic<int> cached[kMaxDevices];
  int device = 0;
  if (cudaError_t err = cudaGetDevice(&device); err != cudaSuccess) return err;
  if (device < kMaxDevices && (*count = cached[device].load(std::memory_order_relaxed)) > 0) return cudaSuccess;
  if (cudaError_t err = cudaDeviceGetAttribute(count, cudaDevAttrMultiProcessorCount, device); err != cudaSuccess)
    return err;
  if (device < kMaxDevices) cached[device].store(*count, std::memory_order_relaxed);
  return cudaSuccess;
}

// Opts a kernel into more than 48 KB of dynamic shared memory where it needs it.
template <typename Kernel>
cudaError_t allow_dynamic_smem(Kernel kernel, size_t bytes) {
  if (bytes <= 48 * 1024) return cudaSuccess;
  return cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
}

// Units that are one kernel: a block per Cfg::kBlockM query rows of one (batch, head), with
// Cfg::kThreads threads and Cfg::kSmemBytes of dynamic shared memory.
template <typename Cfg, typename Kernel>
cudaError_t launch_row_blocks(Kernel kernel, const AttentionParams& p, cudaStream_t stream) {
  if (cudaError_t err = allow_dynamic_smem(kernel, Cfg::kSmemBytes); err != cudaSuccess) return err;
  const dim3 grid(ceil_div(p.seqlen, Cfg::kBlockM), p.heads, p.batch);
  kernel<<<grid, Cfg::kThreads, Cfg::kSmemBytes, stream>>>(p);
  return cudaGetLastError();
}

// What launch_row_blocks launches, for `fcbench resources` (see KernelLaunchInfo).
template <typename Cfg, typename Kernel>
int row_blocks_launch_info(Kernel kernel, KernelLaunchInfo* out, int capacity) {
  if (capacity < 1) return 0;
  out[0] = {reinterpret_cast<const void*>(kernel), Cfg::kThreads, Cfg::kSmemBytes};
  return 1;
}

}  // namespace fcbench
