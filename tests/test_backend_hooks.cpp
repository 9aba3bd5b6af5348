// What the engine does for a backend that asks: the conv2d + leaky_relu fusion
// (Backend::wants_fused_activation, engine/fuse.h) and the conv2d "leaky_relu" attribute it
// produces -- what is folded and what is not, and that the fused graph computes exactly what the
// unfused one does on ref -- and the memory plan for nodes run one at a time
// (Backend::runs_nodes_concurrently false).
#include <doctest/doctest.h>

#include <cstring>
#include <map>

#include "backends/registry.h"
#include "engine/fuse.h"
#include "engine/io/safetensors.h"
#include "engine/planner.h"
#include "engine/session.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/ops.h"
#include "models/film/import_port.h"
#include "models/film/options.h"
#include "tests/test_util.h"

using namespace film;
using json = nlohmann::json;

namespace {

json pad(int t, int l, int b, int r) { return json::array({t, l, b, r}); }

graph::Node node(std::string name, std::string op, std::vector<std::string> in,
                 json attrs = json::object()) {
  graph::Node n;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = {std::move(name)};
  graph::set_op(n, op, std::move(attrs));
  return n;
}

std::shared_ptr<const Model> port_model(const std::string& name) {
  return test::port_fixture_model(name);
}

}  // namespace

TEST_CASE("fuse_conv_activation folds only a leaky_relu that is its conv's sole reader") {
  graph::Graph g;
  g.outputs = {{"a/relu"}, {"b/relu"}, {"c"}, {"d/relu"}, {"e/relu"}};
  const json p = {{"pad", pad(1, 1, 1, 1)}};
  g.nodes = {
      node("a", "conv2d", {"x", "w", "b"}, p),
      node("a/relu", "leaky_relu", {"a"}, {{"alpha", 0.2}}),
      // b is also read by c: both must still see the raw conv output.
      node("b", "conv2d", {"x", "w", "b"}, p),
      node("b/relu", "leaky_relu", {"b"}, {{"alpha", 0.2}}),
      node("c", "add", {"b", "a/relu"}),
      // d is a requested value itself.
      node("d", "conv2d", {"x", "w", "b"}, p),
      node("d/relu", "leaky_relu", {"d"}, {{"alpha", 0.2}}),
      // e's activation follows an add, not a conv.
      node("e", "add", {"x", "x"}),
      node("e/relu", "leaky_relu", {"e"}, {{"alpha", 0.2}}),
  };
  graph::Graph f = fuse_conv_activation(g, {"a/relu", "d"});
  std::map<std::string, const graph::Node*> by_name;
  for (auto& n : f.nodes) by_name[n.name] = &n;
  CHECK(f.nodes.size() == g.nodes.size() - 1);
  REQUIRE(by_name.count("a"));
  CHECK(!by_name.count("a/relu"));
  CHECK(by_name["a"]->outputs == std::vector<std::string>{"a/relu"});
  CHECK(by_name["a"]->attrs.at("leaky_relu").get<double>() == doctest::Approx(0.2));
  CHECK(!by_name["b"]->attrs.contains("leaky_relu"));
  CHECK(by_name.count("b/relu"));
  CHECK(!by_name["d"]->attrs.contains("leaky_relu"));
  CHECK(by_name.count("e/relu"));
  CHECK(by_name["c"]->inputs == std::vector<std::string>{"b", "a/relu"});
}

TEST_CASE(
    "conv2d's leaky_relu attribute: the fused FILM graph gives bit-identical results on ref") {
  auto m = port_model("b");
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-b.safetensors"));
  std::map<std::string, Tensor> in = {{"x0", golden.get("x0")}, {"x1", golden.get("x1")}};
  graph::Graph fused = fuse_conv_activation(m->flat, {"image"});
  size_t convs = 0, fused_convs = 0, relus = 0;
  for (auto& n : fused.nodes) {
    convs += n.kind == graph::OpKind::conv2d;
    fused_convs += n.kind == graph::OpKind::conv2d &&
                   std::get<graph::Conv2dParams>(n.params).leaky_relu.has_value();
    relus += n.kind == graph::OpKind::leaky_relu;
  }
  // Every activation in FILM follows a conv read by nothing else.
  CHECK(relus == 0);
  CHECK(fused_convs > convs / 2);
  auto fm = Model::from_parts(fused, m->weights, "port-small-b-fused");  // validates the attribute
  Tensor a = Session(m, create_backend("ref"), {.threads = 2}).run(in).at("image");
  Tensor b = Session(fm, create_backend("ref"), {.threads = 2}).run(in).at("image");
  REQUIRE(a.shape() == b.shape());
  CHECK(std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0);

  const graph::OpSchema* conv = graph::find_op("conv2d");
  CHECK_THROWS_WITH_AS(
      graph::check_attrs(*conv, {{"pad", pad(0, 0, 0, 0)}, {"leaky_relu", "yes"}}, "n"),
      doctest::Contains("leaky_relu"), Error);
}

TEST_CASE("planner, serial execution: a value's bytes are free once its last reader has run") {
  // node0: a = f(x)   node1: c = g(a)   node2: d = h(x)   node3: out = k(c, d); 64 bytes each.
  // Run in parallel, node2 may overlap node1, so d cannot take a's bytes; run in this order it
  // can, since node1 (a's only reader) is done before node2 starts.
  PlanProblem p;
  p.values.resize(5);
  for (auto& v : p.values) v.bytes = 64;
  p.values[0].in_arena = p.values[4].in_arena = false;  // graph input and output
  const std::vector<std::vector<int>> reads = {{0}, {1}, {0}, {2, 3}};
  for (int i = 0; i < 4; ++i) {
    p.nodes.push_back({reads[i], {i + 1}, false});
    p.values[i + 1].producer = i;
    for (int v : reads[i]) p.values[v].consumers.push_back(i);
  }
  MemoryPlan parallel = plan_memory(p, true);
  CHECK(parallel.offsets[3] != parallel.offsets[1]);
  CHECK(parallel.arena_bytes == 192);
  p.serial = true;
  MemoryPlan serial = plan_memory(p, true);
  CHECK(serial.offsets[1] == 0);
  CHECK(serial.offsets[2] == 64);
  CHECK(serial.offsets[3] == 0);  // a's bytes
  CHECK(serial.arena_bytes == 128);
}
