#include "backends/registry.h"

#include "backends/ref/ref_backend.h"
#include "graph/error.h"
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

// "vulkan" -> -1 (the best device), "vulkan:2" -> 2; -2 for anything else.
int vulkan_device(const std::string& name) {
  if (name == "vulkan") return -1;
  if (name.rfind("vulkan:", 0) != 0 || name.size() == 7 || name.size() > 11) return -2;
  for (size_t i = 7; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return -2;
  return std::stoi(name.substr(7));
}

}  // namespace

std::vector<BackendInfo> list_backends() {
  const std::string cpu_why = cpu_unavailable_reason();
  const std::string vulkan_why = vulkan_unavailable_reason();
  return {
      {"ref", "reference: plain loops, double accumulation; the oracle for tests", true, ""},
      {"cpu", "oneDNN primitives (OpenMP threads), channels-last tensors, fused conv + leaky ReLU",
       cpu_why.empty(), cpu_why},
      {"vulkan",
       "GLSL compute shaders on any Vulkan device (vulkan:N picks device N; film devices lists "
       "them), tiled implicit-GEMM convolutions, fused leaky ReLU",
       vulkan_why.empty(), vulkan_why}};
}

std::vector<VulkanDevice> vulkan_devices() {
#ifdef FILM_HAVE_VULKAN_BACKEND
  std::vector<VulkanDevice> out;
  for (auto& d : vulkan::list_devices())
    out.push_back({d.index, d.name, d.type, d.api_version, d.driver, d.software, d.memory_bytes});
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
  if (name == "cpu") return std::make_unique<onednn::CpuBackend>();
#endif
  const int device = vulkan_device(name);
#ifdef FILM_HAVE_VULKAN_BACKEND
  if (device >= -1) {
    try {
      return std::make_unique<vulkan::VulkanBackend>(device);
    } catch (const Error& e) {
      fail("backend 'vulkan' is not available: ", e.what());
    }
  }
#endif
  std::string avail;
  for (auto& b : list_backends())
    if (b.available) avail += (avail.empty() ? "" : ", ") + b.name;
  if (name == "cpu")
    fail("backend 'cpu' is not available: ", cpu_unavailable_reason(), " (available: ", avail, ")");
  if (device >= -1)
    fail("backend 'vulkan' is not available: ", vulkan_unavailable_reason(), " (available: ", avail,
         ")");
  fail("unknown backend '", name, "' (available: ", avail, ")");
}

}  // namespace film
