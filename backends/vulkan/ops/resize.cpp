// resize on the vulkan backend (resize.comp).
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

class Resize : public VkKernel {
 public:
  Resize(std::shared_ptr<Context> ctx, const KernelDesc& d)
      : VkKernel(std::move(ctx), d.node_name) {
    const bool bilinear = std::get<graph::ResizeParams>(d.params).bilinear;
    pipeline_ = &ctx_->pipeline("resize", variant_of(d), {bilinear ? 1u : 0u}, 2);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound s = bind(a.inputs[0]), d = bind(a.outputs[0]);
    const Shape &i = a.inputs[0].shape, &o = a.outputs[0].shape;
    struct {
      PushView s, d;
      uint32_t C, H, W, OH, OW;
    } p{s.view, d.view, u32(o[1]), u32(i[2]), u32(i[3]), u32(o[2]), u32(o[3])};
    dispatch_per_element(e, *pipeline_, {s.binding, d.binding}, p, o);
  }

 private:
  const Pipeline* pipeline_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::resize>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<Resize>(std::move(ctx), d);
          },
          .needs_4d = true};
}

}  // namespace film::vulkan
