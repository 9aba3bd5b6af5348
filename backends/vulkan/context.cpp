#include "backends/vulkan/context.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "backends/vulkan/shaders/shaders.h"

namespace film::vulkan {
namespace {

// A shader's SPIR-V in a variant: "NAME" (float32), "NAME_f16", and for the copy shader the
// conversions "eltwise_f16_f32" and "eltwise_f32_f16" (the table the build makes from
// backends/vulkan/shaders/*.comp: generated/backends/vulkan/shaders/shaders.h).
const spirv::Shader& code_of(const std::string& shader, Variant v) {
  const char* suffix = v == Variant::f16          ? "_f16"
                       : v == Variant::f16_to_f32 ? "_f16_f32"
                       : v == Variant::f32_to_f16 ? "_f32_f16"
                                                  : "";
  const std::string name = shader + suffix;
  for (const spirv::Shader& s : spirv::kShaders)
    if (name == s.name) return s;
  fail("internal: no vulkan shader '", name, "' (backends/vulkan/shaders/)");
}

// Push constants: the same range for every pipeline (the guaranteed minimum size).
constexpr uint32_t kPushBytes = 128;

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "software (CPU)";
    default:
      return "other";
  }
}

int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

std::string version_str(uint32_t v) {
  return cat(VK_API_VERSION_MAJOR(v), ".", VK_API_VERSION_MINOR(v), ".", VK_API_VERSION_PATCH(v));
}

const char* kNoDriver =
    "the Vulkan loader found no driver (install your GPU's Vulkan driver, or Debian's "
    "mesa-vulkan-drivers for a software device; VK_ICD_FILENAMES and VK_DRIVER_FILES choose "
    "drivers by file)";

VkInstance make_instance() {
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "film";
  app.pEngineName = "film";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  const VkResult r = vkCreateInstance(&ci, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER) fail("no Vulkan device: ", kNoDriver);
  check(r, "vkCreateInstance");
  return instance;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  uint32_t n = 0;
  check(vkEnumeratePhysicalDevices(instance, &n, nullptr), "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> d(n);
  if (n) check(vkEnumeratePhysicalDevices(instance, &n, d.data()), "vkEnumeratePhysicalDevices");
  return d;
}

// A queue family with compute, or -1.
int compute_family(VkPhysicalDevice d) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(d, &n, nullptr);
  std::vector<VkQueueFamilyProperties> f(n);
  vkGetPhysicalDeviceQueueFamilyProperties(d, &n, f.data());
  for (uint32_t i = 0; i < n; ++i)
    if (f[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return static_cast<int>(i);
  return -1;
}

DeviceInfo describe(VkPhysicalDevice d, int index) {
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(d, &p);
  VkPhysicalDeviceMemoryProperties m;
  vkGetPhysicalDeviceMemoryProperties(d, &m);
  DeviceInfo i;
  i.index = index;
  i.name = p.deviceName;
  i.type = type_name(p.deviceType);
  i.software = p.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  i.preference = type_rank(p.deviceType);
  i.api_version = version_str(p.apiVersion);
  i.driver = cat("vendor 0x", std::hex, p.vendorID, ", driver version 0x", p.driverVersion);
  for (uint32_t h = 0; h < m.memoryHeapCount; ++h)
    if (m.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      i.memory_bytes = std::max<uint64_t>(i.memory_bytes, m.memoryHeaps[h].size);
  if (p.apiVersion >= VK_API_VERSION_1_1) {
    VkPhysicalDevice16BitStorageFeatures s16{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f2.pNext = &s16;
    vkGetPhysicalDeviceFeatures2(d, &f2);
    i.fp16_storage = s16.storageBuffer16BitAccess == VK_TRUE;
  }
  return i;
}

std::string device_list(const std::vector<DeviceInfo>& devices) {
  std::string s;
  for (auto& d : devices) s += cat("\n  ", d.index, ": ", d.name, " (", d.type, ")");
  return s;
}

std::string cache_file(const VkPhysicalDeviceProperties& p) {
  std::string dir;
  if (const char* e = std::getenv("FILM_VULKAN_PIPELINE_CACHE")) {
    if (std::string(e) == "off") return "";
    dir = e;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = std::string(x) + "/film";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = std::string(h) + "/.cache/film";
  } else {
    return "";
  }
  char uuid[2 * VK_UUID_SIZE + 1];
  for (unsigned i = 0; i < VK_UUID_SIZE; ++i)
    std::snprintf(uuid + 2 * i, 3, "%02x", p.pipelineCacheUUID[i]);
  return cat(dir, "/vulkan-pipelines-", std::hex, p.vendorID, "-", p.deviceID, "-", uuid, ".bin");
}

// Whether `data` starts with the header vkGetPipelineCacheData writes for this device and driver
// (VkPipelineCacheHeaderVersionOne: size, version, vendor, device, pipeline cache UUID).
bool cache_header_matches(const std::string& data, const VkPhysicalDeviceProperties& p) {
  VkPipelineCacheHeaderVersionOne h;
  if (data.size() < sizeof h) return false;
  std::memcpy(&h, data.data(), sizeof h);
  return h.headerSize >= sizeof h && h.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         h.vendorID == p.vendorID && h.deviceID == p.deviceID &&
         std::memcmp(h.pipelineCacheUUID, p.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

}  // namespace

const char* result_name(VkResult r) {
  switch (r) {
    case VK_SUCCESS:
      return "VK_SUCCESS";
    case VK_TIMEOUT:
      return "VK_TIMEOUT";
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED:
      return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST:
      return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED:
      return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_INCOMPATIBLE_DRIVER:
      return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS:
      return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FEATURE_NOT_PRESENT:
      return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT:
      return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_OUT_OF_POOL_MEMORY:
      return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default:
      return "a VkResult";
  }
}

void check(VkResult r, const char* what) {
  if (r == VK_SUCCESS) return;
  if (r == VK_ERROR_DEVICE_LOST)
    fail("vulkan: ", what,
         " failed: the device was lost (VK_ERROR_DEVICE_LOST; the driver may "
         "have reset a GPU whose work ran too long, or the GPU hung)");
  fail("vulkan: ", what, " failed: ", result_name(r), " (", static_cast<int>(r), ")");
}

std::vector<DeviceInfo> list_devices() {
  VkInstance instance = make_instance();
  std::vector<DeviceInfo> out;
  try {
    auto devices = physical_devices(instance);
    for (size_t i = 0; i < devices.size(); ++i)
      out.push_back(describe(devices[i], static_cast<int>(i)));
  } catch (...) {
    vkDestroyInstance(instance, nullptr);
    throw;
  }
  vkDestroyInstance(instance, nullptr);
  return out;
}

std::string unavailable_reason() {
  try {
    auto d = list_devices();
    if (d.empty()) return cat("no Vulkan device: ", kNoDriver);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

Context::Context(int device_index, bool fp16) {
  auto env_on = [](const char* name) {
    const char* v = std::getenv(name);
    return v && std::string(v) == "1";
  };
  force_staging = env_on("FILM_VULKAN_STAGING");
  naive_conv = env_on("FILM_VULKAN_NAIVE_CONV");
  instance = make_instance();
  try {
    auto devices = physical_devices(instance);
    if (devices.empty()) fail("no Vulkan device: ", kNoDriver);
    std::vector<DeviceInfo> infos;
    for (size_t i = 0; i < devices.size(); ++i)
      infos.push_back(describe(devices[i], static_cast<int>(i)));
    int chosen = -1;
    if (device_index >= 0) {
      if (device_index >= static_cast<int>(devices.size()))
        fail("there is no Vulkan device ", device_index,
             "; the devices here are:", device_list(infos));
      if (compute_family(devices[device_index]) < 0)
        fail("Vulkan device ", device_index, " (", infos[device_index].name,
             ") has no compute queue");
      chosen = device_index;
    } else {
      for (size_t i = 0; i < devices.size(); ++i)
        if (compute_family(devices[i]) >= 0 &&
            (chosen < 0 || infos[i].preference < infos[chosen].preference))
          chosen = static_cast<int>(i);
      if (chosen < 0) fail("no Vulkan device has a compute queue:", device_list(infos));
    }
    physical = devices[chosen];
    info = infos[chosen];
    queue_family = static_cast<uint32_t>(compute_family(physical));
    vkGetPhysicalDeviceProperties(physical, &props);
    vkGetPhysicalDeviceMemoryProperties(physical, &memory);

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    q.queueFamilyIndex = queue_family;
    q.queueCount = 1;
    q.pQueuePriorities = &priority;
    VkDeviceCreateInfo dc{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    VkPhysicalDevice16BitStorageFeatures s16{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    if (fp16) {
      if (!info.fp16_storage)
        fail("Vulkan device ", chosen, " (", info.name,
             ") has no 16-bit storage (storageBuffer16BitAccess), which --precision fp16 needs; "
             "use --precision fp32");
      s16.storageBuffer16BitAccess = VK_TRUE;
      dc.pNext = &s16;
    }
    dc.queueCreateInfoCount = 1;
    dc.pQueueCreateInfos = &q;
    check(vkCreateDevice(physical, &dc, nullptr, &device), "vkCreateDevice");
    vkGetDeviceQueue(device, queue_family, 0, &queue);

    uint32_t nf = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &nf, nullptr);
    std::vector<VkQueueFamilyProperties> fam(nf);
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &nf, fam.data());
    if (fam[queue_family].timestampValidBits > 0 && props.limits.timestampPeriod > 0)
      timestamp_period_ns = props.limits.timestampPeriod;

    VkCommandPoolCreateInfo pc{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pc.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pc.queueFamilyIndex = queue_family;
    check(vkCreateCommandPool(device, &pc, nullptr, &pool), "vkCreateCommandPool");

    // The on-disk pipeline cache, used only when its header is this device's and driver's (the
    // spec lets only such data reach the driver); an unreadable or foreign file only costs the
    // compile time.
    cache_path_ = cache_file(props);
    std::string data;
    if (!cache_path_.empty() && std::filesystem::exists(cache_path_)) {
      try {
        data = io::read_file(cache_path_);
      } catch (const Error&) {  // unreadable: compile afresh
      }
      if (!cache_header_matches(data, props)) data.clear();
    }
    VkPipelineCacheCreateInfo cc{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    cc.initialDataSize = data.size();
    cc.pInitialData = data.empty() ? nullptr : data.data();
    if (vkCreatePipelineCache(device, &cc, nullptr, &cache_) != VK_SUCCESS) {
      cc.initialDataSize = 0;
      cc.pInitialData = nullptr;
      check(vkCreatePipelineCache(device, &cc, nullptr, &cache_), "vkCreatePipelineCache");
    }
  } catch (...) {
    if (pool) vkDestroyCommandPool(device, pool, nullptr);
    if (device) vkDestroyDevice(device, nullptr);
    vkDestroyInstance(instance, nullptr);
    throw;
  }
}

void Context::save_cache() {
  if (cache_path_.empty() || !cache_) return;
  size_t n = 0;
  if (vkGetPipelineCacheData(device, cache_, &n, nullptr) != VK_SUCCESS || n == 0) return;
  std::string data(n, '\0');
  if (vkGetPipelineCacheData(device, cache_, &n, data.data()) != VK_SUCCESS) return;
  data.resize(n);
  // Best effort, written whole or not at all (a cache, never needed for correctness).
  try {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cache_path_).parent_path(), ec);
    io::write_file_atomic(cache_path_, data);
  } catch (const Error&) {
  }
}

Context::~Context() {
  if (device) vkDeviceWaitIdle(device);
  save_cache();
  for (auto& [k, p] : pipelines_) vkDestroyPipeline(device, p.pipeline, nullptr);
  for (auto& [k, l] : layouts_) {
    vkDestroyPipelineLayout(device, l.second, nullptr);
    vkDestroyDescriptorSetLayout(device, l.first, nullptr);
  }
  for (auto& [k, m] : modules_) vkDestroyShaderModule(device, m, nullptr);
  if (cache_) vkDestroyPipelineCache(device, cache_, nullptr);
  if (pool) vkDestroyCommandPool(device, pool, nullptr);
  if (device) vkDestroyDevice(device, nullptr);
  if (instance) vkDestroyInstance(instance, nullptr);
}

const Pipeline& Context::pipeline(const std::string& shader, Variant variant,
                                  const std::vector<uint32_t>& spec, uint32_t bindings) {
  std::lock_guard<std::mutex> lock(mutex);
  const auto which = std::make_pair(shader, static_cast<int>(variant));
  auto key = std::make_pair(which, spec);
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return it->second;

  auto& layout = layouts_[bindings];
  if (!layout.first) {
    std::vector<VkDescriptorSetLayoutBinding> b(bindings);
    for (uint32_t i = 0; i < bindings; ++i) {
      b[i].binding = i;
      b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      b[i].descriptorCount = 1;
      b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo li{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    li.bindingCount = bindings;
    li.pBindings = b.data();
    check(vkCreateDescriptorSetLayout(device, &li, nullptr, &layout.first),
          "vkCreateDescriptorSetLayout");
    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushBytes};
    VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &layout.first;
    pl.pushConstantRangeCount = 1;
    pl.pPushConstantRanges = &range;
    check(vkCreatePipelineLayout(device, &pl, nullptr, &layout.second), "vkCreatePipelineLayout");
  }
  VkShaderModule& module = modules_[which];
  if (!module) {
    const spirv::Shader& c = code_of(shader, variant);
    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = c.bytes;
    mi.pCode = c.words;
    check(vkCreateShaderModule(device, &mi, nullptr, &module), "vkCreateShaderModule");
  }
  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (uint32_t i = 0; i < spec.size(); ++i) entries[i] = {i, 4 * i, 4};
  VkSpecializationInfo si{static_cast<uint32_t>(entries.size()), entries.data(), 4 * spec.size(),
                          spec.data()};
  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module;
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
  ci.layout = layout.second;
  Pipeline p;
  p.layout = layout.second;
  p.set_layout = layout.first;
  p.bindings = bindings;
  check(vkCreateComputePipelines(device, cache_, 1, &ci, nullptr, &p.pipeline),
        "vkCreateComputePipelines");
  return pipelines_[key] = p;
}

int Context::memory_type(uint32_t type_bits, VkMemoryPropertyFlags required,
                         VkMemoryPropertyFlags preferred) const {
  int fallback = -1;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
    if (!(type_bits & (1u << i))) continue;
    const VkMemoryPropertyFlags f = memory.memoryTypes[i].propertyFlags;
    if ((f & required) != required) continue;
    if ((f & preferred) == preferred) return static_cast<int>(i);
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  return fallback;
}

void Context::wait(VkFence fence, const char* what) {
  // A generous bound: a run that takes minutes on a software device is still progressing.
  constexpr uint64_t kSecond = 1000000000ull;
  for (int waited = 0;; ++waited) {
    const VkResult r = vkWaitForFences(device, 1, &fence, VK_TRUE, 10 * kSecond);
    if (r == VK_SUCCESS) return;
    if (r != VK_TIMEOUT || waited >= 360) check(r == VK_TIMEOUT ? VK_ERROR_DEVICE_LOST : r, what);
  }
}

void Context::run_now(const std::function<void(VkCommandBuffer)>& record) {
  std::lock_guard<std::mutex> lock(mutex);
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb;
  check(vkAllocateCommandBuffers(device, &ai, &cb), "vkAllocateCommandBuffers");
  VkFence fence = VK_NULL_HANDLE;
  try {
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer");
    record(cb);
    check(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    check(vkCreateFence(device, &fi, nullptr, &fence), "vkCreateFence");
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cb;
    check(vkQueueSubmit(queue, 1, &si, fence), "vkQueueSubmit (a copy)");
    wait(fence, "waiting for a copy");
  } catch (...) {
    if (fence) vkDestroyFence(device, fence, nullptr);
    vkFreeCommandBuffers(device, pool, 1, &cb);
    throw;
  }
  vkDestroyFence(device, fence, nullptr);
  vkFreeCommandBuffers(device, pool, 1, &cb);
}

DeviceBuffer::DeviceBuffer(Context& ctx, size_t bytes, bool staging) : Buffer(bytes), ctx_(ctx) {
  const VkDeviceSize size = std::max<size_t>(bytes, 4);
  auto mib = [](double b) { return cat(static_cast<int64_t>(b / (1 << 20) + 0.5), " MiB"); };
  VkDeviceSize largest_heap = 0;
  for (uint32_t h = 0; h < ctx.memory.memoryHeapCount; ++h)
    largest_heap = std::max(largest_heap, ctx.memory.memoryHeaps[h].size);
  auto out_of_memory = [&](VkDeviceSize heap) {
    fail("vulkan: out of device memory: ", ctx.info.name, " could not allocate ", mib(bytes),
         " (its largest memory heap holds ", mib(double(heap)),
         "); try a smaller size, another device (film devices) or --backend cpu");
  };
  if (size > largest_heap) out_of_memory(largest_heap);
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = size;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  const VkResult made = vkCreateBuffer(ctx.device, &bi, nullptr, &buffer_);
  if (made == VK_ERROR_OUT_OF_DEVICE_MEMORY || made == VK_ERROR_OUT_OF_HOST_MEMORY)
    out_of_memory(largest_heap);
  check(made, "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(ctx.device, buffer_, &req);
  const VkMemoryPropertyFlags host =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const int type =
      staging ? ctx.memory_type(req.memoryTypeBits, host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT)
              : ctx.memory_type(req.memoryTypeBits, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0) {
    vkDestroyBuffer(ctx.device, buffer_, nullptr);
    fail("vulkan: device ", ctx.info.name, " has no memory type for a buffer of ", mib(bytes));
  }
  const VkMemoryType& mt = ctx.memory.memoryTypes[type];
  const VkDeviceSize heap = ctx.memory.memoryHeaps[mt.heapIndex].size;
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = static_cast<uint32_t>(type);
  const VkResult r = req.size > heap ? VK_ERROR_OUT_OF_DEVICE_MEMORY
                                     : vkAllocateMemory(ctx.device, &ai, nullptr, &memory_);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(ctx.device, buffer_, nullptr);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) out_of_memory(heap);
    check(r, "vkAllocateMemory");
  }
  VkResult done = vkBindBufferMemory(ctx.device, buffer_, memory_, 0);
  if (done == VK_SUCCESS && (mt.propertyFlags & host) == host)
    done = vkMapMemory(ctx.device, memory_, 0, VK_WHOLE_SIZE, 0, &mapped_);
  if (done != VK_SUCCESS) {  // no destructor runs for a constructor that throws
    vkDestroyBuffer(ctx.device, buffer_, nullptr);
    vkFreeMemory(ctx.device, memory_, nullptr);
    check(done, "binding or mapping device memory");
  }
}

DeviceBuffer::~DeviceBuffer() {
  if (mapped_) vkUnmapMemory(ctx_.device, memory_);
  vkDestroyBuffer(ctx_.device, buffer_, nullptr);
  vkFreeMemory(ctx_.device, memory_, nullptr);
}

}  // namespace film::vulkan
