#pragma once
namespace film::graph {
// leaky_relu: x if x >= 0 else alpha * x.
struct LeakyReluParams {
  float alpha = 0;
};
}  // namespace film::graph
