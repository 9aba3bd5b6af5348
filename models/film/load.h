// Loading a model folder the way every tool of this project does: Model::load, and for a FILM
// graph written before graphs carried the builder's annotations (graph::Node::stage,
// keep_fp32; format version 1 files of film 0.5 and earlier), those annotations taken from
// build_film_graph() of the options the graph records — by node name, only when the stored graph
// has exactly the nodes the builder makes — so that old converted models behave as new ones.
// Usage:
//   auto model = film::model::load_model("models/film-default");
#pragma once

#include <memory>
#include <string>

#include "engine/model.h"

namespace film::model {

std::shared_ptr<const Model> load_model(const std::string& dir);

// `g` with the builder's annotations where it lacks them (see above); unchanged otherwise.
graph::Graph annotate_film_graph(graph::Graph g);

}  // namespace film::model
