// The element-wise ops on the vulkan backend (eltwise.comp): leaky_relu, mul, add.
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

class Eltwise : public VkKernel {
 public:
  Eltwise(std::shared_ptr<Context> ctx, const KernelDesc& d, EltOp op, float scalar)
      : VkKernel(std::move(ctx), d.node_name) {
    pipeline_ = &ctx_->pipeline("eltwise", variant_of(d), {op, float_bits(scalar)}, 3);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound x = bind(a.inputs[0]);
    const Bound y = a.inputs.size() > 1 ? bind(a.inputs[1]) : x;
    record_eltwise(e, *pipeline_, x, y, bind(a.outputs[0]), as_4d(a.outputs[0].shape));
  }

 private:
  const Pipeline* pipeline_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::leaky_relu>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
    return std::make_unique<Eltwise>(std::move(ctx), d, kLeaky,
                                     std::get<graph::LeakyReluParams>(d.params).alpha);
  }};
}

template <>
OpImpl op_impl<graph::OpKind::mul>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
    return std::make_unique<Eltwise>(std::move(ctx), d, kMul,
                                     std::get<graph::MulParams>(d.params).scalar);
  }};
}

template <>
OpImpl op_impl<graph::OpKind::add>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
    return std::make_unique<Eltwise>(std::move(ctx), d, kAdd, 0.0f);
  }};
}

}  // namespace film::vulkan
