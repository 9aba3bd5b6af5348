// film graph: writes FILM's operator graph for given options (for inspection or new models).
#include <cstdio>
#include <filesystem>

#include "graph/error.h"
#include "graph/file.h"
#include "models/film/options.h"
#include "tools/commands.h"

namespace film::cli {

int cmd_graph(const std::vector<std::string>& argv) {
  Args a(argv, {"--options", "-o"}, {"--help", "--released", "--force"}, "graph");
  if (a.flag("--help") || (!a.get("--options") && !a.flag("--released"))) {
    std::fputs(
        "usage: film graph (--options OPTIONS.json | --released) [-o GRAPH.json] [--force]\n"
        "Writes the FILM operator graph for the options (stdout without -o or with -o -); an\n"
        "existing GRAPH.json is replaced only with --force.\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  model::FilmOptions o = model::released_options();
  if (auto p = a.get("--options")) o = model::parse_options(io::read_file(*p), *p);
  std::string text = graph::dump_graph(model::build_film_graph(o));
  if (auto out = a.get("-o"); out && *out != "-") {
    if (auto p = a.get("--options")) io::check_not_an_input(*out, {*p});
    if (std::filesystem::exists(*out) && !a.flag("--force"))
      fail(*out, ": exists; pass --force to replace it");
    io::write_file_atomic(*out, text);
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

}  // namespace film::cli
