#pragma once
namespace film::graph {
// scale: src times a per-image factor read from a value, out[n] = src[n] * (multiplier *
// factor[n] + offset): what lets a graph take a time (or any gain) as an input.
struct ScaleParams {
  float multiplier = 1;
  float offset = 0;
};
}  // namespace film::graph
