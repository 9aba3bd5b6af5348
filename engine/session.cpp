#include "engine/session.h"

#include <chrono>
#include <cstdlib>
#include <set>

#include "engine/error.h"
#include "engine/fuse.h"
#include "engine/planner.h"
#include "engine/scheduler.h"
#include "graph/flatten.h"
#include "graph/ops.h"

namespace film {

struct Session::Plan {
  graph::Graph graph;  // pruned, in topological order
  graph::ShapeMap shapes;
  std::vector<std::string> value_names;
  std::map<std::string, int> value_index;
  std::vector<std::vector<int>> node_inputs, node_outputs, successors;
  std::vector<std::unique_ptr<Kernel>> kernels;
  MemoryPlan memory;
  PlanReport report;
  std::shared_ptr<float[]> arena;
};

Session::Session(std::shared_ptr<const Model> model, SessionOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  backend_ = create_backend(options_.backend);
  backend_name_ = backend_->name();
}

Session::~Session() = default;

const std::string& Session::backend_name() const { return backend_name_; }

Session::Plan& Session::get_plan(const graph::ShapeMap& inputs, std::vector<std::string>& outputs) {
  const graph::Graph& flat = model_->flat;
  if (outputs.empty())
    for (auto& o : flat.outputs)
      if (!o.aux) outputs.push_back(o.name);
  std::set<std::string> known;
  for (auto& o : flat.outputs) known.insert(o.name);
  for (auto& o : outputs)
    if (!known.count(o)) fail(model_->name, ": '", o, "' is not an output of this graph");

  std::string key;
  for (auto& [n, s] : inputs) key += n + shape_str(s) + ";";
  for (auto& o : outputs) key += o + ",";
  if (auto it = plans_.find(key); it != plans_.end()) return *it->second;

  auto plan = std::make_unique<Plan>();
  graph::Graph pruned = graph::prune(flat, outputs);
  // Shapes of the graph as written (Session::shapes() reports them, fused away or not). Fusing
  // only drops values (a conv's pre-activation output) and keeps every other shape, so the fused
  // graph needs no second inference.
  plan->shapes = graph::infer_shapes(pruned, inputs, model_->name);
  if (backend_->wants_fused_activation()) pruned = fuse_conv_activation(pruned, outputs);
  std::vector<size_t> order = graph::topo_order(pruned);
  plan->graph = pruned;
  plan->graph.nodes.clear();
  for (size_t i : order) plan->graph.nodes.push_back(pruned.nodes[i]);

  // Value table: graph inputs, weights, then node outputs in order.
  PlanProblem problem;
  std::set<std::string> output_set(outputs.begin(), outputs.end());
  auto add_value = [&](const std::string& name, int producer, bool in_arena) {
    plan->value_index[name] = static_cast<int>(plan->value_names.size());
    plan->value_names.push_back(name);
    PlanProblem::Value v;
    v.name = name;
    v.bytes = sizeof(float) * static_cast<size_t>(num_elements(plan->shapes.at(name)));
    v.producer = producer;
    v.in_arena = in_arena;
    problem.values.push_back(v);
  };
  for (auto& in : plan->graph.inputs) add_value(in.name, -1, false);
  for (auto& w : plan->graph.weights) add_value(w.name, -1, false);
  const auto& nodes = plan->graph.nodes;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (auto& o : nodes[i].outputs) add_value(o, static_cast<int>(i), !output_set.count(o));
  plan->node_inputs.resize(nodes.size());
  plan->node_outputs.resize(nodes.size());
  plan->successors.resize(nodes.size());
  problem.nodes.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::set<int> preds;
    for (auto& in : nodes[i].inputs) {
      int v = plan->value_index.at(in);
      plan->node_inputs[i].push_back(v);
      problem.values[v].consumers.push_back(static_cast<int>(i));
      if (problem.values[v].producer >= 0) preds.insert(problem.values[v].producer);
    }
    for (int p : preds) plan->successors[p].push_back(static_cast<int>(i));
    for (auto& o : nodes[i].outputs) plan->node_outputs[i].push_back(plan->value_index.at(o));
    problem.nodes[i].inputs = plan->node_inputs[i];
    problem.nodes[i].outputs = plan->node_outputs[i];
    problem.nodes[i].may_run_in_place = graph::find_op(nodes[i].op)->can_run_in_place;
  }
  problem.serial = !backend_->runs_nodes_concurrently();
  plan->memory = plan_memory(problem, options_.reuse_memory);

  // Kernels: ask the backend about every node before compiling any.
  std::vector<KernelDesc> descs(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    KernelDesc& d = descs[i];
    d.node_name = nodes[i].name;
    d.op = nodes[i].op;
    d.attrs = graph::complete_attrs(*graph::find_op(d.op), nodes[i].attrs);
    for (auto& in : nodes[i].inputs) {
      d.input_shapes.push_back(plan->shapes.at(in));
      auto w = model_->weights.find(in);
      d.constants.push_back(w != model_->weights.end() ? &w->second : nullptr);
    }
    for (auto& o : nodes[i].outputs) d.output_shapes.push_back(plan->shapes.at(o));
    d.in_place = plan->memory.in_place[i];
    d.threads = options_.threads;
    std::string why = backend_->unsupported_reason(d);
    if (!why.empty()) fail(model_->name, ": node '", d.node_name, "' (", d.op, ") cannot run on backend '",
                           backend_name_, "': ", why);
  }
  for (auto& d : descs) plan->kernels.push_back(backend_->create_kernel(d));

  PlanReport& r = plan->report;
  r.nodes = nodes.size();
  r.arena_bytes = plan->memory.arena_bytes;
  r.intermediate_bytes = plan->memory.total_intermediate_bytes;
  for (auto& o : outputs) r.output_bytes += sizeof(float) * num_elements(plan->shapes.at(o));
  for (auto& [n, s] : inputs) r.input_bytes += sizeof(float) * num_elements(s);
  r.weight_bytes = model_->weight_bytes();
  for (bool b : plan->memory.in_place) r.in_place_nodes += b;
  auto& slot = plans_[key];
  slot = std::move(plan);
  return *slot;
}

PlanReport Session::plan(const graph::ShapeMap& inputs, std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  return get_plan(inputs, outputs).report;
}

graph::ShapeMap Session::shapes(const graph::ShapeMap& inputs, std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  return get_plan(inputs, outputs).shapes;
}

std::map<std::string, Tensor> Session::run(const std::map<std::string, Tensor>& inputs,
                                           std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  graph::ShapeMap shapes;
  for (auto& [n, t] : inputs) {
    if (t.empty() && t.size() > 0) fail("input '", n, "' has no data");
    shapes[n] = t.shape();
  }
  Plan& plan = get_plan(shapes, outputs);
  if (!plan.arena && plan.memory.arena_bytes > 0) {
    // The planner's offsets are 64-byte aligned; so must the base be (SIMD kernels, and oneDNN's
    // resampling once crashed on a misaligned output).
    const size_t bytes = (plan.memory.arena_bytes + 63) / 64 * 64;
    float* base = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!base) fail("out of memory: the plan needs ", plan.memory.arena_bytes >> 20, " MiB of intermediates");
    plan.arena = std::shared_ptr<float[]>(base, [](float* p) { std::free(p); });
  }
  // One tensor per value: inputs and weights as given, outputs fresh, the rest in the arena.
  std::vector<Tensor> values(plan.value_names.size());
  std::map<std::string, Tensor> results;
  for (size_t v = 0; v < values.size(); ++v) {
    const std::string& name = plan.value_names[v];
    const Shape& s = plan.shapes.at(name);
    if (auto it = inputs.find(name); it != inputs.end()) {
      values[v] = it->second;
    } else if (auto w = model_->weights.find(name); w != model_->weights.end()) {
      values[v] = w->second;
    } else if (plan.memory.offsets[v] == MemoryPlan::kNotInArena) {
      values[v] = Tensor::zeros(s);
      results[name] = values[v];
    } else {
      values[v] = Tensor::view(plan.arena.get() + plan.memory.offsets[v] / sizeof(float), s);
    }
  }
  const auto& nodes = plan.graph.nodes;
  profile_.assign(options_.profile ? nodes.size() : 0, {});
  auto run_node = [&](int i) {
    std::vector<const Tensor*> in;
    std::vector<Tensor*> out;
    for (int v : plan.node_inputs[i]) in.push_back(&values[v]);
    for (int v : plan.node_outputs[i]) out.push_back(&values[v]);
    auto start = std::chrono::steady_clock::now();
    plan.kernels[i]->execute(in, out);
    if (options_.profile)
      profile_[i] = {nodes[i].name, nodes[i].op,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  };
  if (backend_->runs_nodes_concurrently()) {
    run_dag(plan.successors, options_.threads, run_node);
  } else {
    for (size_t i = 0; i < nodes.size(); ++i) run_node(static_cast<int>(i));  // topological order
  }
  return results;
}

}  // namespace film
