#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::avg_pool2d>() {
  using nlohmann::json;
  OpSchema s{OpKind::avg_pool2d, "avg_pool2d", {"src"}};
  s.attrs = {{"kernel", AttrType::Ints, false, json::array({2, 2})},
             {"stride", AttrType::Ints, false, json::array({2, 2})}};
  s.summary = "average pooling without padding";
  s.read = [](const json& a) -> OpParams {
    const auto k = attr::ints(a.at("kernel")), st = attr::ints(a.at("stride"));
    if (k.size() != 2 || st.size() != 2 || k[0] < 1 || k[1] < 1 || st[0] < 1 || st[1] < 1)
      fail("attributes kernel and stride must be [y, x] >= 1");
    return AvgPool2dParams{{k[0], k[1]}, {st[0], st[1]}};
  };
  s.write = [](const OpParams& v) {
    const auto& p = std::get<AvgPool2dParams>(v);
    json a = json::object();
    if (p.kernel != std::array<int64_t, 2>{2, 2}) a["kernel"] = p.kernel;
    if (p.stride != std::array<int64_t, 2>{2, 2}) a["stride"] = p.stride;
    return a;
  };
  s.infer = [](const std::vector<Shape>& in, const OpParams& v) -> std::vector<Shape> {
    const auto& p = std::get<AvgPool2dParams>(v);
    const Shape& x = in[0];
    attr::need_rank(x, 4, "src");
    const auto &k = p.kernel, &st = p.stride;
    if (x[2] < k[0] || x[3] < k[1])
      fail("input ", shape_str(x), " is smaller than the pooling kernel ", k[0], "x", k[1]);
    if ((x[2] - k[0]) % st[0] || (x[3] - k[1]) % st[1])
      fail("input ", shape_str(x), " does not tile exactly with kernel ", k[0], "x", k[1],
           " stride ", st[0], "x", st[1], " (FILM needs even sizes at every pyramid level)");
    return {{x[0], x[1], (x[2] - k[0]) / st[0] + 1, (x[3] - k[1]) / st[1] + 1}};
  };
  return s;
}

}  // namespace film::graph
