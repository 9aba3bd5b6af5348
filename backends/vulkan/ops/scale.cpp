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
    record_eltwise(e, *pipeline_, bind(a.inputs[0]), bind(a.inputs[1]), bind(a.outputs[0]),
                   as_4d(a.outputs[0].shape));
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
