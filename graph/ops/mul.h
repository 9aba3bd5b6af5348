#pragma once
namespace film::graph {
// mul: multiplication by a scalar.
struct MulParams {
  float scalar = 0;
};
}  // namespace film::graph
