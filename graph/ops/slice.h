#pragma once
#include <cstdint>

namespace film::graph {
// slice: the range [begin, end) of one axis.
struct SliceParams {
  int axis = 0;
  int64_t begin = 0, end = 0;
};
}  // namespace film::graph
