#include "backends/onednn/context.h"

#include <omp.h>

#include <algorithm>

#include "graph/base/error.h"

namespace film::onednn {

dnnl::memory PackedWeights::get(const Tensor& weights, const dnnl::memory::desc& layout,
                                const dnnl::engine& engine, dnnl::stream& stream) {
  for (auto& e : entries_)
    if (e.data == weights.data() && e.layout == layout) return e.packed;
  dnnl::memory user(desc_of(weights.shape(), Layout::nchw), engine,
                    const_cast<float*>(weights.data()));
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

dnnl::memory::desc desc_of(const Shape& shape, Layout layout, const std::vector<int64_t>& strides) {
  const dnnl::memory::dims dims(shape.begin(), shape.end());
  const auto f32 = dnnl::memory::data_type::f32;
  if (layout.dtype == DType::f16) fail("internal: the cpu backend was given a float16 value");
  const auto type = layout.dtype == DType::bf16 ? dnnl::memory::data_type::bf16 : f32;
  switch (layout.order) {
    case Order::nChw8c:
      return dnnl::memory::desc(dims, type, dnnl::memory::format_tag::nChw8c);
    case Order::nChw16c:
      return dnnl::memory::desc(dims, type, dnnl::memory::format_tag::nChw16c);
    case Order::nchw:
    case Order::nhwc:
      break;
  }
  const std::vector<int64_t> s = strides.empty() ? dense_strides(shape, layout) : strides;
  return dnnl::memory::desc(dims, type, dnnl::memory::dims(s.begin(), s.end()));
}

void need_channels_last(const KernelDesc& d) {
  for (auto* layouts : {&d.input_layouts, &d.output_layouts})
    for (size_t k = 0; k < layouts->size(); ++k) {
      const Shape& s = layouts == &d.input_layouts ? d.input_shapes[k] : d.output_shapes[k];
      if (s.size() == 4 && !layout_is_channels_last((*layouts)[k]))
        fail("node '", d.node_name, "' (", graph::op_name(d.op),
             "): the cpu backend runs it channels-last, not ", layout_name((*layouts)[k]));
    }
}

bool layout_of(const dnnl::memory::desc& md, Layout& layout) {
  if (md.data.ndims != 4) return false;
  const Shape shape(md.data.dims, md.data.dims + 4);
  for (Layout l : {Layout::nhwc, Layout::nchw, Layout::nChw16c, Layout::nChw8c, Layout::nhwc_bf16})
    if (md == desc_of(shape, l)) {
      layout = l;
      return true;
    }
  return false;
}

}  // namespace film::onednn
