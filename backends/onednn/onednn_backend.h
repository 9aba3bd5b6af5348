// The "cpu" backend. Host memory; tensors between nodes are channels-last (NHWC) float32, the
// layout oneDNN's fast convolutions read and write on this hardware, so no convolution reorders its
// input or output (a conv that wants a blocked layout gets one planned reorder per value instead:
// the fp32 Winograd convolutions, nChw16c, see conv.cpp; graph inputs and outputs are reordered
// from and to NCHW once). oneDNN primitives where oneDNN
// has the op and is fast on it: conv2d (weights repacked once and shared between kernels, leaky
// ReLU fused as a post-op, its scratchpad planned by the engine), slice and the layout reorders.
// Loops written here, in the files of those ops, for warp (oneDNN has none), avg_pool2d, resize,
// concat and the element-wise ops: each in NHWC (and NCHW), each able to write into a slot of a
// wider channels-last value, which lets the planner drop most concatenation copies. One file per
// op; context.h holds what the kernels share.
//
// Threading: oneDNN here runs on OpenMP. The backend asks the session to run nodes one at a time
// (runs_nodes_concurrently() is false) and each kernel uses `threads` OpenMP threads
// (KernelDesc::threads; <= 0 all cores, capped at the cores). One Session owns one backend.
// Determinism: a run is bit-identical to any other run with the same thread count (no atomics or
// run-time work stealing in these kernels). Across thread counts only the convolutions could
// differ: oneDNN chooses blocking and work split for the thread count when it creates a
// primitive and does not promise the same bits. Observed: 1 and 2 threads (all this 2-core
// development machine allows, threads being capped at the cores) gave bit-identical outputs for
// FILM at 64x128 (released options) and 128x192 (filters 16); larger counts are untested; at
// other sizes they may differ slightly (docs/scale-out.md measures a case).
// The other kernels compute every value the same way at any thread count. The ref backend
// remains the bit-identical oracle.
// Performance note: OpenMP threads spin-wait between parallel regions; on a machine whose cores
// are also busy with other work that can make 2 threads slower than 1 (set
// OMP_WAIT_POLICY=passive in the environment there).
// Precision: fp32 (default) everywhere. bf16 (backend spec "cpu:bf16", --precision bf16): the
// convolutions read and write bfloat16 activations (Layout::nhwc_bf16) with bfloat16 weights and
// float32 accumulation; the heads the model marks keep_fp32 (FILM's flows and image) write
// float32, and the inputs an op's schema keeps float32 (a warp's flow) are float32. The other ops follow the
// element type of what they are given (a warp of bf16 features writes bf16, of an image float32;
// a concatenation with any bf16 input is bf16). The planner inserts the conversions as reorders.
// It needs oneDNN's bf16 convolutions: AVX-512 (native with AVX512_BF16 or AMX, else emulated).
// Usage:
//   film::Session s(model, film::create_backend("cpu:bf16"), {.threads = 2});
#pragma once

#include <memory>

#include "engine/backend.h"

namespace film::onednn {

struct Context;

enum class Precision { fp32, bf16 };

struct CpuOptions {
  Precision precision = Precision::fp32;
  // fp32: 3x3 convolutions run oneDNN's Winograd convolution (faster, in nChw16c) where its
  // scratchpad, which grows with the frame, fits in this many bytes; 0 turns Winograd off.
  // The registry takes it from FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB (docs/cli.md).
  size_t winograd_max_scratch = size_t{1} << 30;
};

class CpuBackend : public Backend {
 public:
  // Throws film::Error when oneDNN cannot make a CPU engine, or (bf16) has no bf16 convolutions
  // on this CPU.
  explicit CpuBackend(const CpuOptions& options = {});
  ~CpuBackend() override;
  std::string name() const override { return "cpu"; }
  std::string unsupported_reason(const KernelDesc& desc) const override;
  NodePlan plan_node(const KernelDesc& desc, const std::vector<Layout>& offered) const override;
  std::unique_ptr<Kernel> compile(const KernelDesc& desc) override;
  std::unique_ptr<Kernel> compile_reorder(const Shape& shape, Layout from, Layout to,
                                          int threads) override;
  bool runs_nodes_concurrently() const override { return false; }
  bool wants_fused_activation() const override { return true; }

 private:
  std::shared_ptr<Context> ctx_;
};

// "" when oneDNN can make a CPU engine here, else why not.
std::string unavailable_reason();
// "" when this CPU runs oneDNN's bf16 convolutions (in hardware with AVX512_BF16 or AMX, emulated
// on other AVX-512 CPUs), else why not.
std::string bf16_unavailable_reason();

}  // namespace film::onednn
