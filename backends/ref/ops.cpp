// Reference kernels. Readability first: each is the textbook loop with the exact conventions of
// docs/FILM.md, accumulating in double. tbb::parallel_for only splits independent output planes,
// so each output value is computed the same way whatever the thread count.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/common/warp_corner.h"
#include "backends/ref/ref_backend.h"

namespace film::ref {
namespace {

// Runs body(i) for i in [0, n) across threads.
template <class F>
void parallel(int64_t n, F&& body) {
  tbb::parallel_for(int64_t{0}, n, [&](int64_t i) { body(i); });
}

}  // namespace

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

void leaky_relu(const Tensor& src, Tensor& dst, float alpha) {
  const int64_t n = src.size();
  const float* s = src.data();
  float* d = dst.data();
  for (int64_t i = 0; i < n; ++i) d[i] = s[i] >= 0.0f ? s[i] : alpha * s[i];
}

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

void concat(const std::vector<const Tensor*>& srcs, Tensor& dst, int axis,
            const std::vector<bool>& in_place) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dst.dim(d);
  for (size_t d = axis + 1; d < dst.shape().size(); ++d) inner *= dst.dim(d);
  const int64_t out_axis = dst.dim(axis);
  int64_t at = 0;
  for (size_t k = 0; k < srcs.size(); ++k) {
    const Tensor* s = srcs[k];
    const int64_t len = s->dim(axis) * inner;
    if (k < in_place.size() && in_place[k]) {  // its producer wrote it into dst already
      at += len;
      continue;
    }
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst.data() + (o * out_axis) * inner + at, s->data() + o * len,
                  sizeof(float) * len);
    at += len;
  }
}

void add(const Tensor& a, const Tensor& b, Tensor& dst) {
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) dst.data()[i] = a.data()[i] + b.data()[i];
}

void mul(const Tensor& src, Tensor& dst, float scalar) {
  const int64_t n = src.size();
  for (int64_t i = 0; i < n; ++i) dst.data()[i] = src.data()[i] * scalar;
}

void slice(const Tensor& src, Tensor& dst, int axis, int64_t begin) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= src.dim(d);
  for (size_t d = axis + 1; d < src.shape().size(); ++d) inner *= src.dim(d);
  const int64_t in_len = src.dim(axis) * inner, out_len = dst.dim(axis) * inner;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst.data() + o * out_len, src.data() + o * in_len + begin * inner,
                sizeof(float) * out_len);
}

}  // namespace film::ref
