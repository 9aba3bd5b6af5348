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

#include "graph/ops.h"
#include "graph/shape.h"

namespace film::graph {

inline constexpr int kFormatVersion = 1;

struct Node {
  std::string name;
  OpKind kind = OpKind::unknown;  // what passes switch on
  std::string op;                 // the op's name as written ("conv2d", "call", ...)
  // A primitive op's typed parameters: set with the attributes (set_op, set_params, or the
  // reader once they check out), so every node of a validated graph has them.
  OpParams params;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;  // "" in a call's outputs discards that function output
  nlohmann::json attrs = nlohmann::json::object();  // as graph.json holds them
  // For a call: the function and the scope its formal weights resolve in
  // (formal "conv0/weight" with scope "flow/predictor_shared" ->
  // "flow/predictor_shared/conv0/weight").
  std::string function;
  std::string weight_scope;
  // What the model builder says about the node, for tools and backends that would otherwise
  // guess from names or shapes. `stage`: the part of the model it belongs to (FILM: pyramid,
  // encoder, flow, warp, fusion), shown and grouped by the inspector; a call's stage is its
  // inlined nodes' unless they have their own. `keep_fp32`: its output must stay float32 in a
  // reduced precision (FILM's flow and image heads), for the backends that lower precision.
  std::string stage;
  bool keep_fp32 = false;
};

// Makes `n` a node of op `op` with `attrs` (kind, op name, attributes and typed parameters);
// film::Error naming the node for an unknown op or attributes its schema does not take.
void set_op(Node& n, const std::string& op, nlohmann::json attrs = nlohmann::json::object());
// A primitive node's parameters replaced, its attributes written from them.
void set_params(Node& n, OpParams params);

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
