// The torch boundary: one op, fcbench::forward, validates its tensors and dispatches to a
// kernel unit's launcher through a plain AttentionParams. The kernel table comes from
// variants.inc, which fcbench.build generates from the Python registry (the only list).
#include <ATen/ATen.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include <cmath>
#include <string>

#include "kernels/attention_params.h"

namespace fcbench {

#define FCBENCH_KERNEL(name) cudaError_t name##_forward(const AttentionParams&, cudaStream_t);
#define FCBENCH_KERNEL_WITH_WORKSPACE(name) \
  FCBENCH_KERNEL(name)                      \
  size_t name##_workspace_bytes(const AttentionParams&);
#include "variants.inc"
#undef FCBENCH_KERNEL
#undef FCBENCH_KERNEL_WITH_WORKSPACE

namespace {

struct Kernel {
  const char* name;
  cudaError_t (*forward)(const AttentionParams&, cudaStream_t);
  size_t (*workspace_bytes)(const AttentionParams&);
};

constexpr Kernel kKernels[] = {
#define FCBENCH_KERNEL(name) {#name, &name##_forward, nullptr},
#define FCBENCH_KERNEL_WITH_WORKSPACE(name) {#name, &name##_forward, &name##_workspace_bytes},
#include "variants.inc"
#undef FCBENCH_KERNEL
#undef FCBENCH_KERNEL_WITH_WORKSPACE
};

const Kernel& find_kernel(const std::string& variant) {
  std::string known;
  for (const Kernel& kernel : kKernels) {
    if (variant == kernel.name) return kernel;
    known += known.empty() ? kernel.name : std::string(", ") + kernel.name;
  }
  TORCH_CHECK(false, "variant: unknown FlashCore kernel '", variant, "'; built kernels: ", known);
}

void check_operand(const at::Tensor& t, const char* arg, const at::Tensor& q) {
  TORCH_CHECK(t.is_cuda(), arg, ": expected a CUDA tensor, got one on ", t.device());
  TORCH_CHECK(t.device() == q.device(), arg, ": on ", t.device(), " but q is on ", q.device());
  TORCH_CHECK(t.scalar_type() == at::kHalf, arg, ": dtype ", t.scalar_type(), " is not supported; expected float16");
  TORCH_CHECK(t.dim() == 4, arg, ": expected [batch, heads, seqlen, head_dim], got ", t.dim(), " dims");
  TORCH_CHECK(t.sizes() == q.sizes(), arg, ": shape ", t.sizes(), " does not match q's ", q.sizes());
  TORCH_CHECK(t.stride(3) == 1, arg, ": head-dim stride must be 1, got ", t.stride(3));
  bool rows16 = reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 == 0;
  for (int i = 0; i < 3; ++i) rows16 = rows16 && (t.size(i) == 1 || t.stride(i) % 8 == 0);  // dims a kernel steps
  TORCH_CHECK(rows16, arg,
              ": rows must start on 16-byte boundaries (batch, head and sequence strides multiples of 8 where the "
              "dim is > 1, 16-byte aligned data); call .contiguous()");
}

void fill_strides(int64_t (&dst)[3], const at::Tensor& t) {
  for (int i = 0; i < 3; ++i) dst[i] = t.stride(i);
}

void forward(const std::string& variant, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
             at::Tensor& out, bool causal, double scale, int64_t max_workspace_bytes) {
  const Kernel& kernel = find_kernel(variant);
  check_operand(q, "q", q);
  check_operand(k, "k", q);
  check_operand(v, "v", q);
  check_operand(out, "out", q);
  TORCH_CHECK(q.numel() > 0, "q: empty tensor of shape ", q.sizes());
  TORCH_CHECK(q.size(3) == 64 || q.size(3) == 128, "q: head_dim ", q.size(3), " is not supported; supported: 64, 128");
  TORCH_CHECK(q.size(0) <= 65535 && q.size(1) <= 65535, "q: batch and heads must each be at most 65535 (grid limit)");
  TORCH_CHECK(q.size(2) <= (1 << 30), "q: seqlen ", q.size(2), " is over the supported 2^30");
  // Kernels take the row max of the unscaled scores (mma_fused): that is the scaled max only for scale > 0.
  TORCH_CHECK(std::isfinite(scale) && scale > 0, "scale: expected a finite positive value, got ", scale);

  const c10::cuda::CUDAGuard guard(q.device());
  AttentionParams p{};
  p.q = reinterpret_cast<const __half*>(q.data_ptr());
  p.k = reinterpret_cast<const __half*>(k.data_ptr());
  p.v = reinterpret_cast<const __half*>(v.data_ptr());
  p.o = reinterpret_cast<__half*>(out.data_ptr());
  p.batch = static_cast<int>(q.size(0));
  p.heads = static_cast<int>(q.size(1));
  p.seqlen = static_cast<int>(q.size(2));
  p.head_dim = static_cast<int>(q.size(3));
  fill_strides(p.q_stride, q);
  fill_strides(p.k_stride, k);
  fill_strides(p.v_stride, v);
  fill_strides(p.o_stride, out);
  p.softmax_scale = static_cast<float>(scale);
  p.causal = causal;

  at::Tensor workspace;
  if (kernel.workspace_bytes != nullptr) {
    const size_t bytes = kernel.workspace_bytes(p);
    TORCH_CHECK(static_cast<int64_t>(bytes) <= max_workspace_bytes, variant, ": this shape needs ", bytes,
                " bytes of scratch (scores and P grow as seqlen^2), over its limit of ", max_workspace_bytes,
                " bytes; use a fused variant for long sequences");
    workspace = at::empty({static_cast<int64_t>(bytes)}, q.options().dtype(at::kByte));
    p.workspace = workspace.data_ptr();
    p.workspace_bytes = bytes;
  }
  const cudaError_t err = kernel.forward(p, c10::cuda::getCurrentCUDAStream());
  TORCH_CHECK(err == cudaSuccess, variant, ": kernel launch failed: ", cudaGetErrorString(err));
}

}  // namespace
}  // namespace fcbench

TORCH_LIBRARY(fcbench, m) {
  m.def("forward(str variant, Tensor q, Tensor k, Tensor v, Tensor(a!) out, bool causal, float scale, "
        "int max_workspace_bytes) -> ()",
        &fcbench::forward);
}
