#include "graph/json_text.h"
#include "models/film/options.h"

#include "graph/base/error.h"

namespace film::model {

FilmOptions released_options() { return FilmOptions{}; }

void FilmOptions::check(const std::string& where) const {
  auto need = [&](bool ok, auto&&... msg) {
    if (!ok) fail(where, ": ", msg...);
  };
  need(pyramid_levels >= 1 && pyramid_levels <= 12, "pyramid_levels must be in 1..12, got ",
       pyramid_levels);
  need(fusion_pyramid_levels >= 1 && fusion_pyramid_levels <= pyramid_levels,
       "fusion_pyramid_levels must be in 1..pyramid_levels (", pyramid_levels, "), got ",
       fusion_pyramid_levels);
  need(sub_levels >= 1 && sub_levels <= 8, "sub_levels must be in 1..8, got ", sub_levels);
  need(specialized_levels >= 0 && specialized_levels < pyramid_levels,
       "specialized_levels must be in 0..pyramid_levels-1, got ", specialized_levels);
  need(specialized_levels >= sub_levels - 1, "specialized_levels (", specialized_levels,
       ") must be at least sub_levels - 1 (", sub_levels - 1,
       ") so that every level sharing the flow predictor has the same feature channels");
  need(filters >= 1 && filters <= 4096, "filters must be in 1..4096, got ", filters);
  need(static_cast<int>(flow_convs.size()) == specialized_levels + 1,
       "flow_convs needs specialized_levels + 1 = ", specialized_levels + 1, " entries, got ",
       flow_convs.size());
  need(static_cast<int>(flow_filters.size()) == specialized_levels + 1,
       "flow_filters needs specialized_levels + 1 = ", specialized_levels + 1, " entries, got ",
       flow_filters.size());
  for (int c : flow_convs) need(c >= 1 && c <= 16, "flow_convs entries must be in 1..16, got ", c);
  for (int f : flow_filters)
    need(f >= 2 && f % 2 == 0, "flow_filters entries must be even and >= 2, got ", f);
}

int FilmOptions::feature_channels(int level) const {
  int c = 0;
  for (int j = 0; j <= std::min(level, sub_levels - 1); ++j) c += filters << j;
  return c;
}

int FilmOptions::fusion_channels(int level) const {
  return level < specialized_levels ? filters << level : filters << specialized_levels;
}

int FilmOptions::predictor_index(int level) const {
  return level < specialized_levels ? level : specialized_levels;
}

FilmOptions options_from_json(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) fail(path, ": FILM options must be a JSON object");
  FilmOptions o;
  static const char* ints[] = {"pyramid_levels", "fusion_pyramid_levels", "specialized_levels",
                               "sub_levels", "filters"};
  for (auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* name : ints) known |= k == name;
    known |= k == "flow_convs" || k == "flow_filters";
    if (!known)
      fail(path, ": unknown FILM option '", k,
           "' (known: pyramid_levels, fusion_pyramid_levels, specialized_levels, sub_levels, "
           "filters, "
           "flow_convs, flow_filters)");
  }
  auto get_int = [&](const char* k, int& dst) {
    if (!j.contains(k)) return;
    if (!j[k].is_number_integer() || j[k].get<int64_t>() < -1000000 ||
        j[k].get<int64_t>() > 1000000)
      fail(path, ": option '", k, "' must be an integer, got ", j[k].dump());
    dst = j[k].get<int>();
  };
  get_int("pyramid_levels", o.pyramid_levels);
  get_int("fusion_pyramid_levels", o.fusion_pyramid_levels);
  get_int("specialized_levels", o.specialized_levels);
  get_int("sub_levels", o.sub_levels);
  get_int("filters", o.filters);
  auto get_list = [&](const char* k, std::vector<int>& dst) {
    if (!j.contains(k)) return;
    if (!j[k].is_array()) fail(path, ": option '", k, "' must be a list of integers");
    dst.clear();
    for (auto& e : j[k]) {
      if (!e.is_number_integer() || e.get<int64_t>() < -1000000 || e.get<int64_t>() > 1000000)
        fail(path, ": option '", k, "' must be a list of integers, found ", e.dump());
      dst.push_back(e.get<int>());
    }
  };
  get_list("flow_convs", o.flow_convs);
  get_list("flow_filters", o.flow_filters);
  o.check(path);
  return o;
}

FilmOptions parse_options(std::string_view text, const std::string& path) {
  return options_from_json(graph::parse_json(text, path), path);
}

nlohmann::ordered_json options_to_json(const FilmOptions& o) {
  return {{"pyramid_levels", o.pyramid_levels},
          {"fusion_pyramid_levels", o.fusion_pyramid_levels},
          {"specialized_levels", o.specialized_levels},
          {"sub_levels", o.sub_levels},
          {"filters", o.filters},
          {"flow_convs", o.flow_convs},
          {"flow_filters", o.flow_filters}};
}

std::string encoder_weight(int conv, const char* kind) {
  return cat("encoder/conv", conv, "/", kind);
}

std::string predictor_scope(const FilmOptions& o, int index) {
  return index < o.specialized_levels ? cat("flow/predictor_", index)
                                      : std::string("flow/predictor_shared");
}

std::string fusion_weight(int level, int conv, const char* kind) {
  return cat("fusion/level", level, "/conv", conv, "/", kind);
}

std::string fusion_output_weight(const char* kind) { return cat("fusion/output/", kind); }

}  // namespace film::model
