#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::add>() {
  using nlohmann::json;
  OpSchema s{OpKind::add, "add", {"a", "b"}};
  s.summary = "element-wise sum";
  s.read = [](const json&) -> OpParams { return AddParams{}; };
  s.write = [](const OpParams&) { return json::object(); };
  s.infer = [](const std::vector<Shape>& in, const OpParams&) -> std::vector<Shape> {
    if (in[0] != in[1])
      fail("inputs must have the same shape, got ", shape_str(in[0]), " and ", shape_str(in[1]));
    return {in[0]};
  };
  s.can_run_in_place = true;
  return s;
}

}  // namespace film::graph
