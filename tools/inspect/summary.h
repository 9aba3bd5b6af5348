// `film inspect`'s text summary of a graph (and, planned at a size, of its plan), and the inputs
// its runs take (--profile, --compare, --dump).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "engine/tensor.h"
#include "graph/graph.h"
#include "tools/inspect/inspect.h"

namespace film {

// The inputs a run of the graph gets: two images (padded as interpolate pads them), or a
// deterministic pattern at h x w, padded to what the graph takes.
struct RunInputs {
  std::map<std::string, Tensor> tensors;
  int64_t h = 0, w = 0, ph = 0, pw = 0;
};
// `images` "A,B" (empty: the pattern at h x w).
RunInputs run_inputs(const graph::Graph& g, const std::string& images, int64_t h, int64_t w);

// What the graph holds (inputs, outputs, weights, functions, ops after inlining) and, when
// `in.plan` is set, its MACs per stage and the plan's steps and memory; with `nodes`, every node.
std::string summary_text(const InspectInput& in, bool nodes);

}  // namespace film
