// Op schemas: for every primitive op, its kind (OpKind), argument names, attributes (typed,
// required or not), typed parameters (OpParams) and its shape function. The one place an op's
// contract lives; backends switch over OpKind (a missing case is a compile error: -Werror=switch)
// and read the typed parameters (see docs/adding-an-op.md).
//
// Usage:
//   const film::graph::OpSchema* s = film::graph::find_op("conv2d");
//   std::vector<film::Shape> out = s->infer({src, weights, bias}, node.attrs);  // throws
//   film::Error auto p = std::get<film::graph::Conv2dParams>(film::graph::op_params(*s,
//   node.attrs));
#pragma once

#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "graph/shape.h"

namespace film::graph {

enum class AttrType { Int, Float, String, Ints };

// Every primitive op. Adding one: docs/adding-an-op.md.
enum class OpKind { conv2d, leaky_relu, avg_pool2d, resize, warp, concat, add, mul, slice };

// Typed parameters, one struct per op, read once from the (validated, completed) attributes.
struct Conv2dParams {
  std::array<int64_t, 4> pad{};     // top, left, bottom, right
  std::array<int64_t, 2> stride{};  // y, x
  std::optional<float> leaky_relu;  // fused activation slope (engine/fuse.h)
};
struct LeakyReluParams {
  float alpha = 0;
};
struct AvgPool2dParams {
  std::array<int64_t, 2> kernel{}, stride{};
};
struct ResizeParams {
  bool bilinear = false;  // else nearest
  std::array<int64_t, 2> scale{};
};
struct WarpParams {};
struct ConcatParams {
  int axis = 1;
};
struct AddParams {};
struct MulParams {
  float scalar = 0;
};
struct SliceParams {
  int axis = 0;
  int64_t begin = 0, end = 0;
};
using OpParams = std::variant<Conv2dParams, LeakyReluParams, AvgPool2dParams, ResizeParams,
                              WarpParams, ConcatParams, AddParams, MulParams, SliceParams>;

struct AttrSpec {
  std::string name;
  AttrType type;
  bool required;
  nlohmann::json default_value;  // used when not required and absent
};

struct OpSchema {
  OpKind kind;
  std::string name;
  std::vector<std::string> input_names;  // e.g. {"src", "weights", "bias"}
  bool variadic = false;                 // concat: one or more inputs, all named "src"
  int num_outputs = 1;
  std::vector<AttrSpec> attrs;
  std::string summary;
  // Output shapes from input shapes; throws film::Error with a message the caller prefixes
  // with the node's name.
  std::function<std::vector<Shape>(const std::vector<Shape>&, const nlohmann::json& attrs)> infer;
  // True when the output may share memory with input 0 (element-wise ops).
  bool can_run_in_place = false;

  const AttrSpec* find_attr(const std::string& name) const;
};

const std::vector<OpSchema>& all_ops();
const OpSchema* find_op(const std::string& name);
const OpSchema& op_schema(OpKind kind);
const char* op_name(OpKind kind);

// The typed parameters of an op from attributes that check_attrs() accepted (defaults filled in).
OpParams op_params(const OpSchema& schema, const nlohmann::json& attrs);

// Checks `attrs` against the schema: unknown names, missing required ones, wrong types.
// Throws film::Error prefixed with `where`.
void check_attrs(const OpSchema& schema, const nlohmann::json& attrs, const std::string& where);

}  // namespace film::graph

namespace film::graph {
// `attrs` with every absent optional attribute set to its default.
nlohmann::json complete_attrs(const OpSchema& schema, const nlohmann::json& attrs);
}  // namespace film::graph
