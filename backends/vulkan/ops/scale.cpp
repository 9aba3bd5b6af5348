// scale on the vulkan backend (scale.comp).
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

class Scale : public VkKernel {
 public:
  Scale(std::shared_ptr<Context> ctx, const KernelDesc& d) : VkKernel(std::move(ctx), d.node_name) {
    const auto& p = std::get<graph::ScaleParams>(d.params);
    pipeline_ = &ctx_->pipeline("scale", variant_of(d),
                                {float_bits(p.multiplier), float_bits(p.offset)}, 3);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound s = bind(a.inputs[0]), f = bind(a.inputs[1]), d = bind(a.outputs[0]);
    const Shape o = as_4d(a.outputs[0].shape);
    struct {
      PushView s, f, d;
      uint32_t C, H, W;
    } p{s.view, f.view, d.view, u32(o[1]), u32(o[2]), u32(o[3])};
    dispatch_per_element(e, *pipeline_, {s.binding, f.binding, d.binding}, p, o);
  }

 private:
  const Pipeline* pipeline_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::scale>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
    return std::make_unique<Scale>(std::move(ctx), d);
  }};
}

}  // namespace film::vulkan
