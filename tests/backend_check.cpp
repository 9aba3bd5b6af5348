#include "tests/backend_check.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "backends/registry.h"
#include "engine/backend.h"
#include "graph/ops.h"
#include "tests/test_util.h"

namespace film::test {
namespace {

using json = nlohmann::json;

std::string describe(const OpCase& c) {
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

// A view of `shape` in layout `l` (strides: dense unless given) at element `at` of `buf`.
TensorView view_in(Buffer* buf, int64_t at, const Shape& shape, Layout l,
                   std::vector<int64_t> strides = {}) {
  if (strides.empty() && layout_is_plain(l)) strides = dense_strides(shape, l);
  return {buf, layout_element_bytes(l) * static_cast<size_t>(at), shape, l, strides};
}

// `t` (NCHW) written through view `v` into `data`, the host copy of v's buffer (one float per
// element, whatever the layout's element type).
void scatter(const Tensor& t, const TensorView& v, float* data) {
  data += v.offset / layout_element_bytes(v.layout);
  const Shape& s = t.shape();
  if (s.size() != 4) {
    std::memcpy(data, t.data(), sizeof(float) * t.size());
    return;
  }
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          data[v.index(n, c, h, w)] = t.data()[((n * s[1] + c) * s[2] + h) * s[3] + w];
}

// The NCHW tensor that view `v` shows of `data`, the host copy of v's buffer.
Tensor gather(const TensorView& v, const float* data) {
  data += v.offset / layout_element_bytes(v.layout);
  Tensor t = Tensor::zeros(v.shape);
  const Shape& s = v.shape;
  if (s.size() != 4) {
    std::memcpy(t.data(), data, sizeof(float) * t.size());
    return t;
  }
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          t.data()[((n * s[1] + c) * s[2] + h) * s[3] + w] = data[v.index(n, c, h, w)];
  return t;
}

// IEEE half floats (round to nearest even), for values in the nchw_f16 layout.
uint16_t to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  uint32_t mant = x & 0x7fffff;
  const int exp = (x >> 23) & 0xff;
  if (exp == 255) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  const int e = exp - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    const int shift = 14 - e;
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // a carry rounds up the exponent
  return static_cast<uint16_t>(sign | h);
}
float from_half(uint16_t h) {
  const uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f = exp == 0    ? std::ldexp(static_cast<float>(mant), -24)
            : exp == 31 ? (mant ? NAN : INFINITY)
                        : std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return (h & 0x8000) ? -f : f;
}

// bfloat16 (round to nearest even; NaN stays NaN), for values in the nhwc_bf16 layout. Written
// here independently of the backend's own conversion.
uint16_t to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40);
  const uint32_t rem = x & 0xffff, mid = 0x8000;
  uint32_t h = x >> 16;
  if (rem > mid || (rem == mid && (h & 1))) ++h;
  return static_cast<uint16_t>(h);
}
float from_bf16(uint16_t h) {
  const uint32_t x = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

// Copies between host floats and a backend buffer holding `l`'s element type.
void upload_as(Backend& b, const std::vector<float>& data, Layout l, Buffer& dst) {
  if (layout_element_bytes(l) == sizeof(float)) {
    b.upload(data.data(), dst, 0, sizeof(float) * data.size());
    return;
  }
  std::vector<uint16_t> h(data.size());
  for (size_t i = 0; i < data.size(); ++i)
    h[i] = l.dtype == DType::f16 ? to_half(data[i]) : to_bf16(data[i]);
  b.upload(h.data(), dst, 0, 2 * h.size());
}
void download_as(Backend& b, const Buffer& src, Layout l, std::vector<float>& data) {
  if (layout_element_bytes(l) == sizeof(float)) {
    b.download(src, 0, sizeof(float) * data.size(), data.data());
    return;
  }
  std::vector<uint16_t> h(data.size());
  b.download(src, 0, 2 * h.size(), h.data());
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = l.dtype == DType::f16 ? from_half(h[i]) : from_bf16(h[i]);
}

void run_kernel(Backend& b, const KernelDesc& d, const KernelArgs& args) {
  auto kernel = b.compile(d);
  auto enc = b.make_encoder(false, d.threads, false);
  enc->begin_step(0, "test", {});
  kernel->record(*enc, args);
  enc->submit();
}

double check(const std::string& backend, const OpCase& c, uint32_t seed,
             Tolerance (*tolerance)(const std::string&), Layout offered) {
  const graph::OpSchema* schema = graph::find_op(c.op);
  REQUIRE(schema);
  KernelDesc d;
  d.node_name = "test/" + c.op;
  d.op = schema->kind;
  d.params = graph::op_params(*schema, c.attrs);
  d.input_shapes = c.inputs;
  d.output_shapes = graph::infer_output_shapes(*schema, c.inputs, c.attrs);
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
  const Shape& out_shape = d.output_shapes[0];

  auto b = create_backend(backend);
  REQUIRE(b->unsupported_reason(d) == "");
  const NodePlan np = b->plan_node(d, std::vector<Layout>(in.size(), offered));
  d.input_layouts = np.input_layouts;
  d.output_layouts = np.output_layouts;
  d.scratch_bytes = np.scratch_bytes;
  d.in_place = c.in_place;
  // Inputs the backend reads as half floats or bfloat16 are rounded to them for ref too, so the
  // comparison measures the kernel, not the rounding of its inputs.
  for (size_t i = 0; i < in.size(); ++i)
    for (int64_t k = 0; k < in[i].size(); ++k) {
      float& x = in[i].data()[k];
      if (np.input_layouts[i].dtype == DType::f16) x = from_half(to_half(x));
      if (np.input_layouts[i].dtype == DType::bf16) x = from_bf16(to_bf16(x));
    }

  // ref, in NCHW, on host memory.
  Tensor ref = Tensor::zeros(out_shape);
  {
    auto rb = create_backend("ref");
    KernelDesc rd = d;
    rd.input_layouts.assign(in.size(), Layout::nchw);
    rd.output_layouts = {Layout::nchw};
    rd.in_place = c.in_place;
    std::vector<std::unique_ptr<HostBuffer>> keep;
    KernelArgs args;
    for (auto& t : in) {
      keep.push_back(HostBuffer::borrow(t.data(), sizeof(float) * t.size()));
      args.inputs.push_back(view_in(keep.back().get(), 0, t.shape(), Layout::nchw));
    }
    if (c.in_place) std::memcpy(ref.data(), in[0].data(), sizeof(float) * in[0].size());
    keep.push_back(HostBuffer::borrow(ref.data(), sizeof(float) * ref.size()));
    args.outputs.push_back(view_in(keep.back().get(), 0, out_shape, Layout::nchw));
    if (c.in_place) args.inputs[0] = args.outputs[0];
    run_kernel(*rb, rd, args);
  }

  const Layout out_layout = np.output_layouts[0];
  const Tolerance tol = tolerance(c.op);
  INFO("backend ", backend, ", case: ", describe(c), " -> ", shape_str(out_shape), " in ",
       std::string(layout_name(out_layout)), ", seed ", seed);
  INFO("tolerance: atol ", tol.atol, " rtol ", tol.rtol);

  // The kernel's output (NCHW) from a run whose output is `out_rel` (a slot or dense, its
  // offset into `host`) inside a buffer holding `host` (downloaded back into it afterwards).
  auto run = [&](std::vector<float>& host, const TensorView& out_rel) {
    std::vector<std::unique_ptr<Buffer>> keep;
    KernelArgs args;
    for (size_t i = 0; i < in.size(); ++i) {
      const Layout l = np.input_layouts[i];
      std::vector<float> data(layout_elements(in[i].shape(), l), 0.0f);
      const TensorView rel = view_in(nullptr, 0, in[i].shape(), l);
      scatter(in[i], rel, data.data());
      keep.push_back(b->allocate(layout_bytes(in[i].shape(), l)));
      upload_as(*b, data, l, *keep.back());
      TensorView v = rel;
      v.buffer = keep.back().get();
      args.inputs.push_back(v);
    }
    if (c.in_place) scatter(in[0], out_rel, host.data());
    keep.push_back(b->allocate(layout_element_bytes(out_layout) * host.size()));
    Buffer* out_buf = keep.back().get();
    upload_as(*b, host, out_layout, *out_buf);
    TensorView out = out_rel;
    out.buffer = out_buf;
    args.outputs.push_back(out);
    if (c.in_place) args.inputs[0] = out;
    if (d.scratch_bytes) {
      keep.push_back(b->allocate(d.scratch_bytes + 64));
      args.scratch = view_in(keep.back().get(), 0,
                             {static_cast<int64_t>(d.scratch_bytes / sizeof(float))}, Layout::nchw);
    }
    KernelDesc cd = d;
    cd.output_strides = {!layout_is_plain(out_layout) ||
                                 out_rel.strides == dense_strides(out_shape, out_layout)
                             ? std::vector<int64_t>{}
                             : out_rel.strides};
    run_kernel(*b, cd, args);
    download_as(*b, *out_buf, out_layout, host);
    return gather(out_rel, host.data());
  };

  constexpr float kSentinel = -1232.0f;  // exact in half floats and bfloat16 too
  const int64_t guard = 64;
  std::vector<float> buf(layout_elements(out_shape, out_layout) + 2 * guard, kSentinel);
  const Tensor got = run(buf, view_in(nullptr, guard, out_shape, out_layout));
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

  if (np.writes_strided_output && out_shape.size() == 4 && layout_is_plain(out_layout) &&
      !c.in_place) {
    // Channels [2, 2 + C) of a value with C + 5 channels, as a concat input's slot.
    Shape wide = out_shape;
    wide[1] += 5;
    const TensorView wv = view_in(nullptr, 0, wide, out_layout);
    std::vector<float> wbuf(layout_elements(wide, out_layout), kSentinel);
    TensorView slot = view_in(nullptr, 2 * wv.strides[1], out_shape, out_layout, wv.strides);
    Tensor got_slot = run(wbuf, slot);
    const Compared rs = compare(got_slot, ref, tol);
    CHECK_MESSAGE(rs.bad == 0, "into a slot: ", rs.bad, " of ", ref.size(),
                  " values outside the tolerance");
    int64_t touched = 0;
    const int64_t C = wide[1];
    for (int64_t n = 0; n < wide[0]; ++n)
      for (int64_t ch : {int64_t{0}, int64_t{1}, C - 3, C - 2, C - 1})
        for (int64_t y = 0; y < wide[2]; ++y)
          for (int64_t x = 0; x < wide[3]; ++x) touched += wbuf[wv.index(n, ch, y, x)] != kSentinel;
    CHECK_MESSAGE(touched == 0, "writing into a slot changed ", touched,
                  " values of the neighbouring channels");
  }
  return r.max_err;
}

json pad(int t, int l, int b, int r) { return json::array({t, l, b, r}); }

OpCase conv(Shape src, int64_t out, int k, json p, json extra = json::object()) {
  json attrs = {{"pad", p}};
  attrs.update(extra);
  return {"conv2d", attrs, {src, {out, src[1], k, k}, {out}}};
}

}  // namespace

double check_op_cases(const std::string& backend, const std::vector<OpCase>& cases,
                      Tolerance (*tolerance)(const std::string& op), Layout offered) {
  REQUIRE_MESSAGE(backend_available(backend.substr(0, backend.find(':'))), "the ", backend,
                  " backend is unavailable (this case should have been skipped)");
  double worst = 0;
  uint32_t seed = 100;
  for (auto& c : cases) worst = std::max(worst, check(backend, c, seed++, tolerance, offered));
  MESSAGE(backend, " ", cases[0].op, ": ", cases.size(), " cases, max abs error against ref ",
          worst);
  return worst;
}

std::vector<OpCase> conv2d_cases() {
  std::vector<OpCase> cases = {
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
      // More output channels than one 64-channel tile, more taps than one 16-tap step.
      conv({1, 48, 17, 19}, 80, 3, pad(1, 1, 1, 1), {{"leaky_relu", 0.2}}),
      // 64+ channels in and out, 3x3, stride 1: the cpu backend's Winograd convolution (nChw16c,
      // its leaky ReLU applied after it), over sizes that are not multiples of its 4x4 tiles.
      conv({1, 64, 11, 13}, 72, 3, pad(1, 1, 1, 1), {{"leaky_relu", 0.2}}),
      conv({2, 80, 6, 9}, 64, 3, pad(1, 1, 1, 1)),
  };
  OpCase runtime = conv({1, 13, 9, 7}, 16, 3, pad(1, 1, 1, 1));
  runtime.constant_weights = false;
  cases.push_back(runtime);
  return cases;
}

std::vector<std::vector<OpCase>> eltwise_cases() {
  std::vector<OpCase> leaky = {
      {"leaky_relu", {{"alpha", 0.2}}, {{1, 13, 9, 7}}},
      {"leaky_relu", {{"alpha", 0.2}}, {{1, 24, 25, 33}}},
      {"leaky_relu", {{"alpha", 0.0}}, {{1, 1, 1, 1}}},
      {"leaky_relu", {{"alpha", 0.2}}, {{5, 7}}},
  };
  leaky.push_back(leaky[1]);
  leaky.back().in_place = true;
  std::vector<OpCase> add = {
      {"add", {}, {{1, 13, 9, 7}, {1, 13, 9, 7}}},
      {"add", {}, {{2, 24, 25, 33}, {2, 24, 25, 33}}},
      {"add", {}, {{1, 1, 1, 1}, {1, 1, 1, 1}}},
  };
  add.push_back(add[1]);
  add.back().in_place = true;
  std::vector<OpCase> mul = {
      {"mul", {{"scalar", 0.5}}, {{1, 2, 9, 7}}},
      {"mul", {{"scalar", -1.5}}, {{1, 16, 25, 33}}},
      {"mul", {{"scalar", 2.0}}, {{1, 1, 1, 1}}},
  };
  mul.push_back(mul[1]);
  mul.back().in_place = true;
  // scale: a per-image factor (a time: FILM's fusion with a time input), with the affine
  // multiplier/offset (1 - t) too.
  std::vector<OpCase> scale = {
      {"scale", {}, {{1, 2, 9, 7}, {1, 1, 1, 1}}},
      {"scale", {{"multiplier", -1.0}, {"offset", 1.0}}, {{2, 16, 25, 33}, {2, 1, 1, 1}}},
      {"scale", {{"multiplier", 0.5}}, {{1, 1, 1, 1}, {1, 1, 1, 1}}},
  };
  scale.push_back(scale[1]);
  scale.back().in_place = true;
  return {leaky, add, mul, scale};
}

std::vector<OpCase> avg_pool2d_cases() {
  return {
      {"avg_pool2d", {}, {{1, 3, 8, 6}}},
      {"avg_pool2d", {}, {{1, 13, 26, 34}}},
      {"avg_pool2d", {}, {{2, 16, 2, 2}}},
      {"avg_pool2d", {{"kernel", {3, 3}}, {"stride", {1, 1}}}, {{1, 24, 9, 7}}},
      {"avg_pool2d", {{"kernel", {2, 3}}, {"stride", {2, 1}}}, {{1, 1, 10, 7}}},
  };
}

std::vector<OpCase> resize_cases() {
  auto resize = [](const char* mode, Shape s, int sy, int sx) {
    return OpCase{"resize", {{"mode", mode}, {"scale", {sy, sx}}}, {s}};
  };
  return {
      resize("bilinear", {1, 2, 9, 7}, 2, 2), resize("bilinear", {1, 13, 25, 33}, 2, 2),
      resize("bilinear", {1, 1, 1, 1}, 2, 2), resize("bilinear", {1, 3, 9, 7}, 3, 2),
      resize("nearest", {1, 16, 9, 7}, 2, 2), resize("nearest", {1, 24, 1, 1}, 2, 2),
      resize("nearest", {2, 3, 9, 7}, 3, 1),
  };
}

std::vector<OpCase> warp_cases() {
  auto warp = [](Shape s, float range = 4.0f, float shift = 0.0f) {
    Shape flow = {s[0], 2, s[2], s[3]};
    OpCase c{"warp", json::object(), {s, flow}};
    c.flow_range = range;
    c.flow_shift = shift;
    return c;
  };
  std::vector<OpCase> cases = {
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
  OpCase specials = warp({1, 13, 9, 7});
  specials.specials = true;
  cases.push_back(specials);
  return cases;
}

std::vector<std::vector<OpCase>> concat_slice_cases() {
  return {{
              {"concat", {}, {{1, 1, 9, 7}, {1, 13, 9, 7}, {1, 16, 9, 7}}},
              {"concat", {{"axis", 0}}, {{1, 3, 9, 7}, {2, 3, 9, 7}}},
              {"concat", {{"axis", 2}}, {{1, 3, 9, 7}, {1, 3, 25, 7}}},
              {"concat", {{"axis", 3}}, {{2, 3, 9, 7}, {2, 3, 9, 33}}},
              {"concat", {}, {{1, 24, 25, 33}}},
              // Larger than one copy piece (256 Ki floats), so a single input is split over
              // threads.
              {"concat", {}, {{1, 24, 128, 100}, {1, 3, 128, 100}}},
          },
          {
              {"slice", {{"axis", 1}, {"begin", 3}, {"end", 16}}, {{1, 24, 9, 7}}},
              {"slice", {{"axis", 3}, {"begin", 1}, {"end", 6}}, {{1, 3, 9, 7}}},
              {"slice", {{"axis", 0}, {"begin", 1}, {"end", 2}}, {{2, 13, 25, 33}}},
          }};
}

std::vector<std::vector<OpCase>> every_op_cases() {
  std::vector<std::vector<OpCase>> all = {conv2d_cases()};
  for (auto& c : eltwise_cases()) all.push_back(c);
  all.push_back(avg_pool2d_cases());
  all.push_back(resize_cases());
  all.push_back(warp_cases());
  for (auto& c : concat_slice_cases()) all.push_back(c);
  return all;
}

}  // namespace film::test
