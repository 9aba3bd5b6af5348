// The film library: frame interpolation for large motion (FILM, Reda et al., ECCV 2022) on a
// dataflow engine with swappable backends. This header includes the whole public API:
//   film/error.h         film::Error and its kinds
//   film/image.h         images in memory (the caller's buffers) and on disk
//   film/interpolator.h  film::Interpolator: frames between two images
//   film/retime.h        film::retime: a video's or an image sequence's frame rate changed
// and declares what this build can run on. Nothing else of the project is needed to use it:
// link film::film (CMake: find_package(film)) or `pkg-config --libs film`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "film/error.h"
#include "film/image.h"
#include "film/interpolator.h"
#include "film/retime.h"

namespace film {

// "film 0.6.0 (commit abc1234)".
const char* version();

struct BackendInfo {
  std::string name{};     // what InterpolatorOptions::backend takes
  std::string summary{};  // one line
  bool available = false;
  std::string why_unavailable{};
};
// Every backend of this build, available here or not.
std::vector<BackendInfo> backends();

struct DeviceInfo {
  int index = 0;  // what InterpolatorOptions::device takes
  std::string name{}, type{}, api_version{}, driver{};
  bool software = false;  // a CPU implementation (for tests; slow)
  std::uint64_t memory_bytes = 0;
  bool fp16 = false;  // can run precision "fp16"
};
// The Vulkan devices here; film::Error saying why when there are none (no loader, no driver).
std::vector<DeviceInfo> devices();

}  // namespace film
