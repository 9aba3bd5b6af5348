#include "backends/registry.h"

#include "backends/ref/ref_backend.h"
#include "graph/error.h"
#ifdef FILM_HAVE_CPU_BACKEND
#include "backends/onednn/onednn_backend.h"
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

}  // namespace

std::vector<BackendInfo> list_backends() {
  const std::string cpu_why = cpu_unavailable_reason();
  return {
      {"ref", "reference: plain loops, double accumulation; the oracle for tests", true, ""},
      {"cpu", "oneDNN primitives (OpenMP threads), channels-last tensors, fused conv + leaky ReLU",
       cpu_why.empty(), cpu_why}};
}

std::string default_backend() { return cpu_unavailable_reason().empty() ? "cpu" : "ref"; }

std::unique_ptr<Backend> create_backend(const std::string& name) {
  if (name == "ref") return std::make_unique<ref::RefBackend>();
#ifdef FILM_HAVE_CPU_BACKEND
  if (name == "cpu") return std::make_unique<onednn::CpuBackend>();
#endif
  std::string avail;
  for (auto& b : list_backends())
    if (b.available) avail += (avail.empty() ? "" : ", ") + b.name;
  if (name == "cpu")
    fail("backend 'cpu' is not available: ", cpu_unavailable_reason(), " (available: ", avail, ")");
  fail("unknown backend '", name, "' (available: ", avail, ")");
}

}  // namespace film
