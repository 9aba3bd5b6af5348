#pragma once
#include <array>
#include <cstdint>

namespace film::graph {
// avg_pool2d: average pooling without padding.
struct AvgPool2dParams {
  std::array<int64_t, 2> kernel{}, stride{};
};
}  // namespace film::graph
