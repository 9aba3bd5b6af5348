#include "models/film/load.h"

#include "graph/base/error.h"
#include "models/film/options.h"

namespace film::model {
namespace {

bool annotated(const graph::Graph& g) {
  for (const auto& n : g.nodes)
    if (!n.stage.empty() || n.keep_fp32) return true;
  for (const auto& [name, f] : g.functions)
    for (const auto& n : f.nodes)
      if (!n.stage.empty() || n.keep_fp32) return true;
  return false;
}

// Copies the annotations of `from` onto `to` when both list the same nodes (names and ops).
bool copy_annotations(std::vector<graph::Node>& to, const std::vector<graph::Node>& from) {
  if (to.size() != from.size()) return false;
  for (size_t i = 0; i < to.size(); ++i)
    if (to[i].name != from[i].name || to[i].kind != from[i].kind) return false;
  for (size_t i = 0; i < to.size(); ++i) {
    to[i].stage = from[i].stage;
    to[i].keep_fp32 = from[i].keep_fp32;
  }
  return true;
}

}  // namespace

graph::Graph annotate_film_graph(graph::Graph g) {
  if (annotated(g) || !g.metadata.is_object() || !g.metadata.contains("options")) return g;
  graph::Graph fresh;
  try {
    fresh = build_film_graph(options_from_json(g.metadata["options"], "graph metadata"));
  } catch (const Error&) {
    return g;  // not FILM's options: nothing to take
  }
  graph::Graph out = g;
  if (!copy_annotations(out.nodes, fresh.nodes) || out.functions.size() != fresh.functions.size())
    return g;
  for (auto& [name, f] : out.functions) {
    auto it = fresh.functions.find(name);
    if (it == fresh.functions.end() || !copy_annotations(f.nodes, it->second.nodes)) return g;
  }
  return out;
}

std::shared_ptr<const Model> load_model(const std::string& dir) {
  auto m = Model::load(dir);
  graph::Graph g = annotate_film_graph(m->graph);
  if (annotated(g) == annotated(m->graph)) return m;
  return Model::from_parts(std::move(g), m->weights, m->name);
}

}  // namespace film::model
