// Op schemas: for every primitive op (graph/op_list.h), its kind (OpKind), argument names,
// attributes (typed, required or not), typed parameters (OpParams: read from the attributes once,
// written back for graph.json) and its shape function. Each op's schema is in its own file,
// graph/ops/NAME.cpp (op_definition<OpKind::NAME>()); this file holds what all ops share. Passes
// switch on the kind and read the typed parameters; backends map the kind to a kernel factory
// (docs/adding-an-op.md).
//
// Usage:
//   const film::graph::OpSchema& s = film::graph::op_schema(film::graph::OpKind::conv2d);
//   film::graph::OpParams p = film::graph::op_params(s, {{"pad", {1, 1, 1, 1}}});  // checked
//   std::vector<film::Shape> out = s.infer({src, weights, bias}, p);              // throws
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "graph/op_list.h"
#include "graph/shape.h"

namespace film::graph {

enum class AttrType { Int, Float, String, Ints };

enum class OpKind : uint8_t {
#define FILM_OP_KIND(name, Type) name,
  FILM_OPS(FILM_OP_KIND)
#undef FILM_OP_KIND
  call,     // a function call (flatten() inlines every one)
  unknown,  // an op name no schema knows (validation reports it)
};
// The primitive ops are the kinds before `call`: a table over them has this many entries.
inline constexpr size_t kPrimitiveOps = static_cast<size_t>(OpKind::call);
inline constexpr size_t op_index(OpKind k) { return static_cast<size_t>(k); }

// Typed parameters, one struct per op; std::monostate for a call or an unknown op.
#define FILM_OP_PARAMS(name, Type) , Type##Params
using OpParams = std::variant<std::monostate FILM_OPS(FILM_OP_PARAMS)>;
#undef FILM_OP_PARAMS

struct AttrSpec {
  std::string name;
  AttrType type;
  bool required;
  nlohmann::json default_value;  // used when not required and absent
};

struct OpSchema {
  OpKind kind;
  std::string name{};
  std::vector<std::string> input_names{};  // e.g. {"src", "weights", "bias"}
  bool variadic = false;                 // concat: one or more inputs, all named "src"
  int num_outputs = 1;
  std::vector<AttrSpec> attrs{};
  std::string summary{};
  // The typed parameters from attributes check_attrs() accepted, defaults filled in; film::Error
  // (about the attributes) for values the types allow but the op does not.
  std::function<OpParams(const nlohmann::json& attrs)> read{};
  // The attributes graph.json holds for `params` (those that differ from the defaults).
  std::function<nlohmann::json(const OpParams& params)> write{};
  // Output shapes from input shapes; throws film::Error with a message the caller prefixes
  // with the node's name.
  std::function<std::vector<Shape>(const std::vector<Shape>&, const OpParams&)> infer{};
  // True when the output may share memory with input 0 (element-wise ops).
  bool can_run_in_place = false;
  // Inputs that stay float32 when a backend lowers the precision of activations: coordinates
  // and factors whose rounding would move pixels (a warp's flow), and constants (weights).
  std::vector<int> float32_inputs = {};

  const AttrSpec* find_attr(const std::string& name) const;
};

// Each op's schema, defined in graph/ops/NAME.cpp (a missing one is a link error naming it).
template <OpKind K>
OpSchema op_definition();

// Every primitive op's schema, in OpKind order.
const std::vector<OpSchema>& all_ops();
const OpSchema* find_op(const std::string& name);  // nullptr for "call" and unknown names
const OpSchema& op_schema(OpKind kind);             // primitive kinds only
const char* op_name(OpKind kind);                   // "call" and "unknown" too
// The kind a node's "op" names: a primitive, call, or unknown.
OpKind op_kind(const std::string& name);

// Checks `attrs` against the schema: unknown names, missing required ones, wrong types.
// Throws film::Error prefixed with `where`.
void check_attrs(const OpSchema& schema, const nlohmann::json& attrs, const std::string& where);
// `attrs` with every absent optional attribute set to its default.
nlohmann::json complete_attrs(const OpSchema& schema, const nlohmann::json& attrs);
// check_attrs, then the typed parameters (schema.read of the completed attributes); `where`
// prefixes the messages.
OpParams op_params(const OpSchema& schema, const nlohmann::json& attrs,
                   const std::string& where = "attrs");
// Output shapes for attributes given as JSON (tests, tools): infer(shapes, op_params(attrs)).
std::vector<Shape> infer_output_shapes(const OpSchema& schema, const std::vector<Shape>& inputs,
                                const nlohmann::json& attrs);

// Helpers for the op definitions (graph/ops/*.cpp).
namespace attr {
std::vector<int64_t> ints(const nlohmann::json& v);
std::array<int64_t, 2> pair(const nlohmann::json& a, const char* key);
// Rank `rank` or a film::Error naming `arg`.
void need_rank(const Shape& s, size_t rank, const char* arg);
}  // namespace attr

}  // namespace film::graph
