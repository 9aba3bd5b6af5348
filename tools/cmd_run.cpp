// film run: executes a model on tensors from a safetensors file.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "backends/registry.h"
#include "engine/backend.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/error.h"
#include "graph/file.h"
#include "tools/commands.h"

namespace film::cli {

int cmd_run(const std::vector<std::string>& argv) {
  Args a(argv, {"--inputs", "--outputs", "--backend", "--device", "--precision", "--threads"},
         {"--aux", "--help", "--no-reuse", "--force"}, "run");
  if (a.flag("--help") || a.positional().size() != 1) {
    std::fputs(
        "usage: film run MODEL_DIR --inputs IN.safetensors --outputs OUT.safetensors\n"
        "                [--backend cpu|vulkan|ref] [--device N] [--precision fp32|bf16|fp16] "
        "[--threads N] [--aux] [--no-reuse] [--force]\n"
        "Runs the graph on the NCHW float32 tensors of IN (x0, x1 for FILM) and writes its "
        "outputs\n"
        "(image; with --aux also every flow and residual flow pyramid level). An existing OUT is\n"
        "replaced only with --force. Inputs and outputs must be finite: a NaN or an infinity is "
        "an\n"
        "error naming the input, or the first node that made one.\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  const std::string in_path = a.require("--inputs"), out_path = a.require("--outputs");
  const int threads = a.get_int("--threads", 0, 0, 4096);
  io::check_not_an_input(out_path, {in_path});
  if (std::filesystem::exists(out_path) && !a.flag("--force"))
    fail(out_path, ": exists; pass --force to replace it");
  auto model = Model::load(a.positional()[0]);
  auto file = io::read_safetensors(in_path);
  std::map<std::string, Tensor> inputs;
  for (auto& decl : model->graph.inputs) {
    if (!file.has(decl.name))
      fail(in_path, ": no tensor '", decl.name, "', which the model takes as input");
    inputs[decl.name] = file.get(decl.name);
    const Tensor& t = inputs[decl.name];
    for (int64_t i = 0; i < t.size(); ++i)
      if (!std::isfinite(t.data()[i]))
        fail(in_path, ": tensor '", decl.name, "' holds a value that is not finite (element ", i,
             ": ", t.data()[i], ")");
  }
  std::vector<std::string> outputs;
  for (auto& o : model->graph.outputs)
    if (!o.aux || a.flag("--aux")) outputs.push_back(o.name);
  Session session(model, create_backend(backend_option(a)),
                  {.threads = threads, .reuse_memory = !a.flag("--no-reuse")});
  auto start = std::chrono::steady_clock::now();
  auto result = session.run(inputs, outputs);
  for (auto& o : outputs) {
    const Tensor& t = result.at(o);
    for (int64_t i = 0; i < t.size(); ++i)
      if (!std::isfinite(t.data()[i]))
        fail(model->name, ": output '", o,
             "' is not finite: ", session.first_non_finite(inputs, outputs));
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::pair<std::string, Tensor>> ordered;
  for (auto& o : outputs) ordered.emplace_back(o, result.at(o));
  io::write_safetensors(out_path, ordered);
  std::fprintf(stderr, "ran %s on backend %s in %.3f s; wrote %zu tensors to %s\n",
               model->name.c_str(), session.backend_name().c_str(), secs, ordered.size(),
               out_path.c_str());
  return 0;
}

}  // namespace film::cli
