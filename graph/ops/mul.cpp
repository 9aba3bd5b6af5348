#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::mul>() {
  using nlohmann::json;
  OpSchema s{OpKind::mul, "mul", {"src"}};
  s.attrs = {{"scalar", AttrType::Float, true, nullptr}};
  s.summary = "multiplication by a scalar";
  s.read = [](const json& a) -> OpParams { return MulParams{a.at("scalar").get<float>()}; };
  s.write = [](const OpParams& v) { return json{{"scalar", std::get<MulParams>(v).scalar}}; };
  s.infer = [](const std::vector<Shape>& in, const OpParams&) -> std::vector<Shape> {
    return {in[0]};
  };
  s.can_run_in_place = true;
  return s;
}

}  // namespace film::graph
