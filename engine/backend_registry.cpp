#include "backends/ref/ref_backend.h"
#include "engine/backend.h"
#include "engine/error.h"

namespace film {

std::vector<BackendInfo> list_backends() {
  return {{"ref", "reference: plain loops, double accumulation; the oracle for tests", true, ""}};
}

std::unique_ptr<Backend> create_backend(const std::string& name) {
  if (name == "ref") return std::make_unique<ref::RefBackend>();
  std::string avail;
  for (auto& b : list_backends())
    if (b.available) avail += (avail.empty() ? "" : ", ") + b.name;
  fail("unknown backend '", name, "' (available: ", avail, ")");
}

}  // namespace film
