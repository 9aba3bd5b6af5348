#include "backends/onednn/onednn_backend.h"
#include "backends/ref/ref_backend.h"
#include "engine/backend.h"
#include "engine/error.h"

namespace film {

std::vector<BackendInfo> list_backends() {
  const std::string cpu_why = onednn::unavailable_reason();
  return {{"ref", "reference: plain loops, double accumulation; the oracle for tests", true, ""},
          {"cpu", "oneDNN primitives (OpenMP threads), fused conv + leaky ReLU", cpu_why.empty(), cpu_why}};
}

std::string default_backend() { return onednn::unavailable_reason().empty() ? "cpu" : "ref"; }

std::unique_ptr<Backend> create_backend(const std::string& name) {
  if (name == "ref") return std::make_unique<ref::RefBackend>();
  if (name == "cpu") return std::make_unique<onednn::CpuBackend>();
  std::string avail;
  for (auto& b : list_backends())
    if (b.available) avail += (avail.empty() ? "" : ", ") + b.name;
  fail("unknown backend '", name, "' (available: ", avail, ")");
}

}  // namespace film
