#include "graph/flatten.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include "graph/base/error.h"

namespace film::graph {
namespace {

void inline_call(const Graph& g, const Node& call, const std::map<std::string, std::string>& outer,
                 const std::string& prefix, const std::string& stage, std::vector<Node>& out) {
  const Function& f = g.functions.at(call.function);
  std::map<std::string, std::string> names;  // function-local name -> flat name
  for (size_t i = 0; i < f.inputs.size(); ++i) names[f.inputs[i]] = outer.at(call.inputs[i]);
  for (auto& w : f.weights) names[w] = call.weight_scope.empty() ? w : call.weight_scope + "/" + w;
  for (auto& n : f.nodes)
    for (auto& o : n.outputs)
      if (!o.empty()) names[o] = prefix + "/" + o;
  for (size_t i = 0; i < f.outputs.size(); ++i)
    if (!call.outputs[i].empty()) names[f.outputs[i]] = outer.at(call.outputs[i]);

  for (auto& n : f.nodes) {
    const std::string node_prefix = prefix + "/" + n.name;
    // A node's own stage, else its call's (the innermost call that has one).
    const std::string& inner_stage = n.stage.empty() ? stage : n.stage;
    if (n.kind == OpKind::call) {  // a nested call resolves its names through ours
      inline_call(g, n, names, node_prefix, inner_stage, out);
      continue;
    }
    Node flat = n;
    flat.name = node_prefix;
    flat.stage = inner_stage;
    for (auto& in : flat.inputs) in = names.at(in);
    for (auto& o : flat.outputs) o = names.at(o);
    out.push_back(std::move(flat));
  }
}

// The nodes a call to `fn` becomes once inlined, and the depth of its nested calls, memoised per
// function, saturating at the limits (a recursive call, which validation refuses, saturates too).
struct Expansion {
  std::map<std::string, std::pair<uint64_t, int>> memo;  // function -> {nodes, call depth}
  const Graph& g;
  std::pair<uint64_t, int> of(const std::string& fn) {
    if (auto it = memo.find(fn); it != memo.end()) return it->second;
    memo[fn] = {kMaxFlatNodes + 1, kMaxCallDepth + 1};  // a recursive call (unvalidated) saturates
    uint64_t nodes = 0;
    int depth = 1;
    for (const Node& n : g.functions.at(fn).nodes) {
      if (n.kind != OpKind::call) {
        ++nodes;
        continue;
      }
      const auto [inner, d] = of(n.function);
      nodes = std::min(nodes + inner, kMaxFlatNodes + 1);
      depth = std::max(depth, std::min(d + 1, kMaxCallDepth + 1));
    }
    return memo[fn] = {nodes, depth};
  }
};

// Refuses a graph whose calls would inline to more than kMaxFlatNodes nodes or nest deeper than
// kMaxCallDepth, before inlining anything (a small file can describe 2^40 nodes).
void check_expansion(const Graph& g, const std::string& path) {
  Expansion e{{}, g};
  uint64_t nodes = 0;
  int depth = 0;
  for (const Node& n : g.nodes) {
    if (n.kind != OpKind::call) {
      ++nodes;
      continue;
    }
    const auto [inner, d] = e.of(n.function);
    nodes = std::min(nodes + inner, kMaxFlatNodes + 1);
    depth = std::max(depth, d);
  }
  if (depth > kMaxCallDepth)
    fail(path, ": function calls nest more than ", kMaxCallDepth, " deep (the limit)");
  if (nodes > kMaxFlatNodes)
    fail(path, ": inlining its functions would make more than ", kMaxFlatNodes,
         " nodes (the limit; FILM's graph has 542)");
}

}  // namespace

Graph flatten(const Graph& g, const std::string& path) {
  check_expansion(g, path);
  Graph flat = g;
  flat.functions.clear();
  flat.nodes.clear();
  std::map<std::string, std::string> identity;
  for (auto& in : g.inputs) identity[in.name] = in.name;
  for (auto& w : g.weights) identity[w.name] = w.name;
  for (auto& n : g.nodes)
    for (auto& o : n.outputs)
      if (!o.empty()) identity[o] = o;
  for (auto& n : g.nodes) {
    if (n.kind == OpKind::call) {
      inline_call(g, n, identity, n.name, n.stage, flat.nodes);
    } else {
      flat.nodes.push_back(n);
    }
  }
  // Prefixing could in principle collide with a name chosen elsewhere; re-check the result.
  validate(flat, path + " (after inlining functions)");
  std::set<std::string> used;
  for (auto& n : flat.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  for (auto& w : flat.weights)
    if (!used.count(w.name)) fail(path, ": weight '", w.name, "' is declared but no node uses it");
  return flat;
}

std::vector<size_t> topo_order(const Graph& flat) {
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < flat.nodes.size(); ++i)
    for (auto& o : flat.nodes[i].outputs) producer[o] = i;
  std::vector<int> state(flat.nodes.size(), 0);
  std::vector<size_t> order;
  // Iterative DFS in file order: emits producers before consumers, keeps file order otherwise.
  for (size_t root = 0; root < flat.nodes.size(); ++root) {
    if (state[root]) continue;
    std::vector<std::pair<size_t, size_t>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [n, next_input] = stack.back();
      const auto& ins = flat.nodes[n].inputs;
      if (next_input < ins.size()) {
        auto it = producer.find(ins[next_input++]);
        if (it != producer.end() && state[it->second] == 0) {
          state[it->second] = 1;
          stack.push_back({it->second, 0});
        }
      } else {
        state[n] = 2;
        order.push_back(n);
        stack.pop_back();
      }
    }
  }
  return order;
}

Graph prune(const Graph& flat, const std::vector<std::string>& outputs) {
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < flat.nodes.size(); ++i)
    for (auto& o : flat.nodes[i].outputs) producer[o] = i;
  std::vector<bool> keep(flat.nodes.size(), false);
  std::vector<std::string> work(outputs.begin(), outputs.end());
  while (!work.empty()) {
    std::string v = work.back();
    work.pop_back();
    auto it = producer.find(v);
    if (it == producer.end() || keep[it->second]) continue;
    keep[it->second] = true;
    for (auto& in : flat.nodes[it->second].inputs) work.push_back(in);
  }
  Graph out = flat;
  out.nodes.clear();
  for (size_t i = 0; i < flat.nodes.size(); ++i)
    if (keep[i]) out.nodes.push_back(flat.nodes[i]);
  std::set<std::string> wanted(outputs.begin(), outputs.end());
  std::vector<OutputDecl> kept_outputs;
  for (auto& o : flat.outputs)
    if (wanted.count(o.name)) kept_outputs.push_back(o);
  out.outputs = kept_outputs;
  return out;
}

}  // namespace film::graph
