// Strided copies on the vulkan backend (eltwise.comp's copy): concat, slice and layout changes.
#include "backends/vulkan/kernels.h"

namespace film::vulkan {
namespace {

// Strided copies: concat (the inputs not already in their slot), slice, layout changes.
class Copy : public VkKernel {
 public:
  Copy(std::shared_ptr<Context> ctx, const KernelDesc& d) : VkKernel(std::move(ctx), d.node_name) {
    pipeline_ = &ctx_->pipeline("eltwise", variant_of(d), {kCopy, 0u}, 3);
    op_ = d.op;
    if (d.op == graph::OpKind::concat) {
      axis_ = std::get<graph::ConcatParams>(d.params).axis;
      in_place_ = d.input_in_place;
    } else if (d.op == graph::OpKind::slice) {
      const auto& s = std::get<graph::SliceParams>(d.params);
      axis_ = s.axis;
      begin_ = s.begin;
    }
    if (!d.input_shapes.empty()) axis_ += 4 - static_cast<int>(d.input_shapes[0].size());
  }
  // A layout change (the element type too).
  Copy(std::shared_ptr<Context> ctx, std::string name, Layout from, Layout to)
      : VkKernel(std::move(ctx), std::move(name)) {
    pipeline_ = &ctx_->pipeline("eltwise", variant(from, to), {kCopy, 0u}, 3);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const TensorView& out = a.outputs[0];
    if (op_ == graph::OpKind::concat) {
      const std::vector<int64_t> st = strides_4d(out);
      int64_t at = 0;
      for (size_t k = 0; k < a.inputs.size(); ++k) {
        const Shape in4 = as_4d(a.inputs[k].shape);
        if (k >= in_place_.size() || !in_place_[k]) {
          TensorView slot = out;
          slot.shape = a.inputs[k].shape;
          const Bound s = bind(a.inputs[k]);
          record_eltwise(e, *pipeline_, s, s, bind(slot, at * st[axis_]), in4);
        }
        at += in4[axis_];
      }
      return;
    }
    int64_t shift = 0;
    if (op_ == graph::OpKind::slice) {
      shift = begin_ * strides_4d(a.inputs[0])[axis_];
    }
    TensorView src = a.inputs[0];
    src.shape = out.shape;  // a slice reads the output's extent from `begin` on
    if (src.strides.empty() && layout_is_plain(src.layout))
      src.strides = dense_strides(a.inputs[0].shape, src.layout);
    const Bound s = bind(src, shift);
    record_eltwise(e, *pipeline_, s, s, bind(out), as_4d(out.shape));
  }

 private:
  const Pipeline* pipeline_;
  graph::OpKind op_ = graph::OpKind::add;  // add: a plain copy (a layout change)
  int axis_ = 0;
  int64_t begin_ = 0;
  std::vector<bool> in_place_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::concat>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<Copy>(std::move(ctx), d);
          }};
}

template <>
OpImpl op_impl<graph::OpKind::slice>() {
  return {.make = [](std::shared_ptr<Context> ctx, const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<Copy>(std::move(ctx), d);
          }};
}

std::unique_ptr<Kernel> make_copy(std::shared_ptr<Context> ctx, const Shape& shape, Layout from,
                                  Layout to) {
  (void)shape;
  return std::make_unique<Copy>(
      std::move(ctx), cat("reorder ", layout_name(from), " to ", layout_name(to)), from, to);
}

}  // namespace film::vulkan
