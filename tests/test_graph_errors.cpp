// Bad input must give a clear error naming the place, never a crash: the broken-graph corpus,
// weight files that do not fit, and input sizes the graph cannot take.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "backends/registry.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/flatten.h"
#include "models/film/options.h"
#include "tests/test_util.h"

using namespace film;

namespace {

std::map<std::string, Tensor> zero_weights(const graph::Graph& g) {
  std::map<std::string, Tensor> w;
  for (auto& d : g.weights) w[d.name] = Tensor::zeros(d.shape);
  return w;
}

// Loads a graph file the way the engine does and plans it at a small size.
void load_and_plan(const std::string& path) {
  graph::Graph g = graph::read_graph(path);
  auto m = Model::from_parts(g, zero_weights(g), path);
  Session(m, create_backend("ref")).shapes({{"x", {1, 3, 8, 8}}});
}

model::FilmOptions small_options() {
  model::FilmOptions o;
  o.filters = 2;
  o.flow_filters = {4, 4, 4, 4};
  return o;
}

}  // namespace

TEST_CASE("every broken graph in the corpus is rejected with the expected message") {
  namespace fs = std::filesystem;
  int checked = 0;
  for (auto& e : fs::directory_iterator(test::source_dir() + "/tests/data/broken-graphs")) {
    if (e.path().extension() != ".json") continue;
    const std::string name = e.path().filename().string();
    std::ifstream expect_file(fs::path(e.path()).replace_extension(".expect"));
    REQUIRE_MESSAGE(expect_file, name << " has no .expect file");
    std::string message;
    try {
      load_and_plan(e.path().string());
    } catch (const Error& err) {
      message = err.what();
    }
    CAPTURE(name);
    CAPTURE(message);
    REQUIRE_MESSAGE(!message.empty(), name << " was accepted");
    std::string line;
    while (std::getline(expect_file, line))
      if (!line.empty())
        CHECK_MESSAGE(message.find(line) != std::string::npos, "missing '" << line << "'");
    ++checked;
  }
  CHECK(checked >= 20);
}

TEST_CASE(
    "a corrupted byte anywhere in a graph file gives film::Error naming the file, or a graph that "
    "round-trips and plans") {
  std::string text = graph::dump_graph(model::build_film_graph(small_options()));
  std::mt19937 rng(11);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 300; ++i) {
    std::string t = text;
    const size_t at = rng() % t.size();
    t[at] = static_cast<char>(rng() % 128);
    CAPTURE(at);
    try {
      graph::Graph g = graph::parse_graph(t, "mutated.json");
      auto m = Model::from_parts(g, zero_weights(g), "mutated.json");
      Session(m, create_backend("ref")).plan({{"x0", {1, 3, 64, 64}}, {"x1", {1, 3, 64, 64}}});
      // Accepted: a graph the engine can plan, which survives dump -> parse unchanged.
      CHECK(graph::dump_graph(graph::parse_graph(graph::dump_graph(g), "again.json")) ==
            graph::dump_graph(g));
      ++accepted;
    } catch (const Error& e) {
      const std::string msg = e.what();
      CHECK_MESSAGE(msg.find("mutated.json") != std::string::npos,
                    "the message does not name the file: ", msg);
      ++rejected;
    }
  }
  // Both outcomes occur (a changed digit in a name or a space is harmless; most changes are not).
  MESSAGE(accepted, " mutated graphs accepted, ", rejected, " rejected");
  CHECK(accepted > 0);
  CHECK(rejected > 100);
}

TEST_CASE("weights that do not fit the graph are each named") {
  graph::Graph g = model::build_film_graph(small_options());
  auto w = zero_weights(g);
  w.erase("encoder/conv0/weight");
  w["encoder/conv1/bias"] = Tensor::zeros({7});
  w["stray/tensor"] = Tensor::zeros({1});
  try {
    Model::from_parts(g, w, "model-x");
    FAIL("accepted bad weights");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("model-x") != std::string::npos);
    CHECK(m.find("3 problems") != std::string::npos);
    CHECK(m.find("'encoder/conv0/weight' [2,3,3,3] is missing") != std::string::npos);
    CHECK(m.find("'encoder/conv1/bias' has shape [7], expected [2]") != std::string::npos);
    CHECK(m.find("'stray/tensor' is not used by the graph") != std::string::npos);
  }
}

TEST_CASE("a weight stored in the wrong dtype is reported when loading a model directory") {
  test::TempDir dir;
  graph::Graph g;
  g.inputs = {{"x", {std::string("N"), int64_t{3}, std::string("H"), std::string("W")}}};
  g.weights = {{"b", {3}, "F32"}};
  graph::Node n;
  n.name = "y";
  g.weights.push_back({"w", {3, 3, 1, 1}, "F32"});
  n.inputs = {"x", "w", "b"};
  n.outputs = {"y"};
  graph::set_op(n, "conv2d", {{"pad", {0, 0, 0, 0}}});
  g.nodes = {n};
  g.outputs = {{"y", false}};
  io::write_file_atomic(dir / "graph.json", graph::dump_graph(g));
  // Hand-made safetensors: 'b' as I32, 'w' as F32.
  std::string header =
      R"({"b":{"dtype":"I32","shape":[3],"data_offsets":[0,12]},"w":{"dtype":"F32","shape":[3,3,1,1],"data_offsets":[12,48]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  bytes += header + std::string(48, '\0');
  io::write_file_atomic(dir / "weights.safetensors", bytes);
  CHECK_THROWS_WITH_AS(Model::load(dir.path()),
                       doctest::Contains("'b' is stored as I32, expected F32"), Error);
  std::filesystem::remove(dir / "graph.json");
  CHECK_THROWS_WITH_AS(Model::load(dir.path()), doctest::Contains("graph.json is missing"), Error);
}

TEST_CASE("input sizes FILM cannot take are refused with the size that would work") {
  graph::Graph g = model::build_film_graph(small_options());
  auto m = Model::from_parts(g, zero_weights(g), "film");
  Session s(m, create_backend("ref"));
  CHECK_THROWS_WITH_AS(s.shapes({{"x0", {1, 3, 100, 64}}, {"x1", {1, 3, 100, 64}}}),
                       doctest::Contains("height 100 is not usable: it must be a multiple of 64"),
                       Error);
  CHECK_THROWS_WITH_AS(s.shapes({{"x0", {1, 3, 100, 64}}, {"x1", {1, 3, 100, 64}}}),
                       doctest::Contains("128 would work"), Error);
  CHECK_THROWS_WITH_AS(s.shapes({{"x0", {1, 3, 64, 64}}, {"x1", {1, 3, 64, 128}}}),
                       doctest::Contains("input 'x1': width is 128 but input 'x0' has 64"), Error);
  CHECK_THROWS_WITH_AS(s.shapes({{"x0", {1, 4, 64, 64}}, {"x1", {1, 4, 64, 64}}}),
                       doctest::Contains("channels must be 3, got 4"), Error);
  CHECK_THROWS_WITH_AS(s.shapes({{"x0", {1, 3, 64, 64}}}),
                       doctest::Contains("input 'x1' was not given"), Error);
}
