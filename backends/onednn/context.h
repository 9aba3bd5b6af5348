// Internal to backends/onednn: what all kernels of one CpuBackend share (oneDNN engine and
// stream, scratch memory, thread count helpers), descriptor helpers and the kernel factories.
#pragma once

#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "engine/backend.h"

namespace film::onednn {

// Scratch bytes shared by every kernel of one backend; safe because the kernels run one at a
// time. Kernels reserve their need when created and ask for the pointer at each execute: it
// moves when a kernel created later (a new input size) needs more.
class Scratch {
 public:
  static constexpr size_t kAlign = 64;
  void reserve(size_t bytes);
  uint8_t* get();  // kAlign-aligned, at least every reserved size

 private:
  size_t need_ = 0, have_ = 0;
  std::unique_ptr<uint8_t, void (*)(uint8_t*)> buf_{nullptr, nullptr};
};

// Constant weights repacked into the layouts the convolutions chose, shared between kernels:
// FILM applies one encoder to 14 pyramid levels and one flow predictor to 8, and a copy per
// kernel would cost several times the model's size.
class PackedWeights {
 public:
  // `weights` must stay alive and unchanged (model weights are immutable).
  dnnl::memory get(const Tensor& weights, const dnnl::memory::desc& layout,
                   const dnnl::engine& engine, dnnl::stream& stream);

 private:
  struct Entry {
    const float* data;
    dnnl::memory::desc layout;
    dnnl::memory packed;
  };
  std::vector<Entry> entries_;
};

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  Scratch scratch;
  PackedWeights weights;
};

// OpenMP threads for `requested` (SessionOptions::threads): <= 0 all cores, else capped at the
// cores (like the TBB scheduler; more only adds contention).
int resolve_threads(int requested);

// Sets the calling thread's OpenMP thread count while alive (oneDNN reads it when it creates and
// runs primitives); restores the previous value so callers' own OpenMP code is unaffected.
class ThreadScope {
 public:
  explicit ThreadScope(int threads);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

// Dense row-major float32 descriptor of any rank (nchw for rank 4).
dnnl::memory::desc plain_desc(const Shape& shape);
// A tensor's memory as one flat float32 vector (element-wise ops do not care about the shape).
dnnl::memory::desc flat_desc(const Shape& shape);
// Round up to Scratch::kAlign.
inline size_t align_up(size_t n) {
  return (n + Scratch::kAlign - 1) / Scratch::kAlign * Scratch::kAlign;
}
// oneDNN takes non-const handles even for inputs it only reads.
inline void* handle(const Tensor* t) { return const_cast<float*>(t->data()); }

// One oneDNN primitive whose arguments are the node's own tensors (no layout changes), with its
// scratchpad in the shared scratch. Arguments are DNNL_ARG_* ids, per input and output.
class PrimitiveKernel : public Kernel {
 public:
  PrimitiveKernel(std::shared_ptr<Context> ctx, int threads, dnnl::primitive prim,
                  dnnl::memory::desc scratchpad,
                  std::vector<std::pair<int, dnnl::memory::desc>> inputs,
                  std::vector<std::pair<int, dnnl::memory::desc>> outputs);
  void execute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override;

 private:
  std::shared_ptr<Context> ctx_;
  int threads_;
  dnnl::primitive prim_;
  dnnl::memory scratchpad_;
  std::vector<std::pair<int, dnnl::memory>> inputs_, outputs_;
};

// An attribute with a user-provided scratchpad (so it comes from the shared scratch).
dnnl::primitive_attr scratchpad_attr();

// Kernel factories, one file each. `threads` is already resolved; the caller holds a
// ThreadScope for it while the factory creates primitives.
std::unique_ptr<Kernel> make_conv2d(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d);
std::unique_ptr<Kernel> make_eltwise(std::shared_ptr<Context> ctx, int threads,
                                     const KernelDesc& d);
std::unique_ptr<Kernel> make_add(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d);
std::unique_ptr<Kernel> make_avg_pool2d(std::shared_ptr<Context> ctx, int threads,
                                        const KernelDesc& d);
std::unique_ptr<Kernel> make_resize(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d);
std::unique_ptr<Kernel> make_concat(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d);
std::unique_ptr<Kernel> make_slice(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d);
std::unique_ptr<Kernel> make_warp(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d);

}  // namespace film::onednn
