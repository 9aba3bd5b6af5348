#include "graph/base/error.h"
#include "graph/ops.h"

namespace film::graph {

template <>
OpSchema op_definition<OpKind::warp>() {
  using nlohmann::json;
  OpSchema s{OpKind::warp, "warp", {"src", "flow"}};
  s.summary = "backward warp: bilinear sample of src at (y + flow_y, x + flow_x), border clamped";
  s.float32_inputs = {1};  // the flow: pixel coordinates
  s.read = [](const json&) -> OpParams { return WarpParams{}; };
  s.write = [](const OpParams&) { return json::object(); };
  s.infer = [](const std::vector<Shape>& in, const OpParams&) -> std::vector<Shape> {
    const Shape &src = in[0], &flow = in[1];
    attr::need_rank(src, 4, "src");
    attr::need_rank(flow, 4, "flow");
    if (flow[1] != 2) fail("flow must have 2 channels (x, y), got shape ", shape_str(flow));
    if (flow[0] != src[0] || flow[2] != src[2] || flow[3] != src[3])
      fail("flow ", shape_str(flow), " must match src ", shape_str(src), " in batch and size");
    return {src};
  };
  return s;
}

}  // namespace film::graph
