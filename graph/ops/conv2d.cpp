#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::conv2d>() {
  using nlohmann::json;
  OpSchema s{OpKind::conv2d, "conv2d", {"src", "weights", "bias"}};
  s.attrs = {{"pad", AttrType::Ints, true, nullptr},
             {"stride", AttrType::Ints, false, json::array({1, 1})},
             {"leaky_relu", AttrType::Float, false, nullptr}};
  s.float32_inputs = {1, 2};  // weights and bias, as the graph holds them
  s.summary =
      "2-D convolution, OIHW weights, explicit zero padding [top, left, bottom, right]; with "
      "leaky_relu: alpha, followed by that activation (what engine/fuse.h makes)";
  s.read = [](const json& a) -> OpParams {
    Conv2dParams p;
    const auto pad = attr::ints(a.at("pad"));
    if (pad.size() != 4) fail("attribute pad must be [top, left, bottom, right]");
    for (size_t i = 0; i < 4; ++i) {
      if (pad[i] < 0) fail("attribute pad must be non-negative");
      p.pad[i] = pad[i];
    }
    const auto stride = attr::ints(a.at("stride"));
    if (stride.size() != 2 || stride[0] < 1 || stride[1] < 1)
      fail("attribute stride must be [sy, sx] >= 1");
    p.stride = {stride[0], stride[1]};
    if (a.contains("leaky_relu") && !a.at("leaky_relu").is_null())
      p.leaky_relu = a.at("leaky_relu").get<float>();
    return p;
  };
  s.write = [](const OpParams& v) {
    const auto& p = std::get<Conv2dParams>(v);
    json a = {{"pad", p.pad}};
    if (p.stride != std::array<int64_t, 2>{1, 1}) a["stride"] = p.stride;
    if (p.leaky_relu) a["leaky_relu"] = *p.leaky_relu;
    return a;
  };
  s.infer = [](const std::vector<Shape>& in, const OpParams& v) -> std::vector<Shape> {
    const auto& p = std::get<Conv2dParams>(v);
    const Shape &src = in[0], &w = in[1], &b = in[2];
    attr::need_rank(src, 4, "src");
    attr::need_rank(w, 4, "weights");
    if (b.size() != 1) fail("bias must be 1-D, got shape ", shape_str(b));
    if (w[1] != src[1])
      fail("weights ", shape_str(w), " expect ", w[1], " input channels but src ", shape_str(src),
           " has ", src[1]);
    if (b[0] != w[0])
      fail("bias has ", b[0], " entries but weights have ", w[0], " output channels");
    const int64_t h = src[2] + p.pad[0] + p.pad[2] - w[2], wd = src[3] + p.pad[1] + p.pad[3] - w[3];
    if (h < 0 || wd < 0)
      fail("kernel ", w[2], "x", w[3], " is larger than the padded input ",
           src[2] + p.pad[0] + p.pad[2], "x", src[3] + p.pad[1] + p.pad[3]);
    return {{src[0], w[0], h / p.stride[0] + 1, wd / p.stride[1] + 1}};
  };
  return s;
}

}  // namespace film::graph
