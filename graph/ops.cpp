#include "graph/ops.h"

#include "graph/base/error.h"

namespace film::graph {
namespace {

using json = nlohmann::json;

bool has_type(const json& v, AttrType t) {
  switch (t) {
    case AttrType::Int:
      return v.is_number_integer();
    case AttrType::Float:
      return v.is_number();
    case AttrType::String:
      return v.is_string();
    case AttrType::Ints:
      if (!v.is_array()) return false;
      for (auto& e : v)
        if (!e.is_number_integer()) return false;
      return true;
  }
  return false;
}

const char* type_name(AttrType t) {
  switch (t) {
    case AttrType::Int:
      return "an integer";
    case AttrType::Float:
      return "a number";
    case AttrType::String:
      return "a string";
    case AttrType::Ints:
      return "a list of integers";
  }
  return "?";
}

}  // namespace

namespace attr {
std::vector<int64_t> ints(const json& v) { return v.get<std::vector<int64_t>>(); }
std::array<int64_t, 2> pair(const json& a, const char* key) {
  const auto v = ints(a.at(key));
  if (v.size() != 2) fail("attribute ", key, " must be [y, x]");
  return {v[0], v[1]};
}
void need_rank(const Shape& s, size_t rank, const char* arg) {
  if (s.size() != rank) fail(arg, " must have rank ", rank, " (NCHW), got shape ", shape_str(s));
}
}  // namespace attr

const AttrSpec* OpSchema::find_attr(const std::string& n) const {
  for (auto& a : attrs)
    if (a.name == n) return &a;
  return nullptr;
}

const std::vector<OpSchema>& all_ops() {
  static const std::vector<OpSchema> ops = {
#define FILM_OP_DEFINITION(name, Type) op_definition<OpKind::name>(),
      FILM_OPS(FILM_OP_DEFINITION)
#undef FILM_OP_DEFINITION
  };
  return ops;
}

const OpSchema* find_op(const std::string& name) {
  for (auto& op : all_ops())
    if (op.name == name) return &op;
  return nullptr;
}

const OpSchema& op_schema(OpKind kind) {
  if (op_index(kind) >= kPrimitiveOps)
    fail("internal: op kind ", static_cast<int>(kind), " is not a primitive op");
  return all_ops()[op_index(kind)];
}

const char* op_name(OpKind kind) {
  if (kind == OpKind::call) return "call";
  if (kind == OpKind::unknown) return "unknown";
  return op_schema(kind).name.c_str();
}

OpKind op_kind(const std::string& name) {
  if (name == "call") return OpKind::call;
  const OpSchema* s = find_op(name);
  return s ? s->kind : OpKind::unknown;
}

void check_attrs(const OpSchema& schema, const json& attrs, const std::string& where) {
  if (!attrs.is_object()) fail(where, ": attrs must be an object");
  for (auto& [k, v] : attrs.items()) {
    const AttrSpec* spec = schema.find_attr(k);
    if (!spec) {
      std::string known;
      for (auto& a : schema.attrs) known += (known.empty() ? "" : ", ") + a.name;
      fail(where, ": unknown attribute '", k, "' for op ", schema.name,
           known.empty() ? std::string(" (it takes none)") : " (known: " + known + ")");
    }
    if (!has_type(v, spec->type))
      fail(where, ": attribute '", k, "' must be ", type_name(spec->type), ", got ", v.dump());
  }
  for (auto& a : schema.attrs)
    if (a.required && !attrs.contains(a.name))
      fail(where, ": op ", schema.name, " needs attribute '", a.name, "' (", type_name(a.type),
           ")");
}

json complete_attrs(const OpSchema& schema, const json& attrs) {
  json out = attrs.is_object() ? attrs : json::object();
  for (auto& a : schema.attrs)
    if (!out.contains(a.name) && !a.required) out[a.name] = a.default_value;
  return out;
}

OpParams op_params(const OpSchema& schema, const json& given, const std::string& where) {
  const json attrs = given.is_null() ? json::object() : given;  // no attributes at all
  check_attrs(schema, attrs, where);
  try {
    return schema.read(complete_attrs(schema, attrs));
  } catch (const Error& e) {
    fail(where, ": ", e.what());
  }
}

std::vector<Shape> infer_output_shapes(const OpSchema& schema, const std::vector<Shape>& inputs,
                                const json& attrs) {
  return schema.infer(inputs, op_params(schema, attrs));
}

}  // namespace film::graph
