// film devices: the backends this build has and whether they can run here, and the Vulkan
// devices with the index --device takes.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "film/film.h"
#include "tools/cli/cli.h"

namespace film::cli {
namespace {

void print_json(const std::vector<BackendInfo>& backends, const std::vector<DeviceInfo>& devices,
                const std::string& why) {
  nlohmann::ordered_json j = {{"backends", nlohmann::json::array()},
                              {"vulkan_devices", nlohmann::json::array()}};
  for (auto& b : backends)
    j["backends"].push_back(
        {{"name", b.name}, {"available", b.available}, {"why_unavailable", b.why_unavailable}});
  for (auto& d : devices)
    j["vulkan_devices"].push_back({{"index", d.index}, {"name", d.name}, {"type", d.type},
                                   {"software", d.software}, {"fp16", d.fp16},
                                   {"api_version", d.api_version},
                                   {"memory_mib", d.memory_bytes >> 20}});
  if (!why.empty()) j["vulkan_error"] = why;
  std::printf("%s\n", j.dump(2).c_str());
}

void print_text(const std::vector<BackendInfo>& backends, const std::vector<DeviceInfo>& devices) {
  std::printf("backends:\n");
  for (auto& b : backends)
    std::printf("  %-7s %s\n", b.name.c_str(),
                b.available ? "available" : ("unavailable: " + b.why_unavailable).c_str());
  if (!devices.empty()) std::printf("Vulkan devices (--backend vulkan --device N):\n");
  for (auto& d : devices)
    std::printf("  %d: %s (%s%s), Vulkan %s, %llu MiB, fp16 %s\n", d.index, d.name.c_str(),
                d.type.c_str(), d.software ? ": slow, for tests" : "", d.api_version.c_str(),
                static_cast<unsigned long long>(d.memory_bytes >> 20),
                d.fp16 ? "yes" : "no (--precision fp32 only)");
}

}  // namespace

Runner devices_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  app.description(
      "Lists the backends (--backend) and whether each can run here, then the Vulkan devices\n"
      "(--backend vulkan --device N; without --device: a discrete GPU before an integrated one\n"
      "before a software device). Exit status 1 when there is no Vulkan device.");
  app.add_flag("--json", *json, "as JSON")->group("Output");
  return [json] {
    const auto list = backends();
    std::vector<DeviceInfo> found;
    std::string why;
    try {
      found = devices();
    } catch (const Error& e) {
      why = e.what();
    }
    *json ? print_json(list, found, why) : print_text(list, found);
    if (!why.empty()) throw Error(why);
    return 0;
  };
}

}  // namespace film::cli
