// film graph: writes FILM's operator graph for given options (for inspection or new models).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "models/film/options.h"
#include "tools/cli/cli.h"

namespace film::cli {
namespace {

struct Graph {
  std::string options, out;
  bool released = false, force = false;

  int run() const {
    if (options.empty() == !released) usage_fail("give one of --options and --released");
    model::FilmOptions o = model::released_options();
    if (!options.empty()) o = model::parse_options(io::read_file(options), options);
    const std::string text = graph::dump_graph(model::build_film_graph(o));
    if (out.empty() || out == "-") {
      std::fputs(text.c_str(), stdout);
      return 0;
    }
    io::OutputRule rule;
    rule.protect(options, "input");
    // A graph beside weights would no longer match them: a model folder is never written into.
    // (The folder named, and the one a link named resolves into.)
    std::error_code ec;
    for (const auto& at :
         {std::filesystem::absolute(out), std::filesystem::weakly_canonical(out, ec)})
      if (std::filesystem::exists(at.parent_path() / "weights.safetensors"))
        rule.protect_model(at.parent_path().string());
    rule.claim(out, force);
    io::write_file_atomic(out, text);
    return 0;
  }
};

}  // namespace

Runner graph_command(CLI::App& app) {
  auto c = std::make_shared<Graph>();
  app.description("Writes the FILM operator graph for the options (standard output without -o).");
  app.add_option("--options", c->options, "FILM's options as JSON (models/film/options.h)")
      ->type_name("OPTIONS.json");
  app.add_flag("--released", c->released, "the released models' options (Style, L1, VGG)");
  app.add_option("-o", c->out, "the graph file (- or none: standard output)")
      ->type_name("GRAPH.json")->group("Output");
  force_option(app, c->force);
  return [c] { return c->run(); };
}

}  // namespace film::cli
