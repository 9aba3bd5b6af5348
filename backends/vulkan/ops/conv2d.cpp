// conv2d on the vulkan backend: a tiled implicit-GEMM shader (conv2d.comp), or the naive one.
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

struct ConvPush {
  PushView s, d;
  uint32_t w_off, b_off;
  uint32_t C, H, W, O, OH, OW;
};

class Conv2d : public VkKernel {
 public:
  Conv2d(std::shared_ptr<Context> ctx, const KernelDesc& d)
      : VkKernel(std::move(ctx), d.node_name) {
    const auto& p = std::get<graph::Conv2dParams>(d.params);
    const Shape &w = d.input_shapes[1], &out = d.output_shapes[0];
    naive_ = ctx_->naive_conv;
    // Tile shape by output channels: few channels (FILM's flow and image heads) would leave most
    // of a 64-channel tile idle, so they get taller pixel tiles instead.
    const int64_t O = out[1];
    tm_ = O <= 16 ? 1 : O <= 32 ? 2 : 4;
    tn_ = O <= 16 ? 8 : 4;
    const std::vector<uint32_t> spec = {u32(w[2]),
                                        u32(w[3]),
                                        u32(p.stride[0]),
                                        u32(p.stride[1]),
                                        u32(p.pad[0]),
                                        u32(p.pad[1]),
                                        tm_,
                                        tn_,
                                        p.leaky_relu ? 1u : 0u,
                                        float_bits(p.leaky_relu.value_or(0.0f))};
    pipeline_ =
        &ctx_->pipeline(naive_ ? "conv2d_naive" : "conv2d", variant_of(d), spec, 4);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound s = bind(a.inputs[0]), w = bind(a.inputs[1]), b = bind(a.inputs[2]),
                d = bind(a.outputs[0]);
    const Shape &in = a.inputs[0].shape, &out = a.outputs[0].shape;
    ConvPush p{s.view,     d.view,     w.view.off,  b.view.off,  u32(in[1]),
               u32(in[2]), u32(in[3]), u32(out[1]), u32(out[2]), u32(out[3])};
    if (naive_) {
      dispatch_per_element(e, *pipeline_, {s.binding, w.binding, b.binding, d.binding}, p, out);
      return;
    }
    // Pixel tiles over x (and y beyond the x limit), channel tiles and images over z.
    const int64_t N = out[0], O = out[1], P = out[2] * out[3];
    const int64_t tiles = groups(P, 16 * tn_), mtiles = groups(O, 16 * tm_);
    const int64_t gx = std::min<int64_t>(tiles, ctx_->props.limits.maxComputeWorkGroupCount[0]);
    VkEncoder::of(e).dispatch(*pipeline_, {s.binding, w.binding, b.binding, d.binding}, &p,
                              sizeof p, u32(gx), groups(tiles, gx), u32(N * mtiles));
  }

 private:
  const Pipeline* pipeline_;
  uint32_t tm_, tn_;
  bool naive_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::conv2d>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<Conv2d>(std::move(ctx), d);
          },
          .needs_4d = true};
}

}  // namespace film::vulkan
