// Session: runs a Model on one backend.
//
// For each distinct set of input shapes (and requested outputs) the session plans once: prunes
// the graph to what the outputs need, infers shapes, asks the backend to support and compile
// every node, and plans memory. Runs then execute the DAG on oneTBB.
// Threading: one run at a time per Session (run() locks); make one Session per thread to run
// several models concurrently. Results are bit-identical for any `threads` on the ref backend;
// other backends state their own promise (backends/onednn/onednn_backend.h).
// Usage:
//   film::Session s(film::Model::load(dir), {.backend = "ref", .threads = 2});
//   auto out = s.run({{"x0", a}, {"x1", b}});           // non-aux outputs
//   film::Tensor mid = out.at("image");
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/model.h"
#include "graph/shapes.h"

namespace film {

struct SessionOptions {
  std::string backend = "ref";
  int threads = 0;            // <= 0: all cores
  bool reuse_memory = true;   // false: every intermediate gets its own bytes (debugging)
  bool profile = false;       // record per-node times
};

struct PlanReport {
  size_t nodes = 0;
  size_t arena_bytes = 0;               // planned peak of intermediates
  size_t intermediate_bytes = 0;        // the same without reuse
  size_t output_bytes = 0;
  size_t input_bytes = 0;
  size_t weight_bytes = 0;
  size_t in_place_nodes = 0;
  size_t planned_peak() const { return arena_bytes + output_bytes + input_bytes + weight_bytes; }
};

struct NodeProfile {
  std::string name, op;
  double seconds = 0;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, SessionOptions options = {});
  ~Session();

  // `outputs` empty: every non-aux output of the graph.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                    std::vector<std::string> outputs = {});
  // Plans (shape check, kernels, memory) without running.
  PlanReport plan(const graph::ShapeMap& inputs, std::vector<std::string> outputs = {});
  // Shapes of every value at these input shapes.
  graph::ShapeMap shapes(const graph::ShapeMap& inputs, std::vector<std::string> outputs = {});
  // Per-node times of the last run (only with options.profile).
  const std::vector<NodeProfile>& profile() const { return profile_; }
  const Model& model() const { return *model_; }
  const std::string& backend_name() const;

 private:
  struct Plan;
  Plan& get_plan(const graph::ShapeMap& inputs, std::vector<std::string>& outputs);

  std::shared_ptr<const Model> model_;
  SessionOptions options_;
  std::unique_ptr<Backend> backend_;
  std::string backend_name_;
  std::map<std::string, std::unique_ptr<Plan>> plans_;
  std::vector<NodeProfile> profile_;
  std::mutex mutex_;
};

}  // namespace film
