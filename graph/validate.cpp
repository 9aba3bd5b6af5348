// Structural validation of a Graph: every name resolves, every op and attribute is known, arity
// matches, every value has one producer, functions are well formed and not recursive, no cycles.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "graph/base/error.h"
#include "graph/graph.h"
#include "graph/ops.h"

namespace film::graph {
namespace {

// Where problems go: thrown at the first (validate) or all collected (find_problems). After
// reporting, a check goes on only where that is safe.
struct Problems {
  std::vector<Problem>* all = nullptr;
  template <class... A>
  void add(const std::string& function, int node, A&&... parts) {
    std::string message = cat(std::forward<A>(parts)...);
    if (!all) throw Error(message);
    all->push_back({message, function, node});
  }
  bool collecting() const { return all != nullptr; }
};

struct Scope {
  std::string where;              // "" for the top level, "function 'x': " otherwise
  std::string function;           // "" for the top level
  std::set<std::string> inputs;   // graph inputs or formal inputs
  std::set<std::string> weights;  // declared (top) or formal (function) weights
  const std::vector<Node>* nodes;
};

std::string node_where(const std::string& path, const Scope& s, const Node& n) {
  return path + ": " + s.where + "node '" + n.name + "' (" + n.op + ")";
}

void check_weight_binding(const Graph& g, const Node& call, const Function& f,
                          const std::string& where, Problems& pr, const std::string& function,
                          int index) {
  for (auto& formal : f.weights) {
    std::string actual = call.weight_scope.empty() ? formal : call.weight_scope + "/" + formal;
    if (!g.find_weight(actual))
      pr.add(function, index, where, ": function '", f.name, "' needs weight '", formal,
             "', which resolves to '", actual, "' under weight_scope '", call.weight_scope,
             "', but the graph declares no such weight");
  }
}

// Checks one scope (the top level or a function body): ops, attributes, arity, names,
// references and acyclicity.
void check_scope(const Graph& g, const Scope& s, const std::string& path, Problems& pr) {
  std::map<std::string, const Node*> producer;
  std::set<std::string> node_names;
  auto index = [&](const Node& n) { return static_cast<int>(&n - s.nodes->data()); };
  for (auto& n : *s.nodes) {
    std::string where = node_where(path, s, n);
    const int at = index(n);
    if (n.name.empty()) pr.add(s.function, at, path, ": ", s.where, "a node has an empty name");
    if (!n.name.empty() && !node_names.insert(n.name).second)
      pr.add(s.function, at, where, ": node name used twice");
    size_t want_in = 0, want_out = 0;
    bool variadic = false, known = true;  // unknown op or function: no arity to check
    if (n.kind == OpKind::call) {
      auto it = g.functions.find(n.function);
      if (it == g.functions.end()) {
        pr.add(s.function, at, where, ": unknown function '", n.function, "'");
        known = false;
      } else {
        if (!n.attrs.empty()) pr.add(s.function, at, where, ": a call takes no attrs");
        want_in = it->second.inputs.size();
        want_out = it->second.outputs.size();
        check_weight_binding(g, n, it->second, where, pr, s.function, at);
      }
    } else {
      const OpSchema* op = n.kind == OpKind::unknown ? nullptr : &op_schema(n.kind);
      if (!op) {
        std::string names;
        for (auto& o : all_ops()) names += (names.empty() ? "" : ", ") + o.name;
        pr.add(s.function, at, where, ": unknown op '", n.op, "' (known: ", names, ", call)");
        known = false;
      } else {
        try {
          op_params(*op, n.attrs, where);  // the attributes' names and types, then their values
        } catch (const Error& e) {
          if (!pr.collecting()) throw;
          pr.add(s.function, at, e.what());
        }
        want_in = op->input_names.size();
        want_out = op->num_outputs;
        variadic = op->variadic;
      }
    }
    if (known && (variadic ? n.inputs.empty() : n.inputs.size() != want_in))
      pr.add(s.function, at, where, ": expected ",
             variadic ? "at least 1" : std::to_string(want_in), " input(s), got ", n.inputs.size());
    if (known && n.outputs.size() != want_out)
      pr.add(s.function, at, where, ": expected ", want_out, " output(s), got ", n.outputs.size());
    // An unknown op's outputs still count as produced, so that its readers are not blamed too.
    for (auto& o : n.outputs) {
      if (o.empty()) {
        if (n.kind != OpKind::call) pr.add(s.function, at, where, ": an output name is empty");
        continue;
      }
      if (s.inputs.count(o) || s.weights.count(o))
        pr.add(s.function, at, where, ": output '", o, "' has the name of an input or weight");
      auto [it, fresh] = producer.emplace(o, &n);
      if (!fresh)
        pr.add(s.function, at, where, ": value '", o, "' is already produced by node '",
               it->second->name, "'");
    }
  }
  for (auto& n : *s.nodes)
    for (auto& in : n.inputs)
      if (!producer.count(in) && !s.inputs.count(in) && !s.weights.count(in))
        pr.add(s.function, index(n), node_where(path, s, n), ": input '", in,
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
    pr.add(s.function, ring.empty() ? -1 : index(*ring.front()), path, ": ", s.where,
           "the nodes form a cycle: ", cycle, ring.empty() ? "?" : ring.front()->name);
  }
}

void check_graph(const Graph& g, const std::string& path, Problems& pr) {
  std::set<std::string> names;
  for (auto& in : g.inputs)
    if (!names.insert(in.name).second)
      pr.add("", -1, path, ": input '", in.name, "' declared twice");
  for (auto& w : g.weights)
    if (!names.insert(w.name).second)
      pr.add("", -1, path, ": weight '", w.name, "' declared twice or named like an input");
  for (auto& [sym, rule] : g.dims) {
    bool used = false;
    for (auto& in : g.inputs)
      for (auto& d : in.shape)
        if (auto* s = std::get_if<std::string>(&d); s && *s == sym) used = true;
    if (!used) pr.add("", -1, path, ": dims names symbol '", sym, "', which no input shape uses");
  }

  // Functions: bodies are checked in their own scope; calls between them must not recurse.
  for (auto& [name, f] : g.functions) {
    Scope s{"function '" + name + "': ",
            name,
            {f.inputs.begin(), f.inputs.end()},
            {f.weights.begin(), f.weights.end()},
            &f.nodes};
    if (s.inputs.size() != f.inputs.size())
      pr.add(name, -1, path, ": function '", name, "': an input is named twice");
    check_scope(g, s, path, pr);
    std::set<std::string> produced;
    for (auto& n : f.nodes) produced.insert(n.outputs.begin(), n.outputs.end());
    for (auto& o : f.outputs)
      if (!produced.count(o))
        pr.add(name, -1, path, ": function '", name, "': output '", o,
               "' is not produced by any of its nodes",
               s.inputs.count(o) ? " (an input cannot be passed through as an output)" : "");
    std::set<std::string> used;
    for (auto& n : f.nodes) used.insert(n.inputs.begin(), n.inputs.end());
    for (auto& w : f.weights)
      if (!used.count(w))
        pr.add(name, -1, path, ": function '", name, "': weight '", w,
               "' is declared but never used");
  }
  std::map<std::string, int> state;  // 0 unvisited, 1 on stack, 2 done
  std::function<void(const std::string&, std::string)> visit = [&](const std::string& fn,
                                                                   std::string chain) {
    if (state[fn] == 2) return;
    if (state[fn] == 1) {
      pr.add(fn, -1, path, ": functions call each other recursively: ", chain);
      return;
    }
    auto f = g.functions.find(fn);
    if (f == g.functions.end()) return;  // an unknown function: reported at its call
    state[fn] = 1;
    for (auto& n : f->second.nodes)
      if (n.kind == OpKind::call) visit(n.function, chain + " -> " + n.function);
    state[fn] = 2;
  };
  for (auto& [name, f] : g.functions) visit(name, name);

  Scope top{"", "", {}, {}, &g.nodes};
  for (auto& in : g.inputs) top.inputs.insert(in.name);
  for (auto& w : g.weights) top.weights.insert(w.name);
  check_scope(g, top, path, pr);

  std::set<std::string> produced, outs;
  for (auto& n : g.nodes) produced.insert(n.outputs.begin(), n.outputs.end());
  if (g.outputs.empty()) pr.add("", -1, path, ": the graph declares no outputs");
  for (auto& o : g.outputs) {
    if (!outs.insert(o.name).second) pr.add("", -1, path, ": output '", o.name, "' listed twice");
    if (!produced.count(o.name))
      pr.add("", -1, path, ": output '", o.name, "' is not produced by any node");
  }
}

}  // namespace

void validate(const Graph& g, const std::string& path) {
  Problems pr;
  check_graph(g, path, pr);
}

std::vector<Problem> find_problems(const Graph& g, const std::string& path) {
  std::vector<Problem> all;
  Problems pr{&all};
  check_graph(g, path, pr);
  return all;
}

}  // namespace film::graph
