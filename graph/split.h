// split_by_input(): a two-input graph cut into the part that sees one input alone (FILM's image
// pyramid and shared feature encoder) and the rest, so that a frame met by several pairs is
// encoded once (`film video`, `film interpolate --times`): the encoder runs on each frame, the
// decoder on two frames' encoder outputs. Exact: the same nodes run on the same values.
//
// Which values pair up: a value's signature is a hash of its op, attributes, weights and the
// signatures of its inputs, with both graph inputs given the same signature, so two values have
// one signature when they are the same function of their own input (the shared-weight encoder
// makes x0's level-3 features and x1's level-3 features such a pair). The frontier of input s is
// every value that depends on input s alone and is read by a node that does not.
//
// Usage:
//   auto s = film::graph::split_by_input(flat, {{"x0", {1,3,256,256}}, {"x1", {1,3,256,256}}});
//   if (s) { /* run s->encoder on each frame; feed s->side0 / s->side1 to s->decoder */ }
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/shapes.h"

namespace film::graph {

struct InputSplit {
  Graph encoder;  // input: the first graph input; outputs: side0, in order
  Graph decoder;  // inputs: side0 then side1 (concrete shapes); outputs: the non-aux outputs
  std::vector<std::string> side0, side1;  // side1[i] is to input 1 what side0[i] is to input 0
  size_t encoder_nodes = 0;               // nodes the encoder runs (per frame)
};

// Aux outputs are left out. nullopt when the graph does not split usefully: not two inputs, an
// output that depends on one input alone, frontiers that do not pair up, or no node that sees one
// input alone.
// `inputs`: the concrete input shapes the decoder's input declarations are made for.
std::optional<InputSplit> split_by_input(const Graph& flat, const ShapeMap& inputs);

}  // namespace film::graph
