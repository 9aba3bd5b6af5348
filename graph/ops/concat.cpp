#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::concat>() {
  using nlohmann::json;
  OpSchema s{OpKind::concat, "concat", {"src"}, true};
  s.attrs = {{"axis", AttrType::Int, false, 1}};
  s.summary = "concatenation along an axis (channels by default)";
  s.read = [](const json& a) -> OpParams {
    const int64_t axis = a.at("axis").get<int64_t>();
    if (axis < 0 || axis > 7) fail("attribute axis ", axis, " is out of range");
    return ConcatParams{static_cast<int>(axis)};
  };
  s.write = [](const OpParams& v) {
    const int axis = std::get<ConcatParams>(v).axis;
    return axis == 1 ? json::object() : json{{"axis", axis}};
  };
  s.infer = [](const std::vector<Shape>& in, const OpParams& v) -> std::vector<Shape> {
    const int64_t axis = std::get<ConcatParams>(v).axis;
    Shape out = in[0];
    if (axis >= static_cast<int64_t>(out.size()))
      fail("attribute axis ", axis, " is out of range for rank ", out.size());
    for (size_t i = 1; i < in.size(); ++i) {
      if (in[i].size() != out.size())
        fail("input ", i, " has rank ", in[i].size(), ", input 0 has ", out.size());
      for (size_t d = 0; d < out.size(); ++d) {
        if (static_cast<int64_t>(d) == axis) continue;
        if (in[i][d] != out[d])
          fail("input ", i, " ", shape_str(in[i]), " does not match input 0 ", shape_str(in[0]),
               " outside axis ", axis);
      }
      out[axis] += in[i][axis];
    }
    return {out};
  };
  return s;
}

}  // namespace film::graph
