#include "tools/inspect/check.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/model.h"
#include "graph/json_text.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/flatten.h"
#include "graph/shapes.h"

namespace film {
namespace {

using json = nlohmann::ordered_json;

// The line of `text` where `"name": "<name>"` first appears at or after `from`; 0 when nowhere.
size_t line_of_name(const std::string& text, const std::string& name, size_t from, size_t* at) {
  const std::string quoted = nlohmann::json(name).dump();
  for (size_t pos = text.find(quoted, from); pos != std::string::npos;
       pos = text.find(quoted, pos + 1)) {
    size_t k = pos;  // is it the value of a "name" key?
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '\n' ||
                     text[k - 1] == '\r'))
      --k;
    if (k == 0 || text[k - 1] != ':') continue;
    --k;
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
    if (k < 6 || text.compare(k - 6, 6, "\"name\"") != 0) continue;
    if (at) *at = pos;
    return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
  }
  return 0;
}

// Each problem validation finds, located by pointer and line.
void located_problems(const graph::Graph& g, const std::string& text, const std::string& file,
                      json& problems) {
  // The graph was already read through graph::parse_json's bounds (its depth limit included).
  const auto raw = nlohmann::json::parse(text, nullptr, false);
  std::map<std::string, size_t> function_index;
  if (raw.is_object() && raw.contains("functions") && raw["functions"].is_array())
    for (size_t i = 0; i < raw["functions"].size(); ++i)
      if (raw["functions"][i].is_object() && raw["functions"][i].contains("name") &&
          raw["functions"][i]["name"].is_string())
        function_index[raw["functions"][i]["name"]] = i;
  for (const auto& p : graph::find_problems(g, file)) {
    json e = {{"message", p.message}};
    std::string pointer;
    size_t line = 0, from = 0;
    if (!p.function.empty()) {
      pointer = "/functions/" + std::to_string(function_index[p.function]);
      line = line_of_name(text, p.function, 0, &from);
    }
    if (p.node >= 0) {
      pointer += "/nodes/" + std::to_string(p.node);
      const auto& nodes = p.function.empty() ? g.nodes : g.functions.at(p.function).nodes;
      if (static_cast<size_t>(p.node) < nodes.size())
        if (size_t l = line_of_name(text, nodes[p.node].name, from, nullptr)) line = l;
    }
    if (!pointer.empty()) e["pointer"] = pointer;
    if (line) e["line"] = line;
    problems.push_back(e);
  }
}

// Shapes, at the smallest size the dims rules allow (a channel mismatch shows at any size).
void shape_problems(const graph::Graph& g, const std::string& file, json& problems) {
  graph::ShapeMap probe;
  std::string at;
  for (const auto& in : g.inputs) {
    Shape shape;
    for (size_t d = 0; d < in.shape.size(); ++d) {
      int64_t v = 0;
      if (auto* fixed = std::get_if<int64_t>(&in.shape[d])) {
        v = *fixed;
      } else {
        v = d == 0 ? 1 : 8;
        if (auto rule = g.dims.find(std::get<std::string>(in.shape[d])); rule != g.dims.end()) {
          const int64_t m = std::max<int64_t>(1, rule->second.multiple_of);
          v = (std::max(v, rule->second.min) + m - 1) / m * m;
        }
      }
      shape.push_back(v);
    }
    at += (at.empty() ? "" : ", ") + in.name + " " + shape_str(shape);
    probe[in.name] = shape;
  }
  try {
    // Every declared output (aux too), and what they need: nothing else runs.
    const graph::Graph flat = graph::flatten(g, file);
    std::vector<std::string> outs;
    for (const auto& o : flat.outputs) outs.push_back(o.name);
    graph::infer_shapes(graph::prune(flat, outs), probe, file);
  } catch (const Error& e) {
    problems.push_back({{"message", cat(e.what(), " (shapes checked with ", at, ")")}});
  }
}

}  // namespace

json check_graph_file(const std::string& path) {
  const bool dir = std::filesystem::is_directory(path);
  const std::string file = dir ? (std::filesystem::path(path) / "graph.json").string() : path;
  json problems = json::array();
  const std::string text = io::read_file(file, graph::kMaxJsonBytes, "a graph");
  graph::Graph g;
  try {
    g = graph::parse_graph(text, file);
  } catch (const Error& e) {  // syntax and structure: the parser stops at the first
    problems.push_back({{"message", e.what()}});
    return problems;
  }
  located_problems(g, text, file, problems);
  if (problems.empty()) shape_problems(g, file, problems);
  if (problems.empty() && dir) {
    try {
      Model::load(path);  // the weights against the graph
    } catch (const Error& e) {
      problems.push_back({{"message", e.what()}});
    }
  }
  return problems;
}

std::string check_text(const std::string& path, const json& problems) {
  if (problems.empty()) return path + ": valid\n";
  const bool dir = std::filesystem::is_directory(path);
  const std::string file = dir ? (std::filesystem::path(path) / "graph.json").string() : path;
  std::string out = cat(path, ": ", problems.size(), " problem", problems.size() > 1 ? "s" : "", "\n");
  for (const auto& p : problems) {
    std::string where;
    if (p.contains("line")) where += file + ":" + std::to_string(p["line"].get<size_t>()) + ": ";
    if (p.contains("pointer")) where += p["pointer"].get<std::string>() + ": ";
    std::string message = p["message"];
    if (message.rfind(file + ": ", 0) == 0) message = message.substr(file.size() + 2);
    out += "  " + where + message + "\n";
  }
  return out;
}

}  // namespace film
