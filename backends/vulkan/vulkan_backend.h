// The "vulkan" backend: FILM on any GPU with a Vulkan driver (AMD, Intel, NVIDIA, and Mesa's
// llvmpipe software device, which the tests use where no GPU exists).
//
// - Memory: device memory (BufferType::host = false). The Session uploads weights once and the
//   graph inputs every run, and downloads the outputs; nothing else crosses to the host. Where the
//   device's memory is host-visible (integrated GPUs, llvmpipe, resizable BAR) the copies are a
//   memcpy into the mapping; elsewhere they go through a staging buffer (FILM_VULKAN_STAGING=1
//   forces that path, for tests).
// - Layout: every value NCHW float32. Kernels read and write through views (element offset and
//   one stride per dimension, shaders/common.glsl), so every kernel can write into a channel slot
//   of a concatenation and read a slice in place: the planner drops those copies.
// - Kernels: GLSL compute shaders under shaders/, compiled to SPIR-V by glslc at build time and
//   embedded in the binary. Pipelines are made once per shader and specialisation (kernel
//   geometry, fused activation) and shared by every node with the same ones; sizes and views are
//   push constants. A VkPipelineCache on disk (~/.cache/film, FILM_VULKAN_PIPELINE_CACHE=DIR or
//   =off) keeps the driver's compiled code between processes.
// - Recording: the whole plan is recorded once into command buffers of at most
//   kDispatchesPerBatch dispatches each, with exactly the plan's barriers, and submitted together
//   every run with one fence wait: no command buffer holds enough work to trip a driver's
//   timeout on a slow device, and the CPU waits once per run.
// - Determinism: every output value is summed in one fixed order (conv2d: taps in OIHW order,
//   then the bias), independent of the dispatch, so runs on one device are bit-identical.
// - Precision: fp32 (default) stores and computes in float32. fp16 stores every activation as an
//   IEEE half float (Layout::nchw_f16: the planner converts the graph's float32 inputs once and
//   the outputs back) and computes in float32 (convolutions accumulate in float32 over float32
//   weights): half the memory traffic and arena. Needs 16-bit storage. Tolerances against ref:
//   tests/test_backend_vulkan.cpp; docs/vulkan.md.
// Usage:
//   film::Session s(model, film::create_backend("vulkan"), {});   // "vulkan:1": device 1,
//   // "vulkan:fp16" or "vulkan:1:fp16": fp16 storage
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/vulkan/context.h"
#include "engine/backend.h"

namespace film::vulkan {

// Dispatches per command buffer (the recording is split into batches this size).
constexpr int kDispatchesPerBatch = 64;

enum class Precision { fp32, fp16 };

class VulkanBackend : public Backend {
 public:
  // Throws film::Error when there is no such device (or, for fp16, it has no 16-bit storage).
  explicit VulkanBackend(int device = -1, Precision precision = Precision::fp32);
  ~VulkanBackend() override;
  std::string name() const override { return "vulkan"; }
  const DeviceInfo& device() const { return ctx_->info; }

  BufferType buffer_type() const override;
  std::unique_ptr<Buffer> allocate(size_t bytes) override;
  void upload(const void* src, Buffer& dst, size_t offset, size_t bytes) override;
  void download(const Buffer& src, size_t offset, size_t bytes, void* dst) override;

  std::string unsupported_reason(const KernelDesc& desc) const override;
  NodePlan plan_node(const KernelDesc& desc, const std::vector<Layout>& offered) const override;
  bool runs_nodes_concurrently() const override { return false; }
  bool wants_fused_activation() const override { return true; }

  std::unique_ptr<Kernel> compile(const KernelDesc& desc) override;
  std::unique_ptr<Kernel> compile_reorder(const Shape& shape, Layout from, Layout to,
                                          int threads) override;
  std::unique_ptr<Encoder> make_encoder(bool concurrent, int threads, bool profile) override;

 private:
  DeviceBuffer& staging(size_t bytes);
  std::shared_ptr<Context> ctx_;
  Precision precision_;
  std::unique_ptr<DeviceBuffer> staging_;
};

// A layout change (ops/copy.cpp); the ops' kernels: kernels.h.
std::unique_ptr<Kernel> make_copy(std::shared_ptr<Context> ctx, const Shape& shape, Layout from,
                                  Layout to);

}  // namespace film::vulkan
