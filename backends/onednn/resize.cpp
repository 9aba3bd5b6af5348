// resize, written here rather than with oneDNN's resampling primitive: oneDNN 2.6's JIT
// resampling (nearest, plain NCHW) writes with non-temporal stores that fault when dst is not
// 64-byte aligned (seen on 1x1930x16x16 -> 32x32), and the engine does not promise that
// alignment for graph outputs. (Its linear mode does use half-pixel centres like ours.)
//
// Same formulas and operation order as backends/ref/ops.cpp, in double, so the results match
// ref exactly. Work is split over (plane, output row) with OpenMP, statically; every value is
// computed the same way at any thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/onednn/context.h"

namespace film::onednn {
namespace {

struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<double> frac;
};

// Half-pixel centres, clamped at the low edge (TF2 tf.image.resize, align_corners=False).
Taps taps(int64_t in, int64_t out) {
  Taps t{std::vector<int64_t>(out), std::vector<int64_t>(out), std::vector<double>(out)};
  for (int64_t i = 0; i < out; ++i) {
    double s = (i + 0.5) * static_cast<double>(in) / out - 0.5;
    if (s < 0) s = 0;
    t.i0[i] = std::min<int64_t>(static_cast<int64_t>(std::floor(s)), in - 1);
    t.i1[i] = std::min<int64_t>(t.i0[i] + 1, in - 1);
    t.frac[i] = s - t.i0[i];
  }
  return t;
}

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(int threads, const Shape& in, const Shape& out, bool bilinear)
      : threads_(threads),
        bilinear_(bilinear),
        planes_(in[0] * in[1]),
        H_(in[2]),
        W_(in[3]),
        OH_(out[2]),
        OW_(out[3]),
        ty_(taps(H_, OH_)),
        tx_(taps(W_, OW_)) {}

  void execute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* src = in[0]->data();
    float* dst = out[0]->data();
    const int64_t H = H_, W = W_, OH = OH_, OW = OW_;
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t py = 0; py < planes_ * OH; ++py) {
      const int64_t p = py / OH, y = py % OH;
      const float* plane = src + p * H * W;
      float* row = dst + py * OW;
      if (!bilinear_) {
        const float* s = plane + (y * H / OH) * W;
        if (OW == 2 * W) {  // FILM's case, without the per-pixel division
          for (int64_t x = 0; x < W; ++x) row[2 * x] = row[2 * x + 1] = s[x];
        } else {
          for (int64_t x = 0; x < OW; ++x) row[x] = s[x * W / OW];
        }
        continue;
      }
      const float* r0 = plane + ty_.i0[y] * W;
      const float* r1 = plane + ty_.i1[y] * W;
      const double fy = ty_.frac[y];
      for (int64_t x = 0; x < OW; ++x) {
        const int64_t x0 = tx_.i0[x], x1 = tx_.i1[x];
        const double fx = tx_.frac[x];
        const double top = (1 - fx) * r0[x0] + fx * r0[x1];
        const double bottom = (1 - fx) * r1[x0] + fx * r1[x1];
        row[x] = static_cast<float>((1 - fy) * top + fy * bottom);
      }
    }
  }

 private:
  int threads_;
  bool bilinear_;
  int64_t planes_, H_, W_, OH_, OW_;
  Taps ty_, tx_;
};

}  // namespace

std::unique_ptr<Kernel> make_resize(std::shared_ptr<Context>, int threads, const KernelDesc& d) {
  return std::make_unique<ResizeKernel>(threads, d.input_shapes[0], d.output_shapes[0],
                                        d.attrs.at("mode").get<std::string>() == "bilinear");
}

}  // namespace film::onednn
