#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::slice>() {
  using nlohmann::json;
  OpSchema s{OpKind::slice, "slice", {"src"}};
  s.attrs = {{"axis", AttrType::Int, true, nullptr},
             {"begin", AttrType::Int, true, nullptr},
             {"end", AttrType::Int, true, nullptr}};
  s.summary = "the range [begin, end) of one axis";
  s.read = [](const json& a) -> OpParams {
    const int64_t axis = a.at("axis").get<int64_t>();
    if (axis < 0 || axis > 7) fail("attribute axis ", axis, " is out of range");
    return SliceParams{static_cast<int>(axis), a.at("begin").get<int64_t>(),
                       a.at("end").get<int64_t>()};
  };
  s.write = [](const OpParams& v) {
    const auto& p = std::get<SliceParams>(v);
    return json{{"axis", p.axis}, {"begin", p.begin}, {"end", p.end}};
  };
  s.infer = [](const std::vector<Shape>& in, const OpParams& v) -> std::vector<Shape> {
    const auto& p = std::get<SliceParams>(v);
    Shape out = in[0];
    if (p.axis >= static_cast<int>(out.size()))
      fail("attribute axis ", p.axis, " is out of range for rank ", out.size());
    if (p.begin < 0 || p.end > out[p.axis] || p.begin >= p.end)
      fail("slice [", p.begin, ", ", p.end, ") is empty or outside axis ", p.axis, " of size ",
           out[p.axis]);
    out[p.axis] = p.end - p.begin;
    return {out};
  };
  return s;
}

}  // namespace film::graph
