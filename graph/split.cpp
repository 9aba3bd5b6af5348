#include "graph/split.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "graph/flatten.h"

namespace film::graph {
namespace {

uint64_t mix(uint64_t h, uint64_t v) {  // boost::hash_combine's mixing, 64-bit
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 12) + (h >> 4));
}

// Keeps the weight declarations the graph's nodes read (validate() refuses unused ones).
void keep_used_weights(Graph& g) {
  std::set<std::string> used;
  for (auto& n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  std::vector<WeightDecl> kept;
  for (auto& w : g.weights)
    if (used.count(w.name)) kept.push_back(w);
  g.weights = std::move(kept);
}

}  // namespace

std::optional<InputSplit> split_by_input(const Graph& whole, const ShapeMap& inputs) {
  if (whole.inputs.size() != 2) return std::nullopt;
  // What the frame needs: the non-aux outputs' nodes only (a sub-tree encoder's deeper levels on
  // a coarse image are no nodes of the run, and may not even have shapes).
  std::vector<std::string> wanted;
  for (auto& o : whole.outputs)
    if (!o.aux) wanted.push_back(o.name);
  const Graph flat = prune(whole, wanted);
  const std::string in0 = flat.inputs[0].name, in1 = flat.inputs[1].name;
  std::map<std::string, int> dep = {{in0, 1}, {in1, 2}};  // which inputs a value depends on
  std::map<std::string, uint64_t> sig = {{in0, 1}, {in1, 1}};
  const std::hash<std::string> hs;
  for (auto& w : flat.weights) sig[w.name] = hs("weight:" + w.name);
  std::vector<int> node_dep(flat.nodes.size(), 0);
  for (size_t i : topo_order(flat)) {
    const Node& n = flat.nodes[i];
    uint64_t h = hs(std::string(op_name(n.kind)) + "|" +
                    (n.kind == OpKind::call ? n.attrs : op_schema(n.kind).write(n.params)).dump());
    for (auto& v : n.inputs) {
      node_dep[i] |= dep[v];
      h = mix(h, sig[v]);
    }
    for (size_t j = 0; j < n.outputs.size(); ++j) {
      dep[n.outputs[j]] = node_dep[i];
      sig[n.outputs[j]] = mix(h, j + 1);
    }
  }
  std::vector<OutputDecl> outputs;
  for (auto& o : flat.outputs) {
    const int d = dep[o.name];
    if (d != 3) return std::nullopt;  // a frame's own function is no interpolation to split
    outputs.push_back(o);
  }
  // The frontiers: one-input values read by a node that sees both inputs.
  std::set<std::pair<uint64_t, std::string>> frontier[2];
  size_t one_side_nodes[2] = {0, 0};
  for (size_t i = 0; i < flat.nodes.size(); ++i) {
    if (node_dep[i] == 1 || node_dep[i] == 2) ++one_side_nodes[node_dep[i] - 1];
    if (node_dep[i] != 3) continue;
    for (auto& v : flat.nodes[i].inputs)
      if (dep[v] == 1 || dep[v] == 2) frontier[dep[v] - 1].insert({sig[v], v});
  }
  if (frontier[0].size() != frontier[1].size() || one_side_nodes[0] == 0 ||
      one_side_nodes[0] != one_side_nodes[1])
    return std::nullopt;
  InputSplit s;
  for (auto a = frontier[0].begin(), b = frontier[1].begin(); a != frontier[0].end(); ++a, ++b) {
    if (a->first != b->first) return std::nullopt;
    s.side0.push_back(a->second);
    s.side1.push_back(b->second);
  }
  const ShapeMap shapes = infer_shapes(flat, inputs);

  s.encoder = flat;
  s.encoder.name = flat.name + " (encoder)";
  s.encoder.inputs = {flat.inputs[0]};
  s.encoder.outputs.clear();
  for (auto& v : s.side0)
    if (v != in0) s.encoder.outputs.push_back({v, false});
  s.encoder.nodes.clear();
  for (size_t i = 0; i < flat.nodes.size(); ++i)
    if (node_dep[i] == 1 || node_dep[i] == 0) s.encoder.nodes.push_back(flat.nodes[i]);
  std::vector<std::string> enc_out;
  for (auto& o : s.encoder.outputs) enc_out.push_back(o.name);
  s.encoder = prune(s.encoder, enc_out);
  s.encoder.outputs.clear();  // prune() keeps only declared outputs, in their order
  for (auto& v : enc_out) s.encoder.outputs.push_back({v, false});
  keep_used_weights(s.encoder);
  s.encoder_nodes = s.encoder.nodes.size();

  s.decoder = flat;
  s.decoder.name = flat.name + " (decoder)";
  s.decoder.inputs.clear();
  s.decoder.dims.clear();
  for (const auto* side : {&s.side0, &s.side1})
    for (auto& v : *side) {
      InputDecl d{v, {}};
      for (int64_t x : shapes.at(v)) d.shape.push_back(x);
      s.decoder.inputs.push_back(d);
    }
  s.decoder.outputs = outputs;
  s.decoder.nodes.clear();
  for (size_t i = 0; i < flat.nodes.size(); ++i)
    if (node_dep[i] == 3 || node_dep[i] == 0) s.decoder.nodes.push_back(flat.nodes[i]);
  std::vector<std::string> dec_out;
  for (auto& o : outputs) dec_out.push_back(o.name);
  s.decoder = prune(s.decoder, dec_out);
  keep_used_weights(s.decoder);
  return s;
}

}  // namespace film::graph
