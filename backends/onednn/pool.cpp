// avg_pool2d, written here rather than with oneDNN's pooling primitive: on plain NCHW, oneDNN 2.6
// picks its "simple_nchw" implementation, several times slower than this loop
// (docs/benchmarks.md, "Why the code is as it is"), and FILM pools every pyramid and encoder
// level. Same operation order as backends/ref/ops/avg_pool2d.cpp (a double sum, row by row, then the
// division), so the results match ref exactly. Channels-last: output rows split statically over
// OpenMP threads, the channels of a pixel contiguous; the output may be a slot of a wider
// channels-last value (pixel stride > channels). float32 or bfloat16 (summed in double, rounded
// once).
#include <algorithm>
#include <vector>

#include "backends/onednn/context.h"
#include "backends/onednn/element.h"

namespace film::onednn {
namespace {

class AvgPoolKernel : public ElementKernel<AvgPoolKernel> {
 public:
  AvgPoolKernel(int threads, const KernelDesc& d) : ElementKernel(threads) {
    const auto& p = std::get<graph::AvgPool2dParams>(d.params);
    ky_ = p.kernel[0], kx_ = p.kernel[1], sy_ = p.stride[0], sx_ = p.stride[1];
  }

  template <class T>
  void compute(const KernelArgs& a) const {
    const TensorView &in = a.inputs[0], &out = a.outputs[0];
    const T* src = elements_of<T>(in);
    T* dst = elements_of<T>(out);
    const int64_t N = in.shape[0], C = in.shape[1], H = in.shape[2], W = in.shape[3];
    const int64_t OH = out.shape[2], OW = out.shape[3], ky = ky_, kx = kx_, sy = sy_, sx = sx_;
    const int64_t P = out.strides[3];  // the output's pixel stride (C unless a slot)
    const double area = static_cast<double>(ky * kx);
#pragma omp parallel num_threads(threads_)
    {
      std::vector<double> sum(C);
#pragma omp for schedule(static)
      for (int64_t ny = 0; ny < N * OH; ++ny) {
        const int64_t n = ny / OH, y = ny % OH;
        for (int64_t x = 0; x < OW; ++x) {
          std::fill(sum.begin(), sum.end(), 0.0);
          for (int64_t dy = 0; dy < ky; ++dy)
            for (int64_t dx = 0; dx < kx; ++dx) {
              const T* px = src + ((n * H + y * sy + dy) * W + x * sx + dx) * C;
              for (int64_t c = 0; c < C; ++c) sum[c] += to_float(px[c]);
            }
          T* o = dst + n * out.strides[0] + y * out.strides[2] + x * P;
          for (int64_t c = 0; c < C; ++c) o[c] = from_float<T>(static_cast<float>(sum[c] / area));
        }
      }
    }
  }

 private:
  int64_t ky_, kx_, sy_, sx_;
};

}  // namespace

namespace {
std::unique_ptr<Kernel> make_avg_pool2d(const std::shared_ptr<Context>&, int threads, const KernelDesc& d) {
  need_channels_last(d);
  return std::make_unique<AvgPoolKernel>(threads, d);
}
}  // namespace

template <>
OpImpl op_impl<graph::OpKind::avg_pool2d>() {
  return {.make = make_avg_pool2d, .writes_strided_output = true};
}

}  // namespace film::onednn
