// graph.json <-> Graph. Strict: unknown keys are errors (a typo must not pass silently), and
// every message names the JSON location (e.g. nodes[12] 'flow/l3/conv0').
#include <set>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/graph.h"
#include "graph/json_text.h"

namespace film::graph {
namespace {

using json = nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  void keys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed) {
    if (!obj.is_object()) fail(path_, ": ", where, " must be an object, got ", obj.type_name());
    for (auto& [k, v] : obj.items()) {
      bool ok = false;
      for (const char* a : allowed) ok |= (k == a);
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(path_, ": ", where, ": unknown key '", k, "' (allowed: ", list, ")");
      }
    }
  }
  const json& need(const json& obj, const char* key, const std::string& where) {
    if (!obj.contains(key)) fail(path_, ": ", where, ": missing key '", key, "'");
    return obj.at(key);
  }
  std::string str(const json& obj, const char* key, const std::string& where,
                  bool required = true) {
    if (!obj.contains(key)) {
      if (required) fail(path_, ": ", where, ": missing key '", key, "'");
      return "";
    }
    const json& v = obj.at(key);
    if (!v.is_string()) fail(path_, ": ", where, ": '", key, "' must be a string, got ", v.dump());
    return v.get<std::string>();
  }
  std::vector<std::string> strs(const json& obj, const char* key, const std::string& where,
                                bool required = true) {
    if (!obj.contains(key)) {
      if (required) fail(path_, ": ", where, ": missing key '", key, "'");
      return {};
    }
    const json& v = obj.at(key);
    if (!v.is_array()) fail(path_, ": ", where, ": '", key, "' must be a list of strings");
    std::vector<std::string> out;
    for (auto& e : v) {
      if (!e.is_string())
        fail(path_, ": ", where, ": '", key, "' must be a list of strings, found ", e.dump());
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  const json& array(const json& obj, const char* key, const std::string& where) {
    const json& v = need(obj, key, where);
    if (!v.is_array()) fail(path_, ": ", where, ": '", key, "' must be a list");
    return v;
  }

  Node node(const json& j, const std::string& where0) {
    std::string where = where0;
    if (j.is_object() && j.contains("name") && j["name"].is_string())
      where += " '" + j["name"].get<std::string>() + "'";
    keys(j, where,
         {"name", "op", "inputs", "outputs", "attrs", "function", "weight_scope", "stage",
          "keep_fp32"});
    Node n;
    n.name = str(j, "name", where);
    n.op = str(j, "op", where);
    n.kind = op_kind(n.op);
    n.inputs = strs(j, "inputs", where);
    if (j.contains("outputs")) {
      n.outputs = strs(j, "outputs", where);
    } else {
      if (n.kind == OpKind::call) fail(path_, ": ", where, ": a call must list its outputs");
      n.outputs = {n.name};
    }
    if (j.contains("attrs")) {
      if (!j["attrs"].is_object()) fail(path_, ": ", where, ": 'attrs' must be an object");
      n.attrs = j["attrs"];
    }
    n.function = str(j, "function", where, false);
    n.weight_scope = str(j, "weight_scope", where, false);
    const bool call = n.kind == OpKind::call;
    if (call && n.function.empty()) fail(path_, ": ", where, ": a call needs 'function'");
    if (!call && (!n.function.empty() || j.contains("weight_scope")))
      fail(path_, ": ", where, ": 'function' and 'weight_scope' belong to op \"call\" only");
    n.stage = str(j, "stage", where, false);
    if (j.contains("keep_fp32")) {
      if (!j["keep_fp32"].is_boolean()) fail(path_, ": ", where, ": 'keep_fp32' must be true or false");
      n.keep_fp32 = j["keep_fp32"].get<bool>();
    }
    // The typed parameters, where the attributes check out (validation reports the others).
    if (!call && n.kind != OpKind::unknown) try {
        n.params = op_params(op_schema(n.kind), n.attrs, where);
      } catch (const Error&) {
      }
    return n;
  }

  std::vector<Node> nodes(const json& arr, const std::string& prefix) {
    std::vector<Node> out;
    for (size_t i = 0; i < arr.size(); ++i)
      out.push_back(node(arr[i], prefix + "nodes[" + std::to_string(i) + "]"));
    return out;
  }

  Graph graph(const json& j) {
    keys(j, "top level",
         {"format", "version", "name", "metadata", "inputs", "dims", "outputs", "weights",
          "functions", "nodes"});
    Graph g;
    if (str(j, "format", "top level") != "film-graph")
      fail(path_, ": 'format' must be \"film-graph\"");
    const json& ver = need(j, "version", "top level");
    if (!ver.is_number_integer()) fail(path_, ": 'version' must be an integer");
    g.version = ver.get<int>();
    if (g.version != kFormatVersion)
      fail(path_, ": graph format version ", g.version,
           " is not supported (this build reads version ", kFormatVersion, ")");
    g.name = str(j, "name", "top level", false);
    if (j.contains("metadata")) {
      if (!j["metadata"].is_object()) fail(path_, ": 'metadata' must be an object");
      g.metadata = j["metadata"];
    }
    const json& ins = array(j, "inputs", "top level");
    for (size_t i = 0; i < ins.size(); ++i) {
      std::string where = "inputs[" + std::to_string(i) + "]";
      keys(ins[i], where, {"name", "shape"});
      InputDecl d;
      d.name = str(ins[i], "name", where);
      const json& sh = array(ins[i], "shape", where);
      for (auto& e : sh) {
        if (e.is_number_integer() && e.get<int64_t>() > 0) {
          d.shape.emplace_back(e.get<int64_t>());
        } else if (e.is_string() && !e.get<std::string>().empty()) {
          d.shape.emplace_back(e.get<std::string>());
        } else {
          fail(path_, ": ", where, " '", d.name,
               "': shape entries must be positive integers or symbol names, got ", e.dump());
        }
      }
      g.inputs.push_back(std::move(d));
    }
    if (j.contains("dims")) {
      const json& dims = j["dims"];
      if (!dims.is_object()) fail(path_, ": 'dims' must be an object of symbol -> rule");
      for (auto& [sym, rule] : dims.items()) {
        std::string where = "dims." + sym;
        keys(rule, where, {"multiple_of", "min", "why"});
        DimRule r;
        for (const char* k : {"multiple_of", "min"}) {
          if (!rule.contains(k)) continue;
          if (!rule[k].is_number_integer() || rule[k].get<int64_t>() < 1)
            fail(path_, ": ", where, ".", k, " must be a positive integer");
          (std::string(k) == "min" ? r.min : r.multiple_of) = rule[k].get<int64_t>();
        }
        r.why = str(rule, "why", where, false);
        g.dims[sym] = r;
      }
    }
    const json& outs = array(j, "outputs", "top level");
    for (size_t i = 0; i < outs.size(); ++i) {
      std::string where = "outputs[" + std::to_string(i) + "]";
      keys(outs[i], where, {"name", "aux"});
      OutputDecl o;
      o.name = str(outs[i], "name", where);
      if (outs[i].contains("aux")) {
        if (!outs[i]["aux"].is_boolean()) fail(path_, ": ", where, ".aux must be true or false");
        o.aux = outs[i]["aux"].get<bool>();
      }
      g.outputs.push_back(o);
    }
    if (j.contains("weights")) {
      const json& ws = array(j, "weights", "top level");
      for (size_t i = 0; i < ws.size(); ++i) {
        std::string where = "weights[" + std::to_string(i) + "]";
        keys(ws[i], where, {"name", "shape", "dtype"});
        WeightDecl w;
        w.name = str(ws[i], "name", where);
        const json& sh = array(ws[i], "shape", where);
        for (auto& e : sh) {
          if (!e.is_number_integer() || e.get<int64_t>() < 0)
            fail(path_, ": ", where, " '", w.name,
                 "': shape entries must be non-negative integers");
          w.shape.push_back(e.get<int64_t>());
        }
        if (ws[i].contains("dtype")) w.dtype = str(ws[i], "dtype", where);
        if (w.dtype != "F32")
          fail(path_, ": ", where, " '", w.name, "': dtype must be F32, got ", w.dtype);
        g.weights.push_back(std::move(w));
      }
    }
    if (j.contains("functions")) {
      const json& fs = array(j, "functions", "top level");
      for (size_t i = 0; i < fs.size(); ++i) {
        std::string where = "functions[" + std::to_string(i) + "]";
        if (fs[i].is_object() && fs[i].contains("name") && fs[i]["name"].is_string())
          where += " '" + fs[i]["name"].get<std::string>() + "'";
        keys(fs[i], where, {"name", "inputs", "outputs", "weights", "nodes"});
        Function f;
        f.name = str(fs[i], "name", where);
        f.inputs = strs(fs[i], "inputs", where);
        f.outputs = strs(fs[i], "outputs", where);
        f.weights = strs(fs[i], "weights", where, false);
        f.nodes = nodes(array(fs[i], "nodes", where), where + ".");
        if (!g.functions.emplace(f.name, f).second)
          fail(path_, ": ", where, ": function name defined twice");
      }
    }
    g.nodes = nodes(array(j, "nodes", "top level"), "");
    return g;
  }

 private:
  std::string path_;
};

using ojson = nlohmann::ordered_json;

ojson node_json(const Node& n) {
  ojson j = {{"name", n.name}, {"op", n.op}, {"inputs", n.inputs}};
  const bool call = n.kind == OpKind::call;
  if (call) {
    j["function"] = n.function;
    if (!n.weight_scope.empty()) j["weight_scope"] = n.weight_scope;
  }
  if (!(n.outputs.size() == 1 && n.outputs[0] == n.name && !call)) j["outputs"] = n.outputs;
  if (!n.attrs.empty()) j["attrs"] = n.attrs;
  if (!n.stage.empty()) j["stage"] = n.stage;
  if (n.keep_fp32) j["keep_fp32"] = true;
  return j;
}

}  // namespace

const WeightDecl* Graph::find_weight(const std::string& n) const {
  for (auto& w : weights)
    if (w.name == n) return &w;
  return nullptr;
}

Graph parse_graph(std::string_view text, const std::string& path) {
  const json j = parse_json(text, path);
  if (!j.is_object()) fail(path, ": a graph must be a JSON object, got ", j.type_name());
  try {
    return Reader(path).graph(j);
  } catch (const json::exception& e) {  // a value our checks let through but the library refuses
    fail(path, ": unusable value: ", e.what());
  }
}

Graph read_graph(const std::string& path) {
  return parse_graph(io::read_file(path, kMaxJsonBytes, "a graph"), path);
}

ojson to_json(const Graph& g) {
  ojson j;
  j["format"] = "film-graph";
  j["version"] = g.version;
  if (!g.name.empty()) j["name"] = g.name;
  if (!g.metadata.empty()) j["metadata"] = g.metadata;
  j["inputs"] = ojson::array();
  for (auto& in : g.inputs) {
    ojson shape = ojson::array();
    for (auto& d : in.shape) std::visit([&](auto& v) { shape.push_back(v); }, d);
    j["inputs"].push_back({{"name", in.name}, {"shape", shape}});
  }
  if (!g.dims.empty()) {
    j["dims"] = ojson::object();
    for (auto& [s, r] : g.dims) {
      ojson rule = {{"multiple_of", r.multiple_of}, {"min", r.min}};
      if (!r.why.empty()) rule["why"] = r.why;
      j["dims"][s] = rule;
    }
  }
  j["outputs"] = ojson::array();
  for (auto& o : g.outputs) {
    ojson oj = {{"name", o.name}};
    if (o.aux) oj["aux"] = true;
    j["outputs"].push_back(oj);
  }
  j["weights"] = ojson::array();
  for (auto& w : g.weights)
    j["weights"].push_back({{"name", w.name}, {"shape", w.shape}, {"dtype", w.dtype}});
  if (!g.functions.empty()) {
    j["functions"] = ojson::array();
    for (auto& [name, f] : g.functions) {
      ojson fj = {{"name", f.name}, {"inputs", f.inputs}, {"outputs", f.outputs}};
      if (!f.weights.empty()) fj["weights"] = f.weights;
      fj["nodes"] = ojson::array();
      for (auto& n : f.nodes) fj["nodes"].push_back(node_json(n));
      j["functions"].push_back(fj);
    }
  }
  j["nodes"] = ojson::array();
  for (auto& n : g.nodes) j["nodes"].push_back(node_json(n));
  return j;
}

// Pretty but compact: one line per input, output, weight and node, so a graph reads top to bottom
// like the paper's figure and diffs stay small.
std::string dump_graph(const Graph& g) {
  ojson j = to_json(g);
  auto list = [](const ojson& arr, const std::string& indent) {
    std::string s = "[";
    for (size_t i = 0; i < arr.size(); ++i) s += (i ? ",\n" : "\n") + indent + arr[i].dump();
    return s + (arr.empty() ? "]" : "\n" + indent.substr(2) + "]");
  };
  std::string out = "{\n";
  bool first = true;
  for (auto& [k, v] : j.items()) {
    out += (first ? "" : ",\n") + std::string("  \"") + k + "\": ";
    first = false;
    if (k == "functions") {
      out += "[";
      for (size_t i = 0; i < v.size(); ++i) {
        const ojson& f = v[i];
        out += std::string(i ? "," : "") + "\n    {\"name\": " + f["name"].dump() +
               ", \"inputs\": " + f["inputs"].dump() + ", \"outputs\": " + f["outputs"].dump();
        if (f.contains("weights")) out += ",\n     \"weights\": " + f["weights"].dump();
        out += ",\n     \"nodes\": " + list(f["nodes"], "       ") + "}";
      }
      out += "\n  ]";
    } else if (v.is_array()) {
      out += list(v, "    ");
    } else {
      out += v.dump();
    }
  }
  return out + "\n}\n";
}

}  // namespace film::graph
