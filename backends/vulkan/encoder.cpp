#include "backends/vulkan/encoder.h"

#include "backends/vulkan/vulkan_backend.h"
#include "graph/base/error.h"

namespace film::vulkan {

VkEncoder::VkEncoder(std::shared_ptr<Context> ctx, bool profile)
    : ctx_(std::move(ctx)), profile_(profile) {
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  check(vkCreateFence(ctx_->device, &fi, nullptr, &fence_), "vkCreateFence");
  if (ctx_->timestamp_period_ns > 0) {
    query_capacity_ = profile_ ? 8192 : 2;
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = query_capacity_;
    if (vkCreateQueryPool(ctx_->device, &qi, nullptr, &queries_) != VK_SUCCESS) {
      queries_ = VK_NULL_HANDLE;
      query_capacity_ = 0;
    }
  }
}

VkEncoder::~VkEncoder() {
  VkDevice dev = ctx_->device;
  if (!cbs_.empty()) {
    std::lock_guard<std::mutex> lock(ctx_->mutex);  // the command pool is shared
    vkFreeCommandBuffers(dev, ctx_->pool, static_cast<uint32_t>(cbs_.size()), cbs_.data());
  }
  for (auto p : pools_) vkDestroyDescriptorPool(dev, p, nullptr);
  if (queries_) vkDestroyQueryPool(dev, queries_, nullptr);
  vkDestroyFence(dev, fence_, nullptr);
}

VkEncoder& VkEncoder::of(Encoder& e) {
  auto* v = dynamic_cast<VkEncoder*>(&e);
  if (!v) fail("internal: a vulkan kernel was recorded into another backend's encoder");
  return *v;
}

void VkEncoder::timestamp(VkCommandBuffer cb) {
  if (queries_used_ >= query_capacity_) return;
  vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, queries_used_++);
}

VkCommandBuffer VkEncoder::current() {
  if (ended_) fail("internal: recording into a vulkan encoder that was already submitted");
  if (!cbs_.empty() && in_current_ < kDispatchesPerBatch) return cbs_.back();
  if (!cbs_.empty()) check(vkEndCommandBuffer(cbs_.back()), "vkEndCommandBuffer");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = ctx_->pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb;
  {
    std::lock_guard<std::mutex> lock(ctx_->mutex);
    check(vkAllocateCommandBuffers(ctx_->device, &ai, &cb), "vkAllocateCommandBuffers");
  }
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(vkBeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer");
  if (cbs_.empty() && queries_) {
    vkCmdResetQueryPool(cb, queries_, 0, query_capacity_);
    timestamp(cb);  // query 0: the start of the recording
  }
  cbs_.push_back(cb);
  in_current_ = 0;
  return cb;
}

void VkEncoder::begin_step(int step, const std::string& label, const std::vector<int>& after) {
  (void)label;
  (void)after;
  if (!profile_ || !queries_) return;
  barrier();  // profiled steps run one after another, so each one's time is its own
  if (static_cast<int>(step_query_.size()) <= step) step_query_.resize(step + 1, -1);
  if (queries_used_ < query_capacity_) step_query_[step] = static_cast<int>(queries_used_);
  timestamp(current());
}

void VkEncoder::barrier() {
  VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  vkCmdPipelineBarrier(current(), VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &b, 0, nullptr, 0, nullptr);
}

VkDescriptorSet VkEncoder::descriptor_set(VkDescriptorSetLayout layout) {
  constexpr uint32_t kSets = 256, kMaxBindings = 4;
  if (sets_left_ == 0) {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSets * kMaxBindings};
    VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pi.maxSets = kSets;
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &size;
    VkDescriptorPool pool;
    check(vkCreateDescriptorPool(ctx_->device, &pi, nullptr, &pool), "vkCreateDescriptorPool");
    pools_.push_back(pool);
    sets_left_ = kSets;
  }
  VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  ai.descriptorPool = pools_.back();
  ai.descriptorSetCount = 1;
  ai.pSetLayouts = &layout;
  VkDescriptorSet set;
  check(vkAllocateDescriptorSets(ctx_->device, &ai, &set), "vkAllocateDescriptorSets");
  --sets_left_;
  return set;
}

void VkEncoder::dispatch(const Pipeline& p, const std::vector<Binding>& bindings, const void* push,
                         uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
  if (bindings.size() != p.bindings || bindings.size() > 4 || push_bytes > 128)
    fail("internal: a vulkan dispatch with ", bindings.size(), " bindings for a pipeline of ",
         p.bindings, " (", push_bytes, " bytes of push constants)");
  if (gx == 0 || gy == 0 || gz == 0) return;  // nothing to compute
  const auto& lim = ctx_->props.limits.maxComputeWorkGroupCount;
  if (gx > lim[0] || gy > lim[1] || gz > lim[2])
    fail("vulkan: a dispatch of ", gx, "x", gy, "x", gz, " workgroups exceeds the device's ",
         lim[0], "x", lim[1], "x", lim[2]);
  VkCommandBuffer cb = current();
  VkDescriptorSet set = descriptor_set(p.set_layout);
  VkDescriptorBufferInfo infos[4];
  VkWriteDescriptorSet writes[4];
  for (size_t i = 0; i < bindings.size(); ++i) {
    infos[i] = {bindings[i].buffer, bindings[i].offset, bindings[i].range};
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstSet = set;
    writes[i].dstBinding = static_cast<uint32_t>(i);
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
  }
  vkUpdateDescriptorSets(ctx_->device, static_cast<uint32_t>(bindings.size()), writes, 0, nullptr);
  vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
  vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, 1, &set, 0, nullptr);
  if (push_bytes)
    vkCmdPushConstants(cb, p.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
  vkCmdDispatch(cb, gx, gy, gz);
  ++in_current_;
}

void VkEncoder::submit() {
  if (!ended_) {
    if (cbs_.empty()) current();  // an empty plan still submits (and times) something
    if (queries_) timestamp(cbs_.back());
    check(vkEndCommandBuffer(cbs_.back()), "vkEndCommandBuffer");
    ended_ = true;
  }
  // One batch per command buffer, all in one submission whose fence covers every batch: a
  // driver may turn each batch into its own job, so none runs long enough to hit a time-out.
  std::vector<VkSubmitInfo> batches(cbs_.size(), VkSubmitInfo{VK_STRUCTURE_TYPE_SUBMIT_INFO});
  for (size_t i = 0; i < cbs_.size(); ++i) {
    batches[i].commandBufferCount = 1;
    batches[i].pCommandBuffers = &cbs_[i];
  }
  {
    std::lock_guard<std::mutex> lock(ctx_->mutex);
    check(vkResetFences(ctx_->device, 1, &fence_), "vkResetFences");
    check(vkQueueSubmit(ctx_->queue, static_cast<uint32_t>(batches.size()), batches.data(), fence_),
          "vkQueueSubmit");
  }
  ctx_->wait(fence_, "running the plan");
  device_seconds_ = -1;
  seconds_.clear();
  if (!queries_ || queries_used_ < 2) return;
  std::vector<uint64_t> t(queries_used_);
  if (vkGetQueryPoolResults(ctx_->device, queries_, 0, queries_used_, t.size() * 8, t.data(), 8,
                            VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
    return;
  const double ns = ctx_->timestamp_period_ns * 1e-9;
  device_seconds_ = static_cast<double>(t.back() - t.front()) * ns;
  seconds_.assign(step_query_.size(), 0.0);
  for (size_t s = 0; s < step_query_.size(); ++s)
    if (const int q = step_query_[s]; q >= 0 && q + 1 < static_cast<int>(queries_used_))
      seconds_[s] = static_cast<double>(t[q + 1] - t[q]) * ns;
}

}  // namespace film::vulkan
