#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "tools/media/image.h"
#include "tools/eval/metrics.h"
#include "graph/base/error.h"

using namespace film;

namespace {

// An image of 8-bit levels in [lo, hi] (as [0, 1] floats), deterministic per seed.
Tensor random_image(int64_t h, int64_t w, unsigned seed, int lo = 0, int hi = 255) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> level(lo, hi);
  Tensor t = Tensor::zeros({1, 3, h, w});
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = level(rng) / 255.0f;
  return t;
}

// A smooth image, so the SSIM windows see structure rather than pure noise.
Tensor smooth_image(int64_t h, int64_t w) {
  Tensor t = Tensor::zeros({1, 3, h, w});
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        t.data()[(c * h + y) * w + x] =
            std::round(127.5 + 100 * std::sin(0.13 * x + c) * std::cos(0.09 * y)) / 255.0f;
  return t;
}

Tensor add_noise(const Tensor& img, double sigma_levels, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, sigma_levels / 255.0);
  Tensor t = img.clone();
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] += static_cast<float>(noise(rng));
  return t;
}

// SSIM straight from the definition: a full 11x11 Gaussian window at every valid position,
// no separability, no streaming. Slow, but an independent check of the fast version.
double ssim_by_definition(const Tensor& a, const Tensor& b) {
  const int64_t h = a.dim(2), w = a.dim(3);
  double g[11], gs = 0;
  for (int k = 0; k < 11; ++k) gs += g[k] = std::exp(-(k - 5) * (k - 5) / (2 * 1.5 * 1.5));
  const double c1 = std::pow(0.01 * 255, 2), c2 = std::pow(0.03 * 255, 2);
  double sum = 0;
  for (int c = 0; c < 3; ++c) {
    auto at = [&](const Tensor& t, int64_t y, int64_t x) {
      return double(io::to_byte(t.data()[(c * h + y) * w + x]));
    };
    double plane = 0;
    for (int64_t y = 0; y + 11 <= h; ++y)
      for (int64_t x = 0; x + 11 <= w; ++x) {
        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int i = 0; i < 11; ++i)
          for (int j = 0; j < 11; ++j) {
            const double wt = g[i] * g[j] / (gs * gs);
            const double u = at(a, y + i, x + j), v = at(b, y + i, x + j);
            mx += wt * u, my += wt * v, xx += wt * u * u, yy += wt * v * v, xy += wt * u * v;
          }
        const double vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
        plane += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      }
    sum += plane / double((h - 10) * (w - 10));
  }
  return sum / 3;
}

}  // namespace

TEST_CASE("psnr: identical images report the cap, a one-level offset 48.13 dB") {
  Tensor a = random_image(32, 40, 1, 0, 254);
  CHECK(psnr(a, a) == kPsnrCap);
  Tensor b = a.clone();
  for (int64_t i = 0; i < b.size(); ++i) b.data()[i] += 1.0f / 255.0f;
  CHECK(psnr(a, b) == doctest::Approx(10 * std::log10(255.0 * 255.0)).epsilon(1e-12));
  CHECK(psnr(a, b) == doctest::Approx(48.1308).epsilon(1e-5));
  CHECK(psnr(b, a) == psnr(a, b));
}

TEST_CASE("psnr works on the 8-bit values: sub-level differences vanish, out-of-range clamps") {
  Tensor a = random_image(8, 8, 2, 10, 240);
  Tensor b = a.clone();
  for (int64_t i = 0; i < b.size(); ++i) b.data()[i] += 0.3f / 255.0f;  // rounds back
  CHECK(psnr(a, b) == kPsnrCap);
  Tensor ones = Tensor::zeros({1, 3, 8, 8}), over = Tensor::zeros({1, 3, 8, 8});
  for (int64_t i = 0; i < ones.size(); ++i) ones.data()[i] = 1.0f, over.data()[i] = 7.0f;
  CHECK(psnr(ones, over) == kPsnrCap);
  // One pixel of one channel off by 255 in a 3x8x8 image: MSE = 255^2 / 192.
  Tensor c = Tensor::zeros({1, 3, 8, 8}), d = Tensor::zeros({1, 3, 8, 8});
  d.data()[5] = 1.0f;
  CHECK(psnr(c, d) == doctest::Approx(10 * std::log10(192.0)));
}

TEST_CASE("ssim of an image with itself is 1, is symmetric and falls with noise") {
  Tensor a = smooth_image(48, 64);
  CHECK(ssim(a, a) == doctest::Approx(1.0).epsilon(1e-12));
  Tensor light = add_noise(a, 4, 7), heavy = add_noise(a, 25, 8);
  const double s_light = ssim(a, light), s_heavy = ssim(a, heavy);
  CHECK(s_light < 1.0);
  CHECK(s_heavy < s_light - 0.1);
  CHECK(ssim(light, a) == doctest::Approx(s_light).epsilon(1e-12));
  CHECK(ssim(heavy, light) == doctest::Approx(ssim(light, heavy)).epsilon(1e-12));
}

TEST_CASE("ssim of two flat images has the closed form of the luminance term") {
  Tensor a = Tensor::zeros({1, 3, 16, 16}), b = Tensor::zeros({1, 3, 16, 16});
  for (int64_t i = 0; i < a.size(); ++i) a.data()[i] = 100 / 255.0f, b.data()[i] = 150 / 255.0f;
  const double c1 = std::pow(0.01 * 255, 2);
  CHECK(ssim(a, b) ==
        doctest::Approx((2 * 100 * 150 + c1) / (100 * 100 + 150 * 150 + c1)).epsilon(1e-9));
}

TEST_CASE("ssim matches the direct 11x11-window definition on random images") {
  for (auto [h, w] : {std::pair<int64_t, int64_t>{11, 11}, {23, 17}, {30, 41}}) {
    Tensor a = random_image(h, w, 3), b = add_noise(a, 30, 4);
    CHECK(ssim(a, b) == doctest::Approx(ssim_by_definition(a, b)).epsilon(1e-10));
    Tensor c = random_image(h, w, 5);
    CHECK(ssim(a, c) == doctest::Approx(ssim_by_definition(a, c)).epsilon(1e-10));
  }
}

TEST_CASE("metrics reject mismatched, empty and too-small inputs with a clear error") {
  Tensor a = Tensor::zeros({1, 3, 16, 16}), b = Tensor::zeros({1, 3, 16, 17});
  CHECK_THROWS_WITH_AS(psnr(a, b), doctest::Contains("[1,3,16,16] vs [1,3,16,17]"), Error);
  CHECK_THROWS_WITH_AS(ssim(a, b), doctest::Contains("[1,3,16,16] vs [1,3,16,17]"), Error);
  CHECK_THROWS_AS(psnr(a, Tensor()), Error);
  Tensor flat = Tensor::zeros({3, 16, 16});
  CHECK_THROWS_WITH_AS(psnr(flat, flat), doctest::Contains("[N,C,H,W]"), Error);
  Tensor tiny = Tensor::zeros({1, 3, 10, 40});
  CHECK_THROWS_WITH_AS(ssim(tiny, tiny), doctest::Contains("at least 11x11"), Error);
}
