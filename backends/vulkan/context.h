// What the vulkan backend's kernels, buffers and encoder share: the instance, the chosen device and
// its compute queue, the memory types, the embedded shaders and the pipelines made from them
// (cached by shader and specialisation, and on disk through a VkPipelineCache), and one-off
// submissions for copies through a staging buffer.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/memory.h"

namespace film::vulkan {

// Throws film::Error naming `what` and the VkResult unless `r` is VK_SUCCESS.
void check(VkResult r, const char* what);
const char* result_name(VkResult r);

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string type;  // "discrete GPU", "integrated GPU", "virtual GPU", "software (CPU)", "other"
  bool software = false;
  int preference = 0;  // the default choice takes the lowest: discrete 0 ... software 3, other 4
  std::string api_version;
  std::string driver;
  uint64_t memory_bytes = 0;  // the largest device-local heap
  bool fp16_storage = false;  // storageBuffer16BitAccess: what --precision fp16 needs
};

// Every Vulkan device the loader finds (empty when there is none; film::Error when there is no
// loader or driver at all, with what to install).
std::vector<DeviceInfo> list_devices();
// "" when a Vulkan device can be used here, else why not.
std::string unavailable_reason();

// Element types of a shader's activation inputs and output (shaders/common.glsl); the two mixed
// ones exist for the copy shader (eltwise) only.
enum class Variant { f32, f16, f16_to_f32, f32_to_f16 };

struct Pipeline {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  uint32_t bindings = 0;
};

// Device memory with a VkBuffer over all of it. host() is nullptr (device memory, even where the
// device's memory happens to be host-visible: only upload()/download() touch the bytes).
class DeviceBuffer : public Buffer {
 public:
  // `staging`: host-visible, coherent memory for copies to and from the device.
  DeviceBuffer(struct Context& ctx, size_t bytes, bool staging = false);
  ~DeviceBuffer() override;
  void* host() const override { return nullptr; }
  VkBuffer handle() const { return buffer_; }
  void* mapped() const { return mapped_; }  // non-null when the memory is host-visible

 private:
  struct Context& ctx_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  void* mapped_ = nullptr;
};

struct Context {
  // `device`: an index from list_devices(), or -1 for the best one (a discrete GPU before an
  // integrated one before a software device). `fp16`: enable 16-bit storage (film::Error naming
  // the device when it has none).
  Context(int device, bool fp16);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // The pipeline of shader `shader` (its file's name in backends/vulkan/shaders/, without .comp)
  // in `variant`, specialised.
  const Pipeline& pipeline(const std::string& shader, Variant variant,
                           const std::vector<uint32_t>& specialization, uint32_t bindings);
  // Records a one-off command buffer with `record` and runs it to completion (copies through
  // staging).
  void run_now(const std::function<void(VkCommandBuffer)>& record);
  // Waits for `fence`, turning a lost device or a driver timeout into a clear film::Error.
  void wait(VkFence fence, const char* what);
  // A memory type index for `type_bits` with `required` flags, preferring `preferred` ones;
  // -1 when none.
  int memory_type(uint32_t type_bits, VkMemoryPropertyFlags required,
                  VkMemoryPropertyFlags preferred) const;

  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queue_family = 0;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props{};
  VkPhysicalDeviceMemoryProperties memory{};
  DeviceInfo info;
  double timestamp_period_ns = 0;  // 0: the queue has no timestamps
  bool force_staging = false;      // FILM_VULKAN_STAGING=1: copy through staging even where
                                   // device memory is host-visible (tests the discrete-GPU path)
  bool naive_conv = false;         // FILM_VULKAN_NAIVE_CONV=1: the baseline conv shader
  std::mutex mutex;                // pipelines and the queue

 private:
  std::string cache_path_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::map<uint32_t, std::pair<VkDescriptorSetLayout, VkPipelineLayout>> layouts_;
  std::map<std::pair<std::pair<std::string, int>, std::vector<uint32_t>>, Pipeline> pipelines_;
  std::map<std::pair<std::string, int>, VkShaderModule> modules_;
  void save_cache();
};

}  // namespace film::vulkan
