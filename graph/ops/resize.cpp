#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::resize>() {
  using nlohmann::json;
  OpSchema s{OpKind::resize, "resize", {"src"}};
  s.attrs = {{"mode", AttrType::String, true, nullptr}, {"scale", AttrType::Ints, true, nullptr}};
  s.summary = "integer upscale: bilinear with half-pixel centres, or nearest";
  s.read = [](const json& a) -> OpParams {
    const auto mode = a.at("mode").get<std::string>();
    if (mode != "bilinear" && mode != "nearest")
      fail("attribute mode must be \"bilinear\" or \"nearest\", got \"", mode, "\"");
    const auto sc = attr::ints(a.at("scale"));
    if (sc.size() != 2 || sc[0] < 1 || sc[1] < 1)
      fail("attribute scale must be [sy, sx], integers >= 1");
    return ResizeParams{mode == "bilinear", {sc[0], sc[1]}};
  };
  s.write = [](const OpParams& v) {
    const auto& p = std::get<ResizeParams>(v);
    return json{{"mode", p.bilinear ? "bilinear" : "nearest"}, {"scale", p.scale}};
  };
  s.infer = [](const std::vector<Shape>& in, const OpParams& v) -> std::vector<Shape> {
    const auto& p = std::get<ResizeParams>(v);
    attr::need_rank(in[0], 4, "src");
    return {{in[0][0], in[0][1], in[0][2] * p.scale[0], in[0][3] * p.scale[1]}};
  };
  return s;
}

}  // namespace film::graph
