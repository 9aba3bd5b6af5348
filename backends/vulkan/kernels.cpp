// The vulkan backend's kernels: each one picks its shader and specialisation at compile time and,
// at record time, turns its views into bindings and push constants (shaders/common.glsl) and
// records its dispatches.
#include <algorithm>
#include <cstring>

#include "backends/vulkan/encoder.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/error.h"

namespace film::vulkan {
namespace {

// A view as the shaders see it: an element offset into its binding and N, C, H, W strides.
struct PushView {
  uint32_t off, sn, sc, sh, sw;
};

// Shapes of rank < 4 are row-major: the same elements as the shape with leading 1s.
Shape as_4d(const Shape& s) {
  Shape r(4 - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}
std::vector<int64_t> strides_4d(const TensorView& v) {
  std::vector<int64_t> st =
      v.strides.empty() && layout_is_plain(v.layout) ? dense_strides(v.shape, v.layout) : v.strides;
  if (st.size() != v.shape.size())
    fail("internal: a vulkan kernel got a view without strides (layout ", layout_name(v.layout),
         ")");
  std::vector<int64_t> r(4 - st.size(), 0);
  r.insert(r.end(), st.begin(), st.end());
  return r;
}

struct Bound {
  Binding binding;
  PushView view;
};

// The binding covering exactly the elements `v` reaches, with its offset aligned down as the
// device requires (the remainder goes into the view's element offset). `node` names the node in
// errors.
Bound bind(const Context& ctx, const TensorView& v, const std::string& node, int64_t shift = 0) {
  auto* b = dynamic_cast<DeviceBuffer*>(v.buffer);
  if (!b) fail("internal: node '", node, "': a vulkan kernel was given a buffer it cannot bind");
  const Shape s = as_4d(v.shape);
  const std::vector<int64_t> st = strides_4d(v);
  int64_t extent = 1;
  for (int d = 0; d < 4; ++d) {
    if (s[d] == 0) extent = 0;
    if (extent) extent += (s[d] - 1) * st[d];
  }
  const size_t e = layout_element_bytes(v.layout);
  const size_t begin = v.offset + e * static_cast<size_t>(shift);
  const size_t align = std::max<size_t>(4, ctx.props.limits.minStorageBufferOffsetAlignment);
  const size_t at = begin / align * align;
  const size_t end = std::max<size_t>(begin + e * static_cast<size_t>(extent), at + e);
  if (end > b->size())
    fail("internal: node '", node, "': a view of ", shape_str(v.shape), " reaches byte ", end,
         " of a buffer of ", b->size());
  if (end - at > ctx.props.limits.maxStorageBufferRange)
    fail("vulkan: node '", node, "': a value of ", (end - at) >> 20,
         " MiB is larger than one storage buffer binding of ", ctx.info.name, " can be (",
         ctx.props.limits.maxStorageBufferRange >> 20, " MiB); try a smaller size");
  Bound r;
  r.binding = {b->handle(), at, end - at};
  r.view = {static_cast<uint32_t>((begin - at) / e), static_cast<uint32_t>(st[0]),
            static_cast<uint32_t>(st[1]), static_cast<uint32_t>(st[2]),
            static_cast<uint32_t>(st[3])};
  return r;
}

// The variant that reads `in` and writes `out` (shaders/common.glsl).
Variant variant(Layout in, Layout out) {
  const bool a = in == Layout::nchw_f16, b = out == Layout::nchw_f16;
  return a && b ? Variant::f16 : a ? Variant::f16_to_f32 : b ? Variant::f32_to_f16 : Variant::f32;
}
Variant variant_of(const KernelDesc& d) {
  const Variant v = variant(d.input_layouts.empty() ? Layout::nchw : d.input_layouts[0],
                            d.output_layouts.empty() ? Layout::nchw : d.output_layouts[0]);
  if (v != Variant::f32 && v != Variant::f16)
    fail("internal: node '", d.node_name, "' reads and writes different element types");
  return v;
}

uint32_t groups(int64_t n, int64_t per) { return static_cast<uint32_t>((n + per - 1) / per); }
uint32_t u32(int64_t v) { return static_cast<uint32_t>(v); }

// One invocation per element of the 4-D shape `out` (x, y, n * C + c, in 16x16 workgroups): the
// dispatch of every shader but the tiled convolution.
template <class Push>
void dispatch_per_element(Encoder& e, const Pipeline& p, const std::vector<Binding>& bindings,
                          const Push& push, const Shape& out) {
  VkEncoder::of(e).dispatch(p, bindings, &push, sizeof push, groups(out[3], 16), groups(out[2], 16),
                            u32(out[0] * out[1]));
}
uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

class VkKernel : public Kernel {
 public:
  VkKernel(std::shared_ptr<Context> ctx, std::string node)
      : ctx_(std::move(ctx)), node_(std::move(node)) {}

 protected:
  Bound bind(const TensorView& v, int64_t shift = 0) const {
    return vulkan::bind(*ctx_, v, node_, shift);
  }
  std::shared_ptr<Context> ctx_;
  std::string node_;
};

// --- conv2d -------------------------------------------------------------------------------------

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
        &ctx_->pipeline(naive_ ? Shader::conv2d_naive : Shader::conv2d, variant_of(d), spec, 4);
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

// --- element-wise ops and copies ---------------------------------------------------------------

struct EltPush {
  PushView a, b, d;
  uint32_t C, H, W;
};

enum EltOp : uint32_t { kCopy = 0, kLeaky = 1, kMul = 2, kAdd = 3 };

// One dispatch over `out4` (4-D): dst = op(a[, b]).
void record_eltwise(Encoder& e, const Pipeline& p, const Bound& a, const Bound& b, const Bound& d,
                    const Shape& out4) {
  const EltPush push{a.view, b.view, d.view, u32(out4[1]), u32(out4[2]), u32(out4[3])};
  dispatch_per_element(e, p, {a.binding, b.binding, d.binding}, push, out4);
}

class Eltwise : public VkKernel {
 public:
  Eltwise(std::shared_ptr<Context> ctx, const KernelDesc& d)
      : VkKernel(std::move(ctx), d.node_name) {
    uint32_t op = kCopy;
    float scalar = 0;
    switch (d.op) {
      case graph::OpKind::leaky_relu:
        op = kLeaky;
        scalar = std::get<graph::LeakyReluParams>(d.params).alpha;
        break;
      case graph::OpKind::mul:
        op = kMul;
        scalar = std::get<graph::MulParams>(d.params).scalar;
        break;
      case graph::OpKind::add:
        op = kAdd;
        break;
      default:
        fail("internal: node '", d.node_name, "' is not element-wise");
    }
    pipeline_ = &ctx_->pipeline(Shader::eltwise, variant_of(d), {op, float_bits(scalar)}, 3);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound x = bind(a.inputs[0]);
    const Bound y = a.inputs.size() > 1 ? bind(a.inputs[1]) : x;
    record_eltwise(e, *pipeline_, x, y, bind(a.outputs[0]), as_4d(a.outputs[0].shape));
  }

 private:
  const Pipeline* pipeline_;
};

// Strided copies: concat (the inputs not already in their slot), slice, layout changes.
class Copy : public VkKernel {
 public:
  Copy(std::shared_ptr<Context> ctx, const KernelDesc& d) : VkKernel(std::move(ctx), d.node_name) {
    pipeline_ = &ctx_->pipeline(Shader::eltwise, variant_of(d), {kCopy, 0u}, 3);
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
    pipeline_ = &ctx_->pipeline(Shader::eltwise, variant(from, to), {kCopy, 0u}, 3);
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

// --- pooling, resizing, warping -----------------------------------------------------------------

class AvgPool2d : public VkKernel {
 public:
  AvgPool2d(std::shared_ptr<Context> ctx, const KernelDesc& d)
      : VkKernel(std::move(ctx), d.node_name) {
    const auto& p = std::get<graph::AvgPool2dParams>(d.params);
    pipeline_ = &ctx_->pipeline(
        Shader::avg_pool2d, variant_of(d),
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

class Resize : public VkKernel {
 public:
  Resize(std::shared_ptr<Context> ctx, const KernelDesc& d)
      : VkKernel(std::move(ctx), d.node_name) {
    const bool bilinear = std::get<graph::ResizeParams>(d.params).bilinear;
    pipeline_ = &ctx_->pipeline(Shader::resize, variant_of(d), {bilinear ? 1u : 0u}, 2);
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

class Warp : public VkKernel {
 public:
  Warp(std::shared_ptr<Context> ctx, const KernelDesc& d) : VkKernel(std::move(ctx), d.node_name) {
    pipeline_ = &ctx_->pipeline(Shader::warp, variant_of(d), {}, 3);
  }
  void record(Encoder& e, const KernelArgs& a) override {
    const Bound s = bind(a.inputs[0]), f = bind(a.inputs[1]), d = bind(a.outputs[0]);
    const Shape& o = a.outputs[0].shape;
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

std::unique_ptr<Kernel> make_kernel(std::shared_ptr<Context> ctx, const KernelDesc& d) {
  switch (d.op) {
    case graph::OpKind::conv2d:
      return std::make_unique<Conv2d>(ctx, d);
    case graph::OpKind::leaky_relu:
    case graph::OpKind::mul:
    case graph::OpKind::add:
      return std::make_unique<Eltwise>(ctx, d);
    case graph::OpKind::concat:
    case graph::OpKind::slice:
      return std::make_unique<Copy>(ctx, d);
    case graph::OpKind::avg_pool2d:
      return std::make_unique<AvgPool2d>(ctx, d);
    case graph::OpKind::resize:
      return std::make_unique<Resize>(ctx, d);
    case graph::OpKind::warp:
      return std::make_unique<Warp>(ctx, d);
  }
  fail("node '", d.node_name, "': the vulkan backend has no kernel for op ", graph::op_name(d.op));
}

std::unique_ptr<Kernel> make_copy(std::shared_ptr<Context> ctx, const Shape& shape, Layout from,
                                  Layout to) {
  (void)shape;
  return std::make_unique<Copy>(
      std::move(ctx), cat("reorder ", layout_name(from), " to ", layout_name(to)), from, to);
}

}  // namespace film::vulkan
