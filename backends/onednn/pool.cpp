// avg_pool2d, written here rather than with oneDNN's pooling primitive: on plain NCHW, oneDNN 2.6
// picks its "simple_nchw" implementation, which measured 9x slower than this loop (16 channels,
// 768x1280 -> 384x640, one thread: 67 ms against 7.4 ms), and FILM pools every pyramid and encoder
// level. Same operation order as backends/ref/ops.cpp (a double sum, row by row, then the
// division), so the results match ref exactly. Rows are split statically over OpenMP threads.
#include <vector>

#include "backends/onednn/context.h"

namespace film::onednn {
namespace {

class AvgPoolKernel : public Kernel {
 public:
  AvgPoolKernel(int threads, const KernelDesc& d) : threads_(threads) {
    const auto k = d.attrs.at("kernel").get<std::vector<int64_t>>();
    const auto s = d.attrs.at("stride").get<std::vector<int64_t>>();
    ky_ = k[0], kx_ = k[1], sy_ = s[0], sx_ = s[1];
    const Shape &in = d.input_shapes[0], &out = d.output_shapes[0];
    planes_ = in[0] * in[1], H_ = in[2], W_ = in[3], OH_ = out[2], OW_ = out[3];
  }

  void execute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* src = in[0]->data();
    float* dst = out[0]->data();
    const int64_t H = H_, W = W_, OH = OH_, OW = OW_, ky = ky_, kx = kx_, sy = sy_, sx = sx_;
    const double area = static_cast<double>(ky * kx);
    const bool two_by_two = ky == 2 && kx == 2 && sy == 2 && sx == 2;  // FILM's only case
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t py = 0; py < planes_ * OH; ++py) {
      const int64_t p = py / OH, y = py % OH;
      const float* top = src + (p * H + y * sy) * W;
      float* row = dst + py * OW;
      if (two_by_two) {
        const float* bottom = top + W;
        for (int64_t x = 0; x < OW; ++x) {
          double sum = 0;
          sum += top[2 * x];
          sum += top[2 * x + 1];
          sum += bottom[2 * x];
          sum += bottom[2 * x + 1];
          row[x] = static_cast<float>(sum / 4);
        }
        continue;
      }
      for (int64_t x = 0; x < OW; ++x) {
        double sum = 0;
        for (int64_t dy = 0; dy < ky; ++dy)
          for (int64_t dx = 0; dx < kx; ++dx) sum += top[dy * W + x * sx + dx];
        row[x] = static_cast<float>(sum / area);
      }
    }
  }

 private:
  int threads_;
  int64_t ky_, kx_, sy_, sx_, planes_, H_, W_, OH_, OW_;
};

}  // namespace

std::unique_ptr<Kernel> make_avg_pool2d(std::shared_ptr<Context>, int threads,
                                        const KernelDesc& d) {
  return std::make_unique<AvgPoolKernel>(threads, d);
}

}  // namespace film::onednn
