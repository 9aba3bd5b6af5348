// film inspect: what a graph holds, and at a given size what it costs (shapes, MACs, memory); its
// runs (--profile, --compare, --dump) and --check. The work is the inspector's (tools/inspect/).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "backends/registry.h"
#include "engine/model.h"
#include "engine/plan.h"
#include "engine/session.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "graph/flatten.h"
#include "models/film/load.h"
#include "tools/app/padding.h"
#include "tools/app/session_options.h"
#include "tools/cli/cli.h"
#include "tools/inspect/check.h"
#include "tools/inspect/inspect.h"
#include "tools/inspect/summary.h"

namespace film::cli {
namespace {

namespace fs = std::filesystem;

struct Inspect {
  std::string path, size, format = "text", out, compare, images, dump;
  InterpolatorOptions backend;
  int runs = 3, top = 25;
  double tolerance = 1e-4;
  bool nodes = false, force = false, profile = false, check = false;
  // What was read: the graph as written and inlined, and a model's weights (if a folder).
  graph::Graph g, flat;
  std::shared_ptr<const Model> model;
  bool have_weights = false;
  io::OutputRule rule;  // what is read (never written over) and what -o writes

  void check_modes() const;
  void claim_outputs();
  void load();
  std::shared_ptr<const Model> model_or_random() const {
    return model ? model : Model::random(g, 1, path + " (random weights)");
  }
  RunInputs inputs() const {
    const auto [h, w] = parse_size(size.empty() ? "256x256" : size, "--size");
    return run_inputs(g, images, h, w);
  }
  int run_dump();
  int run_profile_or_compare(nlohmann::ordered_json& report);
  int run();
};

void Inspect::check_modes() const {
  if (!out.empty() && format == "text" && dump.empty())
    usage_fail("-o writes --format json, dot or html, or --dump's folder");
  if (!dump.empty() && out.empty()) usage_fail("--dump needs -o DIR, the folder for its files");
  if ((profile || !compare.empty()) && (format == "dot" || format == "html"))
    usage_fail(profile ? "--profile" : "--compare", " reports as text or json, not ", format);
  if (profile && !compare.empty()) usage_fail("--profile and --compare are separate runs; pick one");
  if (!dump.empty() && (profile || !compare.empty() || check))
    usage_fail("--dump is a run of its own; leave out --profile, --compare and --check");
  if (check && (profile || !compare.empty() || format == "dot" || format == "html"))
    usage_fail("--check reports alone, as text or json");
}

// Before anything is loaded or run: what this command reads is protected (the graph or model,
// --images, a --compare side that is a model folder) and -o is claimed, a report's file or
// --dump's folder, which must hold none of them.
void Inspect::claim_outputs() {
  if (fs::is_directory(path))
    rule.protect_model(path);
  else
    rule.protect(path, "input");
  for (const std::string* list : {&images, &compare}) {
    std::stringstream items(*list);
    for (std::string item; std::getline(items, item, ',');)
      if (fs::exists(item))
        fs::is_directory(item) ? rule.protect_model(item) : rule.protect(item, "input");
  }
  if (out.empty()) return;
  if (dump.empty()) return rule.claim(out, force);
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    fail(out, ": is a file; --dump writes a folder");
  if (fs::is_directory(out, ec) && !fs::is_empty(out, ec) && !force)
    fail(out, ": is not empty; choose a new folder, or pass --force to write into it");
  io::check_folder(out, "write --dump's files into it");
}

// Planning needs no weights: a bare graph plans on any backend exactly as a model does.
void Inspect::load() {
  if (fs::is_directory(path)) {
    model = film::model::load_model(path);
    g = model->graph;
    flat = model->flat;
    have_weights = true;
  } else {
    g = graph::read_graph(path);
    graph::validate(g, path);
    g = film::model::annotate_film_graph(std::move(g));
    flat = graph::flatten(g, path);
  }
}

int Inspect::run_dump() {
  std::vector<std::string> names;
  std::stringstream list(dump);
  for (std::string item; std::getline(list, item, ',');)
    if (!item.empty()) names.push_back(item);
  if (names.empty()) usage_fail("--dump takes value or node names, prefixes ending in *, or all");
  const RunInputs in = inputs();
  Session session(with_every_value_as_output(*model_or_random()),
                  create_backend(backend_spec(backend)), {.threads = backend.threads});
  const auto index = dump_values(session, in.tensors, names, out);
  if (format == "json") {
    std::printf("%s\n", index.dump(1).c_str());
    return 0;
  }
  std::printf("wrote %zu values of %s at %s (runs at %s) to %s: values.safetensors, pictures, "
              "index.html\n",
              index["values"].size(), path.c_str(), size_str(in.h, in.w).c_str(),
              size_str(in.ph, in.pw).c_str(), out.c_str());
  return 0;
}

// --profile or --compare: printed as text (returns the exit status), or put in `report` for the
// JSON document (returns -1).
int Inspect::run_profile_or_compare(nlohmann::ordered_json& report) {
  const RunInputs in = inputs();
  const std::string where =
      cat(path, " at ", size_str(in.h, in.w), " (runs at ", size_str(in.ph, in.pw), ")");
  const nlohmann::ordered_json at = {
      {"width", in.w}, {"height", in.h}, {"run_width", in.pw}, {"run_height", in.ph}};
  const std::string spec = backend_spec(backend);
  if (profile) {
    Session session(model_or_random(), create_backend(spec), {.threads = backend.threads, .profile = true});
    report = profile_report(session, in.tensors, runs);
    report["size"] = at;
    if (format != "text") return -1;
    std::printf("%s\n%s", where.c_str(), profile_text(report, static_cast<size_t>(top)).c_str());
    return 0;
  }
  const auto comma = compare.find(',');
  if (comma == std::string::npos)
    usage_fail("--compare takes two sides, A,B: backends (cpu, ref) or model folders");
  // A side: another model folder (of the same graph) on --backend, or this model on a backend.
  auto side = [&](const std::string& s) {
    const bool folder = fs::is_directory(s);
    return std::make_unique<Session>(
        with_every_value_as_output(folder ? *film::model::load_model(s) : *model_or_random()),
        create_backend(folder ? spec : s), SessionOptions{.threads = backend.threads});
  };
  auto sa = side(compare.substr(0, comma)), sb = side(compare.substr(comma + 1));
  report = compare_report(*sa, *sb, in.tensors, tolerance);
  report["size"] = at;
  if (format != "text") return -1;
  std::printf("%s\n%s", where.c_str(), compare_text(report, static_cast<size_t>(top)).c_str());
  return report.contains("first_differing") ? 1 : 0;
}

int Inspect::run() {
  check_modes();
  claim_outputs();
  if (check) {
    const auto problems = check_graph_file(path);
    if (format == "json")
      std::printf("%s\n", nlohmann::ordered_json({{"path", path}, {"valid", problems.empty()},
                                                  {"problems", problems}}).dump(1).c_str());
    else
      std::fputs(check_text(path, problems).c_str(), stdout);
    return problems.empty() ? 0 : 1;
  }
  const std::string spec = backend_spec(backend);
  load();
  if (!dump.empty()) return run_dump();
  nlohmann::ordered_json run_report;
  if (profile || !compare.empty())
    if (int rc = run_profile_or_compare(run_report); rc >= 0) return rc;
  // The plan at --size, for the summary and the report.
  InspectInput in{.graph = &g, .flat = &flat, .path = path, .backend = spec};
  if (have_weights) in.weights = &model->weights;  // not the random ones of a run
  std::optional<ExecutionPlan> plan;
  if (!size.empty()) {
    std::tie(in.height, in.width) = parse_size(size, "--size");
    const auto [ph, pw] = padded_size(g, in.height, in.width);  // what 'interpolate' runs at
    graph::ShapeMap shapes;
    for (auto& decl : g.inputs) shapes[decl.name] = {1, 3, ph, pw};
    std::vector<std::string> outputs;
    for (auto& o : flat.outputs)
      if (!o.aux) outputs.push_back(o.name);
    plan = make_plan(flat, *create_backend(spec), shapes, outputs, {}, path);
    in.plan = &*plan;
  }
  if (format == "text") {
    std::fputs(summary_text(in, nodes).c_str(), stdout);
    return 0;
  }
  auto report = inspect_report(in);
  if (profile) report["profile"] = run_report;
  if (!compare.empty()) report["compare"] = run_report;
  const std::string text = format == "json"  ? report.dump(1) + "\n"
                           : format == "dot" ? inspect_dot(report)
                                             : inspect_html(report);
  if (out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  io::write_file_atomic(out, text);
  return 0;
}

}  // namespace

Runner inspect_command(CLI::App& app) {
  auto c = std::make_shared<Inspect>();
  app.description(
      "Validates the graph (a model folder or a graph.json) and summarises it; with --size also\n"
      "shapes, MACs per stage and the plan the backend makes (default cpu): steps, reorders,\n"
      "concat slots, barriers, memory. Planning needs no weights, so a bare graph.json plans like\n"
      "a model folder. docs/inspect.md describes every mode.");
  app.add_option("MODEL_DIR|GRAPH.json", c->path, "the model folder or graph file")->required();
  app.add_option("--size", c->size, "plan (and run) at WIDTHxHEIGHT or 720p, 1080p, 4k")
      ->type_name("WxH");
  app.add_flag("--nodes", c->nodes, "every node after inlining (with shapes when --size is given)");
  app.add_option("--format", c->format,
                 "text; json: everything as one document; dot: Graphviz, function instances as "
                 "clusters; html: one self-contained page")
      ->check(CLI::IsMember({"text", "json", "dot", "html"}))->type_name("FORMAT");
  app.add_option("-o", c->out, "write the report (json, dot, html) or --dump's folder here")
      ->type_name("FILE|DIR")->group("Output");
  force_option(app, c->force);
  backend_options(app, c->backend);
  app.add_flag("--profile", c->profile,
                 "each step's median time per node, op and stage, with share and GFLOP/s")->group("Runs");
  app.add_option("--runs", c->runs, "profiled runs after a warm-up (default 3)")
      ->check(CLI::Range(1, 1000))->type_name("N")->group("Runs");
  app.add_option("--top", c->top, "the slowest nodes (or differing ones) shown (default 25)")
      ->check(CLI::Range(1, 100000))->type_name("N")->group("Runs");
  app.add_option("--compare", c->compare,
                   "run two sides on the same inputs and name the first node whose output differs "
                   "beyond the tolerance; a side is a backend (cpu, ref) or another model folder")
      ->type_name("A,B")->group("Runs");
  app.add_option("--tolerance", c->tolerance, "for --compare (default 1e-4)")
      ->check(CLI::NonNegativeNumber)->type_name("T")->group("Runs");
  app.add_option("--images", c->images, "run on two images instead of a pattern at --size")
      ->type_name("A,B")->group("Runs");
  app.add_option("--dump", c->dump,
                   "write the named values (comma-separated value or node names, prefixes ending "
                   "in *, or all) of one run to -o DIR: values.safetensors, pictures, index.html")
      ->type_name("NAMES")->group("Runs");
  app.add_flag("--check", c->check,
               "list every problem of the graph (and a model folder's weights) with its JSON "
               "pointer and line; exit 1 when there is any");
  return [c] { return c->run(); };
}

}  // namespace film::cli
