#include "tools/app/retime_json.h"

#include "graph/base/error.h"

namespace film {

namespace {

std::string rate_text(Rational r) { return std::to_string(r.num) + "/" + std::to_string(r.den); }

Rational rate_of(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("a rate is NUM/DEN, got " + s);
  return {std::stoi(s.substr(0, slash)), std::stoi(s.substr(slash + 1))};
}

}  // namespace

nlohmann::ordered_json retime_options_to_json(const RetimeOptions& o) {
  const InterpolatorOptions& m = o.interpolator;
  return {{"fps", rate_text(o.fps)},
          {"factor", o.factor},
          {"slowmo", rate_text(o.slowmo)},
          {"input_fps", rate_text(o.input_fps)},
          {"codec", o.codec},
          {"quality", o.quality},
          {"pix_fmt", o.pixel_format},
          {"scene_cut", o.scene_cut},
          {"scene_cuts", o.scene_cuts},
          {"at_cut", o.at_cut == AtCut::fade ? "fade" : "repeat"},
          {"held", o.held},
          {"chunk_seconds", o.chunk_seconds},
          {"reuse", o.reuse_features},
          {"model", m.model},
          {"backend", m.backend},
          {"device", m.device},
          {"precision", m.precision},
          {"threads", m.threads},
          {"padding", m.padding == Padding::zeros ? "zeros" : "replicate"},
          {"max_memory", m.max_memory}};
}

RetimeOptions retime_options_from_json(const nlohmann::json& j, RetimeOptions o,
                                       const std::string& where) {
  try {
    o.fps = rate_of(j.at("fps").get<std::string>());
    o.factor = j.at("factor").get<int>();
    o.slowmo = j.contains("slowmo") ? rate_of(j.at("slowmo").get<std::string>()) : Rational{};
    o.input_fps = rate_of(j.at("input_fps").get<std::string>());
    o.codec = j.at("codec").get<std::string>();
    o.quality = j.at("quality").get<int>();
    o.pixel_format = j.at("pix_fmt").get<std::string>();
    o.scene_cut = j.at("scene_cut").get<double>();
    o.scene_cuts = j.value("scene_cuts", std::string());
    o.at_cut = j.value("at_cut", std::string("repeat")) == "fade" ? AtCut::fade : AtCut::repeat;
    o.held = j.at("held").get<double>();
    o.chunk_seconds = j.at("chunk_seconds").get<double>();
    o.reuse_features = j.at("reuse").get<bool>();
    InterpolatorOptions& m = o.interpolator;
    m.model = j.at("model").get<std::string>();
    m.backend = j.at("backend").get<std::string>();
    m.device = j.at("device").get<int>();
    m.precision = j.at("precision").get<std::string>();
    m.threads = j.at("threads").get<int>();
    m.padding = j.at("padding").get<std::string>() == "zeros" ? Padding::zeros : Padding::replicate;
    m.max_memory = j.at("max_memory").get<uint64_t>();
  } catch (const std::exception& e) {
    fail(where, ": not a record of film video's options (", e.what(), ")");
  }
  return o;
}

}  // namespace film
