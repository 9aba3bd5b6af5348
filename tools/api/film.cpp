// film/film.h: the version and what this build can run on.
#include "film/film.h"

#include "backends/registry.h"

#ifndef FILM_VERSION
#define FILM_VERSION "unknown"
#endif
#ifndef FILM_COMMIT
#define FILM_COMMIT "unknown"
#endif

namespace film {

const char* version() { return "film " FILM_VERSION " (commit " FILM_COMMIT ")"; }

std::vector<BackendInfo> backends() {
  std::vector<BackendInfo> out;
  for (auto& b : list_backends()) out.push_back({b.name, b.summary, b.available, b.why_unavailable});
  return out;
}

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> out;
  for (auto& d : vulkan_devices())
    out.push_back({d.index, d.name, d.type, d.api_version, d.driver, d.software, d.memory_bytes,
                   d.fp16_storage});
  return out;
}

}  // namespace film
