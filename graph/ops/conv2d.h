#pragma once
#include <array>
#include <cstdint>
#include <optional>

namespace film::graph {
// conv2d: 2-D convolution, OIHW weights, explicit zero padding.
struct Conv2dParams {
  std::array<int64_t, 4> pad{};     // top, left, bottom, right
  std::array<int64_t, 2> stride{};  // y, x
  std::optional<float> leaky_relu;  // fused activation slope (engine/fuse.h)
};
}  // namespace film::graph
