// resize, written here rather than with oneDNN's resampling primitive: oneDNN 2.6's JIT
// resampling (nearest, plain NCHW) writes with non-temporal stores that faulted when dst was not
// 64-byte aligned (seen on 1x1930x16x16 -> 32x32), and it cannot write into a slot of a wider
// value, which this one can (the planner then drops the copy a concatenation would make).
//
// Same formulas and operation order as backends/ref/ops.cpp, in double, so the results match
// ref exactly. Channels-last: output rows split statically over OpenMP threads, the channels of a
// pixel contiguous. Every value is computed the same way at any thread count. float32 or bfloat16
// (interpolated in float, rounded once; nearest copies the value).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backends/onednn/context.h"
#include "backends/onednn/element.h"

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

class ResizeKernel : public ElementKernel<ResizeKernel> {
 public:
  ResizeKernel(int threads, const Shape& in, const Shape& out, bool bilinear)
      : ElementKernel(threads),
        bilinear_(bilinear),
        N_(in[0]),
        C_(in[1]),
        H_(in[2]),
        W_(in[3]),
        OH_(out[2]),
        OW_(out[3]),
        ty_(taps(H_, OH_)),
        tx_(taps(W_, OW_)) {}

  template <class T>
  void compute(const KernelArgs& a) const {
    using Acc = Accumulator<T>;
    const T* src = elements_of<T>(a.inputs[0]);
    const TensorView& out = a.outputs[0];
    const int64_t C = C_, H = H_, W = W_, OH = OH_, OW = OW_;
    const int64_t P = out.strides[3];  // output pixel stride (C unless a slot)
    T* dst = elements_of<T>(out);
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t ny = 0; ny < N_ * OH; ++ny) {
      const int64_t n = ny / OH, y = ny % OH;
      const T* image = src + n * H * W * C;
      T* row = dst + n * out.strides[0] + y * out.strides[2];
      if (!bilinear_) {
        const T* s = image + (y * H / OH) * W * C;
        for (int64_t x = 0; x < OW; ++x)
          std::memcpy(row + x * P, s + (x * W / OW) * C, sizeof(T) * C);
        continue;
      }
      const T* r0 = image + ty_.i0[y] * W * C;
      const T* r1 = image + ty_.i1[y] * W * C;
      const Acc fy = static_cast<Acc>(ty_.frac[y]);
      for (int64_t x = 0; x < OW; ++x) {
        const T* a0 = r0 + tx_.i0[x] * C;
        const T* a1 = r0 + tx_.i1[x] * C;
        const T* b0 = r1 + tx_.i0[x] * C;
        const T* b1 = r1 + tx_.i1[x] * C;
        const Acc fx = static_cast<Acc>(tx_.frac[x]);
        T* o = row + x * P;
        for (int64_t c = 0; c < C; ++c) {
          const Acc top = (1 - fx) * to_float(a0[c]) + fx * to_float(a1[c]);
          const Acc bottom = (1 - fx) * to_float(b0[c]) + fx * to_float(b1[c]);
          o[c] = from_float<T>(static_cast<float>((1 - fy) * top + fy * bottom));
        }
      }
    }
  }

 private:
  bool bilinear_;
  int64_t N_, C_, H_, W_, OH_, OW_;
  Taps ty_, tx_;
};

}  // namespace

namespace {
std::unique_ptr<Kernel> make_resize(const std::shared_ptr<Context>&, int threads, const KernelDesc& d) {
  need_channels_last(d);
  return std::make_unique<ResizeKernel>(threads, d.input_shapes[0], d.output_shapes[0],
                                        std::get<graph::ResizeParams>(d.params).bilinear);
}
}  // namespace

template <>
OpImpl op_impl<graph::OpKind::resize>() {
  return {.make = make_resize, .writes_strided_output = true};
}

}  // namespace film::onednn
