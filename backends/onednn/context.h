// Internal to backends/onednn: what all kernels of one CpuBackend share (oneDNN engine and stream,
// repacked weights, convolution descriptors made while planning), layout and thread helpers, and
// the kernel factories (one file per op).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/host_encoder.h"

namespace film::onednn {

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
  // bf16 precision: convolutions read bfloat16 activations and weights (accumulating in float32)
  // and write bfloat16, except the narrow heads (flows, the image), which stay float32.
  bool bf16 = false;
  // fp32: 3x3 convolutions run Winograd where its scratchpad fits in this many bytes (0: never).
  size_t winograd_max_scratch = 0;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  PackedWeights weights;
  // Convolution descriptors by their parameters, made once while planning and reused by compile.
  std::map<std::string, dnnl::convolution_forward::primitive_desc> convs;
  std::mutex mutex;  // guards `convs` (plan_node is const and may be called from any thread)
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

// oneDNN's description of a value: plain layouts by their strides (dense unless given), blocked
// ones by their format tag.
dnnl::memory::desc desc_of(const Shape& shape, Layout layout,
                           const std::vector<int64_t>& strides = {});
// The engine layout a oneDNN descriptor is in, if it is one of ours.
bool layout_of(const dnnl::memory::desc& md, Layout& layout);
// The loops written here for rank-4 values read and write channels-last only (float32 or bfloat16:
// what plan_node() gives them); film::Error for a desc in any other layout.
void need_channels_last(const KernelDesc& d);
// oneDNN takes non-const handles even for inputs it only reads.
inline void* handle(const TensorView& v) { return v.data(); }

// A host kernel that runs with `threads` OpenMP threads.
class CpuKernel : public HostKernel {
 public:
  explicit CpuKernel(int threads) : threads_(threads) {}
  void run(const KernelArgs& args) final {
    ThreadScope scope(threads_);
    execute(args);
  }
  virtual void execute(const KernelArgs& args) = 0;

 protected:
  int threads_;
};

// conv2d: the descriptor oneDNN picks for a node (src/dst layout `any`), cached in the context.
dnnl::convolution_forward::primitive_desc conv_desc(Context& ctx, const KernelDesc& d);
NodePlan plan_conv2d(Context& ctx, const KernelDesc& d, const std::vector<Layout>& offered);
// The plan of the loops written here: rank-4 values channels-last, others row-major, in the
// element type input 0 is offered in (bf16 precision: bfloat16 features, float32 images and
// flows), the schema's float32 inputs float32; the planner reorders whatever arrives in another
// layout. `dtype` overrides the element type (concat: bfloat16 when any input is).
NodePlan plan_channels_last(const KernelDesc& d, const std::vector<Layout>& offered,
                            std::optional<DType> dtype = std::nullopt);

// What the backend does for op K, defined in the op's file (conv.cpp, warp.cpp, ...; the
// element-wise ops in elementwise.cpp): CpuBackend's table holds one per op of graph/op_list.h.
struct OpImpl {
  // The kernel. `threads` is already resolved; the caller holds a ThreadScope for it while the
  // factory creates primitives.
  std::unique_ptr<Kernel> (*make)(const std::shared_ptr<Context>& ctx, int threads,
                                  const KernelDesc& d) = nullptr;
  // Its plan; null: channels-last in the element type it is offered (plan_channels_last).
  NodePlan (*plan)(Context& ctx, const KernelDesc& d, const std::vector<Layout>& offered) = nullptr;
  // Its loops can write output 0 into a channels-last slot (a concat input's place).
  bool writes_strided_output = false;
};
template <graph::OpKind K>
OpImpl op_impl();

std::unique_ptr<Kernel> make_reorder(std::shared_ptr<Context> ctx, int threads, const Shape& shape,
                                     Layout from, Layout to);

}  // namespace film::onednn
