#include "models/film/import_port.h"

#include <regex>

#include "graph/base/error.h"

namespace film::model {

std::string port_key_to_engine(const std::string& key, const FilmOptions& o) {
  // Indices are at most 4 digits, so std::stoi below cannot overflow.
  static const std::regex encoder(
      R"(extract\.extract_sublevels\.convs\.(\d{1,4})\.(\d{1,4})\.0\.(weight|bias))");
  static const std::regex shared(
      R"(predict_flow\._predictor\._convs\.(\d{1,4})\.0\.(weight|bias))");
  static const std::regex special(
      R"(predict_flow\._predictors\.(\d{1,4})\._convs\.(\d{1,4})\.0\.(weight|bias))");
  static const std::regex fusion(R"(fuse\.convs\.(\d{1,4})\.(\d{1,4})\.0\.(weight|bias))");
  static const std::regex output(R"(fuse\.output_conv\.(weight|bias))");
  std::smatch m;
  auto num = [&](int i) { return std::stoi(m[i].str()); };
  if (std::regex_match(key, m, encoder) && num(1) < o.sub_levels && num(2) < 2)
    return encoder_weight(2 * num(1) + num(2), m[3].str().c_str());
  if (std::regex_match(key, m, shared))
    return cat(predictor_scope(o, o.specialized_levels), "/conv", num(1), "/", m[2].str());
  if (std::regex_match(key, m, special) && num(1) < o.specialized_levels)  // stored coarse to fine
    return cat(predictor_scope(o, o.specialized_levels - 1 - num(1)), "/conv", num(2), "/",
               m[3].str());
  if (std::regex_match(key, m, fusion) && num(1) < o.fusion_pyramid_levels - 1 && num(2) < 3)
    return fusion_weight(o.fusion_pyramid_levels - 2 - num(1), num(2), m[3].str().c_str());
  if (std::regex_match(key, m, output)) return fusion_output_weight(m[1].str().c_str());
  fail("state-dict key '", key, "' is not a weight of the FILM PyTorch port with these options");
}

std::vector<std::pair<std::string, Tensor>> import_pytorch_port(const io::SafetensorsFile& sd,
                                                                const FilmOptions& o) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& key : sd.order) {
    try {
      out.emplace_back(port_key_to_engine(key, o), sd.get(key));
    } catch (const Error& e) {
      fail(sd.path, ": ", e.what());
    }
  }
  return out;
}

}  // namespace film::model
