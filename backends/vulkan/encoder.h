// The vulkan backend's encoder: kernels record dispatches into command buffers (a new one every
// kDispatchesPerBatch dispatches), the Session's barriers become global compute-to-compute memory
// barriers, and submit() sends every command buffer in one vkQueueSubmit and waits once. With
// timestamps, the device's own time for the whole recording (device_seconds()) and, when
// profiling, per step (each step then starts after a barrier, so steps do not overlap).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/vulkan/context.h"
#include "engine/backend.h"

namespace film::vulkan {

struct Binding {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0, range = 0;
};

class VkEncoder : public Encoder {
 public:
  VkEncoder(std::shared_ptr<Context> ctx, bool profile);
  ~VkEncoder() override;
  void begin_step(int step, const std::string& label, const std::vector<int>& after) override;
  void barrier() override;
  void submit() override;
  std::vector<double> step_seconds() const override { return seconds_; }
  double device_seconds() const override { return device_seconds_; }

  // Records one dispatch of `p` with `bindings` (one per binding of the pipeline) and `push`
  // (at most 128 bytes of push constants).
  void dispatch(const Pipeline& p, const std::vector<Binding>& bindings, const void* push,
                uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz);
  // The vulkan encoder a vulkan kernel was given; film::Error for another backend's encoder.
  static VkEncoder& of(Encoder& e);

 private:
  VkCommandBuffer current();
  VkDescriptorSet descriptor_set(VkDescriptorSetLayout layout);
  void timestamp(VkCommandBuffer cb);

  std::shared_ptr<Context> ctx_;
  bool profile_;
  std::vector<VkCommandBuffer> cbs_;
  int in_current_ = 0;  // dispatches in cbs_.back()
  bool ended_ = false;
  std::vector<VkDescriptorPool> pools_;
  uint32_t sets_left_ = 0;
  VkFence fence_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  uint32_t query_capacity_ = 0, queries_used_ = 0;
  std::vector<int> step_query_;  // plan step -> its first timestamp (-1: none)
  std::vector<double> seconds_;
  double device_seconds_ = -1;
};

}  // namespace film::vulkan
