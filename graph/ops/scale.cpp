#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::scale>() {
  using nlohmann::json;
  OpSchema s{OpKind::scale, "scale", {"src", "factor"}};
  s.attrs = {{"multiplier", AttrType::Float, false, 1.0}, {"offset", AttrType::Float, false, 0.0}};
  s.summary =
      "src times a per-image factor: out[n] = src[n] * (multiplier * factor[n] + offset), factor "
      "[N,1,...,1]";
  s.read = [](const json& a) -> OpParams {
    return ScaleParams{a.at("multiplier").get<float>(), a.at("offset").get<float>()};
  };
  s.write = [](const OpParams& v) {
    const auto& p = std::get<ScaleParams>(v);
    json a = json::object();
    if (p.multiplier != 1) a["multiplier"] = p.multiplier;
    if (p.offset != 0) a["offset"] = p.offset;
    return a;
  };
  s.infer = [](const std::vector<Shape>& in, const OpParams&) -> std::vector<Shape> {
    const Shape &src = in[0], &factor = in[1];
    Shape want(src.size(), 1);
    if (!src.empty()) want[0] = src[0];
    if (factor != want)
      fail("factor must be ", shape_str(want), " (one value per image of src ", shape_str(src),
           "), got ", shape_str(factor));
    return {src};
  };
  s.can_run_in_place = true;
  s.float32_inputs = {1};  // the factor: a time, exact in any precision
  return s;
}

}  // namespace film::graph
