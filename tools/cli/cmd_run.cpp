// film run: executes a model on tensors from a safetensors file.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "backends/registry.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "models/film/load.h"
#include "tools/app/session_options.h"
#include "tools/cli/cli.h"

namespace film::cli {
namespace {

struct Run {
  std::string model_dir, in_path, out_path;
  InterpolatorOptions backend;
  bool aux = false, no_reuse = false, force = false;

  // The model's inputs from the file, each finite.
  std::map<std::string, Tensor> inputs(const Model& model) const {
    auto file = io::read_safetensors(in_path);
    std::map<std::string, Tensor> in;
    for (auto& decl : model.graph.inputs) {
      if (!file.has(decl.name))
        fail(in_path, ": no tensor '", decl.name, "', which the model takes as input");
      const Tensor& t = in[decl.name] = file.get(decl.name);
      for (int64_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t.data()[i]))
          fail(in_path, ": tensor '", decl.name, "' holds a value that is not finite (element ",
               i, ": ", t.data()[i], ")");
    }
    return in;
  }

  int run() const {
    const std::string spec = backend_spec(backend);
    io::OutputRule rule;  // never over the inputs or the model; existing: --force
    rule.protect(in_path, "input");
    rule.protect_model(model_dir);
    rule.claim(out_path, force);
    auto model = film::model::load_model(model_dir);
    const auto in = inputs(*model);
    std::vector<std::string> outputs;
    for (auto& o : model->graph.outputs)
      if (!o.aux || aux) outputs.push_back(o.name);
    Session session(model, create_backend(spec),
                    {.threads = backend.threads, .reuse_memory = !no_reuse});
    const auto start = std::chrono::steady_clock::now();
    auto result = session.run(in, outputs);
    std::vector<std::pair<std::string, Tensor>> ordered;
    for (auto& o : outputs) {
      const Tensor& t = result.at(o);
      for (int64_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t.data()[i]))
          fail(model->name, ": output '", o, "' is not finite: ", session.first_non_finite(in, outputs));
      ordered.emplace_back(o, t);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    io::write_safetensors(out_path, ordered);
    std::fprintf(stderr, "ran %s on backend %s in %.3f s; wrote %zu tensors to %s\n",
                 model->name.c_str(), session.backend_name().c_str(), secs, ordered.size(),
                 out_path.c_str());
    return 0;
  }
};

}  // namespace

Runner run_command(CLI::App& app) {
  auto c = std::make_shared<Run>();
  app.description(
      "Runs the graph on the NCHW float32 tensors of IN (x0, x1 for FILM) and writes its outputs\n"
      "(image; with --aux also every flow and residual flow pyramid level). Inputs and outputs\n"
      "must be finite: a NaN or an infinity is an error naming the input, or the first node that\n"
      "made one.");
  app.add_option("MODEL_DIR", c->model_dir, "the model folder")->required();
  app.add_option("--inputs", c->in_path, "the input tensors")
      ->required()->type_name("IN.safetensors");
  app.add_option("--outputs", c->out_path, "where the outputs go")
      ->required()->type_name("OUT.safetensors")->group("Output");
  backend_options(app, c->backend);
  app.add_flag("--aux", c->aux, "also every aux output (flows, residual flows)");
  app.add_flag("--no-reuse", c->no_reuse, "every intermediate its own memory (debugging)");
  force_option(app, c->force);
  return [c] { return c->run(); };
}

}  // namespace film::cli
