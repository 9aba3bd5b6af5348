// The cpu (oneDNN) backend against ref, op by op, with the shared check of tests/backend_check.h
// (seeded inputs, one tolerance formula, guard values, slots) over shapes that straddle vector
// widths. Then its determinism. Every case here is skipped, and reported so by doctest, where
// oneDNN cannot make a CPU engine. (The fusion it asks for is tested in test_fuse.cpp, the FILM
// golden fixtures on it in test_film_port.cpp.)
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
