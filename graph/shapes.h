// Shape inference for a flat graph at concrete input shapes.
//
// Checks every graph input against its declaration (rank, fixed dims, symbols bound consistently,
// dims rules such as "multiple of 64" — with the nearest sizes that would work) and computes the
// shape of every value. Throws film::Error naming the input or node.
// Usage:
//   auto shapes = film::graph::infer_shapes(flat, {{"x0", {1,3,256,256}}, {"x1", {1,3,256,256}}});
#pragma once

#include <map>
#include <string>

#include "graph/graph.h"

namespace film::graph {

using ShapeMap = std::map<std::string, Shape>;

ShapeMap infer_shapes(const Graph& flat, const ShapeMap& inputs, const std::string& path = "graph");

// Multiply-accumulates of one node at these shapes: a conv2d's output elements times its input
// channels and kernel area; 0 for every other op (their cost is negligible) and for nodes whose
// output the shapes do not cover (pruned away).
double node_macs(const Node& node, const ShapeMap& shapes);
// The sum of node_macs over a flat graph's nodes: the MACs of one run at these shapes.
double graph_macs(const Graph& flat, const ShapeMap& shapes);

// Checks inputs only (used for early, friendly errors); returns the bound symbols.
std::map<std::string, int64_t> check_inputs(const Graph& g, const ShapeMap& inputs,
                                            const std::string& path);

}  // namespace film::graph
