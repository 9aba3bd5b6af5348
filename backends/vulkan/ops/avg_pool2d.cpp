// avg_pool2d on the vulkan backend (avg_pool2d.comp).
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

class AvgPool2d : public VkKernel {
 public:
  AvgPool2d(std::shared_ptr<Context> ctx, const KernelDesc& d)
      : VkKernel(std::move(ctx), d.node_name) {
    const auto& p = std::get<graph::AvgPool2dParams>(d.params);
    pipeline_ = &ctx_->pipeline(
        "avg_pool2d", variant_of(d),
        {u32(p.kernel[0]), u32(p.kernel[1]), u32(p.stride[0]), u32(p.stride[1])}, 2);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound s = bind(a.inputs[0]), d = bind(a.outputs[0]);
    const Shape& o = a.outputs[0].shape;
    struct {
      PushView s, d;
      uint32_t C, OH, OW;
    } p{s.view, d.view, u32(o[1]), u32(o[2]), u32(o[3])};
    dispatch_per_element(e, *pipeline_, {s.binding, d.binding}, p, o);
  }

 private:
  const Pipeline* pipeline_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::avg_pool2d>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<AvgPool2d>(std::move(ctx), d);
          },
          .needs_4d = true};
}

}  // namespace film::vulkan
