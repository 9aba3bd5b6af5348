// libFuzzer target for the graph JSON reader and everything that runs on a graph at load time:
// parse, validate, inline functions, bind (placeholder) weights, infer shapes and plan memory.
// Any film::Error is a correct rejection; any other exception or crash is a bug. Also: the
// collecting validator (find_problems, `film inspect --check`) finds problems exactly when
// validate() throws, and its first problem is validate()'s message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/registry.h"
#include "engine/session.h"
#include "graph/base/error.h"
#include "graph/graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    film::graph::Graph g = film::graph::parse_graph(text, "fuzz.json");
    const auto problems = film::graph::find_problems(g, "fuzz.json");
    std::string thrown;
    try {
      film::graph::validate(g, "fuzz.json");
    } catch (const film::Error& e) {
      thrown = e.what();
    }
    if (problems.empty() != thrown.empty()) __builtin_trap();
    if (!problems.empty() && problems.front().message != thrown) __builtin_trap();
    std::map<std::string, film::Tensor> w;
    for (auto& d : g.weights) {
      if (film::num_elements(d.shape) > (1 << 20)) return 0;  // not a parser question
      w[d.name] = film::Tensor::zeros(d.shape);
    }
    auto m = film::Model::from_parts(g, w, "fuzz.json");
    film::graph::ShapeMap in;
    for (auto& decl : g.inputs) {
      film::Shape s;
      for (auto& d : decl.shape)
        s.push_back(std::holds_alternative<int64_t>(d) ? std::get<int64_t>(d) : 64);
      if (film::num_elements(s) > (1 << 20)) return 0;
      in[decl.name] = s;
    }
    film::Session(m, film::create_backend("ref")).plan(in);
  } catch (const film::Error&) {
  }
  return 0;
}
