// The reference kernels on small cases computed by hand from docs/FILM.md's conventions.
#include <doctest/doctest.h>

#include "backends/ref/ref_backend.h"

using namespace film;

namespace {

Tensor make(Shape s, std::vector<float> v) {
  Tensor t = Tensor::zeros(std::move(s));
  REQUIRE(static_cast<int64_t>(v.size()) == t.size());
  std::copy(v.begin(), v.end(), t.data());
  return t;
}

std::vector<float> values(const Tensor& t) { return {t.data(), t.data() + t.size()}; }

void check_values(const Tensor& t, const std::vector<float>& want) {
  auto got = values(t);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-6));
  }
}

}  // namespace

TEST_CASE("ref conv2d: TF 'same' padding of a 2x2 kernel pads bottom/right only") {
  Tensor src = make({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = make({1, 1, 2, 2}, {1, 1, 1, 1}), b = make({1}, {0.5f});
  Tensor dst = Tensor::zeros({1, 1, 2, 2});
  ref::conv2d(src, w, b, dst, 0, 0, 1, 1);
  check_values(dst, {10.5f, 6.5f, 7.5f, 4.5f});
}

TEST_CASE("ref conv2d: 3x3 with padding 1, two input and two output channels") {
  Tensor src = make({1, 2, 1, 2}, {1, 2, 10, 20});
  // out0 = centre tap of channel 0; out1 = left neighbour tap of channel 1.
  Tensor w = Tensor::zeros({2, 2, 3, 3});
  w.data()[(0 * 2 + 0) * 9 + 4] = 1;
  w.data()[(1 * 2 + 1) * 9 + 3] = 1;
  Tensor b = make({2}, {0, 0}), dst = Tensor::zeros({1, 2, 1, 2});
  ref::conv2d(src, w, b, dst, 1, 1, 1, 1);
  check_values(dst, {1, 2, 0, 10});
}

TEST_CASE("ref leaky_relu, mul, add") {
  Tensor x = make({1, 1, 1, 3}, {-1, 0, 2}), y = Tensor::zeros({1, 1, 1, 3});
  ref::leaky_relu(x, y, 0.2f);
  check_values(y, {-0.2f, 0, 2});
  ref::mul(x, y, 0.5f);
  check_values(y, {-0.5f, 0, 1});
  ref::add(x, x, y);
  check_values(y, {-2, 0, 4});
}

TEST_CASE("ref avg_pool2d 2x2 stride 2") {
  Tensor x = make({1, 1, 2, 4}, {1, 2, 5, 6, 3, 4, 7, 9}), y = Tensor::zeros({1, 1, 1, 2});
  ref::avg_pool2d(x, y, 2, 2, 2, 2);
  check_values(y, {2.5f, 6.75f});
}

TEST_CASE("ref resize: bilinear with half-pixel centres, nearest") {
  Tensor x = make({1, 1, 1, 2}, {0, 1}), y = Tensor::zeros({1, 1, 2, 4});
  ref::resize_bilinear(x, y);
  // Output centres map to -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel).
  check_values(y, {0, 0.25f, 0.75f, 1, 0, 0.25f, 0.75f, 1});
  ref::resize_nearest(x, y);
  check_values(y, {0, 0, 1, 1, 0, 0, 1, 1});
}

TEST_CASE("ref warp: backward bilinear sampling with TF-Addons border clamping") {
  Tensor src = make({1, 1, 2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor flow = Tensor::zeros({1, 2, 2, 3}), dst = Tensor::zeros({1, 1, 2, 3});
  ref::warp(src, flow, dst);
  check_values(dst, {0, 1, 2, 3, 4, 5});  // zero flow is the identity
  // Channel 0 is x, channel 1 is y.
  flow = make({1, 2, 2, 3}, {0.5f, 10, -5, 0, 0, 2.5f, /* y: */ 0, 0, 0, 0.5f, -3, 0});
  ref::warp(src, flow, dst);
  // (0,0)+x0.5 -> 0.5; (0,1)+x10 -> right edge 2; (0,2)-x5 -> left edge 0;
  // (1,0)+y0.5 -> below the last row: 3; (1,1)-y3 -> top row: 1; (1,2)+x2.5 -> edge 5.
  check_values(dst, {0.5f, 2, 0, 3, 1, 5});
}

TEST_CASE("ref warp on an axis of size 1 samples its only row") {
  Tensor src = make({1, 1, 1, 2}, {4, 8});
  Tensor flow = make({1, 2, 1, 2}, {0.5f, 0, 3, -7}), dst = Tensor::zeros({1, 1, 1, 2});
  ref::warp(src, flow, dst);
  check_values(dst, {6, 8});
}

TEST_CASE("ref concat along channels and slice") {
  Tensor a = make({1, 1, 1, 2}, {1, 2}), b = make({1, 2, 1, 2}, {3, 4, 5, 6});
  Tensor c = Tensor::zeros({1, 3, 1, 2});
  ref::concat({&a, &b}, c, 1);
  check_values(c, {1, 2, 3, 4, 5, 6});
  Tensor s = Tensor::zeros({1, 2, 1, 2});
  ref::slice(c, s, 1, 1);
  check_values(s, {3, 4, 5, 6});
}
