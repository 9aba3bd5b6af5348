// Op schemas: for every primitive op, its argument names, attributes (typed, required or not)
// and its shape function. The one place an op's contract lives; backends implement kernels
// for these ops (see docs/adding-an-op.md).
//
// Usage:
//   const film::graph::OpSchema* s = film::graph::find_op("conv2d");
//   std::vector<film::Shape> out = s->infer({src, weights, bias}, node.attrs);  // throws film::Error
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace film::graph {

enum class AttrType { Int, Float, String, Ints };

struct AttrSpec {
  std::string name;
  AttrType type;
  bool required;
  nlohmann::json default_value;  // used when not required and absent
};

struct OpSchema {
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

// The attribute's value, or its schema default when absent.
nlohmann::json attr_or_default(const OpSchema& schema, const nlohmann::json& attrs,
                               const std::string& name);

// Checks `attrs` against the schema: unknown names, missing required ones, wrong types.
// Throws film::Error prefixed with `where`.
void check_attrs(const OpSchema& schema, const nlohmann::json& attrs, const std::string& where);

}  // namespace film::graph

namespace film::graph {
// `attrs` with every absent optional attribute set to its default.
nlohmann::json complete_attrs(const OpSchema& schema, const nlohmann::json& attrs);
}  // namespace film::graph
