#include "tools/app/padding.h"

#include <algorithm>

namespace film {

Tensor recentre(const Tensor& src, int64_t h, int64_t w, Padding mode) {
  const int64_t n = src.dim(0), c = src.dim(1), sh = src.dim(2), sw = src.dim(3);
  Tensor out = Tensor::zeros({n, c, h, w});
  const int64_t dy = (h - sh) / 2, dx = (w - sw) / 2;  // negative when cropping
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t y = 0; y < h; ++y) {
      const int64_t sy = y - dy;
      float* row = out.data() + (p * h + y) * w;
      if (mode == Padding::zeros && (sy < 0 || sy >= sh)) continue;
      const float* srow = src.data() + (p * sh + std::clamp<int64_t>(sy, 0, sh - 1)) * sw;
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sx = x - dx;
        if (mode == Padding::zeros && (sx < 0 || sx >= sw)) continue;
        row[x] = srow[std::clamp<int64_t>(sx, 0, sw - 1)];
      }
    }
  return out;
}

std::pair<int64_t, int64_t> padded_size(const graph::Graph& g, int64_t h, int64_t w) {
  auto up = [&](size_t axis, int64_t x) {
    if (g.inputs.empty() || g.inputs[0].shape.size() <= axis) return x;
    if (auto* sym = std::get_if<std::string>(&g.inputs[0].shape[axis]))
      if (auto it = g.dims.find(*sym); it != g.dims.end()) {
        const int64_t m = it->second.multiple_of;
        return std::max(it->second.min, (x + m - 1) / m * m);
      }
    return x;
  };
  return {up(2, h), up(3, w)};
}

}  // namespace film
