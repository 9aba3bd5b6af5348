// film inspect: what a graph holds, and at a given size what it costs (shapes, MACs, memory).
#include <cstdio>
#include <filesystem>
#include <map>

#include "backends/registry.h"
#include "engine/backend.h"
#include "engine/session.h"
#include "graph/error.h"
#include "graph/flatten.h"
#include "tools/commands.h"

namespace film::cli {
namespace {

std::string mib(size_t bytes) { return cat(static_cast<double>(bytes) / (1 << 20), " MiB"); }

// The paper's three stages, by node name.
const char* stage_of(const std::string& node) {
  if (node.rfind("encoder", 0) == 0 || node.rfind("pyramid", 0) == 0 ||
      node.rfind("features", 0) == 0)
    return "feature extraction";
  if (node.rfind("flow_", 0) == 0) return "flow estimation";
  return "fusion";
}

}  // namespace

int cmd_inspect(const std::vector<std::string>& argv) {
  Args a(argv, {"--size", "--backend"}, {"--help", "--nodes"}, "inspect");
  if (a.flag("--help") || a.positional().size() != 1) {
    std::fputs(
        "usage: film inspect MODEL_DIR|GRAPH.json [--size HxW] [--backend cpu|ref] [--nodes]\n"
        "Validates the graph and summarises it; with --size also shapes, MACs per stage and the\n"
        "memory the backend plans (default: cpu for a model, ref for a bare graph, which has no\n"
        "weights to compile); --nodes lists every node after inlining (with shapes when --size is "
        "given).\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  const std::string path = a.positional()[0];
  std::shared_ptr<const Model> model;
  std::string backend = a.get_or("--backend", default_backend());
  if (std::filesystem::is_directory(path)) {
    model = Model::load(path);
  } else {
    if (a.get("--backend") && backend != "ref")
      fail("--backend ", backend, " needs a model directory (weights)");
    backend = "ref";
    // A bare graph: placeholder weights of the declared shapes are enough to plan.
    graph::Graph g = graph::read_graph(path);
    std::map<std::string, Tensor> w;
    for (auto& d : g.weights) w[d.name] = Tensor::view(nullptr, d.shape);
    model = Model::from_parts(g, w, path);
  }
  const graph::Graph& g = model->graph;
  size_t aux = 0;
  for (auto& o : g.outputs) aux += o.aux;
  std::printf("%s: graph '%s' (format version %d) is valid\n", path.c_str(), g.name.c_str(),
              g.version);
  std::printf("  inputs: ");
  for (auto& in : g.inputs) {
    std::string s;
    for (auto& d : in.shape)
      s += (s.empty() ? "" : ",") + std::visit([](auto& v) { return cat(v); }, d);
    std::printf("%s[%s] ", in.name.c_str(), s.c_str());
  }
  std::printf("\n  outputs: %zu (+%zu aux)\n", g.outputs.size() - aux, aux);
  std::printf("  weights: %zu tensors, %lld parameters (%s)\n", g.weights.size(),
              static_cast<long long>(model->parameter_count()), mib(model->weight_bytes()).c_str());
  std::map<std::string, int> calls;
  for (auto& n : g.nodes)
    if (n.op == "call") ++calls[n.function];
  for (auto& [name, f] : g.functions)
    std::printf("  function %s: %zu inputs, %zu outputs, %zu weights, %zu nodes\n", name.c_str(),
                f.inputs.size(), f.outputs.size(), f.weights.size(), f.nodes.size());
  std::map<std::string, int> ops;
  for (auto& n : model->flat.nodes) ++ops[n.op];
  std::printf("  after inlining: %zu nodes (", model->flat.nodes.size());
  bool first = true;
  for (auto& [op, c] : ops) {
    std::printf("%s%s %d", first ? "" : ", ", op.c_str(), c);
    first = false;
  }
  std::printf(")\n");

  graph::ShapeMap shapes;
  if (auto size = a.get("--size")) {
    auto [h, w] = parse_size(*size, "--size");
    graph::ShapeMap in;
    for (auto& decl : g.inputs) in[decl.name] = {1, 3, h, w};
    Session s(model, create_backend(backend), {});
    shapes = s.shapes(in);
    PlanReport r = s.plan(in);
    std::map<std::string, double> macs;
    double total = 0;
    for (auto& n : model->flat.nodes) {
      if (n.op != "conv2d" || !shapes.count(n.outputs[0])) continue;
      const Shape &o = shapes.at(n.outputs[0]), &wt = shapes.at(n.inputs[1]);
      double m = static_cast<double>(num_elements(o)) * wt[1] * wt[2] * wt[3];
      macs[stage_of(n.name)] += m;
      total += m;
    }
    std::printf("at %lldx%lld: %.2f GMAC per frame (", static_cast<long long>(h),
                static_cast<long long>(w), total / 1e9);
    first = true;
    for (auto& [stage, m] : macs) {
      std::printf("%s%s %.0f%%", first ? "" : ", ", stage.c_str(), 100 * m / total);
      first = false;
    }
    std::printf(
        ")\n  planned memory on backend %s: intermediates %s (%s without reuse, %zu nodes in "
        "place), weights %s,"
        " inputs+outputs %s; peak %s\n",
        backend.c_str(), mib(r.arena_bytes).c_str(), mib(r.intermediate_bytes).c_str(),
        r.in_place_nodes, mib(r.weight_bytes).c_str(), mib(r.input_bytes + r.output_bytes).c_str(),
        mib(r.planned_peak()).c_str());
  }
  if (a.flag("--nodes")) {
    for (size_t i : graph::topo_order(model->flat)) {
      const auto& n = model->flat.nodes[i];
      std::string ins;
      for (auto& v : n.inputs) ins += (ins.empty() ? "" : ", ") + v;
      std::string out = n.outputs[0];
      if (shapes.count(out)) out += " " + shape_str(shapes.at(out));
      std::printf("  %-40s %-10s %s -> %s\n", n.name.c_str(), n.op.c_str(), ins.c_str(),
                  out.c_str());
    }
  }
  return 0;
}

}  // namespace film::cli
