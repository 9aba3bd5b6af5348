#include "graph/base/error.h"
#include "graph/graph.h"

namespace film::graph {

void set_op(Node& n, const std::string& op, nlohmann::json attrs) {
  n.op = op;
  n.kind = op_kind(op);
  n.attrs = attrs.is_null() ? nlohmann::json::object() : std::move(attrs);
  n.params = std::monostate{};
  if (n.kind == OpKind::unknown) fail("node '", n.name, "': unknown op '", op, "'");
  if (n.kind == OpKind::call) return;
  n.params = op_params(op_schema(n.kind), n.attrs, "node '" + n.name + "' (" + op + ")");
}

void set_params(Node& n, OpParams params) {
  n.attrs = op_schema(n.kind).write(params);
  n.params = std::move(params);
}

}  // namespace film::graph
