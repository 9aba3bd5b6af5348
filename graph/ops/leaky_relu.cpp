#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::leaky_relu>() {
  using nlohmann::json;
  OpSchema s{OpKind::leaky_relu, "leaky_relu", {"src"}};
  s.attrs = {{"alpha", AttrType::Float, true, nullptr}};
  s.summary = "x if x >= 0 else alpha * x";
  s.read = [](const json& a) -> OpParams { return LeakyReluParams{a.at("alpha").get<float>()}; };
  s.write = [](const OpParams& v) { return json{{"alpha", std::get<LeakyReluParams>(v).alpha}}; };
  s.infer = [](const std::vector<Shape>& in, const OpParams&) -> std::vector<Shape> {
    return {in[0]};
  };
  s.can_run_in_place = true;
  return s;
}

}  // namespace film::graph
