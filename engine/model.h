// Model: a graph plus its weights, loaded from a model directory
//   MODEL_DIR/graph.json          the operator graph (docs/graph-format.md)
//   MODEL_DIR/weights.safetensors every weight the graph declares, float32, by name
// Loading validates the graph, inlines its functions and binds the weights, reporting every
// missing, unused, mis-shaped or mis-typed weight by name. A Model is immutable once loaded and
// may be shared by several Sessions.
// Usage:
//   auto model = film::Model::load("models/film-default");
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "graph/graph.h"

namespace film {

struct Model {
  std::string name;    // for messages: the directory, or a caller-chosen label
  graph::Graph graph;  // as written, validated
  graph::Graph flat;   // functions inlined
  std::map<std::string, Tensor> weights;

  static std::shared_ptr<const Model> load(const std::string& dir);
  // `stored_dtypes` (optional): the dtype each weight was stored in, for the dtype check.
  static std::shared_ptr<const Model> from_parts(
      graph::Graph g, std::map<std::string, Tensor> weights, const std::string& name,
      const std::map<std::string, std::string>& stored_dtypes = {});
  // The graph with seeded random weights, for speed and memory measurements and tests (speed does
  // not depend on the values): 4-D kernels normal with standard deviation 1/sqrt(fan-in), which
  // keeps activations O(1) through FILM's 30-odd layers; every other weight (the biases) zero.
  static std::shared_ptr<const Model> random(graph::Graph g, uint32_t seed,
                                             const std::string& name);
  // from_parts with separate names for messages: the model, its graph and its weights.
  static std::shared_ptr<const Model> assemble(graph::Graph g,
                                               std::map<std::string, Tensor> weights,
                                               const std::string& name,
                                               const std::string& graph_where,
                                               const std::string& weights_where,
                                               const std::map<std::string, std::string>& dtypes);
  int64_t parameter_count() const;
  size_t weight_bytes() const;
};

// Writes MODEL_DIR (created if needed) with graph.json and weights.safetensors, each atomically.
// The weights are checked against the graph first, so a broken model is never written.
void save_model(const std::string& dir, const graph::Graph& g,
                const std::vector<std::pair<std::string, Tensor>>& weights);

}  // namespace film
