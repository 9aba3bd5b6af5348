#include "models/import/tf_savedmodel.h"

#include <cstring>
#include <deque>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "models/import/protobuf_wire.h"
#include "models/import/tf_checkpoint.h"

namespace film::io {
namespace {

constexpr int kNoNode = -1;
constexpr size_t kMaxDepth = 256;  // real object graphs are a few dozen levels deep

struct Child {
  int node = 0;
  std::string_view name;  // points into the saved_model.pb bytes
};

struct Node {
  std::vector<Child> children;
  bool is_variable = false;
  std::string name;
  Shape shape;
  int dtype = 0;
};

// The SavedObjectGraph message of the first meta graph that has one.
std::string_view find_object_graph(std::string_view pb_bytes, const std::string& path) {
  pb::Reader model(pb_bytes, path + ": SavedModel");
  pb::Field f;
  while (model.next(f)) {
    if (f.number != 2) continue;  // meta_graphs
    pb::Reader meta(f.bytes_value(model.where()), path + ": MetaGraphDef");
    pb::Field g;
    while (meta.next(g))
      if (g.number == 7) return g.bytes_value(meta.where());  // object_graph_def
  }
  fail(path,
       ": no MetaGraphDef with an object graph (SavedModel.meta_graphs[2].object_graph_def[7]); "
       "not a TensorFlow 2 SavedModel?");
}

void parse_variable(std::string_view bytes, Node& node, const std::string& where) {
  node.is_variable = true;
  pb::Reader r(bytes, where);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 1) node.dtype = static_cast<int>(f.varint_value(where));
    if (f.number == 2) node.shape = parse_tensor_shape(f.bytes_value(where), where);
    if (f.number == 6) node.name = std::string(f.bytes_value(where));
  }
}

std::vector<Node> parse_nodes(std::string_view graph, const std::string& path) {
  std::vector<Node> nodes;
  pb::Reader r(graph, path + ": SavedObjectGraph");
  pb::Field f;
  while (r.next(f)) {
    if (f.number != 1) continue;  // nodes
    const std::string where = cat(path, ": SavedObject ", nodes.size());
    Node node;
    pb::Reader obj(f.bytes_value(r.where()), where);
    pb::Field o;
    while (obj.next(o)) {
      if (o.number == 1) {  // children: ObjectReference
        pb::Reader ref(o.bytes_value(where), where);
        pb::Field c;
        Child child;
        while (ref.next(c)) {
          if (c.number == 1) {
            const uint64_t id = c.varint_value(where);
            if (id > 0x7fffffff) fail(where, ": child node id ", id, " is out of range");
            child.node = static_cast<int>(id);
          }
          if (c.number == 2) child.name = c.bytes_value(where);
        }
        node.children.push_back(child);
      } else if (o.number == 7) {  // variable: SavedVariable
        parse_variable(o.bytes_value(where), node, where + " variable");
      }
    }
    nodes.push_back(std::move(node));
  }
  if (nodes.empty()) fail(path, ": the object graph has no nodes");
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const Child& c : nodes[i].children)
      if (static_cast<size_t>(c.node) >= nodes.size())
        fail(path, ": SavedObject ", i, " child '", c.name, "' refers to node ", c.node,
             " but there are ", nodes.size(), " nodes");
  return nodes;
}

// A spanning tree of the graph: how each node was first reached.
struct Tree {
  std::vector<int> parent;
  std::vector<std::string_view> edge;
  std::vector<int> order;  // nodes in discovery order
  explicit Tree(size_t n) : parent(n, kNoNode), edge(n) {}
  bool reached(int node) const { return node == 0 || parent[node] != kNoNode; }
};

Tree breadth_first(const std::vector<Node>& nodes) {
  Tree t(nodes.size());
  std::deque<int> queue{0};
  t.order.push_back(0);
  while (!queue.empty()) {
    const int n = queue.front();
    queue.pop_front();
    for (const Child& c : nodes[n].children) {
      if (t.reached(c.node)) continue;
      t.parent[c.node] = n;
      t.edge[c.node] = c.name;
      t.order.push_back(c.node);
      queue.push_back(c.node);
    }
  }
  return t;
}

// Preorder depth-first walk taking children in stored order, iterative so that a deep or hostile
// graph cannot overflow the call stack.
Tree depth_first(const std::vector<Node>& nodes) {
  Tree t(nodes.size());
  std::vector<bool> seen(nodes.size(), false);
  struct Visit {
    int node, parent;
    std::string_view edge;
  };
  std::vector<Visit> stack{{0, kNoNode, {}}};
  while (!stack.empty()) {
    const Visit v = stack.back();
    stack.pop_back();
    if (seen[v.node]) continue;
    seen[v.node] = true;
    t.parent[v.node] = v.parent;
    t.edge[v.node] = v.edge;
    t.order.push_back(v.node);
    const auto& ch = nodes[v.node].children;
    for (auto it = ch.rbegin(); it != ch.rend(); ++it)
      if (!seen[it->node]) stack.push_back({it->node, v.node, it->name});
  }
  return t;
}

// TensorFlow's checkpoint escaping of local names, so that '/' can separate path components.
std::string escape_local_name(std::string_view name) {
  std::string out;
  for (char ch : name) {
    if (ch == '.')
      out += "..";
    else if (ch == '/')
      out += ".S";
    else
      out += ch;
  }
  return out;
}

std::string tree_path(const Tree& t, int node, bool escape, const std::string& where) {
  std::vector<std::string_view> parts;
  for (int n = node; n != 0; n = t.parent[n]) {
    if (parts.size() >= kMaxDepth) fail(where, ": object path deeper than ", kMaxDepth, " levels");
    parts.push_back(t.edge[n]);
  }
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!path.empty()) path += '/';
    path += escape ? escape_local_name(*it) : std::string(*it);
  }
  return path;
}

}  // namespace

std::vector<SavedModelVariable> parse_savedmodel_variables(std::string_view saved_model_pb,
                                                           const std::string& path) {
  const std::vector<Node> nodes = parse_nodes(find_object_graph(saved_model_pb, path), path);
  const Tree bfs = breadth_first(nodes);
  const Tree dfs = depth_first(nodes);
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].is_variable && !bfs.reached(static_cast<int>(i)))
      fail(path, ": variable '", nodes[i].name, "' (SavedObject ", i,
           ") is not reachable from the root object");
  // Each output path may be up to kMaxDepth names long; bound the total against the input size so
  // that a small hostile file cannot demand gigabytes of path strings.
  const size_t path_budget = 16 * saved_model_pb.size() + (1 << 20);
  size_t path_bytes = 0;
  std::vector<SavedModelVariable> vars;
  for (int id : bfs.order) {
    const Node& n = nodes[id];
    if (!n.is_variable) continue;
    const std::string where = cat(path, ": variable '", n.name, "' (SavedObject ", id, ")");
    SavedModelVariable v;
    v.node_id = id;
    v.name = n.name;
    v.shape = n.shape;
    v.dtype = n.dtype;
    v.ckpt_key = tree_path(bfs, id, true, where) + "/.ATTRIBUTES/VARIABLE_VALUE";
    v.object_path = tree_path(dfs, id, false, where);
    path_bytes += v.ckpt_key.size() + v.object_path.size();
    if (path_bytes > path_budget)
      fail(path, ": object paths total more than ", path_budget, " bytes (corrupt graph)");
    vars.push_back(std::move(v));
  }
  return vars;
}

namespace {

std::string pb_path(const std::string& dir) { return dir + "/saved_model.pb"; }
std::string ckpt_prefix(const std::string& dir) { return dir + "/variables/variables"; }

std::string label_of(const TfVariable& v) {
  return cat("variable '", v.name, "' (", v.ckpt_key, ")");
}

}  // namespace

std::vector<TfVariable> list_savedmodel_variables(const std::string& savedmodel_dir) {
  const std::string pb_file = pb_path(savedmodel_dir);
  const auto saved = parse_savedmodel_variables(read_file(pb_file), pb_file);
  const CheckpointIndex index = read_checkpoint_index(ckpt_prefix(savedmodel_dir) + ".index");
  std::vector<TfVariable> out;
  for (const SavedModelVariable& s : saved) {
    if (!index.has(s.ckpt_key))
      fail(index.path, ": no entry '", s.ckpt_key, "' for variable '", s.name, "' (SavedObject ",
           s.node_id, " of ", pb_file, ")");
    const BundleEntry& e = index.at(s.ckpt_key);
    if (e.dtype != s.dtype)
      fail(index.path, ": entry '", s.ckpt_key, "' has dtype ", e.dtype, " but ", pb_file,
           " declares variable '", s.name, "' with dtype ", s.dtype);
    if (e.shape != s.shape)
      fail(index.path, ": entry '", s.ckpt_key, "' has shape ", shape_str(e.shape), " but ",
           pb_file, " declares variable '", s.name, "' with shape ", shape_str(s.shape));
    if (e.sliced)
      fail(index.path, ": entry '", s.ckpt_key, "' is partitioned into slices (not supported)");
    TfVariable v;
    v.ckpt_key = s.ckpt_key;
    v.name = s.name;
    v.object_path = s.object_path;
    v.shape = e.shape;
    v.dtype = e.dtype;
    v.shard = e.shard_id;
    v.offset = e.offset;
    v.size = e.size;
    v.crc32c_masked = e.crc32c_masked;
    out.push_back(std::move(v));
  }
  return out;
}

std::string read_tf_variable_bytes(const std::string& savedmodel_dir, const TfVariable& var) {
  const std::string prefix = ckpt_prefix(savedmodel_dir);
  const std::string label = label_of(var);
  const int elem = tf_dtype_size(var.dtype);
  if (elem == 0)
    fail(savedmodel_dir, ": ", label, " has dtype ", var.dtype, ", not a fixed-size numeric type");
  const int64_t n = checked_num_elements(var.shape, savedmodel_dir + ": " + label);
  if (var.size != uint64_t(n) * uint64_t(elem))
    fail(savedmodel_dir, ": ", label, " of shape ", shape_str(var.shape), " should take ", n, " x ",
         elem, " bytes but its checkpoint entry says ", var.size);
  // The header says how many shards there are, which the data file names spell out.
  const CheckpointIndex index = read_checkpoint_index(prefix + ".index");
  if (index.header.big_endian) fail(index.path, ": big-endian checkpoints are not supported");
  if (var.shard >= index.header.num_shards)
    fail(index.path, ": ", label, " is in shard ", var.shard, " but there are ",
         index.header.num_shards);
  return read_checked_bytes(checkpoint_data_path(prefix, var.shard, index.header.num_shards),
                            var.offset, var.size, var.crc32c_masked, label);
}

Tensor read_tf_variable(const std::string& savedmodel_dir, const TfVariable& var) {
  if (var.dtype != kTfFloat)
    fail(savedmodel_dir, ": ", label_of(var), " has dtype ", var.dtype,
         "; only float32 (dtype 1) is supported");
  const std::string bytes = read_tf_variable_bytes(savedmodel_dir, var);
  Tensor t = Tensor::zeros(var.shape);
  // Checkpoints are little-endian (checked above) and so is every host this engine targets.
  std::memcpy(t.data(), bytes.data(), bytes.size());
  return t;
}

}  // namespace film::io
