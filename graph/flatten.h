// Graph transformations run at load time.
//
// flatten(): inlines every function call, so the engine executes only primitive ops. An inlined
// node or value is named "<call name>/<name inside the function>"; a function output takes the
// name the call gives it; formal weights resolve to "<weight_scope>/<formal name>".
// prune(): keeps only the nodes the requested outputs depend on (dead-code elimination) — this
// is how a sub-tree encoder that computes 4 levels runs only 1 deep on the coarsest image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace film::graph {

// Limits on what inlining may make, checked before any node is copied (errors name the limit).
constexpr uint64_t kMaxFlatNodes = 1'000'000;
constexpr int kMaxCallDepth = 32;

Graph flatten(const Graph& g, const std::string& path = "graph");
Graph prune(const Graph& flat, const std::vector<std::string>& outputs);

// Topological order of a flat graph's nodes (stable: ties keep file order).
std::vector<size_t> topo_order(const Graph& flat);

}  // namespace film::graph
