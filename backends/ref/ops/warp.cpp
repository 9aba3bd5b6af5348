// The reference kernel of op warp (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/common/warp_corner.h"
#include "backends/ref/kernels.h"

namespace film::ref {

void warp(const Tensor& src, const Tensor& flow, Tensor& dst) {
  const int64_t N = src.dim(0), C = src.dim(1), H = src.dim(2), W = src.dim(3);
  parallel(N * H, [&](int64_t ny) {
    const int64_t n = ny / H, y = ny % H;
    const float* fx_row = flow.data() + ((n * 2 + 0) * H + y) * W;
    const float* fy_row = flow.data() + ((n * 2 + 1) * H + y) * W;
    for (int64_t x = 0; x < W; ++x) {
      int64_t x0, y0;
      double ax, ay;
      warp_corner(x + static_cast<double>(fx_row[x]), W, x0, ax);
      warp_corner(y + static_cast<double>(fy_row[x]), H, y0, ay);
      const int64_t x1 = W > 1 ? x0 + 1 : x0, y1 = H > 1 ? y0 + 1 : y0;
      for (int64_t c = 0; c < C; ++c) {
        const float* img = src.data() + (n * C + c) * H * W;
        const double top = (1 - ax) * img[y0 * W + x0] + ax * img[y0 * W + x1];
        const double bottom = (1 - ax) * img[y1 * W + x0] + ax * img[y1 * W + x1];
        dst.data()[((n * C + c) * H + y) * W + x] =
            static_cast<float>((1 - ay) * top + ay * bottom);
      }
    }
  });
}

template <>
Fn kernel<graph::OpKind::warp>(const KernelDesc&) {
  return [](auto& in, auto& out) { warp(*in[0], *in[1], *out[0]); };
}

}  // namespace film::ref
