// The graph IR: what a model's graph.json holds, in memory.
//
// A Graph has named inputs (with symbolic dims such as "H"), named outputs, declared weights,
// reusable functions (subgraphs with formal inputs/outputs/weights) and nodes. A node of op
// "call" instantiates a function; flatten() (graph/flatten.h) inlines every call so the engine
// only ever executes primitive ops. Values are referred to by name; each has exactly one producer.
// See docs/graph-format.md for the JSON form and its rules.
//
// Usage:
//   film::graph::Graph g = film::graph::parse_graph(text, "model/graph.json");
//   film::graph::validate(g);                       // throws film::Error naming the place
//   film::graph::Graph flat = film::graph::flatten(g, {"image"});
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "graph/shape.h"

namespace film::graph {

inline constexpr int kFormatVersion = 1;

struct Node {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;  // "" in a call's outputs discards that function output
  nlohmann::json attrs = nlohmann::json::object();
  // For op == "call": the function and the scope its formal weights resolve in
  // (formal "conv0/weight" with scope "flow/predictor_shared" ->
  // "flow/predictor_shared/conv0/weight").
  std::string function;
  std::string weight_scope;
};

// One input dimension: a fixed size or a symbol shared across inputs.
using Dim = std::variant<int64_t, std::string>;

struct InputDecl {
  std::string name;
  std::vector<Dim> shape;
};

// Constraint on a symbolic input dimension.
struct DimRule {
  int64_t multiple_of = 1;
  int64_t min = 1;
  std::string why;  // shown to the user when the rule is broken
};

struct OutputDecl {
  std::string name;
  bool aux = false;  // computed only when asked for (film run --aux)
};

struct WeightDecl {
  std::string name;
  Shape shape;
  std::string dtype = "F32";
};

struct Function {
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::string> weights;  // formal names, relative to the call's weight_scope
  std::vector<Node> nodes;
};

struct Graph {
  int version = kFormatVersion;
  std::string name;
  nlohmann::json metadata = nlohmann::json::object();  // free-form (e.g. the FILM options)
  std::vector<InputDecl> inputs;
  std::map<std::string, DimRule> dims;
  std::vector<OutputDecl> outputs;
  std::vector<WeightDecl> weights;
  std::map<std::string, Function> functions;
  std::vector<Node> nodes;

  const WeightDecl* find_weight(const std::string& name) const;
};

// Parses graph JSON; `path` is used in messages. Syntax errors give line and column; structural
// errors (missing keys, wrong types, unknown keys) name the JSON location. Does not run validate().
Graph parse_graph(std::string_view text, const std::string& path);
Graph read_graph(const std::string& path);
nlohmann::ordered_json to_json(const Graph& g);
std::string dump_graph(const Graph& g);  // pretty JSON text

// Checks ops and attributes against the schemas, arity, names (unique, no dangling references),
// function bodies and call bindings, and acyclicity. Throws film::Error naming the node.
void validate(const Graph& g, const std::string& path = "graph");

// Every problem validate() would stop at, not just the first (`film inspect --check`): each with
// its message and where it is, the function ("" for the top level) and the node's index in that
// node list (-1 for declarations). Empty when the graph is valid.
struct Problem {
  std::string message;
  std::string function;
  int node = -1;
};
std::vector<Problem> find_problems(const Graph& g, const std::string& path = "graph");

}  // namespace film::graph
