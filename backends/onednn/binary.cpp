// add: oneDNN binary_add over the flat tensors (same shapes, checked by the schema); dst may be
// src0 when the planner runs it in place.
#include "backends/onednn/context.h"

namespace film::onednn {

std::unique_ptr<Kernel> make_add(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d) {
  const dnnl::memory::desc md = flat_desc(d.input_shapes[0]);
  dnnl::binary::desc desc(dnnl::algorithm::binary_add, md, md, md);
  dnnl::binary::primitive_desc pd(desc, scratchpad_attr(), ctx->engine);
  return std::make_unique<PrimitiveKernel>(
      ctx, threads, dnnl::binary(pd), pd.scratchpad_desc(),
      std::vector<std::pair<int, dnnl::memory::desc>>{{DNNL_ARG_SRC_0, md}, {DNNL_ARG_SRC_1, md}},
      std::vector<std::pair<int, dnnl::memory::desc>>{{DNNL_ARG_DST, md}});
}

}  // namespace film::onednn
