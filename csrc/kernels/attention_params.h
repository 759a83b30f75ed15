// The plain interface between the torch binding and every FlashCore kernel unit.
// No torch headers here: nvcc alone compiles each kernel unit, so compile checks and
// register / shared-memory counts work on machines without a GPU or a CUDA build of torch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace fcbench {

// Attention over [batch, heads, seqlen, head_dim] fp16 tensors. Strides are in elements for
// the batch, head and sequence dimensions; the head-dim stride is always 1. The binding
// guarantees rows start on 16-byte boundaries (sequence stride a multiple of 8 elements,
// 16-byte aligned base pointers), which the vectorised tile loads rely on.
struct AttentionParams {
  const __half* q;
  const __half* k;
  const __half* v;
  __half* o;
  int batch;
  int heads;
  int seqlen;
  int head_dim;
  int64_t q_stride[3];
  int64_t k_stride[3];
  int64_t v_stride[3];
  int64_t o_stride[3];
  float softmax_scale;
  bool causal;
  // Device scratch for variants that materialise intermediate results (wmma_unfused);
  // the binding allocates <variant>_workspace_bytes(params) bytes through torch.
  void* workspace;
  size_t workspace_bytes;
};

// What a launcher starts for one head dim, so `fcbench resources` can join the launch
// configuration (dynamic shared memory, threads) with ptxas' per-function report.
struct KernelLaunchInfo {
  const void* kernel;  // the host stub; its symbol name is the kernel's mangled name
  unsigned threads;
  size_t dynamic_smem_bytes;
};

}  // namespace fcbench

// Every kernel unit <name>.cu defines, for its registry name:
//   cudaError_t fcbench::<name>_forward(const AttentionParams&, cudaStream_t);
//   extern "C" int fcbench_<name>_launch_info(int head_dim, KernelLaunchInfo*, int capacity);
// and, when the registry marks it as needing scratch,
//   size_t fcbench::<name>_workspace_bytes(const AttentionParams&);
