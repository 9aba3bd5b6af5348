#include "tools/inspect/visualize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/base/error.h"

namespace film::viz {
namespace {

// The Middlebury wheel: 55 colours in six ramps (red-yellow 15, yellow-green 6, green-cyan 4,
// cyan-blue 11, blue-magenta 13, magenta-red 6), each ramp moving one RGB component.
const std::vector<std::array<double, 3>>& wheel() {
  static const std::vector<std::array<double, 3>> w = [] {
    std::vector<std::array<double, 3>> c;
    const int RY = 15, YG = 6, GC = 4, CB = 11, BM = 13, MR = 6;
    for (int i = 0; i < RY; ++i) c.push_back({255, 255.0 * i / RY, 0});
    for (int i = 0; i < YG; ++i) c.push_back({255 - 255.0 * i / YG, 255, 0});
    for (int i = 0; i < GC; ++i) c.push_back({0, 255, 255.0 * i / GC});
    for (int i = 0; i < CB; ++i) c.push_back({0, 255 - 255.0 * i / CB, 255});
    for (int i = 0; i < BM; ++i) c.push_back({255.0 * i / BM, 0, 255});
    for (int i = 0; i < MR; ++i) c.push_back({255, 0, 255 - 255.0 * i / MR});
    return c;
  }();
  return w;
}

io::Image rgb8(int64_t h, int64_t w) {
  io::Image img;
  img.rgb = Tensor::zeros({1, 3, h, w});
  img.bits = 8;
  return img;
}

}  // namespace

std::array<uint8_t, 3> flow_colour(double u, double v, double scale) {
  const auto& w = wheel();
  const int n = static_cast<int>(w.size());
  if (!std::isfinite(u) || !std::isfinite(v)) return {0, 0, 0};
  u /= scale;
  v /= scale;
  const double rad = std::sqrt(u * u + v * v);
  const double a = std::atan2(-v, -u) / M_PI;  // -1..1
  const double fk = (a + 1) / 2 * (n - 1);
  const int k0 = static_cast<int>(std::floor(fk)) % n, k1 = (k0 + 1) % n;
  const double f = fk - std::floor(fk);
  std::array<uint8_t, 3> out{};
  for (int c = 0; c < 3; ++c) {
    double col = ((1 - f) * w[k0][c] + f * w[k1][c]) / 255;
    col = rad <= 1 ? 1 - rad * (1 - col) : col * 0.75;
    out[c] = static_cast<uint8_t>(std::lround(255 * std::clamp(col, 0.0, 1.0)));
  }
  return out;
}

io::Image flow_image(const Tensor& flow, double scale, double* used_scale) {
  if (flow.shape().size() != 4 || flow.dim(0) != 1 || flow.dim(1) != 2)
    fail("a flow picture needs a [1,2,H,W] value, got ", shape_str(flow.shape()));
  const int64_t h = flow.dim(2), w = flow.dim(3), plane = h * w;
  const float *fu = flow.data(), *fv = flow.data() + plane;
  if (scale <= 0) {
    scale = 1e-6;
    for (int64_t i = 0; i < plane; ++i)
      if (std::isfinite(fu[i]) && std::isfinite(fv[i]))
        scale = std::max(scale, std::sqrt(double(fu[i]) * fu[i] + double(fv[i]) * fv[i]));
  }
  if (used_scale) *used_scale = scale;
  io::Image img = rgb8(h, w);
  float* out = img.rgb.data();
  for (int64_t i = 0; i < plane; ++i) {
    const auto c = flow_colour(fu[i], fv[i], scale);
    for (int k = 0; k < 3; ++k) out[k * plane + i] = c[k] / 255.0f;
  }
  return img;
}

io::Image flow_legend(int size) {
  io::Image img = rgb8(size, size);
  const int64_t plane = int64_t{size} * size;
  float* out = img.rgb.data();
  const double r = size / 2.0;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const double u = (x + 0.5 - r) / r, v = (y + 0.5 - r) / r;
      const auto c =
          u * u + v * v <= 1 ? flow_colour(u, v, 1.0) : std::array<uint8_t, 3>{255, 255, 255};
      for (int k = 0; k < 3; ++k) out[k * plane + int64_t{y} * size + x] = c[k] / 255.0f;
    }
  return img;
}

io::Image feature_mosaic(const Tensor& t, int columns) {
  if (t.shape().size() != 4 || t.dim(0) != 1)
    fail("a feature mosaic needs a [1,C,H,W] value, got ", shape_str(t.shape()));
  const int64_t c = t.dim(1), h = t.dim(2), w = t.dim(3), plane = h * w;
  const int64_t cols =
      columns > 0 ? columns : std::max<int64_t>(1, std::llround(std::ceil(std::sqrt(double(c)))));
  const int64_t rows = (c + cols - 1) / cols;
  const int64_t H = rows * h + (rows - 1), W = cols * w + (cols - 1);
  io::Image img = rgb8(H, W);
  img.gray = true;
  float* out = img.rgb.data();
  const int64_t out_plane = H * W;
  for (int64_t k = 0; k < c; ++k) {
    const float* src = t.data() + k * plane;
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < plane; ++i)
      if (std::isfinite(src[i])) lo = std::min(lo, src[i]), hi = std::max(hi, src[i]);
    const int64_t oy = (k / cols) * (h + 1), ox = (k % cols) * (w + 1);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const float s = src[y * w + x];
        const float v = !std::isfinite(s) ? 0.0f : hi > lo ? (s - lo) / (hi - lo) : 0.5f;
        for (int ch = 0; ch < 3; ++ch) out[ch * out_plane + (oy + y) * W + ox + x] = v;
      }
  }
  return img;
}

}  // namespace film::viz
