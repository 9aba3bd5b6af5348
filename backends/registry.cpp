#include "backends/registry.h"

#include <algorithm>
#include <cstdlib>

#include "backends/ref/ref_backend.h"
#include "graph/base/error.h"
#ifdef FILM_HAVE_CPU_BACKEND
#include "backends/onednn/onednn_backend.h"
#endif
#ifdef FILM_HAVE_VULKAN_BACKEND
#include "backends/vulkan/vulkan_backend.h"
#endif

namespace film {
namespace {

std::string cpu_unavailable_reason() {
#ifdef FILM_HAVE_CPU_BACKEND
  return onednn::unavailable_reason();
#else
  return "this build has no cpu backend (configured with -DFILM_BACKEND_CPU=OFF)";
#endif
}

std::string vulkan_unavailable_reason() {
#ifdef FILM_HAVE_VULKAN_BACKEND
  return vulkan::unavailable_reason();
#else
  return "this build has no vulkan backend (configured with -DFILM_BACKEND_VULKAN=OFF)";
#endif
}

// A vulkan backend spec: "vulkan", then optionally ":N" (device N) and ":fp16" or ":fp32".
struct VulkanSpec {
  bool ok = false;
  int device = -1;  // the best one
  bool fp16 = false;
};
VulkanSpec vulkan_spec(const std::string& name) {
  VulkanSpec s;
  if (name != "vulkan" && name.rfind("vulkan:", 0) != 0) return s;
  size_t at = 6;
  bool seen_device = false, seen_precision = false;
  while (at < name.size()) {
    const size_t next = std::min(name.find(':', at + 1), name.size());
    const std::string part = name.substr(at + 1, next - at - 1);
    if (!seen_device && !seen_precision && !part.empty() && part.size() <= 3 &&
        part.find_first_not_of("0123456789") == std::string::npos) {
      s.device = std::stoi(part);
      seen_device = true;
    } else if (!seen_precision && (part == "fp16" || part == "fp32")) {
      s.fp16 = part == "fp16";
      seen_precision = true;
    } else {
      return s;
    }
    at = next;
  }
  s.ok = true;
  return s;
}

// The cpu backend's specs: "cpu" (= "cpu:fp32"), "cpu:bf16", "cpu:direct" (fp32, no Winograd).
bool is_cpu_spec(const std::string& name) {
  return name == "cpu" || name == "cpu:fp32" || name == "cpu:bf16" || name == "cpu:direct";
}

}  // namespace

std::string leaner_backend(const std::string& name) {
  return name == "cpu" || name == "cpu:fp32" ? "cpu:direct" : "";
}

std::vector<BackendStatus> list_backends() {
  const std::string cpu_why = cpu_unavailable_reason();
  const std::string vulkan_why = vulkan_unavailable_reason();
  return {{"ref", "reference: plain loops, double accumulation; the oracle for tests", true, ""},
          {"cpu",
           "oneDNN primitives (OpenMP threads), channels-last tensors, fused conv + leaky ReLU "
           "(cpu:bf16 runs the convolutions in bfloat16)",
           cpu_why.empty(), cpu_why},
          {"vulkan",
           "GLSL compute shaders on any Vulkan device (vulkan:N picks device N, vulkan:fp16 stores "
           "activations as half floats; film devices lists them), tiled implicit-GEMM convolutions",
           vulkan_why.empty(), vulkan_why}};
}

std::vector<VulkanDevice> vulkan_devices() {
#ifdef FILM_HAVE_VULKAN_BACKEND
  std::vector<VulkanDevice> out;
  for (auto& d : vulkan::list_devices())
    out.push_back({d.index, d.name, d.type, d.api_version, d.driver, d.software, d.memory_bytes,
                   d.fp16_storage});
  if (out.empty()) fail(vulkan_unavailable_reason());
  return out;
#else
  fail(vulkan_unavailable_reason());
#endif
}

std::string default_backend() { return cpu_unavailable_reason().empty() ? "cpu" : "ref"; }

std::unique_ptr<Backend> create_backend(const std::string& name) {
  if (name == "ref") return std::make_unique<ref::RefBackend>();
#ifdef FILM_HAVE_CPU_BACKEND
  if (is_cpu_spec(name)) {
    onednn::CpuOptions o;
    if (name == "cpu:bf16") o.precision = onednn::Precision::bf16;
    if (const char* e = std::getenv("FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB")) {
      char* end = nullptr;
      const unsigned long long mib = std::strtoull(e, &end, 10);
      if (!*e || *end || mib > (1ull << 30))
        fail("FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB must be a number of MiB (0 turns Winograd off), ",
             "got '", e, "'");
      o.winograd_max_scratch = static_cast<size_t>(mib) << 20;
    }
    if (name == "cpu:direct") o.winograd_max_scratch = 0;  // whatever the environment says
    return std::make_unique<onednn::CpuBackend>(o);
  }
#endif
  const VulkanSpec vk = vulkan_spec(name);
#ifdef FILM_HAVE_VULKAN_BACKEND
  if (vk.ok) {
    try {
      return std::make_unique<vulkan::VulkanBackend>(
          vk.device, vk.fp16 ? vulkan::Precision::fp16 : vulkan::Precision::fp32);
    } catch (const Error& e) {
      fail("backend 'vulkan' is not available: ", e.what());
    }
  }
#endif
  std::string avail;
  for (auto& b : list_backends())
    if (b.available) avail += (avail.empty() ? "" : ", ") + b.name;
  if (is_cpu_spec(name))
    fail("backend 'cpu' is not available: ", cpu_unavailable_reason(), " (available: ", avail, ")");
  if (vk.ok)
    fail("backend 'vulkan' is not available: ", vulkan_unavailable_reason(), " (available: ", avail,
         ")");
  fail("unknown backend '", name, "' (available: ", avail, ")");
}

}  // namespace film
