#include "engine/model.h"

#include <cmath>
#include <filesystem>
#include <random>

#include "engine/io/safetensors.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/flatten.h"

namespace film {
namespace {

void bind_weights(const graph::Graph& g, const std::map<std::string, Tensor>& weights,
                  const std::map<std::string, std::string>& dtypes, const std::string& where) {
  std::vector<std::string> problems;
  for (auto& decl : g.weights) {
    auto it = weights.find(decl.name);
    if (it == weights.end()) {
      problems.push_back(cat("weight '", decl.name, "' ", shape_str(decl.shape), " is missing"));
      continue;
    }
    if (auto d = dtypes.find(decl.name); d != dtypes.end() && d->second != decl.dtype)
      problems.push_back(
          cat("weight '", decl.name, "' is stored as ", d->second, ", expected ", decl.dtype));
    if (it->second.shape() != decl.shape) {
      problems.push_back(cat("weight '", decl.name, "' has shape ", shape_str(it->second.shape()),
                             ", expected ", shape_str(decl.shape)));
      continue;
    }
    // A NaN or infinite weight makes every frame black (or NaN): refuse it at load.
    if (const float* d = it->second.data()) {
      int64_t bad = 0, first = -1;
      for (int64_t i = 0, n = it->second.size(); i < n; ++i)
        if (!std::isfinite(d[i])) {
          if (first < 0) first = i;
          ++bad;
        }
      if (bad > 0)
        problems.push_back(cat("weight '", decl.name, "' has ", bad, " value", bad > 1 ? "s" : "",
                               " that are not finite (the first, element ", first, ", is ",
                               d[first], ")"));
    }
  }
  for (auto& [name, t] : weights)
    if (!g.find_weight(name))
      problems.push_back(cat("weight '", name, "' is not used by the graph"));
  if (problems.empty()) return;
  std::string msg = cat(where, ": the weights do not match the graph (", problems.size(),
                        " problem", problems.size() > 1 ? "s" : "", "):");
  for (size_t i = 0; i < problems.size() && i < 12; ++i) msg += "\n  " + problems[i];
  if (problems.size() > 12) msg += cat("\n  ... and ", problems.size() - 12, " more");
  fail(msg);
}

}  // namespace

std::shared_ptr<const Model> Model::from_parts(graph::Graph g,
                                               std::map<std::string, Tensor> weights,
                                               const std::string& name,
                                               const std::map<std::string, std::string>& dtypes) {
  return assemble(std::move(g), std::move(weights), name, name, name, dtypes);
}

std::shared_ptr<const Model> Model::assemble(graph::Graph g, std::map<std::string, Tensor> weights,
                                             const std::string& name,
                                             const std::string& graph_where,
                                             const std::string& weights_where,
                                             const std::map<std::string, std::string>& dtypes) {
  auto m = std::make_shared<Model>();
  m->name = name;
  graph::validate(g, graph_where);
  m->flat = graph::flatten(g, graph_where);
  bind_weights(g, weights, dtypes, weights_where);
  m->graph = std::move(g);
  m->weights = std::move(weights);
  return m;
}

std::shared_ptr<const Model> Model::load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    fail(dir,
         ": not a model directory (expected a folder holding graph.json and weights.safetensors)");
  const std::string graph_path = (fs::path(dir) / "graph.json").string();
  const std::string weights_path = (fs::path(dir) / "weights.safetensors").string();
  if (!fs::exists(graph_path, ec)) fail(dir, ": graph.json is missing from the model directory");
  if (!fs::exists(weights_path, ec))
    fail(dir, ": weights.safetensors is missing from the model directory");
  // The graph is checked before the weights are read, so its errors name graph.json.
  graph::Graph g = graph::read_graph(graph_path);
  graph::validate(g, graph_path);
  io::SafetensorsFile file = io::read_safetensors(weights_path);
  std::map<std::string, Tensor> weights;
  std::map<std::string, std::string> dtypes;
  for (auto& [name, e] : file.entries) {
    dtypes[name] = e.dtype;
    // A non-float dtype keeps its shape but no data; bind_weights reports the dtype.
    weights[name] = e.tensor.empty() ? Tensor::view(nullptr, e.shape) : e.tensor;
  }
  return assemble(std::move(g), std::move(weights), dir, graph_path, weights_path, dtypes);
}

std::shared_ptr<const Model> Model::random(graph::Graph g, uint32_t seed, const std::string& name) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::map<std::string, Tensor> w;
  for (auto& d : g.weights) {
    Tensor t = Tensor::zeros(d.shape);
    if (d.shape.size() == 4) {
      const float scale =
          1.0f / std::sqrt(static_cast<float>(d.shape[1] * d.shape[2] * d.shape[3]));
      for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = normal(rng) * scale;
    }
    w[d.name] = t;
  }
  return from_parts(std::move(g), std::move(w), name);
}

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, t] : weights) n += t.size();
  return n;
}

size_t Model::weight_bytes() const {
  return sizeof(float) * static_cast<size_t>(parameter_count());
}

void save_model(const std::string& dir, const graph::Graph& g,
                const std::vector<std::pair<std::string, Tensor>>& weights) {
  std::map<std::string, Tensor> by_name;
  for (auto& [n, t] : weights) by_name[n] = t;
  Model::from_parts(g, by_name, dir);  // validates graph and weights before anything is written
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, ": cannot create the model directory (", ec.message(), ")");
  io::write_safetensors(dir + "/weights.safetensors", weights, {{"format", "film-model"}});
  io::write_file_atomic(dir + "/graph.json", graph::dump_graph(g));
}

}  // namespace film
