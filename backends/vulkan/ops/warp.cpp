// warp on the vulkan backend (warp.comp).
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

class Warp : public VkKernel {
 public:
  Warp(std::shared_ptr<Context> ctx, const KernelDesc& d) : VkKernel(std::move(ctx), d.node_name) {
    pipeline_ = &ctx_->pipeline("warp", variant_of(d), {}, 3);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    record_eltwise(e, *pipeline_, bind(a.inputs[0]), bind(a.inputs[1]), bind(a.outputs[0]),
                   a.outputs[0].shape);
  }

 private:
  const Pipeline* pipeline_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::warp>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<Warp>(std::move(ctx), d);
          },
          .needs_4d = true};
}

}  // namespace film::vulkan
