// The cpu (oneDNN) backend against ref, op by op: the same seeded inputs through one kernel of
// each backend, compared with one tolerance formula, |got - ref| <= atol + rtol * |ref| (NaN must
// meet NaN), outputs fenced by guard values, and a check that the kernel did not return mostly
// zeros where ref does not. Shapes straddle vector widths: odd sizes (9x7, 25x33), 1x1, channels
// 1/3/13/16/24. Then its determinism. Every case here is skipped, and reported so by doctest,
// where oneDNN cannot make a CPU engine. (The fusion it asks for is tested in test_fuse.cpp, the
// FILM golden fixtures on it in test_film_port.cpp.)
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "engine/backend.h"
#include "engine/io/file.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/ops.h"
#include "models/film/import_port.h"
#include "models/film/options.h"
#include "tests/test_util.h"

using namespace film;
using json = nlohmann::json;

namespace {

const bool kCpu = test::backend_available("cpu");

struct Tolerance {
  double atol, rtol;
};

// Float32 results; every override says why.
Tolerance tolerance_for(const std::string& op) {
  // conv2d: oneDNN accumulates in float, in its own order, where ref accumulates in double; with
  // the inputs below (|x| <= 1, weights scaled by 1/sqrt(fan-in), |result| about 1) the error
  // grows like sqrt(fan-in) float roundings: measured up to 6e-7 (fan-in up to 216), so 1e-5
  // leaves a wide margin without hiding a wrong tap or padding (errors of order 0.1).
  if (op == "conv2d") return {1e-5, 1e-5};
  // Everything else is exact in practice: pool, resize, warp and concat are written with ref's
  // formulas and operation order, leaky_relu/mul/add are one float operation in both backends.
  return {1e-6, 1e-6};
}

struct Case {
  std::string op;
  json attrs;
  std::vector<Shape> inputs;
  bool constant_weights = true;  // conv2d: weights and bias as constants (the repacking path)
  bool in_place = false;         // output 0 over input 0
  float lo = -1.0f, hi = 1.0f;   // input range (warp: input 1, the flow, uses flow_range)
  float flow_range = 4.0f;
  float flow_shift = 0.0f;  // warp: added to every flow value
  bool specials = false;  // put NaN/inf among the flow values
};

std::string describe(const Case& c) {
  std::string s = c.op + " " + c.attrs.dump() + " inputs";
  for (auto& sh : c.inputs) s += " " + shape_str(sh);
  if (!c.constant_weights) s += " (weights not constant)";
  if (c.in_place) s += " (in place)";
  return s;
}

Tensor random_tensor(const Shape& shape, std::mt19937& rng, float lo, float hi,
                     float scale = 1.0f) {
  Tensor t = Tensor::zeros(shape);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = d(rng) * scale;
  return t;
}

// An output tensor fenced by guard values on both sides, to catch out-of-bounds writes.
class Guarded {
 public:
  static constexpr int64_t kGuard = 64;
  explicit Guarded(const Shape& shape) : n_(num_elements(shape)) {
    buf_ = std::shared_ptr<float[]>(new float[n_ + 2 * kGuard]);
    for (int64_t i = 0; i < n_ + 2 * kGuard; ++i) buf_[i] = kSentinel;
    tensor_ = Tensor::view(buf_.get() + kGuard, shape, buf_);
  }
  Tensor& tensor() { return tensor_; }
  // Index of the first overwritten guard, or -1.
  int64_t broken_guard() const {
    for (int64_t i = 0; i < kGuard; ++i) {
      if (!same_bits(buf_[i], kSentinel)) return i;
      if (!same_bits(buf_[kGuard + n_ + i], kSentinel)) return kGuard + n_ + i;
    }
    return -1;
  }

 private:
  static constexpr float kSentinel = -1234.5678f;
  static bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
  int64_t n_;
  std::shared_ptr<float[]> buf_;
  Tensor tensor_;
};

struct Compared {
  double max_err = 0;
  int64_t bad = 0, first_bad = -1;
  double got_at_bad = 0, ref_at_bad = 0;
  int64_t zeros_where_ref_not = 0, ref_nonzero = 0;
};

Compared compare(const Tensor& got, const Tensor& ref, Tolerance tol) {
  Compared c;
  for (int64_t i = 0; i < ref.size(); ++i) {
    const double g = got.data()[i], r = ref.data()[i];
    bool ok;
    if (std::isnan(r) || std::isnan(g)) {
      ok = std::isnan(r) && std::isnan(g);
    } else if (std::isinf(r) || std::isinf(g)) {
      ok = g == r;
    } else {
      const double err = std::abs(g - r);
      c.max_err = std::max(c.max_err, err);
      ok = err <= tol.atol + tol.rtol * std::abs(r);
    }
    if (!ok && c.bad++ == 0) {
      c.first_bad = i;
      c.got_at_bad = g;
      c.ref_at_bad = r;
    }
    if (r != 0) {
      ++c.ref_nonzero;
      c.zeros_where_ref_not += g == 0;
    }
  }
  return c;
}

// Runs `c` through the ref and cpu kernels and compares; returns the max abs error.
double check(const Case& c, uint32_t seed) {
  const graph::OpSchema* schema = graph::find_op(c.op);
  REQUIRE(schema);
  KernelDesc d;
  d.node_name = "test/" + c.op;
  d.op = c.op;
  d.attrs = graph::complete_attrs(*schema, c.attrs);
  d.input_shapes = c.inputs;
  d.output_shapes = schema->infer(c.inputs, d.attrs);
  d.in_place = c.in_place;
  d.threads = 2;

  std::mt19937 rng(seed);
  std::vector<Tensor> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.op == "conv2d" && i == 1) {
      const Shape& w = c.inputs[1];
      in.push_back(random_tensor(w, rng, -1, 1, 1.0f / std::sqrt(float(w[1] * w[2] * w[3]))));
    } else if (c.op == "warp" && i == 1) {
      in.push_back(random_tensor(c.inputs[i], rng, c.flow_shift - c.flow_range,
                                 c.flow_shift + c.flow_range));
      if (c.specials) {
        const float specials[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f};
        for (int64_t k = 0; k < in.back().size(); k += 3)
          in.back().data()[k] = specials[(k / 3) % 5];
      }
    } else {
      in.push_back(random_tensor(c.inputs[i], rng, c.lo, c.hi));
    }
  }
  for (size_t i = 0; i < in.size(); ++i)
    d.constants.push_back(c.op == "conv2d" && i > 0 && c.constant_weights ? &in[i] : nullptr);

  auto run = [&](Backend& b, Tensor& out) {
    std::vector<const Tensor*> ins;
    for (auto& t : in) ins.push_back(&t);
    if (c.in_place) {
      std::memcpy(out.data(), in[0].data(), sizeof(float) * in[0].size());
      ins[0] = &out;
    }
    std::vector<Tensor*> outs = {&out};
    b.create_kernel(d)->execute(ins, outs);
  };
  auto ref_backend = create_backend("ref");
  auto cpu_backend = create_backend("cpu");
  REQUIRE(cpu_backend->unsupported_reason(d) == "");
  Tensor ref = Tensor::zeros(d.output_shapes[0]);
  run(*ref_backend, ref);
  Guarded got(d.output_shapes[0]);
  run(*cpu_backend, got.tensor());

  const Tolerance tol = tolerance_for(c.op);
  const Compared r = compare(got.tensor(), ref, tol);
  INFO("case: ", describe(c), " -> ", shape_str(d.output_shapes[0]), ", seed ", seed);
  INFO("tolerance: atol ", tol.atol, " rtol ", tol.rtol);
  CAPTURE(r.max_err);
  CAPTURE(r.first_bad);
  CAPTURE(r.got_at_bad);
  CAPTURE(r.ref_at_bad);
  CHECK_MESSAGE(got.broken_guard() == -1, "the kernel wrote outside its output");
  CHECK_MESSAGE(r.bad == 0, r.bad, " of ", ref.size(), " values outside the tolerance");
  CHECK_MESSAGE(r.zeros_where_ref_not * 2 <= r.ref_nonzero,
                "mostly zeros where ref is not: ", r.zeros_where_ref_not, " of ", r.ref_nonzero);
  return r.max_err;
}

// Returns the max abs error over all cases.
double check_all(const std::vector<Case>& cases) {
  REQUIRE_MESSAGE(kCpu, "the cpu backend is unavailable (this case should have been skipped)");
  double worst = 0;
  uint32_t seed = 100;
  for (auto& c : cases) worst = std::max(worst, check(c, seed++));
  MESSAGE(cases[0].op, ": ", cases.size(), " cases, max abs error against ref ", worst);
  return worst;
}

json pad(int t, int l, int b, int r) { return json::array({t, l, b, r}); }

Case conv(Shape src, int64_t out, int k, json p, json extra = json::object()) {
  json attrs = {{"pad", p}};
  attrs.update(extra);
  return {"conv2d", attrs, {src, {out, src[1], k, k}, {out}}};
}

}  // namespace

TEST_CASE("the cpu backend reports whether it is available, and why not") {
  for (auto& b : list_backends())
    if (b.name == "cpu") {
      MESSAGE("cpu backend: ", b.available
                                   ? "available"
                                   : "UNAVAILABLE (its tests are skipped): " + b.why_unavailable);
      CHECK((b.available || !b.why_unavailable.empty()));
      return;
    }
  FAIL("list_backends() does not list the cpu backend");
}

TEST_CASE("cpu conv2d matches ref: 3x3, 1x1, FILM's 2x2 [0,0,1,1], strides, fused leaky ReLU" *
          doctest::skip(!kCpu)) {
  std::vector<Case> cases = {
      conv({1, 3, 9, 7}, 16, 3, pad(1, 1, 1, 1)),
      conv({1, 13, 25, 33}, 24, 3, pad(1, 1, 1, 1)),
      conv({2, 16, 9, 7}, 13, 3, pad(1, 1, 1, 1)),
      conv({1, 24, 1, 1}, 16, 3, pad(1, 1, 1, 1)),
      conv({1, 1, 9, 7}, 1, 3, pad(1, 1, 1, 1)),
      conv({1, 24, 9, 7}, 2, 1, pad(0, 0, 0, 0)),
      conv({1, 16, 25, 33}, 3, 1, pad(0, 0, 0, 0)),
      conv({1, 16, 9, 7}, 13, 2, pad(0, 0, 1, 1)),
      conv({1, 13, 25, 33}, 24, 2, pad(0, 0, 1, 1)),
      conv({1, 16, 25, 33}, 16, 3, pad(1, 1, 1, 1), {{"stride", {2, 2}}}),
      conv({1, 3, 9, 7}, 13, 3, pad(2, 0, 1, 3), {{"stride", {1, 2}}}),
      conv({1, 16, 25, 33}, 24, 3, pad(1, 1, 1, 1), {{"leaky_relu", 0.2}}),
      conv({1, 24, 9, 7}, 13, 1, pad(0, 0, 0, 0), {{"leaky_relu", 0.1}}),
      conv({1, 16, 9, 7}, 16, 2, pad(0, 0, 1, 1), {{"leaky_relu", 0.2}}),
  };
  Case runtime = conv({1, 13, 9, 7}, 16, 3, pad(1, 1, 1, 1));
  runtime.constant_weights = false;
  cases.push_back(runtime);
  check_all(cases);
}

TEST_CASE("cpu leaky_relu, add and mul match ref, in place too" * doctest::skip(!kCpu)) {
  std::vector<Case> leaky = {
      {"leaky_relu", {{"alpha", 0.2}}, {{1, 13, 9, 7}}},
      {"leaky_relu", {{"alpha", 0.2}}, {{1, 24, 25, 33}}},
      {"leaky_relu", {{"alpha", 0.0}}, {{1, 1, 1, 1}}},
      {"leaky_relu", {{"alpha", 0.2}}, {{5, 7}}},
  };
  leaky.push_back(leaky[1]);
  leaky.back().in_place = true;
  check_all(leaky);
  std::vector<Case> add = {
      {"add", {}, {{1, 13, 9, 7}, {1, 13, 9, 7}}},
      {"add", {}, {{2, 24, 25, 33}, {2, 24, 25, 33}}},
      {"add", {}, {{1, 1, 1, 1}, {1, 1, 1, 1}}},
  };
  add.push_back(add[1]);
  add.back().in_place = true;
  check_all(add);
  std::vector<Case> mul = {
      {"mul", {{"scalar", 0.5}}, {{1, 2, 9, 7}}},
      {"mul", {{"scalar", -1.5}}, {{1, 16, 25, 33}}},
      {"mul", {{"scalar", 2.0}}, {{1, 1, 1, 1}}},
  };
  mul.push_back(mul[1]);
  mul.back().in_place = true;
  check_all(mul);
}

TEST_CASE("cpu avg_pool2d matches ref" * doctest::skip(!kCpu)) {
  check_all({
      {"avg_pool2d", {}, {{1, 3, 8, 6}}},
      {"avg_pool2d", {}, {{1, 13, 26, 34}}},
      {"avg_pool2d", {}, {{2, 16, 2, 2}}},
      {"avg_pool2d", {{"kernel", {3, 3}}, {"stride", {1, 1}}}, {{1, 24, 9, 7}}},
      {"avg_pool2d", {{"kernel", {2, 3}}, {"stride", {2, 1}}}, {{1, 1, 10, 7}}},
  });
}

TEST_CASE("cpu resize matches ref: bilinear with half-pixel centres and nearest, borders included" *
          doctest::skip(!kCpu)) {
  auto resize = [](const char* mode, Shape s, int sy, int sx) {
    return Case{"resize", {{"mode", mode}, {"scale", {sy, sx}}}, {s}};
  };
  check_all({
      resize("bilinear", {1, 2, 9, 7}, 2, 2),
      resize("bilinear", {1, 13, 25, 33}, 2, 2),
      resize("bilinear", {1, 1, 1, 1}, 2, 2),
      resize("bilinear", {1, 3, 9, 7}, 3, 2),
      resize("nearest", {1, 16, 9, 7}, 2, 2),
      resize("nearest", {1, 24, 1, 1}, 2, 2),
      resize("nearest", {2, 3, 9, 7}, 3, 1),
  });
}

TEST_CASE("cpu warp matches ref exactly, border clamping and NaN/inf flows included" *
          doctest::skip(!kCpu)) {
  auto warp = [](Shape s, float range = 4.0f, float shift = 0.0f) {
    Shape flow = {s[0], 2, s[2], s[3]};
    Case c{"warp", json::object(), {s, flow}};
    c.flow_range = range;
    c.flow_shift = shift;
    return c;
  };
  std::vector<Case> cases = {
      warp({1, 3, 9, 7}), warp({2, 13, 25, 33}), warp({1, 16, 1, 1}),
      warp({1, 1, 1, 9}), warp({1, 24, 9, 1}),   warp({1, 3, 25, 33}, 50.0f),
      // Smooth flows, as FILM's: neighbours share their integer offset, so the kernel's vector
      // path (runs of consecutive taps) takes most pixels; the second mixes it with the
      // per-pixel path, the third is one run per row but for the clamped right border.
      warp({1, 19, 12, 67}, 0.2f, 0.5f), warp({2, 5, 12, 67}, 0.6f, 0.5f),
      warp({1, 4, 3, 64}, 0.0f, 0.25f),
  };
  Case specials = warp({1, 13, 9, 7});
  specials.specials = true;
  cases.push_back(specials);
  // Same formulas and operation order as ref (backends/onednn/warp.cpp): not one bit may differ.
  CHECK(check_all(cases) == 0);
}

TEST_CASE("cpu concat and slice match ref on every axis" * doctest::skip(!kCpu)) {
  check_all({
      {"concat", {}, {{1, 1, 9, 7}, {1, 13, 9, 7}, {1, 16, 9, 7}}},
      {"concat", {{"axis", 0}}, {{1, 3, 9, 7}, {2, 3, 9, 7}}},
      {"concat", {{"axis", 2}}, {{1, 3, 9, 7}, {1, 3, 25, 7}}},
      {"concat", {{"axis", 3}}, {{2, 3, 9, 7}, {2, 3, 9, 33}}},
      {"concat", {}, {{1, 24, 25, 33}}},
      // Larger than one copy piece (256 Ki floats), so a single input is split over threads.
      {"concat", {}, {{1, 24, 128, 100}, {1, 3, 128, 100}}},
  });
  check_all({
      {"slice", {{"axis", 1}, {"begin", 3}, {"end", 16}}, {{1, 24, 9, 7}}},
      {"slice", {{"axis", 3}, {"begin", 1}, {"end", 6}}, {{1, 3, 9, 7}}},
      {"slice", {{"axis", 0}, {"begin", 1}, {"end", 2}}, {{2, 13, 25, 33}}},
  });
}

TEST_CASE("cpu backend: unknown ops are refused while planning, with the op named" *
          doctest::skip(!kCpu)) {
  auto b = create_backend("cpu");
  KernelDesc d;
  d.op = "softmax";
  CHECK(b->unsupported_reason(d).find("'softmax'") != std::string::npos);
}

namespace {

std::shared_ptr<const Model> port_model(const std::string& name) { return test::port_fixture_model(name); }

}  // namespace

TEST_CASE(
    "cpu backend: runs are bit-identical at a given thread count; thread counts agree closely" *
    doctest::skip(!kCpu)) {
  auto m = port_model("b");
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-b.safetensors"));
  std::map<std::string, Tensor> in = {{"x0", golden.get("x0")}, {"x1", golden.get("x1")}};
  std::map<int, Tensor> first;
  for (int threads : {1, 2}) {
    first[threads] = Session(m, {.backend = "cpu", .threads = threads}).run(in).at("image");
    // Nodes run one at a time on this backend, so there are no interleavings to vary: one more
    // run per memory mode is enough.
    for (bool reuse : {true, false}) {
      Tensor got = Session(m, {.backend = "cpu", .threads = threads, .reuse_memory = reuse})
                       .run(in)
                       .at("image");
      CAPTURE(threads);
      CAPTURE(reuse);
      REQUIRE(std::memcmp(got.data(), first[threads].data(), sizeof(float) * got.size()) == 0);
    }
  }
  // Across thread counts oneDNN does not promise the same bits (its blocking is chosen for the
  // thread count; see onednn_backend.h): required only to be far inside the golden tolerance.
  double diff = 0;
  for (int64_t i = 0; i < first[1].size(); ++i)
    diff = std::max(diff, double(std::abs(first[1].data()[i] - first[2].data()[i])));
  MESSAGE("cpu backend, 1 vs 2 threads: max abs difference in the image ", diff,
          std::string(diff == 0 ? " (bit-identical)" : ""));
  CHECK(diff <= 1e-5);
}
