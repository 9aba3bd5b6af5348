// Structural validation of a Graph: every name resolves, every op and attribute is known, arity
// matches, every value has one producer, functions are well formed and not recursive, no cycles.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "graph/error.h"
#include "graph/graph.h"
#include "graph/ops.h"

namespace film::graph {
namespace {

struct Scope {
  std::string where;              // "" for the top level, "function 'x': " otherwise
  std::set<std::string> inputs;   // graph inputs or formal inputs
  std::set<std::string> weights;  // declared (top) or formal (function) weights
  const std::vector<Node>* nodes;
};

std::string node_where(const std::string& path, const Scope& s, const Node& n) {
  return path + ": " + s.where + "node '" + n.name + "' (" + n.op + ")";
}

void check_weight_binding(const Graph& g, const Node& call, const Function& f,
                          const std::string& where) {
  for (auto& formal : f.weights) {
    std::string actual = call.weight_scope.empty() ? formal : call.weight_scope + "/" + formal;
    if (!g.find_weight(actual))
      fail(where, ": function '", f.name, "' needs weight '", formal, "', which resolves to '",
           actual, "' under weight_scope '", call.weight_scope,
           "', but the graph declares no such weight");
  }
}

// Checks one scope (the top level or a function body): ops, attributes, arity, names,
// references and acyclicity.
void check_scope(const Graph& g, const Scope& s, const std::string& path) {
  std::map<std::string, const Node*> producer;
  std::set<std::string> node_names;
  for (auto& n : *s.nodes) {
    std::string where = node_where(path, s, n);
    if (n.name.empty()) fail(path, ": ", s.where, "a node has an empty name");
    if (!node_names.insert(n.name).second) fail(where, ": node name used twice");
    size_t want_in = 0, want_out = 0;
    bool variadic = false;
    if (n.op == "call") {
      auto it = g.functions.find(n.function);
      if (it == g.functions.end()) fail(where, ": unknown function '", n.function, "'");
      if (!n.attrs.empty()) fail(where, ": a call takes no attrs");
      want_in = it->second.inputs.size();
      want_out = it->second.outputs.size();
      check_weight_binding(g, n, it->second, where);
    } else {
      const OpSchema* op = find_op(n.op);
      if (!op) {
        std::string known;
        for (auto& o : all_ops()) known += (known.empty() ? "" : ", ") + o.name;
        fail(where, ": unknown op '", n.op, "' (known: ", known, ", call)");
      }
      check_attrs(*op, n.attrs, where);
      want_in = op->input_names.size();
      want_out = op->num_outputs;
      variadic = op->variadic;
    }
    if (variadic ? n.inputs.empty() : n.inputs.size() != want_in)
      fail(where, ": expected ", variadic ? "at least 1" : std::to_string(want_in),
           " input(s), got ", n.inputs.size());
    if (n.outputs.size() != want_out)
      fail(where, ": expected ", want_out, " output(s), got ", n.outputs.size());
    for (auto& o : n.outputs) {
      if (o.empty()) {
        if (n.op != "call") fail(where, ": an output name is empty");
        continue;
      }
      if (s.inputs.count(o) || s.weights.count(o))
        fail(where, ": output '", o, "' has the name of an input or weight");
      auto [it, fresh] = producer.emplace(o, &n);
      if (!fresh)
        fail(where, ": value '", o, "' is already produced by node '", it->second->name, "'");
    }
  }
  for (auto& n : *s.nodes)
    for (auto& in : n.inputs)
      if (!producer.count(in) && !s.inputs.count(in) && !s.weights.count(in))
        fail(node_where(path, s, n), ": input '", in,
             "' is not a graph input, a weight or any node's output");

  // Kahn's algorithm over value dependencies; whatever is left sits on a cycle.
  std::map<const Node*, int> pending;
  std::map<const Node*, std::vector<const Node*>> users;
  for (auto& n : *s.nodes) {
    int deps = 0;
    for (auto& in : n.inputs)
      if (auto it = producer.find(in); it != producer.end()) {
        ++deps;
        users[it->second].push_back(&n);
      }
    pending[&n] = deps;
  }
  std::vector<const Node*> ready;
  for (auto& [n, d] : pending)
    if (d == 0) ready.push_back(n);
  size_t done = 0;
  while (!ready.empty()) {
    const Node* n = ready.back();
    ready.pop_back();
    ++done;
    for (const Node* u : users[n])
      if (--pending[u] == 0) ready.push_back(u);
  }
  if (done != s.nodes->size()) {
    // Walk back from a stuck node along stuck producers until a node repeats: that is the cycle.
    const Node* cur = nullptr;
    for (auto& [n, d] : pending)
      if (d > 0) cur = n;
    std::vector<const Node*> trail;
    std::set<const Node*> seen;
    while (cur && !seen.count(cur)) {
      seen.insert(cur);
      trail.push_back(cur);
      const Node* next = nullptr;
      for (auto& in : cur->inputs)
        if (auto it = producer.find(in); it != producer.end() && pending[it->second] > 0)
          next = it->second;
      cur = next;
    }
    // The walk went from readers to producers; the cycle is the part from the repeated node on,
    // printed in data-flow order (producer -> reader) and closed on its first node.
    std::vector<const Node*> ring(std::find(trail.begin(), trail.end(), cur), trail.end());
    std::reverse(ring.begin(), ring.end());
    // Start it at the node that comes first in the file, so the message does not depend on where
    // the walk began.
    auto file_pos = [&](const Node* n) { return n - s.nodes->data(); };
    std::rotate(
        ring.begin(),
        std::min_element(ring.begin(), ring.end(),
                         [&](const Node* a, const Node* b) { return file_pos(a) < file_pos(b); }),
        ring.end());
    std::string cycle;
    for (const Node* n : ring) cycle += n->name + " -> ";
    fail(path, ": ", s.where, "the nodes form a cycle: ", cycle,
         ring.empty() ? "?" : ring.front()->name);
  }
}

}  // namespace

void validate(const Graph& g, const std::string& path) {
  std::set<std::string> names;
  for (auto& in : g.inputs)
    if (!names.insert(in.name).second) fail(path, ": input '", in.name, "' declared twice");
  for (auto& w : g.weights)
    if (!names.insert(w.name).second)
      fail(path, ": weight '", w.name, "' declared twice or named like an input");
  for (auto& [sym, rule] : g.dims) {
    bool used = false;
    for (auto& in : g.inputs)
      for (auto& d : in.shape)
        if (auto* s = std::get_if<std::string>(&d); s && *s == sym) used = true;
    if (!used) fail(path, ": dims names symbol '", sym, "', which no input shape uses");
  }

  // Functions: bodies are checked in their own scope; calls between them must not recurse.
  for (auto& [name, f] : g.functions) {
    Scope s{"function '" + name + "': ",
            {f.inputs.begin(), f.inputs.end()},
            {f.weights.begin(), f.weights.end()},
            &f.nodes};
    if (s.inputs.size() != f.inputs.size())
      fail(path, ": function '", name, "': an input is named twice");
    check_scope(g, s, path);
    std::set<std::string> produced;
    for (auto& n : f.nodes) produced.insert(n.outputs.begin(), n.outputs.end());
    for (auto& o : f.outputs)
      if (!produced.count(o))
        fail(path, ": function '", name, "': output '", o, "' is not produced by any of its nodes",
             s.inputs.count(o) ? " (an input cannot be passed through as an output)" : "");
    std::set<std::string> used;
    for (auto& n : f.nodes) used.insert(n.inputs.begin(), n.inputs.end());
    for (auto& w : f.weights)
      if (!used.count(w))
        fail(path, ": function '", name, "': weight '", w, "' is declared but never used");
  }
  std::map<std::string, int> state;  // 0 unvisited, 1 on stack, 2 done
  std::function<void(const std::string&, std::string)> visit = [&](const std::string& fn,
                                                                   std::string chain) {
    if (state[fn] == 2) return;
    if (state[fn] == 1) fail(path, ": functions call each other recursively: ", chain);
    state[fn] = 1;
    for (auto& n : g.functions.at(fn).nodes)
      if (n.op == "call") visit(n.function, chain + " -> " + n.function);
    state[fn] = 2;
  };
  for (auto& [name, f] : g.functions) visit(name, name);

  Scope top{"", {}, {}, &g.nodes};
  for (auto& in : g.inputs) top.inputs.insert(in.name);
  for (auto& w : g.weights) top.weights.insert(w.name);
  check_scope(g, top, path);

  std::set<std::string> produced, outs;
  for (auto& n : g.nodes) produced.insert(n.outputs.begin(), n.outputs.end());
  if (g.outputs.empty()) fail(path, ": the graph declares no outputs");
  for (auto& o : g.outputs) {
    if (!outs.insert(o.name).second) fail(path, ": output '", o.name, "' listed twice");
    if (!produced.count(o.name)) fail(path, ": output '", o.name, "' is not produced by any node");
  }
}

}  // namespace film::graph
