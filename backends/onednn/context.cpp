#include "backends/onednn/context.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <unordered_map>

#include "engine/error.h"

namespace film::onednn {

void Scratch::reserve(size_t bytes) { need_ = std::max(need_, align_up(bytes)); }

uint8_t* Scratch::get() {
  if (have_ < need_) {
    buf_.reset();  // free first: the old contents are dead, and peak memory matters more
    void* p = std::aligned_alloc(kAlign, need_);
    if (!p) fail("out of memory: the cpu backend needs ", need_ >> 20, " MiB of scratch");
    buf_ = {static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); }};
    have_ = need_;
  }
  return buf_.get();
}

dnnl::memory PackedWeights::get(const Tensor& weights, const dnnl::memory::desc& layout,
                                const dnnl::engine& engine, dnnl::stream& stream) {
  for (auto& e : entries_)
    if (e.data == weights.data() && e.layout == layout) return e.packed;
  dnnl::memory user(plain_desc(weights.shape()), engine, const_cast<float*>(weights.data()));
  dnnl::memory packed(layout, engine);  // owned by oneDNN
  dnnl::reorder(user, packed).execute(stream, user, packed);
  stream.wait();
  entries_.push_back({weights.data(), layout, packed});
  return packed;
}

int resolve_threads(int requested) {
  const int cores = omp_get_num_procs();
  return requested <= 0 ? cores : std::min(requested, cores);
}

ThreadScope::ThreadScope(int threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(threads);
}
ThreadScope::~ThreadScope() { omp_set_num_threads(previous_); }

dnnl::memory::desc plain_desc(const Shape& shape) {
  dnnl::memory::dims dims(shape.begin(), shape.end()), strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::memory::desc flat_desc(const Shape& shape) {
  return dnnl::memory::desc({num_elements(shape)}, dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::a);
}

dnnl::primitive_attr scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

PrimitiveKernel::PrimitiveKernel(std::shared_ptr<Context> ctx, int threads, dnnl::primitive prim,
                                 dnnl::memory::desc scratchpad,
                                 std::vector<std::pair<int, dnnl::memory::desc>> inputs,
                                 std::vector<std::pair<int, dnnl::memory::desc>> outputs)
    : ctx_(std::move(ctx)), threads_(threads), prim_(std::move(prim)) {
  // Memory objects made once with no data; execute() points them at the tensors.
  if (scratchpad.get_size() > 0) {
    ctx_->scratch.reserve(scratchpad.get_size());
    scratchpad_ = dnnl::memory(scratchpad, ctx_->engine, nullptr);
  }
  for (auto& [arg, md] : inputs) inputs_.emplace_back(arg, dnnl::memory(md, ctx_->engine, nullptr));
  for (auto& [arg, md] : outputs)
    outputs_.emplace_back(arg, dnnl::memory(md, ctx_->engine, nullptr));
}

void PrimitiveKernel::execute(const std::vector<const Tensor*>& in,
                              const std::vector<Tensor*>& out) {
  ThreadScope threads(threads_);
  std::unordered_map<int, dnnl::memory> args;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    inputs_[i].second.set_data_handle(handle(in[i]));
    args.emplace(inputs_[i]);
  }
  for (size_t i = 0; i < outputs_.size(); ++i) {
    outputs_[i].second.set_data_handle(out[i]->data());
    args.emplace(outputs_[i]);
  }
  if (scratchpad_) {
    scratchpad_.set_data_handle(ctx_->scratch.get());
    args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad_);
  }
  prim_.execute(ctx_->stream, args);
  ctx_->stream.wait();
}

}  // namespace film::onednn
