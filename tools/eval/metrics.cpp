#include "tools/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tools/media/image.h"
#include "graph/base/error.h"

namespace film {
namespace {

constexpr int kWindow = 11;
constexpr double kSigma = 1.5;

void check_pair(const Tensor& a, const Tensor& b, const char* metric) {
  if (a.empty() || b.empty()) fail(metric, ": an input image is empty");
  if (a.shape().size() != 4)
    fail(metric, ": expected images shaped [N,C,H,W], got ", shape_str(a.shape()));
  if (a.shape() != b.shape())
    fail(metric, ": images differ in shape, ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
}

// Normalised 1-D Gaussian taps; the 2-D window is their outer product, so filtering is separable.
std::vector<double> gaussian_taps() {
  std::vector<double> w(kWindow);
  double sum = 0;
  for (int k = 0; k < kWindow; ++k) {
    const double d = k - kWindow / 2;
    w[k] = std::exp(-d * d / (2 * kSigma * kSigma));
    sum += w[k];
  }
  for (double& v : w) v /= sum;
  return w;
}

// One output sample of the 11-tap filter over inputs p[0], ..., p[10]. The taps are symmetric,
// so pairs share a multiply. Straight-line code, so the loops calling it vectorise across outputs.
template <class At>
inline double filter11(const double* t, At p) {
  return t[5] * p(5) + t[0] * (p(0) + p(10)) + t[1] * (p(1) + p(9)) + t[2] * (p(2) + p(8)) +
         t[3] * (p(3) + p(7)) + t[4] * (p(4) + p(6));
}

// Mean SSIM over the valid region of one channel plane (h x w, row-major, [0, 1] floats that are
// quantised to 0..255 here). Rows stream through a ring of the last 11 horizontally filtered rows,
// so the working set is a few small buffers: whole-plane temporaries made this allocation-bound.
double ssim_plane(const float* x, const float* y, int64_t h, int64_t w, const double* taps) {
  const int64_t ow = w - kWindow + 1;
  constexpr int kMoments = 5;  // x, y, x^2, y^2, xy
  std::vector<double> moments(kMoments * w), ring(kMoments * kWindow * ow), v(kMoments * ow);
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  double total = 0;
  for (int64_t r = 0; r < h; ++r) {
    double* mo = moments.data();
    for (int64_t j = 0; j < w; ++j) {
      const double a = io::to_byte(x[r * w + j]), b = io::to_byte(y[r * w + j]);
      mo[j] = a;
      mo[w + j] = b;
      mo[2 * w + j] = a * a;
      mo[3 * w + j] = b * b;
      mo[4 * w + j] = a * b;
    }
    for (int m = 0; m < kMoments; ++m) {
      const double* in = mo + m * w;
      double* out = ring.data() + (m * kWindow + r % kWindow) * ow;
      for (int64_t j = 0; j < ow; ++j) out[j] = filter11(taps, [&](int k) { return in[j + k]; });
    }
    if (r < kWindow - 1) continue;
    // Output row r - 10 of the valid map: filter the 11 ring rows vertically.
    const int64_t first = r - (kWindow - 1);
    for (int m = 0; m < kMoments; ++m) {
      const double* rows[kWindow];
      for (int k = 0; k < kWindow; ++k)
        rows[k] = ring.data() + (m * kWindow + (first + k) % kWindow) * ow;
      double* out = v.data() + m * ow;
      for (int64_t j = 0; j < ow; ++j) out[j] = filter11(taps, [&](int k) { return rows[k][j]; });
    }
    for (int64_t j = 0; j < ow; ++j) {
      const double mx = v[j], my = v[ow + j];
      const double sxx = v[2 * ow + j] - mx * mx, syy = v[3 * ow + j] - my * my,
                   sxy = v[4 * ow + j] - mx * my;
      total +=
          ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    }
  }
  return total / static_cast<double>((h - kWindow + 1) * ow);
}

}  // namespace

double psnr(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "psnr");
  const int64_t n = a.size();
  if (n == 0) fail("psnr: images have no pixels (shape ", shape_str(a.shape()), ")");
  double sse = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = double(io::to_byte(a.data()[i])) - double(io::to_byte(b.data()[i]));
    sse += d * d;
  }
  if (sse == 0) return kPsnrCap;
  return std::min(kPsnrCap, 10.0 * std::log10(255.0 * 255.0 * static_cast<double>(n) / sse));
}

double ssim(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "ssim");
  const int64_t planes = a.dim(0) * a.dim(1), h = a.dim(2), w = a.dim(3);
  if (h < kWindow || w < kWindow)
    fail("ssim: images are ", w, "x", h, ", expected at least ", kWindow, "x", kWindow,
         " (the Gaussian window size)");
  if (planes == 0) fail("ssim: images have no channels (shape ", shape_str(a.shape()), ")");
  const auto taps = gaussian_taps();
  double sum = 0;
  for (int64_t p = 0; p < planes; ++p) {
    sum += ssim_plane(a.data() + p * h * w, b.data() + p * h * w, h, w, taps.data());
  }
  return sum / static_cast<double>(planes);
}

}  // namespace film
