#pragma once
#include <array>
#include <cstdint>

namespace film::graph {
// resize: integer upscale, bilinear with half-pixel centres or nearest.
struct ResizeParams {
  bool bilinear = false;  // else nearest
  std::array<int64_t, 2> scale{};
};
}  // namespace film::graph
