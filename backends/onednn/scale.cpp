// scale on the cpu backend: a loop written here, channels-last (float32 or bfloat16, the factor
// float32), the ref backend's float operations; it may run in place.
#include "backends/onednn/context.h"
#include "backends/onednn/element.h"

namespace film::onednn {
namespace {

class ScaleKernel : public ElementKernel<ScaleKernel> {
 public:
  ScaleKernel(int threads, const graph::ScaleParams& p) : ElementKernel(threads), p_(p) {}

  template <class T>
  void compute(const KernelArgs& a) const {
    const TensorView &src = a.inputs[0], &out = a.outputs[0];
    const T* x = elements_of<T>(src);
    const float* factor = a.inputs[1].data();
    T* d = elements_of<T>(out);
    const int64_t images = out.shape[0], per = images ? num_elements(out.shape) / images : 0;
    for (int64_t n = 0; n < images; ++n) {
      const float f = p_.multiplier * factor[n] + p_.offset;
#pragma omp parallel for schedule(static) num_threads(threads_)
      for (int64_t i = 0; i < per; ++i) d[n * per + i] = from_float<T>(to_float(x[n * per + i]) * f);
    }
  }

 private:
  graph::ScaleParams p_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::scale>() {
  return {.make = [](const std::shared_ptr<Context>&, int threads,
                     const KernelDesc& d) -> std::unique_ptr<Kernel> {
    return std::make_unique<ScaleKernel>(threads, std::get<graph::ScaleParams>(d.params));
  }};
}

}  // namespace film::onednn
