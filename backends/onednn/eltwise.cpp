// leaky_relu and mul (by a scalar) as oneDNN eltwise primitives over the flat tensor; both may
// run in place (the planner decides; oneDNN accepts dst == src).
#include "backends/onednn/context.h"

namespace film::onednn {

std::unique_ptr<Kernel> make_eltwise(std::shared_ptr<Context> ctx, int threads,
                                     const KernelDesc& d) {
  using dnnl::algorithm;
  const dnnl::memory::desc md = flat_desc(d.input_shapes[0]);
  // leaky_relu is oneDNN's relu with a negative slope: x > 0 ? x : alpha * x, which agrees with
  // ours (x >= 0 ? x : alpha * x) on zeros too, signed or not. mul is linear: alpha * x + beta
  // with beta 0, which equals ref's x * scalar except that a -0 product comes out as +0.
  const bool leaky = d.op == "leaky_relu";
  const float value = d.attrs.at(leaky ? "alpha" : "scalar").get<float>();
  dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference,
                                   leaky ? algorithm::eltwise_relu : algorithm::eltwise_linear, md,
                                   value, 0.0f);
  dnnl::eltwise_forward::primitive_desc pd(desc, scratchpad_attr(), ctx->engine);
  return std::make_unique<PrimitiveKernel>(
      ctx, threads, dnnl::eltwise_forward(pd), pd.scratchpad_desc(),
      std::vector<std::pair<int, dnnl::memory::desc>>{{DNNL_ARG_SRC, md}},
      std::vector<std::pair<int, dnnl::memory::desc>>{{DNNL_ARG_DST, md}});
}

}  // namespace film::onednn
