#include "engine/fuse.h"

#include <map>
#include <set>

namespace film {

graph::Graph fuse_conv_activation(const graph::Graph& g, const std::vector<std::string>& keep) {
  std::set<std::string> visible(keep.begin(), keep.end());
  for (auto& o : g.outputs) visible.insert(o.name);
  std::map<std::string, size_t> producer;
  std::map<std::string, int> reads;  // a node reading a value twice counts twice
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (auto& o : g.nodes[i].outputs) producer[o] = i;
    for (auto& in : g.nodes[i].inputs) ++reads[in];
  }
  graph::Graph out = g;
  std::vector<bool> drop(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const graph::Node& act = g.nodes[i];
    if (act.kind != graph::OpKind::leaky_relu || act.inputs.size() != 1) continue;
    auto p = producer.find(act.inputs[0]);
    if (p == producer.end()) continue;  // a graph input or weight
    graph::Node& conv = out.nodes[p->second];
    if (conv.kind != graph::OpKind::conv2d) continue;
    auto params = std::get<graph::Conv2dParams>(conv.params);
    if (params.leaky_relu) continue;
    if (reads[act.inputs[0]] != 1 || visible.count(act.inputs[0])) continue;
    params.leaky_relu = std::get<graph::LeakyReluParams>(act.params).alpha;
    graph::set_params(conv, params);
    conv.outputs = act.outputs;
    drop[i] = true;
  }
  std::vector<graph::Node> kept;
  for (size_t i = 0; i < out.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(out.nodes[i]));
  out.nodes = std::move(kept);
  return out;
}

}  // namespace film
