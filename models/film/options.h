// FILM's architecture options (the released "Style"/"L1"/"VGG" models all use kReleased) and
// the derived channel counts every builder and importer agrees on.
//
// Usage:
//   film::model::FilmOptions o = film::model::parse_options(json_text, "port-small.config.json");
//   film::graph::Graph g = film::model::build_film_graph(o);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace film::model {

struct FilmOptions {
  int pyramid_levels = 7;
  int fusion_pyramid_levels = 5;
  int specialized_levels = 3;
  int sub_levels = 4;
  int filters = 64;
  std::vector<int> flow_convs = {3, 3, 3, 3};
  std::vector<int> flow_filters = {32, 64, 128, 256};

  // Throws film::Error naming the option when the combination cannot form a FILM network.
  void check(const std::string& where = "FILM options") const;
  // Channels of the cascaded feature at pyramid level l.
  int feature_channels(int level) const;
  // Channels of the fusion decoder at level l (n_l in docs/FILM.md).
  int fusion_channels(int level) const;
  // Index into flow_convs/flow_filters of the predictor used at level l.
  int predictor_index(int level) const;
  // 2^(pyramid_levels-1): input sizes must be multiples of this.
  int size_multiple() const { return 1 << (pyramid_levels - 1); }
};

FilmOptions released_options();
FilmOptions parse_options(std::string_view json_text, const std::string& path);
FilmOptions options_from_json(const nlohmann::json& j, const std::string& path);
nlohmann::ordered_json options_to_json(const FilmOptions& o);

// The FILM operator graph for these options (see docs/graph-format.md and models/film/README.md).
graph::Graph build_film_graph(const FilmOptions& o);

// FILM's graph with the frame's time as a third input, "time" [N,1,1,1], instead of the constant
// 0.5: its fusion levels warp image 0 by the backward flow scaled by t and image 1 by the forward
// flow scaled by 1 - t (op scale; the official model's time input, which its released weights were
// trained only at 0.5 for). One model, and so one session, serves every time. film::Error naming
// `where` when the graph has no such scaled flows (not a FILM graph).
graph::Graph film_graph_with_time(const graph::Graph& g, const std::string& where);

// Engine weight names, shared by the graph builder and the importers.
std::string encoder_weight(int conv, const char* kind);  // encoder/conv{c}/{weight|bias}
std::string predictor_scope(const FilmOptions& o,
                            int index);  // flow/predictor_{l} | flow/predictor_shared
std::string fusion_weight(int level, int conv, const char* kind);  // fusion/level{l}/conv{j}/...
std::string fusion_output_weight(const char* kind);                // fusion/output/...

}  // namespace film::model
