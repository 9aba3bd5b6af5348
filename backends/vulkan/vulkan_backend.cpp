#include "backends/vulkan/vulkan_backend.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "backends/vulkan/encoder.h"
#include "backends/vulkan/kernels.h"
#include "graph/base/error.h"

namespace film::vulkan {

VulkanBackend::VulkanBackend(int device, Precision precision)
    : ctx_(std::make_shared<Context>(device, precision == Precision::fp16)),
      precision_(precision) {}

VulkanBackend::~VulkanBackend() = default;

BufferType VulkanBackend::buffer_type() const {
  return {.name = "vulkan device memory",
          .alignment = std::max<size_t>(64, ctx_->props.limits.minStorageBufferOffsetAlignment),
          .host = false};
}

std::unique_ptr<Buffer> VulkanBackend::allocate(size_t bytes) {
  return std::make_unique<DeviceBuffer>(*ctx_, bytes);
}

DeviceBuffer& VulkanBackend::staging(size_t bytes) {
  if (!staging_ || staging_->size() < bytes) {
    staging_.reset();
    staging_ = std::make_unique<DeviceBuffer>(*ctx_, bytes, true);
  }
  if (!staging_->mapped()) fail("vulkan: ", ctx_->info.name, " has no host-visible memory");
  return *staging_;
}

namespace {

DeviceBuffer& device_buffer(const Buffer& b) {
  auto* d = dynamic_cast<const DeviceBuffer*>(&b);
  if (!d) fail("internal: the vulkan backend was given a buffer it did not allocate");
  return const_cast<DeviceBuffer&>(*d);
}

void check_range(const Buffer& b, size_t offset, size_t bytes, const char* what) {
  if (offset > b.size() || bytes > b.size() - offset)
    fail("internal: vulkan ", what, " of ", bytes, " bytes at ", offset, " outside a buffer of ",
         b.size());
}

}  // namespace

void VulkanBackend::upload(const void* src, Buffer& dst, size_t offset, size_t bytes) {
  check_range(dst, offset, bytes, "upload");
  if (bytes == 0) return;
  DeviceBuffer& d = device_buffer(dst);
  if (d.mapped() && !ctx_->force_staging) {
    std::memcpy(static_cast<char*>(d.mapped()) + offset, src, bytes);
    return;
  }
  DeviceBuffer& s = staging(bytes);
  std::memcpy(s.mapped(), src, bytes);
  ctx_->run_now([&](VkCommandBuffer cb) {
    VkBufferCopy c{0, offset, bytes};
    vkCmdCopyBuffer(cb, s.handle(), d.handle(), 1, &c);
  });
}

void VulkanBackend::download(const Buffer& src, size_t offset, size_t bytes, void* dst) {
  check_range(src, offset, bytes, "download");
  if (bytes == 0) return;
  DeviceBuffer& d = device_buffer(src);
  if (d.mapped() && !ctx_->force_staging) {
    std::memcpy(dst, static_cast<const char*>(d.mapped()) + offset, bytes);
    return;
  }
  DeviceBuffer& s = staging(bytes);
  ctx_->run_now([&](VkCommandBuffer cb) {
    VkBufferCopy c{offset, 0, bytes};
    vkCmdCopyBuffer(cb, d.handle(), s.handle(), 1, &c);
  });
  std::memcpy(dst, s.mapped(), bytes);
}

namespace {

// Op kind -> what this backend does for it: every op of graph/op_list.h.
const OpImpl* impl_of(graph::OpKind k) {
  static const std::array<OpImpl, graph::kPrimitiveOps> table = {
#define FILM_VULKAN_OP(name, Type) op_impl<graph::OpKind::name>(),
      FILM_OPS(FILM_VULKAN_OP)
#undef FILM_VULKAN_OP
  };
  return graph::op_index(k) < table.size() ? &table[graph::op_index(k)] : nullptr;
}

}  // namespace

std::string VulkanBackend::unsupported_reason(const KernelDesc& d) const {
  auto too_big = [](const Shape& s) {
    return s.size() > 4 || num_elements(s) >= (int64_t{1} << 32);
  };
  for (auto& s : d.input_shapes)
    if (too_big(s))
      return cat("the vulkan backend handles values of at most 4 dimensions and 2^32 elements (",
                 shape_str(s), ")");
  for (auto& s : d.output_shapes)
    if (too_big(s))
      return cat("the vulkan backend handles values of at most 4 dimensions and 2^32 elements (",
                 shape_str(s), ")");
  const OpImpl* impl = impl_of(d.op);
  if (!impl || !impl->make) return cat("the vulkan backend has no kernel for op ", graph::op_name(d.op));
  if (impl->needs_4d && d.input_shapes[0].size() != 4)
    return cat(graph::op_name(d.op), " needs a 4-D input");
  return "";
}

NodePlan VulkanBackend::plan_node(const KernelDesc& d, const std::vector<Layout>& offered) const {
  (void)offered;
  // Activations in the precision's layout; a convolution's weights and bias stay float32 (read
  // as the graph holds them).
  const Layout act = precision_ == Precision::fp16 ? Layout::nchw_f16 : Layout::nchw;
  NodePlan p;
  p.input_layouts.assign(d.input_shapes.size(), act);
  p.output_layouts.assign(d.output_shapes.size(), act);
  for (int k : graph::op_schema(d.op).float32_inputs)  // weights, flows: float32 always
    if (k < static_cast<int>(p.input_layouts.size())) p.input_layouts[k] = Layout::nchw;
  // Every shader writes through strides (shaders/common.glsl).
  p.writes_strided_output = true;
  return p;
}

std::unique_ptr<Kernel> VulkanBackend::compile(const KernelDesc& d) {
  if (std::string why = unsupported_reason(d); !why.empty())
    fail("node '", d.node_name, "': ", why);
  return impl_of(d.op)->make(ctx_, d);
}

std::unique_ptr<Kernel> VulkanBackend::compile_reorder(const Shape& shape, Layout from, Layout to,
                                                       int threads) {
  (void)threads;
  if (!layout_is_plain(from) || !layout_is_plain(to))
    fail("the vulkan backend converts only between plain layouts (nchw, nhwc, nchw-f16), not ",
         layout_name(from), " to ", layout_name(to));
  return make_copy(ctx_, shape, from, to);
}

std::unique_ptr<Encoder> VulkanBackend::make_encoder(bool concurrent, int threads, bool profile) {
  (void)concurrent;
  (void)threads;
  return std::make_unique<VkEncoder>(ctx_, profile);
}

}  // namespace film::vulkan
