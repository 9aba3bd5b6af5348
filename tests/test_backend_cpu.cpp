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

#include "backends/registry.h"
#include "engine/backend.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/file.h"
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
  bool specials = false;    // put NaN/inf among the flow values
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

// `t` (NCHW) in layout `l`, as a flat array of layout_elements floats (blocked padding zero).
std::vector<float> to_layout(const Tensor& t, Layout l) {
  std::vector<float> out(layout_elements(t.shape(), l), 0.0f);
  if (t.shape().size() != 4) {
    std::memcpy(out.data(), t.data(), sizeof(float) * t.size());
    return out;
  }
  TensorView v{nullptr, 0, t.shape(), l,
               layout_is_plain(l) ? dense_strides(t.shape(), l) : std::vector<int64_t>{}};
  const Shape& s = t.shape();
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          out[v.index(n, c, h, w)] = t.data()[((n * s[1] + c) * s[2] + h) * s[3] + w];
  return out;
}

// Runs one compiled kernel on host buffers: `views` give each input's and output's place.
void run_kernel(Backend& b, const KernelDesc& d, const KernelArgs& args) {
  auto kernel = b.compile(d);
  auto enc = b.make_encoder(false, d.threads, false);
  enc->begin_step(0, "test", {});
  kernel->record(*enc, args);
  enc->submit();
}

struct Host {
  std::vector<std::unique_ptr<HostBuffer>> buffers;
  TensorView view(float* data, size_t floats, const Shape& shape, Layout l,
                  std::vector<int64_t> strides = {}) {
    buffers.push_back(HostBuffer::borrow(data, sizeof(float) * floats));
    if (strides.empty() && layout_is_plain(l)) strides = dense_strides(shape, l);
    return {buffers.back().get(), 0, shape, l, strides};
  }
};

// Runs `c` through the ref and cpu kernels and compares; returns the max abs error. The cpu kernel
// runs in the layouts the cpu backend plans for the node (channels-last), its output fenced by
// guard values; where the backend says the kernel can write into a slot of a wider channels-last
// value, it also runs into one, and the neighbouring channels must stay untouched.
double check(const Case& c, uint32_t seed) {
  const graph::OpSchema* schema = graph::find_op(c.op);
  REQUIRE(schema);
  KernelDesc d;
  d.node_name = "test/" + c.op;
  d.op = schema->kind;
  d.params = graph::op_params(*schema, c.attrs);
  d.input_shapes = c.inputs;
  d.output_shapes = schema->infer(c.inputs, graph::complete_attrs(*schema, c.attrs));
  d.threads = 2;
  d.input_in_place.assign(c.inputs.size(), false);
  d.output_strides.assign(1, {});

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
  for (size_t i = 0; i < in.size(); ++i) {
    const bool w = c.op == "conv2d" && i > 0 && c.constant_weights;
    d.input_is_weight.push_back(w);
    d.constants.push_back(w ? &in[i] : nullptr);
  }

  // ref, in NCHW.
  auto ref_backend = create_backend("ref");
  Tensor ref = Tensor::zeros(d.output_shapes[0]);
  {
    KernelDesc rd = d;
    rd.input_layouts.assign(in.size(), Layout::nchw);
    rd.output_layouts = {Layout::nchw};
    Host h;
    KernelArgs args;
    for (auto& t : in) args.inputs.push_back(h.view(t.data(), t.size(), t.shape(), Layout::nchw));
    if (c.in_place) std::memcpy(ref.data(), in[0].data(), sizeof(float) * in[0].size());
    args.outputs.push_back(h.view(ref.data(), ref.size(), ref.shape(), Layout::nchw));
    if (c.in_place) args.inputs[0] = args.outputs[0];
    rd.in_place = c.in_place;
    run_kernel(*ref_backend, rd, args);
  }

  auto cpu = create_backend("cpu");
  REQUIRE(cpu->unsupported_reason(d) == "");
  std::vector<Layout> offered(in.size(), Layout::nchw);
  const NodePlan np = cpu->plan_node(d, offered);
  d.input_layouts = np.input_layouts;
  d.output_layouts = np.output_layouts;
  d.scratch_bytes = np.scratch_bytes;
  d.in_place = c.in_place;
  const Layout out_layout = np.output_layouts[0];
  const Shape& out_shape = d.output_shapes[0];
  const Tolerance tol = tolerance_for(c.op);
  INFO("case: ", describe(c), " -> ", shape_str(out_shape), " in ", layout_name(out_layout),
       ", seed ", seed);
  INFO("tolerance: atol ", tol.atol, " rtol ", tol.rtol);

  // The cpu kernel's output (back in NCHW) from a run whose output is `out` (strides of a slot or
  // dense) inside `buf`.
  auto run_cpu = [&](std::vector<float>& buf, int64_t out_at, const std::vector<int64_t>& strides) {
    Host h;
    std::vector<std::vector<float>> ins;
    for (size_t i = 0; i < in.size(); ++i) ins.push_back(to_layout(in[i], np.input_layouts[i]));
    KernelArgs args;
    for (size_t i = 0; i < in.size(); ++i)
      args.inputs.push_back(
          h.view(ins[i].data(), ins[i].size(), in[i].shape(), np.input_layouts[i]));
    args.outputs.push_back(
        h.view(buf.data() + out_at, buf.size() - out_at, out_shape, out_layout, strides));
    if (c.in_place) {
      const std::vector<float> src = to_layout(in[0], out_layout);
      std::copy(src.begin(), src.end(), buf.begin() + out_at);
      args.inputs[0] = args.outputs[0];
    }
    std::vector<float> scratch(d.scratch_bytes / sizeof(float) + 16);
    if (d.scratch_bytes)
      args.scratch =
          h.view(scratch.data(), scratch.size(), {int64_t(scratch.size())}, Layout::nchw);
    KernelDesc cd = d;
    cd.output_strides = {strides};
    run_kernel(*cpu, cd, args);
    Tensor got = Tensor::zeros(out_shape);
    const TensorView& o = args.outputs[0];
    const Shape& s = out_shape;
    if (s.size() != 4) {
      std::memcpy(got.data(), o.data(), sizeof(float) * got.size());
      return got;
    }
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t ch = 0; ch < s[1]; ++ch)
        for (int64_t y = 0; y < s[2]; ++y)
          for (int64_t x = 0; x < s[3]; ++x)
            got.data()[((n * s[1] + ch) * s[2] + y) * s[3] + x] = o.data()[o.index(n, ch, y, x)];
    return got;
  };

  constexpr float kSentinel = -1234.5678f;
  const int64_t guard = 64;
  std::vector<float> buf(layout_elements(out_shape, out_layout) + 2 * guard, kSentinel);
  Tensor got = run_cpu(buf, guard, {});
  bool fenced = true;
  for (int64_t i = 0; i < guard; ++i)
    fenced = fenced && buf[i] == kSentinel && buf[buf.size() - 1 - i] == kSentinel;
  const Compared r = compare(got, ref, tol);
  CAPTURE(r.max_err);
  CAPTURE(r.first_bad);
  CAPTURE(r.got_at_bad);
  CAPTURE(r.ref_at_bad);
  CHECK_MESSAGE(fenced, "the kernel wrote outside its output");
  CHECK_MESSAGE(r.bad == 0, r.bad, " of ", ref.size(), " values outside the tolerance");
  CHECK_MESSAGE(r.zeros_where_ref_not * 2 <= r.ref_nonzero,
                "mostly zeros where ref is not: ", r.zeros_where_ref_not, " of ", r.ref_nonzero);

  if (np.writes_strided_output && out_layout == Layout::nhwc && !c.in_place) {
    // Channels [2, 2 + C) of a value with C + 5 channels, as a concat input's slot.
    Shape wide = out_shape;
    wide[1] += 5;
    std::vector<float> wbuf(layout_elements(wide, Layout::nhwc), kSentinel);
    Tensor slot = run_cpu(wbuf, 2, dense_strides(wide, Layout::nhwc));
    const Compared rs = compare(slot, ref, tol);
    CHECK_MESSAGE(rs.bad == 0, "into a slot: ", rs.bad, " of ", ref.size(),
                  " values outside the tolerance");
    int64_t touched = 0;
    const int64_t C = wide[1], pixels = num_elements(wide) / C;
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t ch : {int64_t{0}, int64_t{1}, C - 3, C - 2, C - 1})
        touched += wbuf[p * C + ch] != kSentinel;
    CHECK_MESSAGE(touched == 0, "writing into a slot changed ", touched,
                  " values of the neighbouring channels");
  }
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
      warp({1, 3, 9, 7}),
      warp({2, 13, 25, 33}),
      warp({1, 16, 1, 1}),
      warp({1, 1, 1, 9}),
      warp({1, 24, 9, 1}),
      warp({1, 3, 25, 33}, 50.0f),
      // Smooth flows, as FILM's: neighbours share their integer offset; the third is one run
      // of consecutive taps per row but for the clamped right border.
      warp({1, 19, 12, 67}, 0.2f, 0.5f),
      warp({2, 5, 12, 67}, 0.6f, 0.5f),
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

namespace {

std::shared_ptr<const Model> port_model(const std::string& name) {
  return test::port_fixture_model(name);
}

}  // namespace

TEST_CASE(
    "cpu backend: runs are bit-identical at a given thread count; thread counts agree closely" *
    doctest::skip(!kCpu)) {
  auto m = port_model("b");
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-b.safetensors"));
  std::map<std::string, Tensor> in = {{"x0", golden.get("x0")}, {"x1", golden.get("x1")}};
  std::map<int, Tensor> first;
  for (int threads : {1, 2}) {
    first[threads] = Session(m, create_backend("cpu"), {.threads = threads}).run(in).at("image");
    // Nodes run one at a time on this backend, so there are no interleavings to vary: one more
    // run per memory mode is enough.
    for (bool reuse : {true, false}) {
      Tensor got = Session(m, create_backend("cpu"), {.threads = threads, .reuse_memory = reuse})
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
