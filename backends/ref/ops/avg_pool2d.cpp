// The reference kernel of op avg_pool2d (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void avg_pool2d(const Tensor& src, Tensor& dst, int ky, int kx, int sy, int sx) {
  const int64_t H = src.dim(2), W = src.dim(3), OH = dst.dim(2), OW = dst.dim(3);
  parallel(src.dim(0) * src.dim(1), [&](int64_t p) {
    const float* in = src.data() + p * H * W;
    float* out = dst.data() + p * OH * OW;
    for (int64_t y = 0; y < OH; ++y)
      for (int64_t x = 0; x < OW; ++x) {
        double sum = 0;
        for (int dy = 0; dy < ky; ++dy)
          for (int dx = 0; dx < kx; ++dx) sum += in[(y * sy + dy) * W + x * sx + dx];
        out[y * OW + x] = static_cast<float>(sum / (ky * kx));
      }
  });
}

template <>
Fn kernel<graph::OpKind::avg_pool2d>(const KernelDesc& d) {
  const auto p = std::get<graph::AvgPool2dParams>(d.params);
  return [p](auto& in, auto& out) {
    avg_pool2d(*in[0], *out[0], static_cast<int>(p.kernel[0]), static_cast<int>(p.kernel[1]),
               static_cast<int>(p.stride[0]), static_cast<int>(p.stride[1]));
  };
}

}  // namespace film::ref
