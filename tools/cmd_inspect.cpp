// film inspect: what a graph holds, and at a given size what it costs (shapes, MACs, memory).
#include <cstdio>
#include <filesystem>
#include <map>

#include "backends/registry.h"
#include "engine/app/inspect.h"
#include "engine/app/interpolate.h"
#include "engine/model.h"
#include "engine/plan.h"
#include "engine/session.h"
#include "graph/error.h"
#include "graph/file.h"
#include "graph/flatten.h"
#include "graph/shapes.h"
#include "tools/commands.h"

namespace film::cli {
namespace {

std::string mib(size_t bytes) { return cat(static_cast<double>(bytes) / (1 << 20), " MiB"); }

}  // namespace

int cmd_inspect(const std::vector<std::string>& argv) {
  Args a(argv, {"--size", "--backend", "--format", "-o", "--runs", "--threads", "--top"},
         {"--help", "--nodes", "--force", "--profile"}, "inspect");
  if (a.flag("--help") || a.positional().size() != 1) {
    std::fputs(
        "usage: film inspect MODEL_DIR|GRAPH.json [--size WxH] [--backend cpu|ref] [--nodes]\n"
        "                    [--format text|json|dot] [-o FILE [--force]]\n"
        "       film inspect MODEL_DIR|GRAPH.json --profile [--size WxH] [--backend B] [--runs 3]\n"
        "                    [--threads N] [--top 25] [--format text|json]\n"
        "Validates the graph and summarises it; with --size also shapes, MACs per stage and the\n"
        "plan the backend makes (default cpu): steps, reorders, concat slots, barriers, memory.\n"
        "Planning needs no weights, so a bare graph.json plans like a model directory.\n"
        "--nodes lists every node after inlining (with shapes when --size is given).\n"
        "--format json: everything as one JSON document (every node's op, attributes, stage,\n"
        "function instance; with --size its shape, MACs, step and planned memory, and the live\n"
        "bytes over the execution order); dot: Graphviz, function instances as clusters.\n"
        "--profile runs the graph (a bare graph with random weights; default size 256x256) and\n"
        "reports each step's median time per node, op and stage, with share and GFLOP/s.\n"
        "docs/inspect.md describes every mode.\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  const std::string path = a.positional()[0];
  // Planning needs no weights: a bare graph plans on any backend exactly as a model does.
  const std::string format = a.get_or("--format", "text");
  if (format != "text" && format != "json" && format != "dot")
    usage_fail("--format takes text, json or dot, got '", format, "'");
  if (a.get("-o") && format == "text") usage_fail("-o writes --format json or dot");
  const bool profile = a.flag("--profile");
  if (profile && format == "dot") usage_fail("--profile reports as text or json, not dot");
  const int runs = a.get_int("--runs", 3, 1, 1000), threads = a.get_int("--threads", 0, 0, 4096);
  const int top = a.get_int("--top", 25, 1, 100000);
  graph::Graph g, flat;
  bool have_weights = false;
  std::shared_ptr<const Model> model;
  if (std::filesystem::is_directory(path)) {
    model = Model::load(path);
    g = model->graph;
    flat = model->flat;
    have_weights = true;
  } else {
    g = graph::read_graph(path);
    graph::validate(g, path);
    flat = graph::flatten(g, path);
  }
  const std::string backend = a.get_or("--backend", default_backend());
  nlohmann::ordered_json prof;
  if (profile) {
    if (!model) model = Model::random(g, 1, path + " (random weights)");
    const auto [h, w] = parse_size(a.get_or("--size", "256x256"), "--size");
    const auto [ph, pw] = padded_size(g, h, w);
    Session session(model, create_backend(backend), {.threads = threads, .profile = true});
    std::map<std::string, Tensor> in;
    for (size_t k = 0; k < g.inputs.size(); ++k) {
      Tensor t = Tensor::zeros({1, 3, ph, pw});
      for (int64_t i = 0; i < t.size(); ++i)
        t.data()[i] = static_cast<float>((i * 7 + 40 * static_cast<int64_t>(k)) % 255) / 255;
      in[g.inputs[k].name] = t;
    }
    prof = profile_report(session, in, runs);
    prof["size"] = {{"width", w}, {"height", h}, {"run_width", pw}, {"run_height", ph}};
    if (format == "text") {
      std::printf("%s at %s (runs at %s)\n", path.c_str(), size_str(h, w).c_str(),
                  size_str(ph, pw).c_str());
      std::fputs(profile_text(prof, static_cast<size_t>(top)).c_str(), stdout);
      return 0;
    }
  }
  if (format != "text") {
    InspectInput in{.graph = &g, .flat = &flat, .path = path, .backend = backend};
    if (model) in.weights = &model->weights;
    ExecutionPlan plan;
    if (auto size = a.get("--size")) {
      const auto [h, w] = parse_size(*size, "--size");
      const auto [ph, pw] = padded_size(g, h, w);
      graph::ShapeMap shapes;
      for (auto& decl : g.inputs) shapes[decl.name] = {1, 3, ph, pw};
      std::vector<std::string> outputs;
      for (auto& o : flat.outputs)
        if (!o.aux) outputs.push_back(o.name);
      plan = make_plan(flat, *create_backend(backend), shapes, outputs, {}, path);
      in.plan = &plan;
      in.height = h;
      in.width = w;
    }
    auto report = inspect_report(in);
    if (profile) report["profile"] = prof;
    const std::string text = format == "json" ? report.dump(1) + "\n" : inspect_dot(report);
    if (auto out = a.get("-o")) {
      if (std::filesystem::exists(*out) && !a.flag("--force"))
        fail(*out, ": exists; pass --force to replace it");
      io::write_file_atomic(*out, text);
    } else {
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    return 0;
  }
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
  int64_t params = 0;
  for (auto& w : g.weights) params += num_elements(w.shape);
  std::printf("  weights: %zu tensors, %lld parameters (%s)%s\n", g.weights.size(),
              static_cast<long long>(params), mib(sizeof(float) * params).c_str(),
              have_weights ? "" : ", declared (a bare graph: no weight data)");
  std::map<std::string, int> calls;
  for (auto& n : g.nodes)
    if (n.op == "call") ++calls[n.function];
  for (auto& [name, f] : g.functions)
    std::printf("  function %s: %zu inputs, %zu outputs, %zu weights, %zu nodes\n", name.c_str(),
                f.inputs.size(), f.outputs.size(), f.weights.size(), f.nodes.size());
  std::map<std::string, int> ops;
  for (auto& n : flat.nodes) ++ops[n.op];
  std::printf("  after inlining: %zu nodes (", flat.nodes.size());
  bool first = true;
  for (auto& [op, c] : ops) {
    std::printf("%s%s %d", first ? "" : ", ", op.c_str(), c);
    first = false;
  }
  std::printf(")\n");

  graph::ShapeMap shapes;
  if (auto size = a.get("--size")) {
    const auto [h, w] = parse_size(*size, "--size");
    const auto [ph, pw] = padded_size(g, h, w);  // what 'interpolate' would run at
    graph::ShapeMap in;
    for (auto& decl : g.inputs) in[decl.name] = {1, 3, ph, pw};
    std::vector<std::string> outputs;
    for (auto& o : flat.outputs)
      if (!o.aux) outputs.push_back(o.name);
    const ExecutionPlan plan = make_plan(flat, *create_backend(backend), in, outputs, {}, path);
    shapes = plan.shapes;
    const PlanReport& r = plan.report;
    std::map<std::string, double> macs;
    double total = 0;
    for (auto& n : flat.nodes) {
      const double m = graph::node_macs(n, shapes);
      if (m == 0) continue;
      macs[stage_of(n)] += m;
      total += m;
    }
    std::printf("at %s%s: %.2f GMAC per frame (", size_str(h, w).c_str(),
                ph != h || pw != w ? (" (runs at " + size_str(ph, pw) + ")").c_str() : "",
                total / 1e9);
    first = true;
    for (auto& [stage, m] : macs) {
      std::printf("%s%s %.0f%%", first ? "" : ", ", stage.c_str(), 100 * m / total);
      first = false;
    }
    std::printf(
        ")\n  plan on backend %s: %zu steps (%zu reorders), %zu concat inputs written in place "
        "(%zu concats removed), %zu slices read in place, %zu barriers\n",
        backend.c_str(), r.steps, r.reorders, r.slots, r.elided_concats, r.slice_views, r.barriers);
    std::printf(
        "  planned memory: intermediates %s (%s without reuse; scratch up to %s; %zu nodes in "
        "place), "
        "weights %s + %s repacked, inputs+outputs %s; peak %s\n",
        mib(r.arena_bytes).c_str(), mib(r.intermediate_bytes).c_str(), mib(r.scratch_bytes).c_str(),
        r.in_place_nodes, mib(r.weight_bytes).c_str(), mib(r.prepared_weight_bytes).c_str(),
        mib(r.input_bytes + r.output_bytes).c_str(), mib(r.planned_peak()).c_str());
  }
  if (a.flag("--nodes")) {
    for (size_t i : graph::topo_order(flat)) {
      const auto& n = flat.nodes[i];
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
