// FrameInterpolator's test-time augmentation: each pass must answer the same question (the
// transformed pair's middle, transformed back), so the ensemble equals the mean of plain runs on
// inputs swapped and flipped by an independent implementation here.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "models/film/options.h"
#include "tools/app/interpolate.h"
#include "engine/io/safetensors.h"
#include "tests/test_util.h"

using namespace film;

namespace {

// out[y][x] = src[vertical ? h-1-y : y][horizontal ? w-1-x : x], written index by index.
Tensor flip(const Tensor& src, bool horizontal, bool vertical) {
  Tensor out = Tensor::zeros(src.shape());
  const int64_t c = src.dim(1), h = src.dim(2), w = src.dim(3);
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        out.data()[(k * h + y) * w + x] =
            src.data()[(k * h + (vertical ? h - 1 - y : y)) * w + (horizontal ? w - 1 - x : x)];
  return out;
}

// The top-left h x w (small, to keep the test quick; sizes off the model's multiple get padded).
Tensor crop(const Tensor& src, int64_t h, int64_t w) {
  Tensor out = Tensor::zeros({1, src.dim(1), h, w});
  for (int64_t k = 0; k < src.dim(1); ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        out.data()[(k * h + y) * w + x] = src.data()[(k * src.dim(2) + y) * src.dim(3) + x];
  return out;
}

// The mean of the first `passes` plain runs in the documented order: swap, then mirror, then flip.
Tensor expected_mean(FrameInterpolator& f, const Tensor& a, const Tensor& b, int passes) {
  f.set_tta(1);
  Tensor sum = Tensor::zeros(a.shape());
  for (int k = 0; k < passes; ++k) {
    const bool swap = k & 1, h = k & 2, v = k & 4;
    Tensor out = flip(f.middle(flip(swap ? b : a, h, v), flip(swap ? a : b, h, v)), h, v);
    for (int64_t i = 0; i < sum.size(); ++i) sum.data()[i] += out.data()[i] / passes;
  }
  return sum;
}

}  // namespace

TEST_CASE("test-time augmentation is the mean of plain runs on swapped and flipped inputs") {
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-a.safetensors"));
  FrameInterpolator f(test::port_fixture_model("a"), {.backend = "ref", .threads = 2});
  for (auto [h, w] : {std::pair<int64_t, int64_t>{64, 128}, {50, 101}}) {  // exact and padded sizes
    CAPTURE(h);
    CAPTURE(w);
    const Tensor a = crop(golden.get("x0"), h, w), b = crop(golden.get("x1"), h, w);
    // The random-weight model is not symmetric in time or space, so the passes really differ.
    f.set_tta(1);
    CHECK(test::max_abs_diff(f.middle(a, b), f.middle(b, a)) > 1e-3);
    CHECK(test::max_abs_diff(
              f.middle(a, b),
              flip(f.middle(flip(a, true, false), flip(b, true, false)), true, false)) > 1e-3);
    for (int passes : {2, 8}) {  // 8 includes every transform; 4 is its first half
      CAPTURE(passes);
      Tensor want = expected_mean(f, a, b, passes);
      f.set_tta(passes);
      CHECK(f.tta() == passes);
      CHECK(test::max_abs_diff(f.middle(a, b), want) < 1e-5);
    }
  }
}

TEST_CASE("test-time augmentation takes 1, 2, 4 or 8 passes and names the bad count") {
  FrameInterpolator f(test::port_fixture_model("a"), {.backend = "ref", .threads = 1});
  for (int bad : {0, 3, 16, -1}) {
    CAPTURE(bad);
    std::string err = test::error_of([&] { f.set_tta(bad); });
    CHECK(err.find("1, 2, 4 or 8") != std::string::npos);
    CHECK(err.find(std::to_string(bad)) != std::string::npos);
  }
  CHECK(f.tta() == 1);  // a refused count leaves the setting alone
}

// frames_at: any times, in any order, reached by the midpoint recursion; each frame equals the one
// plain middle() calls along its path give, and frames come out in increasing time.
TEST_CASE("frames_at reaches each time through the midpoints and emits in time order") {
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-a.safetensors"));
  FrameInterpolator f(test::port_fixture_model("a"), {.backend = "ref", .threads = 2});
  const Tensor a = crop(golden.get("x0"), 64, 64), b = crop(golden.get("x1"), 64, 64);
  const Tensor m = f.middle(a, b), q1 = f.middle(a, m), q3 = f.middle(m, b);

  // Unsorted, repeated, both ends; 0.3 rounds to 0.25 at depth 2.
  const std::vector<double> times = {0.75, 0.0, 0.5, 0.3, 1.0, 0.5};
  const std::vector<const Tensor*> want = {&q3, &a, &m, &q1, &b, &m};
  std::vector<int> seen(times.size(), 0);
  double last = -1;
  f.frames_at(a, b, times, 2, [&](size_t i, const Tensor& frame) {
    REQUIRE(i < times.size());
    CAPTURE(i);
    ++seen[i];
    const double t = FrameInterpolator::reachable_time(times[i], 2);
    CHECK(t >= last);
    last = t;
    CHECK(test::max_abs_diff(frame, *want[i]) == 0);
  });
  CHECK(seen == std::vector<int>(times.size(), 1));

  // sequence() is frames_at at every multiple of 1/2^K.
  const std::vector<Tensor> seq = f.sequence(a, b, 2);
  REQUIRE(seq.size() == 5);
  CHECK(test::max_abs_diff(seq[1], q1) == 0);
  CHECK(test::max_abs_diff(seq[2], m) == 0);
  CHECK(test::max_abs_diff(seq[3], q3) == 0);

  // Depth 0 reaches only the ends; bad times and depths are named.
  f.frames_at(a, b, {0.4, 0.6}, 0, [&](size_t i, const Tensor& frame) {
    CHECK(test::max_abs_diff(frame, i == 0 ? a : b) == 0);
  });
  auto none = [](size_t, const Tensor&) { FAIL("no frame expected"); };
  CHECK(test::error_of([&] {
          f.frames_at(a, b, {0.5, 1.5}, 2, none);
        }).find("1.5") != std::string::npos);
  CHECK(test::error_of([&] { f.frames_at(a, b, {0.5}, 31, none); }).find("31") !=
        std::string::npos);
  CHECK(FrameInterpolator::reachable_time(0.26, 6) == 17.0 / 64);
}

TEST_CASE("a graph with a time input: one session for every time, 0.5 the plain graph's frame") {
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-a.safetensors"));
  const auto plain = test::port_fixture_model("a");
  const auto timed = Model::from_parts(model::film_graph_with_time(plain->graph, "port a"),
                                       plain->weights, "port a (time input)");
  FrameInterpolator f(plain, {.backend = "ref", .threads = 2}),
      ft(timed, {.backend = "ref", .threads = 2});
  CHECK(!f.takes_time());
  CHECK(ft.takes_time());
  const Tensor a = crop(golden.get("x0"), 64, 128), b = crop(golden.get("x1"), 64, 128);
  // The scale nodes at t = 0.5 compute what the constant 0.5 did: the same bits.
  CHECK(test::max_abs_diff(ft.frame_at(a, b, 0.5), f.middle(a, b)) == 0);
  const Tensor quarter = ft.frame_at(a, b, 0.25), three = ft.frame_at(a, b, 0.75);
  CHECK(test::max_abs_diff(quarter, f.middle(a, b)) > 1e-4);
  CHECK(test::max_abs_diff(quarter, three) > 1e-4);
  // Time reversal: the frame at t of (a, b) is, for this graph, the frame at 1 - t of (b, a)
  // only approximately (the weights are not symmetric); but tta 2 averages exactly those two.
  ft.set_tta(2);
  const Tensor tta = ft.frame_at(a, b, 0.25);
  ft.set_tta(1);
  const Tensor back = ft.frame_at(b, a, 0.75);
  Tensor mean = Tensor::zeros(a.shape());
  for (int64_t i = 0; i < mean.size(); ++i)
    mean.data()[i] = (quarter.data()[i] + back.data()[i]) * 0.5f;
  CHECK(test::max_abs_diff(tta, mean) < 1e-6);
  CHECK(!test::error_of([&] { f.frame_at(a, b, 0.25); }).empty());  // no time input: 0.5 only
}
