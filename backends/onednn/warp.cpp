// warp: oneDNN has no backward warp, so this is a loop written here. Same formulas and operation
// order as backends/ref/ops.cpp (TF-Addons border clamping, double arithmetic), so the results
// match ref exactly; what differs is the shape of the work: the taps and weights of a pixel are
// worked out once and reused for every channel, rows are split statically over OpenMP threads.
// Every output value is computed the same way at any thread count. Channels-last (the layout this
// backend plans for every rank-4 value but a blocked conv's): the channels of the four taps are
// contiguous, so the per-pixel loop over channels is straight-line code; the output may be a slot
// of a wider channels-last value (FILM concatenates warped images and features). The image and
// the output may be bfloat16 (the bf16 precision's features), computed in double like float32
// the flow is always float32 (warp coordinates stay exact). bfloat16 blends in float (its output
// keeps 8 bits of mantissa), which the compiler vectorises; float32 in double, as ref does.
// (The NCHW loop with its AVX2 runs of consecutive taps went with the NCHW tensors: here the
// compiler vectorises the channel loop itself.)

#include "backends/common/warp_corner.h"
#include "backends/onednn/context.h"
#include "backends/onednn/element.h"
#include "graph/base/error.h"

namespace film::onednn {
namespace {

class WarpKernel : public ElementKernel<WarpKernel> {
 public:
  WarpKernel(int threads, const Shape& shape) : ElementKernel(threads), shape_(shape) {}

  template <class T>
  void compute(const KernelArgs& a) const {
    using Acc = Accumulator<T>;
    const T* src = elements_of<T>(a.inputs[0]);
    const float* flow = a.inputs[1].data();
    const TensorView& out = a.outputs[0];
    const int64_t N = shape_[0], C = shape_[1], H = shape_[2], W = shape_[3];
    const int64_t P = out.strides[3];  // output pixel stride (C unless a slot)
    T* dst = elements_of<T>(out);
    const int64_t step_x = W > 1 ? C : 0, step_y = H > 1 ? W * C : 0;
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t ny = 0; ny < N * H; ++ny) {
      const int64_t n = ny / H, y = ny % H;
      const T* image = src + n * H * W * C;
      const float* f = flow + (n * H + y) * W * 2;
      T* row = dst + n * out.strides[0] + y * out.strides[2];
      for (int64_t x = 0; x < W; ++x) {
        int64_t x0, y0;
        double ax, ay;
        warp_corner(x + static_cast<double>(f[2 * x]), W, x0, ax);
        warp_corner(y + static_cast<double>(f[2 * x + 1]), H, y0, ay);
        const T* p00 = image + (y0 * W + x0) * C;
        const T* p01 = p00 + step_x;
        const T* p10 = p00 + step_y;
        const T* p11 = p10 + step_x;
        T* o = row + x * P;
        const Acc wx = static_cast<Acc>(ax), wy = static_cast<Acc>(ay);
        for (int64_t c = 0; c < C; ++c) {
          const Acc top = (1 - wx) * to_float(p00[c]) + wx * to_float(p01[c]);
          const Acc bottom = (1 - wx) * to_float(p10[c]) + wx * to_float(p11[c]);
          o[c] = from_float<T>(static_cast<float>((1 - wy) * top + wy * bottom));
        }
      }
    }
  }

 private:
  Shape shape_;
};

}  // namespace

namespace {
std::unique_ptr<Kernel> make_warp(const std::shared_ptr<Context>&, int threads, const KernelDesc& d) {
  need_channels_last(d);
  return std::make_unique<WarpKernel>(threads, d.input_shapes[0]);
}
}  // namespace

template <>
OpImpl op_impl<graph::OpKind::warp>() {
  return {.make = make_warp, .writes_strided_output = true};
}

}  // namespace film::onednn
