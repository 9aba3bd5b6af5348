// The cpu (oneDNN) backend against ref, op by op, with the shared check of tests/backend_check.h
// (seeded inputs, one tolerance formula, guard values, slots) over shapes that straddle vector
// widths. Then its determinism. Every case here is skipped, and reported so by doctest, where
// oneDNN cannot make a CPU engine. (The fusion it asks for is tested in test_fuse.cpp, the FILM
// golden fixtures on it in test_film_port.cpp.)
#include <doctest/doctest.h>

#include <algorithm>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "backends/registry.h"
#include "tools/media/image.h"
#include "tools/eval/metrics.h"
#include "engine/backend.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/base/file.h"
#include "graph/ops.h"
#include "models/film/import_port.h"
#include "models/film/options.h"
#include "tests/backend_check.h"
#include "tests/test_util.h"

using namespace film;
using json = nlohmann::json;

namespace {

const bool kCpu = test::backend_available("cpu");
using test::Tolerance;

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

double check_all(const std::vector<test::OpCase>& cases) {
  return test::check_op_cases("cpu", cases, tolerance_for);
}

// bf16 precision: the ops see bfloat16 inputs (rounded for ref too, so what is measured is the
// kernel) and write bfloat16, whose rounding is half an ulp, 2^-9 relative; rtol 4e-3 is one ulp.
// conv2d also rounds its weights to bfloat16 (ref keeps them float32): with weights scaled by
// 1/sqrt(fan-in) and |x| <= 1 that adds about 2^-9 * sqrt(fan-in) * max|w| ~ 2e-3 absolute
// (measured below); 1e-2 absolute still catches a wrong tap or padding (errors of order 0.1).
Tolerance tolerance_bf16(const std::string& op) {
  if (op == "conv2d") return {1e-2, 4e-3};
  return {1e-6, 4e-3};
}

// Why "cpu:bf16" cannot be made here ("" when it can).
std::string bf16_refusal() {
  if (!kCpu) return "no cpu backend";
  try {
    create_backend("cpu:bf16");
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}
const std::string kBf16Refusal = bf16_refusal();
const bool kBf16 = kBf16Refusal.empty();

double check_all_bf16(const std::vector<test::OpCase>& cases) {
  return test::check_op_cases("cpu:bf16", cases, tolerance_bf16, Layout::nhwc_bf16);
}

}  // namespace

TEST_CASE("the cpu backend reports whether it is available, and why not, and means it") {
  const auto list = list_backends();
  const auto it = std::find_if(list.begin(), list.end(), [](auto& b) { return b.name == "cpu"; });
  REQUIRE_MESSAGE(it != list.end(), "list_backends() does not list the cpu backend");
  MESSAGE("cpu backend: ",
          it->available ? "available" : "UNAVAILABLE (its tests are skipped): " + it->why_unavailable);
  // What it reports is what happens when one is made: made where available, refused otherwise
  // with the reason it gave.
  const std::string made = test::error_of([] { create_backend("cpu"); });
  if (it->available) {
    CHECK(made.empty());
  } else {
    CHECK(!it->why_unavailable.empty());
    CHECK(made.find(it->why_unavailable) != std::string::npos);
  }
}

TEST_CASE("cpu conv2d matches ref: 3x3, 1x1, FILM's 2x2 [0,0,1,1], strides, fused leaky ReLU" *
          doctest::skip(!kCpu)) {
  check_all(test::conv2d_cases());
}

TEST_CASE("cpu leaky_relu, add and mul match ref, in place too" * doctest::skip(!kCpu)) {
  for (auto& cases : test::eltwise_cases()) check_all(cases);
}

TEST_CASE("cpu avg_pool2d matches ref" * doctest::skip(!kCpu)) {
  check_all(test::avg_pool2d_cases());
}

TEST_CASE("cpu resize matches ref: bilinear with half-pixel centres and nearest, borders included" *
          doctest::skip(!kCpu)) {
  check_all(test::resize_cases());
}

TEST_CASE("cpu warp matches ref exactly, border clamping and NaN/inf flows included" *
          doctest::skip(!kCpu)) {
  // Same formulas and operation order as ref (backends/onednn/warp.cpp): not one bit may differ.
  CHECK(check_all(test::warp_cases()) == 0);
}

TEST_CASE("cpu concat and slice match ref on every axis" * doctest::skip(!kCpu)) {
  for (auto& cases : test::concat_slice_cases()) check_all(cases);
}

TEST_CASE(
    "cpu bf16: every op against ref in bfloat16, warp and conv heads writing float32 where "
    "they must" *
    doctest::skip(!kBf16)) {
  for (auto& cases : test::every_op_cases()) check_all_bf16(cases);
  // The layouts bf16 plans: bfloat16 features, float32 flows and heads.
  auto b = create_backend("cpu:bf16");
  auto plan = [&](const std::string& op, const nlohmann::json& attrs, std::vector<Shape> in,
                  std::vector<Layout> offered, bool keep_fp32 = false) {
    const graph::OpSchema* schema = graph::find_op(op);
    KernelDesc d;
    d.node_name = "t";
    d.op = schema->kind;
    d.params = graph::op_params(*schema, attrs);
    d.input_shapes = in;
    d.output_shapes = graph::infer_output_shapes(*schema, in, attrs);
    d.input_is_weight.assign(in.size(), op == "conv2d");
    d.input_is_weight[0] = false;
    d.threads = 1;
    d.keep_fp32 = keep_fp32;
    return b->plan_node(d, offered);
  };
  const auto bf = Layout::nhwc_bf16, f = Layout::nhwc;
  const nlohmann::json pad = {{"pad", {1, 1, 1, 1}}};
  NodePlan np = plan("conv2d", pad, {{1, 16, 8, 8}, {32, 16, 3, 3}, {32}}, {f, f, f});
  CHECK(np.input_layouts[0] == bf);
  CHECK(np.output_layouts[0] == bf);
  // A head the model marks keep_fp32 (FILM's flows and image) writes float32; the backend does
  // not guess it from the channel count.
  np = plan("conv2d", pad, {{1, 16, 8, 8}, {2, 16, 3, 3}, {2}}, {bf, f, f}, true);
  CHECK(np.output_layouts[0] == f);
  np = plan("conv2d", pad, {{1, 16, 8, 8}, {2, 16, 3, 3}, {2}}, {bf, f, f}, false);
  CHECK(np.output_layouts[0] == bf);
  np = plan("warp", {}, {{1, 16, 8, 8}, {1, 2, 8, 8}}, {bf, f});
  CHECK(np.input_layouts == std::vector<Layout>{bf, f});
  CHECK(np.output_layouts[0] == bf);
  np = plan("warp", {}, {{1, 3, 8, 8}, {1, 2, 8, 8}}, {f, f});  // an image stays float32
  CHECK(np.output_layouts[0] == f);
  np = plan("concat", {{"axis", 1}}, {{1, 3, 8, 8}, {1, 16, 8, 8}}, {f, bf});
  CHECK(np.input_layouts == std::vector<Layout>{bf, bf});
  CHECK(np.output_layouts[0] == bf);
}

TEST_CASE(
    "cpu backend specs: bf16 refused with the reason where it cannot run; cpu:direct has no "
    "Winograd whatever the environment; a bad FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB is named" *
    doctest::skip(!kCpu)) {
  MESSAGE("cpu:bf16 here: ", kBf16 ? std::string("available") : kBf16Refusal);
  // Where it cannot run, the error says why and what to use instead.
  if (!kBf16) CHECK(kBf16Refusal.find("AVX-512") != std::string::npos);
  if (!kBf16) CHECK(kBf16Refusal.find("--precision fp32") != std::string::npos);
  CHECK_THROWS_WITH_AS(create_backend("cpu:bf17"), doctest::Contains("unknown backend"), Error);
  // A 64 -> 64 3x3 conv: Winograd (nChw16c) on "cpu", direct (nhwc) on "cpu:direct", even with
  // the environment asking for Winograd.
  KernelDesc d;
  d.node_name = "t";
  d.op = graph::OpKind::conv2d;
  const graph::OpSchema* schema = graph::find_op("conv2d");
  const nlohmann::json attrs = {{"pad", {1, 1, 1, 1}}};
  d.params = graph::op_params(*schema, attrs);
  d.input_shapes = {{1, 64, 16, 16}, {64, 64, 3, 3}, {64}};
  d.output_shapes = graph::infer_output_shapes(*schema, d.input_shapes, attrs);
  d.input_is_weight = {false, true, true};
  d.threads = 1;
  const std::vector<Layout> offered(3, Layout::nhwc);
  CHECK(create_backend("cpu")->plan_node(d, offered).input_layouts[0] == Layout::nChw16c);
  test::with_env("FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB", "1024", [&] {
    CHECK(create_backend("cpu:direct")->plan_node(d, offered).input_layouts[0] == Layout::nhwc);
  });
  test::with_env("FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB", "0", [&] {
    CHECK(create_backend("cpu")->plan_node(d, offered).input_layouts[0] == Layout::nhwc);
  });
  test::with_env("FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB", "lots", [&] {
    CHECK_THROWS_WITH_AS(create_backend("cpu"),
                         doctest::Contains("FILM_CPU_WINOGRAD_MAX_SCRATCH_MIB must be a number"),
                         Error);
  });
  CHECK(leaner_backend("cpu") == "cpu:direct");
  CHECK(leaner_backend("cpu:bf16") == "");
}

TEST_CASE(
    "cpu bf16 on real photos with the bundled model: at least 40 dB against fp32, through "
    "the CLI" *
    doctest::skip(!kBf16)) {
  test::TempDir dir;
  const std::string one = test::fixture("film-official-output/one.png"),
                    two = test::fixture("film-official-output/two.png");
  std::map<std::string, Tensor> mid;
  for (const char* precision : {"fp32", "bf16"}) {
    const std::string out = dir.path() + "/mid-" + precision + ".png";
    auto r = test::run_command(test::film_binary() + " interpolate " + one + " " + two + " -o " +
                               out + " --threads 2 --precision " + precision);
    CAPTURE(r.output);
    REQUIRE(r.exit_code == 0);
    mid[precision] = io::read_png(out);
  }
  const double db = psnr(mid.at("bf16"), mid.at("fp32"));
  MESSAGE("bundled model, 1024x768 demo photos: bf16 against fp32 ", db, " dB");
  CHECK(db >= 40.0);
  CHECK(db < kPsnrCap);  // bf16 did run: not the same bits as fp32
}

TEST_CASE("--precision is checked against the backend" * doctest::skip(!kCpu)) {
  const std::string model = test::source_dir() + "/models/film-default";
  auto r = test::run_command(test::film_binary() + " bench " + model +
                             " --size 64x64 --backend ref --precision bf16");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--precision bf16 runs on the cpu backend") != std::string::npos);
  r = test::run_command(test::film_binary() + " bench " + model + " --size 64x64 --precision fp16");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("on the cpu backend use fp32 or bf16") != std::string::npos);
  if (!kBf16) return;
  r = test::run_command(test::film_binary() + " bench " + model +
                        " --size 64x64 --precision bf16 --runs 1 --json");
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  CHECK(j["backend"] == "cpu");
  CHECK(j["precision"] == "bf16");
}

TEST_CASE(
    "cpu backend: runs are bit-identical at a given thread count; thread counts agree closely" *
    doctest::skip(!kCpu)) {
  auto m = test::port_fixture_model("b");
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
