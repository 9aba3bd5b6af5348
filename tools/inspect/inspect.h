// What `film inspect` knows about a graph, as one JSON document that every output format is made
// from (text summary, JSON for tools, DOT for Graphviz): the graph's declarations, its function
// instances, every node after inlining with its stage and function instance, and — planned at a
// size on a backend — every value's shape, every node's MACs and planned memory, and the arena's
// live bytes over the execution order.
//
// Usage:
//   InspectInput in{.graph = &g, .flat = &flat, .path = "m", .weights = &model->weights};
//   ExecutionPlan plan = make_plan(flat, backend, shapes, outputs, {}, "m");
//   in.plan = &plan;
//   nlohmann::ordered_json report = inspect_report(in);   // docs/inspect.md lists its keys
//   std::string dot = inspect_dot(report);
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/model.h"
#include "engine/plan.h"
#include "engine/session.h"
#include "engine/tensor.h"
#include "graph/graph.h"

namespace film {

// A node's stage, as the model builder tagged it (graph::Node::stage; FILM's: "pyramid" (image
// pyramids), "encoder" (the shared feature extractor and the feature stacks), "flow" (residual
// flow estimation, its warps included), "warp" (warping the inputs and features to the frame's
// time, before fusion), "fusion" (the U-Net decoder)); "other" for an untagged node.
std::string stage_of(const graph::Node& flat_node);

// Each flat node's function instance: the call path it was inlined from ("encoder0",
// "flow_forward/3/predictor") and that call's function; absent for top-level primitive nodes.
struct Instance {
  std::string path, function;
};
std::map<std::string, Instance> function_instances(const graph::Graph& g);

// min, max, mean, standard deviation, and the counts of NaN and infinite values of `t`
// (over the finite values; all 0 when there are none).
nlohmann::ordered_json tensor_stats(const Tensor& t);

struct InspectInput {
  const graph::Graph* graph = nullptr;                     // as written, validated
  const graph::Graph* flat = nullptr;                      // functions inlined
  std::string path;                                        // for the report's "path"
  const std::map<std::string, Tensor>* weights = nullptr;  // null: a bare graph
  const ExecutionPlan* plan = nullptr;                     // null: not planned (no size given)
  std::string backend;                                     // what planned it
  int64_t width = 0, height = 0;  // the size asked for (the plan runs at the padded size)
};

nlohmann::ordered_json inspect_report(const InspectInput& in);

// Runs `session` once to warm up (compile, first touch), then `runs` times with profiling on, and
// reports each step's median time over those runs: per node (sorted, slowest first), per op and
// per stage, with seconds, share of the total, MACs and GFLOP/s (2 FLOP per MAC). The session
// must have been made with SessionOptions::profile. Times are the backend's: host backends time
// each step on the CPU clock; a GPU backend reports its timestamps.
nlohmann::ordered_json profile_report(Session& session, const std::map<std::string, Tensor>& inputs,
                                      int runs);
// The same as text: the `top` slowest nodes, then every op and every stage.
std::string profile_text(const nlohmann::ordered_json& profile, size_t top);

// Runs two sessions (two backends, or two models of one graph, e.g. a SavedModel import and a
// port import) on the same inputs and compares every node's output in execution order: max and
// mean absolute error, where the largest error is ([n, c, y, x]) and the reference's largest
// magnitude there. "first_differing" names the first node whose max error exceeds `tolerance`
// (absent when none does). Session `a` is the reference. Compares the values both models declare
// as outputs: give the sessions models from with_every_value_as_output.
// `model` with every value its non-aux outputs need declared as an aux output, so that a Session
// can be asked for any intermediate value (as compare_report and dumps do).
std::shared_ptr<const Model> with_every_value_as_output(const Model& model);

nlohmann::ordered_json compare_report(Session& a, Session& b,
                                      const std::map<std::string, Tensor>& inputs,
                                      double tolerance);
std::string compare_text(const nlohmann::ordered_json& compare, size_t rows);

// `film inspect --dump`: runs `session` (its model from with_every_value_as_output) on `inputs`
// and writes the values `patterns` select ("all", a value or node name, or a prefix ending in
// '*') to `dir`: values.safetensors (NCHW float32) and a picture of each — flows ([1,2,H,W]) in
// the Middlebury colours with flow_legend.png, three-channel values as images, others as channel
// mosaics, and a warp's first three channels (the warped image) also as an image — plus
// index.html, which shows them side by side per resolution (pyramid level). Returns the index
// as JSON (each value's name, op, shape, pictures, and a flow's scale in pixels).
nlohmann::ordered_json dump_values(Session& session, const std::map<std::string, Tensor>& inputs,
                                   const std::vector<std::string>& patterns,
                                   const std::string& dir);

// The report as one self-contained HTML page (inspect_html.cpp): the graph by stages, function
// instances expandable, each node clickable for its details (also selected by the URL's
// "#node=NAME"), and the plan's memory timeline. No network, no other files.
std::string inspect_html(const nlohmann::ordered_json& report);

// Graphviz DOT of a report: nodes as boxes labelled with op, shape and MACs, coloured by stage,
// each function instance a cluster; values as edges.
std::string inspect_dot(const nlohmann::ordered_json& report);

}  // namespace film
