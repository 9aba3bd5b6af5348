// slice: a oneDNN reorder from a sub-memory view of src (the range [begin, end) of one axis)
// into the dense dst.
#include "backends/onednn/context.h"

namespace film::onednn {

std::unique_ptr<Kernel> make_slice(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d) {
  const int axis = d.attrs.at("axis").get<int>();
  const Shape& out = d.output_shapes[0];
  dnnl::memory::dims dims(out.begin(), out.end()), offsets(out.size(), 0);
  offsets[axis] = d.attrs.at("begin").get<int64_t>();
  const dnnl::memory::desc src = plain_desc(d.input_shapes[0]).submemory_desc(dims, offsets);
  const dnnl::memory::desc dst = plain_desc(out);
  dnnl::reorder::primitive_desc pd(ctx->engine, src, ctx->engine, dst, scratchpad_attr());
  return std::make_unique<PrimitiveKernel>(
      ctx, threads, dnnl::reorder(pd), pd.scratchpad_desc(),
      std::vector<std::pair<int, dnnl::memory::desc>>{{DNNL_ARG_FROM, src}},
      std::vector<std::pair<int, dnnl::memory::desc>>{{DNNL_ARG_TO, dst}});
}

}  // namespace film::onednn
