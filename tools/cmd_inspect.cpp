// film inspect: what a graph holds, and at a given size what it costs (shapes, MACs, memory).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "backends/registry.h"
#include "engine/app/image.h"
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

// The inputs a run of the graph gets: two images (--images A,B; padded as interpolate pads
// them), or a deterministic pattern at --size (default 256x256), padded to what the graph takes.
struct RunInputs {
  std::map<std::string, Tensor> tensors;
  int64_t h = 0, w = 0, ph = 0, pw = 0;
};

RunInputs run_inputs(const Args& a, const graph::Graph& g) {
  RunInputs r;
  if (g.inputs.size() != 2) fail("the graph has ", g.inputs.size(), " inputs; runs need two");
  std::vector<Tensor> frames;
  if (auto images = a.get("--images")) {
    const auto comma = images->find(',');
    if (comma == std::string::npos) usage_fail("--images takes two image files: A,B");
    for (const std::string& f : {images->substr(0, comma), images->substr(comma + 1)})
      frames.push_back(io::read_image(f).rgb);
    if (frames[0].shape() != frames[1].shape())
      fail(images->substr(comma + 1), ": size differs from ", images->substr(0, comma));
    r.h = frames[0].dim(2);
    r.w = frames[0].dim(3);
  } else {
    std::tie(r.h, r.w) = parse_size(a.get_or("--size", "256x256"), "--size");
    for (int k = 0; k < 2; ++k) {
      Tensor t = Tensor::zeros({1, 3, r.h, r.w});
      for (int64_t i = 0; i < t.size(); ++i)
        t.data()[i] = static_cast<float>((i * 7 + 40 * k) % 255) / 255;
      frames.push_back(t);
    }
  }
  std::tie(r.ph, r.pw) = padded_size(g, r.h, r.w);
  for (size_t k = 0; k < 2; ++k)
    r.tensors[g.inputs[k].name] = recentre(frames[k], r.ph, r.pw, Padding::replicate);
  return r;
}

// The line of `text` where `"name": "<name>"` first appears at or after `from`; 0 when nowhere.
size_t line_of_name(const std::string& text, const std::string& name, size_t from, size_t* at) {
  const std::string quoted = nlohmann::json(name).dump();
  for (size_t pos = text.find(quoted, from); pos != std::string::npos;
       pos = text.find(quoted, pos + 1)) {
    size_t k = pos;  // is it the value of a "name" key?
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '\n' ||
                     text[k - 1] == '\r'))
      --k;
    if (k == 0 || text[k - 1] != ':') continue;
    --k;
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
    if (k < 6 || text.compare(k - 6, 6, "\"name\"") != 0) continue;
    if (at) *at = pos;
    return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
  }
  return 0;
}

// `film inspect --check`: every problem of the graph (and, for a model folder, of its weights),
// each with its JSON pointer and line. Exit 1 when there is any.
int check_mode(const std::string& path, const std::string& format) {
  const bool dir = std::filesystem::is_directory(path);
  const std::string file = dir ? (std::filesystem::path(path) / "graph.json").string() : path;
  nlohmann::ordered_json problems = nlohmann::ordered_json::array();
  const std::string text = io::read_file(file);
  graph::Graph g;
  bool parsed = true;
  try {
    g = graph::parse_graph(text, file);
  } catch (const Error& e) {  // syntax and structure: the parser stops at the first
    problems.push_back({{"message", e.what()}});
    parsed = false;
  }
  if (parsed) {
    const auto raw = nlohmann::json::parse(text, nullptr, false);
    std::map<std::string, size_t> function_index;
    if (raw.is_object() && raw.contains("functions") && raw["functions"].is_array())
      for (size_t i = 0; i < raw["functions"].size(); ++i)
        if (raw["functions"][i].is_object() && raw["functions"][i].contains("name") &&
            raw["functions"][i]["name"].is_string())
          function_index[raw["functions"][i]["name"]] = i;
    for (const auto& p : graph::find_problems(g, file)) {
      nlohmann::ordered_json e = {{"message", p.message}};
      std::string pointer;
      size_t line = 0, from = 0;
      if (!p.function.empty()) {
        pointer = "/functions/" + std::to_string(function_index[p.function]);
        line = line_of_name(text, p.function, 0, &from);
      }
      if (p.node >= 0) {
        pointer += "/nodes/" + std::to_string(p.node);
        const auto& nodes = p.function.empty() ? g.nodes : g.functions.at(p.function).nodes;
        if (static_cast<size_t>(p.node) < nodes.size())
          if (size_t l = line_of_name(text, nodes[p.node].name, from, nullptr)) line = l;
      }
      if (!pointer.empty()) e["pointer"] = pointer;
      if (line) e["line"] = line;
      problems.push_back(e);
    }
    // Shapes, at the smallest size the dims rules allow (a channel mismatch shows at any size).
    if (problems.empty()) {
      graph::ShapeMap probe;
      std::string at;
      for (const auto& in : g.inputs) {
        Shape shape;
        for (size_t d = 0; d < in.shape.size(); ++d) {
          int64_t v = 0;
          if (auto* fixed = std::get_if<int64_t>(&in.shape[d])) {
            v = *fixed;
          } else {
            const std::string& sym = std::get<std::string>(in.shape[d]);
            v = d == 0 ? 1 : 8;
            if (auto rule = g.dims.find(sym); rule != g.dims.end()) {
              const int64_t m = std::max<int64_t>(1, rule->second.multiple_of);
              v = std::max(v, rule->second.min);
              v = (v + m - 1) / m * m;
            }
          }
          shape.push_back(v);
        }
        at += (at.empty() ? "" : ", ") + in.name + " " + shape_str(shape);
        probe[in.name] = shape;
      }
      try {
        // Every declared output (aux too), and what they need: nothing else runs.
        const graph::Graph flat = graph::flatten(g, file);
        std::vector<std::string> outs;
        for (const auto& o : flat.outputs) outs.push_back(o.name);
        graph::infer_shapes(graph::prune(flat, outs), probe, file);
      } catch (const Error& e) {
        problems.push_back({{"message", cat(e.what(), " (shapes checked with ", at, ")")}});
      }
    }
    if (problems.empty() && dir) {
      try {
        Model::load(path);  // the weights against the graph
      } catch (const Error& e) {
        problems.push_back({{"message", e.what()}});
      }
    }
  }
  if (format == "json") {
    const nlohmann::ordered_json r = {
        {"path", path}, {"valid", problems.empty()}, {"problems", problems}};
    std::printf("%s\n", r.dump(1).c_str());
  } else if (problems.empty()) {
    std::printf("%s: valid\n", path.c_str());
  } else {
    std::printf("%s: %zu problem%s\n", path.c_str(), problems.size(),
                problems.size() > 1 ? "s" : "");
    for (const auto& p : problems) {
      std::string where;
      if (p.contains("line")) where += file + ":" + std::to_string(p["line"].get<size_t>()) + ": ";
      if (p.contains("pointer")) where += p["pointer"].get<std::string>() + ": ";
      std::string message = p["message"];
      if (message.rfind(file + ": ", 0) == 0) message = message.substr(file.size() + 2);
      std::printf("  %s%s\n", where.c_str(), message.c_str());
    }
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

int cmd_inspect(const std::vector<std::string>& argv) {
  Args a(argv,
         {"--size", "--backend", "--format", "-o", "--runs", "--threads", "--top", "--compare",
          "--tolerance", "--images", "--dump"},
         {"--help", "--nodes", "--force", "--profile", "--check"}, "inspect");
  if (a.flag("--help") || a.positional().size() != 1) {
    std::fputs(
        "usage: film inspect MODEL_DIR|GRAPH.json [--size WxH] [--backend cpu|vulkan|ref] "
        "[--nodes]\n"
        "                    [--format text|json|dot|html] [-o FILE [--force]]\n"
        "       film inspect MODEL_DIR|GRAPH.json --profile [--size WxH] [--backend B] [--runs 3]\n"
        "                    [--threads N] [--top 25] [--images A,B] [--format text|json]\n"
        "       film inspect MODEL_DIR|GRAPH.json --compare A,B [--tolerance 1e-4] [--size WxH]\n"
        "                    [--images A,B] [--format text|json]\n"
        "       film inspect MODEL_DIR|GRAPH.json --check [--format text|json]\n"
        "       film inspect MODEL_DIR --dump NAMES|all -o DIR [--images A,B | --size WxH] "
        "[--force]\n"
        "Validates the graph and summarises it; with --size also shapes, MACs per stage and the\n"
        "plan the backend makes (default cpu): steps, reorders, concat slots, barriers, memory.\n"
        "Planning needs no weights, so a bare graph.json plans like a model directory.\n"
        "--nodes lists every node after inlining (with shapes when --size is given).\n"
        "--format json: everything as one JSON document (every node's op, attributes, stage,\n"
        "function instance; with --size its shape, MACs, step and planned memory, and the live\n"
        "bytes over the execution order); dot: Graphviz, function instances as clusters;\n"
        "html: one self-contained page (stages, instances, clickable nodes, memory timeline).\n"
        "--profile runs the graph (a bare graph with random weights; default size 256x256) and\n"
        "reports each step's median time per node, op and stage, with share and GFLOP/s.\n"
        "--compare A,B runs two sides on the same inputs and names the first node whose output\n"
        "differs beyond the tolerance, with a per-node error table; a side is a backend (cpu,\n"
        "ref) running this model, or another model folder of the same graph (on --backend).\n"
        "--images A,B runs on two images instead of a pattern at --size.\n"
        "--dump writes the named values (comma-separated value or node names, prefixes ending\n"
        "in *, or all) of one run to DIR: values.safetensors, a picture of each (flows in\n"
        "colour with a legend, images, feature mosaics) and index.html side by side per level.\n"
        "--check lists every problem of the graph (and a model folder's weights) with its JSON\n"
        "pointer and line, and exits 1 when there is any.\n"
        "docs/inspect.md describes every mode.\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  const std::string path = a.positional()[0];
  // Planning needs no weights: a bare graph plans on any backend exactly as a model does.
  const std::string format = a.get_or("--format", "text");
  if (format != "text" && format != "json" && format != "dot" && format != "html")
    usage_fail("--format takes text, json, dot or html, got '", format, "'");
  const auto dump = a.get("--dump");
  if (a.get("-o") && format == "text" && !dump)
    usage_fail("-o writes --format json or dot, or --dump's folder");
  if (dump && !a.get("-o")) usage_fail("--dump needs -o DIR, the folder for its files");
  const bool profile = a.flag("--profile");
  const auto compare = a.get("--compare");
  if ((profile || compare) && (format == "dot" || format == "html"))
    usage_fail(profile ? "--profile" : "--compare", " reports as text or json, not dot");
  if (profile && compare) usage_fail("--profile and --compare are separate runs; pick one");
  if (dump && (profile || compare || a.flag("--check")))
    usage_fail("--dump is a run of its own; leave out --profile, --compare and --check");
  if (a.flag("--check")) {
    if (profile || compare || format == "dot" || format == "html")
      usage_fail("--check reports alone, as text or json");
    return check_mode(path, format);
  }
  const double tolerance = a.get_real("--tolerance", 1e-4, 0, INFINITY);
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
  if (dump) {
    const std::string dir = *a.get("-o");
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
      fail(dir, ": is a file; --dump writes a folder");
    if (std::filesystem::is_directory(dir, ec) && !std::filesystem::is_empty(dir, ec) &&
        !a.flag("--force"))
      fail(dir, ": is not empty; choose a new folder, or pass --force to write into it");
    if (std::filesystem::is_directory(path) && std::filesystem::exists(dir, ec) &&
        std::filesystem::equivalent(dir, path, ec))
      fail(dir, ": is the model's folder; choose another");
    if (!model) model = Model::random(g, 1, path + " (random weights)");
    const RunInputs in = run_inputs(a, g);
    Session session(with_every_value_as_output(*model), create_backend(backend),
                    {.threads = threads});
    std::vector<std::string> names;
    std::stringstream list(*dump);
    for (std::string item; std::getline(list, item, ',');)
      if (!item.empty()) names.push_back(item);
    if (names.empty()) usage_fail("--dump takes value or node names, prefixes ending in *, or all");
    const auto index = dump_values(session, in.tensors, names, dir);
    if (format == "json") {
      std::printf("%s\n", index.dump(1).c_str());
    } else {
      std::printf(
          "wrote %zu values of %s at %s (runs at %s) to %s: values.safetensors, pictures, "
          "index.html\n",
          index["values"].size(), path.c_str(), size_str(in.h, in.w).c_str(),
          size_str(in.ph, in.pw).c_str(), dir.c_str());
    }
    return 0;
  }
  nlohmann::ordered_json prof, comp;
  if (profile || compare) {
    if (!model) model = Model::random(g, 1, path + " (random weights)");
    const RunInputs in = run_inputs(a, g);
    const std::string where =
        cat(path, " at ", size_str(in.h, in.w), " (runs at ", size_str(in.ph, in.pw), ")");
    const nlohmann::ordered_json size = {
        {"width", in.w}, {"height", in.h}, {"run_width", in.pw}, {"run_height", in.ph}};
    if (profile) {
      Session session(model, create_backend(backend), {.threads = threads, .profile = true});
      prof = profile_report(session, in.tensors, runs);
      prof["size"] = size;
      if (format == "text") {
        std::printf("%s\n%s", where.c_str(), profile_text(prof, static_cast<size_t>(top)).c_str());
        return 0;
      }
    } else {
      const auto comma = compare->find(',');
      if (comma == std::string::npos)
        usage_fail("--compare takes two sides, A,B: backends (cpu, ref) or model folders");
      // A side: another model folder (of the same graph) on --backend, or this model on a backend.
      auto side = [&](const std::string& s) {
        if (std::filesystem::is_directory(s))
          return std::make_unique<Session>(with_every_value_as_output(*Model::load(s)),
                                           create_backend(backend),
                                           SessionOptions{.threads = threads});
        return std::make_unique<Session>(with_every_value_as_output(*model), create_backend(s),
                                         SessionOptions{.threads = threads});
      };
      auto sa = side(compare->substr(0, comma)), sb = side(compare->substr(comma + 1));
      comp = compare_report(*sa, *sb, in.tensors, tolerance);
      comp["size"] = size;
      if (format == "text") {
        std::printf("%s\n%s", where.c_str(), compare_text(comp, static_cast<size_t>(top)).c_str());
        return comp.contains("first_differing") ? 1 : 0;
      }
    }
  }
  // The plan at --size, for the summary and the report.
  InspectInput in{.graph = &g, .flat = &flat, .path = path, .backend = backend};
  if (have_weights) in.weights = &model->weights;  // not the random ones of a run
  std::optional<ExecutionPlan> plan;
  if (auto size = a.get("--size")) {
    std::tie(in.height, in.width) = parse_size(*size, "--size");
    const auto [ph, pw] = padded_size(g, in.height, in.width);  // what 'interpolate' runs at
    graph::ShapeMap shapes;
    for (auto& decl : g.inputs) shapes[decl.name] = {1, 3, ph, pw};
    std::vector<std::string> outputs;
    for (auto& o : flat.outputs)
      if (!o.aux) outputs.push_back(o.name);
    plan = make_plan(flat, *create_backend(backend), shapes, outputs, {}, path);
    in.plan = &*plan;
  }
  if (format != "text") {
    auto report = inspect_report(in);
    if (profile) report["profile"] = prof;
    if (compare) report["compare"] = comp;
    const std::string text = format == "json"  ? report.dump(1) + "\n"
                             : format == "dot" ? inspect_dot(report)
                                               : inspect_html(report);
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
  if (plan) {
    shapes = plan->shapes;
    const PlanReport& r = plan->report;
    const int64_t h = in.height, w = in.width;
    const auto [ph, pw] = padded_size(g, h, w);
    const auto report = inspect_report(in);
    const double total = report["macs"];
    std::printf("at %s%s: %.2f GMAC per frame (", size_str(h, w).c_str(),
                ph != h || pw != w ? (" (runs at " + size_str(ph, pw) + ")").c_str() : "",
                total / 1e9);
    first = true;
    for (const auto& [stage, m] : report["stage_macs"].items()) {
      if (m.get<double>() == 0) continue;
      std::printf("%s%s %.0f%%", first ? "" : ", ", stage.c_str(), 100 * m.get<double>() / total);
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
