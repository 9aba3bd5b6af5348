// Internal to backends/vulkan: what the kernels (one file per op, backends/vulkan/ops/) share —
// views as the shaders see them (shaders/common.glsl), bindings, variants, dispatch — and the
// op table's entry each op file defines.
#pragma once

#include <algorithm>
#include <cstring>

#include "backends/vulkan/encoder.h"
#include "backends/vulkan/vulkan_backend.h"
#include "graph/base/error.h"

namespace film::vulkan {

// What the backend does for op K, defined in the op's file: VulkanBackend's table holds one per
// op of graph/op_list.h.
struct OpImpl {
  std::unique_ptr<Kernel> (*make)(std::shared_ptr<Context> ctx, const KernelDesc& d) = nullptr;
  // The ranks of inputs it takes: 4 only (true), or any up to 4 (false).
  bool needs_4d = false;
};
template <graph::OpKind K>
OpImpl op_impl();

// A view as the shaders see it: an element offset into its binding and N, C, H, W strides.
struct PushView {
  uint32_t off, sn, sc, sh, sw;
};

// Shapes of rank < 4 are row-major: the same elements as the shape with leading 1s.
inline Shape as_4d(const Shape& s) {
  Shape r(4 - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}
inline std::vector<int64_t> strides_4d(const TensorView& v) {
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
inline Bound bind(const Context& ctx, const TensorView& v, const std::string& node, int64_t shift = 0) {
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
inline Variant variant(Layout in, Layout out) {
  const bool a = in.dtype == DType::f16, b = out.dtype == DType::f16;
  return a && b ? Variant::f16 : a ? Variant::f16_to_f32 : b ? Variant::f32_to_f16 : Variant::f32;
}
inline Variant variant_of(const KernelDesc& d) {
  const Variant v = variant(d.input_layouts.empty() ? Layout::nchw : d.input_layouts[0],
                            d.output_layouts.empty() ? Layout::nchw : d.output_layouts[0]);
  if (v != Variant::f32 && v != Variant::f16)
    fail("internal: node '", d.node_name, "' reads and writes different element types");
  return v;
}

inline uint32_t groups(int64_t n, int64_t per) { return static_cast<uint32_t>((n + per - 1) / per); }
inline uint32_t u32(int64_t v) { return static_cast<uint32_t>(v); }

// One invocation per element of the 4-D shape `out` (x, y, n * C + c, in 16x16 workgroups): the
// dispatch of every shader but the tiled convolution.
template <class Push>
void dispatch_per_element(Encoder& e, const Pipeline& p, const std::vector<Binding>& bindings,
                          const Push& push, const Shape& out) {
  VkEncoder::of(e).dispatch(p, bindings, &push, sizeof push, groups(out[3], 16), groups(out[2], 16),
                            u32(out[0] * out[1]));
}
inline uint32_t float_bits(float f) {
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

struct EltPush {
  PushView a, b, d;
  uint32_t C, H, W;
};

enum EltOp : uint32_t { kCopy = 0, kLeaky = 1, kMul = 2, kAdd = 3 };

// One dispatch over `out4` (4-D) of a per-element shader whose push constants are EltPush:
// dst = op(a[, b]) for eltwise.comp, and warp.comp and scale.comp (a: the source, b: the flow or
// the factor).
inline void record_eltwise(Encoder& e, const Pipeline& p, const Bound& a, const Bound& b, const Bound& d,
                    const Shape& out4) {
  const EltPush push{a.view, b.view, d.view, u32(out4[1]), u32(out4[2]), u32(out4[3])};
  dispatch_per_element(e, p, {a.binding, b.binding, d.binding}, push, out4);
}

}  // namespace film::vulkan
