// Graph rewrites a backend may opt into before planning (Backend::wants_fused_activation()).
//
// fuse_conv_activation(): every leaky_relu whose input is a conv2d output that nothing else reads
// (and that is not a graph output) is folded into that conv2d as its "leaky_relu" attribute: the
// conv keeps its name, takes over the activation's output value, and the activation node goes.
// The result equals the unfused graph exactly on the ref backend (same float operations), and
// lets a backend apply the activation while the conv's output is still in registers.
// Usage:
//   graph::Graph g = film::fuse_conv_activation(pruned, {"image"});
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace film {

// `keep`: values that must stay visible (the requested outputs); graph outputs are kept too.
// `g` must be flat (no calls). Node order is preserved.
graph::Graph fuse_conv_activation(const graph::Graph& g, const std::vector<std::string>& keep);

}  // namespace film
