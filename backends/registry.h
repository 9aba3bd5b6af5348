// The backends this build has, by name: the one place that knows them all (no static
// registration). Above the engine and every backend; the tools and the application layer use it
// to turn a --backend name into a Backend for a Session.
// Usage:
//   film::Session s(model, film::create_backend("cpu"), {.threads = 2});
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace film {

struct BackendStatus {
  std::string name;
  std::string summary;
  bool available;
  std::string why_unavailable;
};

// A Vulkan device as `film devices` lists it (index: what --device and "vulkan:N" take).
struct VulkanDevice {
  int index = 0;
  std::string name, type, api_version, driver;
  bool software = false;
  uint64_t memory_bytes = 0;
  bool fp16_storage = false;  // can run --precision fp16
};
// The Vulkan devices here; film::Error when there is no loader, no driver or no vulkan backend.
std::vector<VulkanDevice> vulkan_devices();

// Every backend this build knows, available or not.
std::vector<BackendStatus> list_backends();
// What the command-line tools use without --backend: "cpu" (oneDNN) when it is available, else
// "ref".
std::string default_backend();
// `name`: "ref", "cpu" (or "cpu:bf16": bfloat16 convolutions; "cpu:direct": fp32 without
// Winograd convolutions, which need less memory), or "vulkan" with optional ":N" (device N) and
// ":fp16" (fp16 storage).
// Throws film::Error naming the backend and listing the available ones when it cannot be made.
std::unique_ptr<Backend> create_backend(const std::string& name);
// The same backend planned to hold less memory, for a caller over its budget ("cpu" ->
// "cpu:direct": no Winograd scratchpads, blocked copies or transformed weights); "" when there is
// none.
std::string leaner_backend(const std::string& name);

}  // namespace film
