#include "graph/shapes.h"

#include "graph/base/error.h"
#include "graph/flatten.h"
#include "graph/ops.h"

namespace film::graph {

std::map<std::string, int64_t> check_inputs(const Graph& g, const ShapeMap& inputs,
                                            const std::string& path) {
  std::map<std::string, int64_t> bound;
  std::map<std::string, std::string> bound_by;
  static const char* axis_names[] = {"batch", "channels", "height", "width"};
  for (auto& decl : g.inputs) {
    auto it = inputs.find(decl.name);
    if (it == inputs.end()) fail(path, ": input '", decl.name, "' was not given");
    const Shape& s = it->second;
    if (s.size() != decl.shape.size())
      fail("input '", decl.name, "': expected rank ", decl.shape.size(), ", got shape ",
           shape_str(s));
    for (size_t d = 0; d < s.size(); ++d) {
      const std::string axis =
          d < 4 && s.size() == 4 ? axis_names[d] : "dimension " + std::to_string(d);
      if (auto* fixed = std::get_if<int64_t>(&decl.shape[d])) {
        if (s[d] != *fixed)
          fail("input '", decl.name, "': ", axis, " must be ", *fixed, ", got ", s[d], " (shape ",
               shape_str(s), ")");
        continue;
      }
      const std::string& sym = std::get<std::string>(decl.shape[d]);
      if (auto b = bound.find(sym); b != bound.end()) {
        if (b->second != s[d])
          fail("input '", decl.name, "': ", axis, " is ", s[d], " but input '", bound_by[sym],
               "' has ", b->second, " (both are '", sym, "'; the inputs must have the same size)");
        continue;
      }
      bound[sym] = s[d];
      bound_by[sym] = decl.name;
      auto r = g.dims.find(sym);
      if (r == g.dims.end()) continue;
      const DimRule& rule = r->second;
      const int64_t m = rule.multiple_of;
      if (s[d] < rule.min || s[d] % m) {
        int64_t up = std::max(rule.min, (s[d] + m - 1) / m * m);
        std::string msg =
            cat("input '", decl.name, "': ", axis, " ", s[d], " is not usable: it must be ",
                m > 1 ? cat("a multiple of ", m) : std::string(""),
                m > 1 && rule.min > 1 ? " and " : "",
                rule.min > 1 ? cat("at least ", rule.min) : std::string(""));
        if (!rule.why.empty()) msg += " (" + rule.why + ")";
        msg += cat("; ", up, " would work — pad the input to that size");
        fail(msg);
      }
    }
  }
  for (auto& [name, s] : inputs) {
    bool declared = false;
    for (auto& decl : g.inputs) declared |= decl.name == name;
    if (!declared) fail(path, ": '", name, "' is not an input of this graph");
  }
  return bound;
}

ShapeMap infer_shapes(const Graph& flat, const ShapeMap& inputs, const std::string& path) {
  check_inputs(flat, inputs, path);
  ShapeMap shapes = inputs;
  for (auto& w : flat.weights) shapes[w.name] = w.shape;
  for (size_t i : topo_order(flat)) {
    const Node& n = flat.nodes[i];
    if (op_index(n.kind) >= kPrimitiveOps || std::holds_alternative<std::monostate>(n.params))
      fail(path, ": node '", n.name, "': op '", n.op, "' cannot be executed (not flattened?)");
    const OpSchema& op = op_schema(n.kind);
    std::vector<Shape> in;
    for (auto& v : n.inputs) in.push_back(shapes.at(v));
    std::vector<Shape> out;
    try {
      out = op.infer(in, n.params);
    } catch (const Error& e) {
      std::string ins;
      for (size_t k = 0; k < in.size(); ++k)
        ins += (k ? ", " : "") + n.inputs[k] + " " + shape_str(in[k]);
      fail(path, ": node '", n.name, "' (", n.op, "): ", e.what(), " [inputs: ", ins, "]");
    }
    for (size_t k = 0; k < out.size(); ++k) {
      // Guard against attributes that ask for absurd sizes before anything is allocated.
      for (int64_t d : out[k])
        if (d < 1 || d > (int64_t{1} << 31))
          fail(path, ": node '", n.name, "' (", n.op, ") would produce shape ", shape_str(out[k]));
      if (num_elements(out[k]) > (int64_t{1} << 36))
        fail(path, ": node '", n.name, "' (", n.op, ") would produce ", shape_str(out[k]),
             ", over 2^36 elements");
      shapes[n.outputs[k]] = out[k];
    }
  }
  return shapes;
}

double graph_macs(const Graph& flat, const ShapeMap& shapes) {
  double macs = 0;
  for (auto& n : flat.nodes) macs += node_macs(n, shapes);
  return macs;
}

double node_macs(const Node& n, const ShapeMap& shapes) {
  if (n.kind != OpKind::conv2d || n.outputs.empty() || !shapes.count(n.outputs[0]) || n.inputs.size() < 2)
    return 0;
  const Shape &out = shapes.at(n.outputs[0]), &w = shapes.at(n.inputs[1]);
  return static_cast<double>(num_elements(out)) * w[1] * w[2] * w[3];
}

}  // namespace film::graph
