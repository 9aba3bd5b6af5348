// Encoder reuse (graph/split.h, FrameInterpolator's Keyframes): the one-input part of a graph run
// once per frame must give exactly the whole graph's frames, and run once per frame.
#include <doctest/doctest.h>

#include <set>

#include "backends/registry.h"
#include "tools/app/interpolate.h"
#include "engine/io/safetensors.h"
#include "graph/flatten.h"
#include "graph/split.h"
#include "models/film/options.h"
#include "tests/test_util.h"

using namespace film;

namespace {

// Two frames of a small scene moving right by 3 pixels a frame (frame i of a sequence).
Tensor moving(int i, int64_t h, int64_t w) {
  Tensor t = Tensor::zeros({1, 3, h, w});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sx = x - 3 * i;
        t.data()[(c * h + y) * w + x] =
            0.5f + 0.4f * static_cast<float>(((sx / 7 + y / 5 + c) % 3) - 1) / 2.0f;
      }
  return t;
}

graph::Graph parse(const std::string& nodes) {
  return graph::flatten(graph::parse_graph(
      R"({"format": "film-graph", "version": 1, "name": "t",
          "inputs": [{"name": "x0", "shape": [1, 3, 8, 8]}, {"name": "x1", "shape": [1, 3, 8, 8]}],
          "outputs": [{"name": "y"}],
          "weights": [{"name": "w", "shape": [3, 3, 1, 1]}, {"name": "v", "shape": [3, 6, 1, 1]},
                      {"name": "b", "shape": [3]}],
          "nodes": )" +
          nodes + "}",
      "split-test.json"));
}

}  // namespace

TEST_CASE("split_by_input pairs each input's encoder outputs by what they compute") {
  model::FilmOptions o;
  o.filters = 4;
  o.pyramid_levels = 3;
  o.specialized_levels = 2;
  o.fusion_pyramid_levels = 3;
  o.sub_levels = 2;
  o.flow_filters = {4, 4, 4};
  o.flow_convs = {1, 1, 1};
  const graph::Graph flat = graph::flatten(model::build_film_graph(o));
  const Shape x = {1, 3, 32, 32};
  auto s = graph::split_by_input(flat, {{"x0", x}, {"x1", x}});
  REQUIRE(s);
  CHECK(s->side0.size() == s->side1.size());
  CHECK(s->side0.size() > 3);  // image pyramid levels and feature levels
  CHECK(s->encoder_nodes > 0);
  // Every pair has one shape, and each side's names are its own input's values.
  const auto shapes = graph::infer_shapes(flat, {{"x0", x}, {"x1", x}});
  for (size_t i = 0; i < s->side0.size(); ++i) {
    CAPTURE(s->side0[i]);
    CHECK(shapes.at(s->side0[i]) == shapes.at(s->side1[i]));
    CHECK(s->side0[i] != s->side1[i]);
  }
  CHECK(s->encoder.inputs.size() == 1);
  CHECK(s->decoder.inputs.size() == 2 * s->side0.size());
  graph::validate(s->encoder, "encoder");
  graph::validate(s->decoder, "decoder");

  // A graph that mixes the inputs first has no one-input part; one that shares an encoder does.
  CHECK_FALSE(graph::split_by_input(parse(R"([{"name": "c", "op": "concat", "inputs": ["x0", "x1"]},
                {"name": "y0", "op": "conv2d", "inputs": ["c", "v", "b"], "attrs": {"pad": [0,0,0,0]}},
                {"name": "y", "op": "conv2d", "inputs": ["y0", "w", "b"], "attrs": {"pad": [0,0,0,0]}}])"),
                                    {{"x0", {1, 3, 8, 8}}, {"x1", {1, 3, 8, 8}}}));
  auto shared = graph::split_by_input(
      parse(
          R"([{"name": "e0", "op": "conv2d", "inputs": ["x0", "w", "b"], "attrs": {"pad": [0,0,0,0]}},
                {"name": "e1", "op": "conv2d", "inputs": ["x1", "w", "b"], "attrs": {"pad": [0,0,0,0]}},
                {"name": "c", "op": "concat", "inputs": ["e1", "e0"]},
                {"name": "y", "op": "conv2d", "inputs": ["c", "v", "b"], "attrs": {"pad": [0,0,0,0]}}])"),
      {{"x0", {1, 3, 8, 8}}, {"x1", {1, 3, 8, 8}}});
  REQUIRE(shared);
  CHECK(shared->side0 == std::vector<std::string>{"e0"});
  CHECK(shared->side1 == std::vector<std::string>{"e1"});
  // Different weights on the two sides: not the same function, no pairing.
  CHECK_FALSE(graph::split_by_input(
      parse(
          R"([{"name": "e0", "op": "conv2d", "inputs": ["x0", "w", "b"], "attrs": {"pad": [0,0,0,0]}},
                {"name": "e1", "op": "mul", "inputs": ["x1"], "attrs": {"scalar": 2}},
                {"name": "c", "op": "concat", "inputs": ["e1", "e0"]},
                {"name": "y", "op": "conv2d", "inputs": ["c", "v", "b"], "attrs": {"pad": [0,0,0,0]}}])"),
      {{"x0", {1, 3, 8, 8}}, {"x1", {1, 3, 8, 8}}}));
}

TEST_CASE("Keyframes encode each frame once and give the whole graph's frames") {
  for (const char* backend : {"ref", "cpu"}) {
    CAPTURE(backend);
    auto model = test::port_fixture_model("a");
    FrameInterpolator whole(model, {.backend = backend, .threads = 2, .reuse_features = false});
    FrameInterpolator f(model, {.backend = backend, .threads = 2, .reuse_features = true});
    const Tensor a = moving(0, 64, 96), b = moving(1, 64, 96), c = moving(2, 64, 96);
    REQUIRE(f.splits(64, 96));
    // ref: bit-identical; cpu: the same kernels may fuse differently across the cut.
    const double tol = std::string(backend) == "ref" ? 0 : 1e-5;

    // A sequence of three frames, as film video runs it: b is encoded once for both pairs.
    Keyframe prev(a), cur(b);
    CHECK(test::max_abs_diff(f.middle(prev, cur), whole.middle(a, b)) <= tol);
    prev = cur;
    cur = Keyframe(c);
    CHECK(test::max_abs_diff(f.middle(prev, cur), whole.middle(b, c)) <= tol);
    CHECK(f.run_counts().encodes == 3);
    CHECK(f.run_counts().decodes == 2);
    CHECK(f.run_counts().whole == 0);
    CHECK(whole.run_counts().whole == 2);

    // --times 2: 3 middles from 3 encodes (a, b and the middle) instead of 6.
    FrameInterpolator g(
        model, {.backend = backend, .threads = 2, .reuse_features = true, .feature_frames = 3});
    const std::vector<Tensor> seq = g.sequence(a, b, 2), want = whole.sequence(a, b, 2);
    for (size_t i = 0; i < seq.size(); ++i) CHECK(test::max_abs_diff(seq[i], want[i]) <= tol);
    CHECK(g.run_counts().encodes == 3);
    CHECK(g.run_counts().decodes == 3);
  }
}

TEST_CASE("Keyframes keep at most feature_frames encodings, and tta runs the whole graph") {
  auto model = test::port_fixture_model("a");
  FrameInterpolator f(
      model, {.backend = "ref", .threads = 1, .reuse_features = true, .feature_frames = 2});
  const Tensor a = moving(0, 64, 64), b = moving(1, 64, 64), c = moving(2, 64, 64);
  {
    Keyframe ka(a), kb(b), kc(c);
    f.middle(ka, kb);
    CHECK(ka.encoded());
    CHECK(kb.encoded());
    // Two are kept already: c could be encoded for this pair only, which saves nothing and
    // costs memory, so the pair runs whole.
    f.middle(kb, kc);
    CHECK_FALSE(kc.encoded());
    CHECK(f.run_counts().whole == 1);
    ka.forget();
    f.middle(kb, kc);
    CHECK(kc.encoded());
    CHECK(f.run_counts().encodes == 3);
    CHECK(f.run_counts().decodes == 2);
  }
  // Identical frames need no run; tta passes transform the pair, so there is nothing to reuse.
  Keyframe ka(a);
  CHECK(test::max_abs_diff(f.middle(ka, Keyframe(a.clone())), a) == 0);
  CHECK(f.run_counts().decodes == 2);
  f.set_tta(2);
  f.middle(ka, Keyframe(b));
  CHECK(f.run_counts().whole == 3);
  CHECK(f.run_counts().decodes == 2);
}

TEST_CASE("encoder reuse stays within the memory budget, else the whole graph runs") {
  auto model = test::port_fixture_model("a");
  const Tensor a = moving(0, 64, 64), b = moving(1, 64, 64);
  FrameInterpolator tight(
      model, {.backend = "ref", .threads = 1, .reuse_features = true, .memory_budget = 1 << 10});
  CHECK_FALSE(tight.splits(64, 64));
  FrameInterpolator roomy(model, {.backend = "ref", .threads = 1, .reuse_features = true});
  CHECK(roomy.splits(64, 64));
  CHECK(test::max_abs_diff(tight.middle(Keyframe(a), Keyframe(b)),
                           roomy.middle(Keyframe(a), Keyframe(b))) == 0);
  CHECK(tight.run_counts().whole == 1);
  CHECK(roomy.run_counts().decodes == 1);
}

TEST_CASE("resident outputs keep the producer's layout and feed a later run unconverted") {
  auto model = test::port_fixture_model("a");
  const Shape x = {1, 3, 64, 64};
  auto s = graph::split_by_input(model->flat, {{"x0", x}, {"x1", x}});
  REQUIRE(s);
  std::map<std::string, Tensor> w;
  for (auto& d : s->encoder.weights) w[d.name] = model->weights.at(d.name);
  auto enc = Model::from_parts(s->encoder, w, "encoder");
  Session cpu(enc, create_backend("cpu"), {.threads = 2});
  std::vector<std::string> names;
  for (auto& o : s->encoder.outputs) names.push_back(o.name);
  const Tensor a = moving(0, 64, 64);
  const auto as_tensors = cpu.run({{"x0", a}}, names);
  const RunResult resident = cpu.run({.inputs = {{"x0", a}}, .resident_outputs = names});
  REQUIRE(resident.resident.size() == names.size());
  bool channels_last = false;
  for (auto& n : names) {
    CAPTURE(n);
    const ResidentValue& r = *resident.resident.at(n);
    channels_last |= r.layout == Layout::nhwc;
    CHECK(test::max_abs_diff(r.to_tensor(), as_tensors.at(n)) == 0);
  }
  CHECK(channels_last);  // the cpu backend's own layout, not converted to NCHW
  // A freed value's buffer is reused by the next run of the same shapes.
  const void* first = resident.resident.at(names[0])->buffer->host();
  const size_t live = resident.resident.size();
  std::set<const void*> second;
  {
    RunResult again = cpu.run({.inputs = {{"x0", a}}, .resident_outputs = names});
    for (auto& [n, r] : again.resident) second.insert(r->buffer->host());
    CHECK(second.size() == live);
    CHECK_FALSE(second.count(first));  // the first run's values are still alive
  }
  // The second run's values are gone: the third gets exactly their buffers back from the pool.
  RunResult third = cpu.run({.inputs = {{"x0", a}}, .resident_outputs = names});
  std::set<const void*> mine;
  for (auto& [n, r] : third.resident) mine.insert(r->buffer->host());
  CHECK(mine == second);
}
