// The reference kernel of op resize (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void resize_bilinear(const Tensor& src, Tensor& dst) {
  const int64_t H = src.dim(2), W = src.dim(3), OH = dst.dim(2), OW = dst.dim(3);
  // Half-pixel centres: output pixel centre (y + 0.5) maps to input (y + 0.5) * H/OH - 0.5,
  // clamped at the low edge (TF2 tf.image.resize / PyTorch align_corners=False).
  auto source = [](int64_t i, int64_t in, int64_t out, int64_t& i0, int64_t& i1, double& frac) {
    double s = (i + 0.5) * static_cast<double>(in) / out - 0.5;
    if (s < 0) s = 0;
    i0 = std::min<int64_t>(static_cast<int64_t>(std::floor(s)), in - 1);
    i1 = std::min<int64_t>(i0 + 1, in - 1);
    frac = s - i0;
  };
  parallel(src.dim(0) * src.dim(1), [&](int64_t p) {
    const float* in = src.data() + p * H * W;
    float* out = dst.data() + p * OH * OW;
    for (int64_t y = 0; y < OH; ++y) {
      int64_t y0, y1;
      double fy;
      source(y, H, OH, y0, y1, fy);
      for (int64_t x = 0; x < OW; ++x) {
        int64_t x0, x1;
        double fx;
        source(x, W, OW, x0, x1, fx);
        const double top = (1 - fx) * in[y0 * W + x0] + fx * in[y0 * W + x1];
        const double bottom = (1 - fx) * in[y1 * W + x0] + fx * in[y1 * W + x1];
        out[y * OW + x] = static_cast<float>((1 - fy) * top + fy * bottom);
      }
    }
  });
}

void resize_nearest(const Tensor& src, Tensor& dst) {
  const int64_t H = src.dim(2), W = src.dim(3), OH = dst.dim(2), OW = dst.dim(3);
  parallel(src.dim(0) * src.dim(1), [&](int64_t p) {
    const float* in = src.data() + p * H * W;
    float* out = dst.data() + p * OH * OW;
    for (int64_t y = 0; y < OH; ++y)
      for (int64_t x = 0; x < OW; ++x) out[y * OW + x] = in[(y * H / OH) * W + x * W / OW];
  });
}

template <>
Fn kernel<graph::OpKind::resize>(const KernelDesc& d) {
  if (std::get<graph::ResizeParams>(d.params).bilinear)
    return [](auto& in, auto& out) { resize_bilinear(*in[0], *out[0]); };
  return [](auto& in, auto& out) { resize_nearest(*in[0], *out[0]); };
}

}  // namespace film::ref
