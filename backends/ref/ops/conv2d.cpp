// The reference kernel of op conv2d (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void conv2d(const Tensor& src, const Tensor& w, const Tensor& b, Tensor& dst, int pad_top,
            int pad_left, int stride_y, int stride_x, std::optional<float> leaky_alpha) {
  const int64_t N = src.dim(0), C = src.dim(1), H = src.dim(2), W = src.dim(3);
  const int64_t O = w.dim(0), KH = w.dim(2), KW = w.dim(3);
  const int64_t OH = dst.dim(2), OW = dst.dim(3);
  parallel(N * O, [&](int64_t no) {
    const int64_t n = no / O, o = no % O;
    std::vector<double> acc(OW);
    for (int64_t y = 0; y < OH; ++y) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t ky = 0; ky < KH; ++ky) {
          const int64_t iy = y * stride_y + ky - pad_top;
          if (iy < 0 || iy >= H) continue;  // zero padding
          const float* row = src.data() + ((n * C + c) * H + iy) * W;
          for (int64_t kx = 0; kx < KW; ++kx) {
            const double wv = w.data()[((o * C + c) * KH + ky) * KW + kx];
            for (int64_t x = 0; x < OW; ++x) {
              const int64_t ix = x * stride_x + kx - pad_left;
              if (ix >= 0 && ix < W) acc[x] += wv * row[ix];
            }
          }
        }
      }
      float* out = dst.data() + ((n * O + o) * OH + y) * OW;
      for (int64_t x = 0; x < OW; ++x) out[x] = static_cast<float>(acc[x] + b.data()[o]);
      if (leaky_alpha)
        for (int64_t x = 0; x < OW; ++x) out[x] = out[x] >= 0.0f ? out[x] : *leaky_alpha * out[x];
    }
  });
}

template <>
Fn kernel<graph::OpKind::conv2d>(const KernelDesc& d) {
  const auto p = std::get<graph::Conv2dParams>(d.params);
  return [p](auto& in, auto& out) {
    conv2d(*in[0], *in[1], *in[2], *out[0], static_cast<int>(p.pad[0]), static_cast<int>(p.pad[1]),
           static_cast<int>(p.stride[0]), static_cast<int>(p.stride[1]), p.leaky_relu);
  };
}

}  // namespace film::ref
