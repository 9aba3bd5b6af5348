// leaky_relu, mul (by a scalar) and add, as loops written here: the same float operations as the
// ref backend (so the results are ref's bits, a -0 product included, which oneDNN's linear eltwise
// turned into +0; bfloat16 values are computed in float and rounded once), in any plain layout, and
// into a strided slot of a wider value when the planner lets the output go straight into a
// concatenation. They may run in place (the planner decides). Memory-bound: a flat loop over dense
// tensors split statically over OpenMP threads.
#include <algorithm>
#include <array>

#include "backends/onednn/context.h"
#include "backends/onednn/element.h"

namespace film::onednn {
namespace {

enum class Kind { leaky_relu, mul, add };

class ElementwiseKernel : public ElementKernel<ElementwiseKernel> {
 public:
  ElementwiseKernel(int threads, Kind kind, float value)
      : ElementKernel(threads), kind_(kind), value_(value) {}

  template <class T>
  void compute(const KernelArgs& a) const {
    const TensorView& out = a.outputs[0];
    const T* x = elements_of<T>(a.inputs[0]);
    const T* y = kind_ == Kind::add ? elements_of<T>(a.inputs[1]) : nullptr;
    T* d = elements_of<T>(out);
    if (out.dense()) {
      apply(x, y, d, num_elements(out.shape));
      return;
    }
    // A slot of a wider value (inputs are always dense, in the same layout): run by run of the
    // innermost (contiguous) dimension.
    const Shape& s = out.shape;
    const std::vector<int64_t> in_strides = dense_strides(s, out.layout);
    const bool last = layout_is_channels_last(out.layout);
    const size_t inner = last ? 1 : 3;  // the dimension with stride 1
    const int64_t run = s[inner];
    const int64_t runs = num_elements(s) / run;
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t r = 0; r < runs; ++r) {
      // r enumerates the other dimensions in memory order.
      int64_t rest = r, in_at = 0, out_at = 0;
      for (size_t k = s.size(); k-- > 0;) {
        const size_t dim = last ? std::array<size_t, 4>{0, 2, 3, 1}[k] : k;
        if (dim == inner) continue;
        const int64_t i = rest % s[dim];
        rest /= s[dim];
        in_at += i * in_strides[dim];
        out_at += i * out.strides[dim];
      }
      apply_serial(x + in_at, y ? y + in_at : nullptr, d + out_at, run);
    }
  }

 private:
  template <class T>
  void apply_serial(const T* x, const T* y, T* d, int64_t n) const {
    switch (kind_) {
      case Kind::leaky_relu:
        for (int64_t i = 0; i < n; ++i) {
          const float v = to_float(x[i]);
          d[i] = from_float<T>(v >= 0.0f ? v : value_ * v);
        }
        break;
      case Kind::mul:
        for (int64_t i = 0; i < n; ++i) d[i] = from_float<T>(to_float(x[i]) * value_);
        break;
      case Kind::add:
        for (int64_t i = 0; i < n; ++i) d[i] = from_float<T>(to_float(x[i]) + to_float(y[i]));
        break;
    }
  }
  template <class T>
  void apply(const T* x, const T* y, T* d, int64_t n) const {
    constexpr int64_t kChunk = 1 << 14;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t at = c * kChunk;
      apply_serial(x + at, y ? y + at : nullptr, d + at, std::min(kChunk, n - at));
    }
  }

  Kind kind_;
  float value_;
};

}  // namespace

template <>
OpImpl op_impl<graph::OpKind::leaky_relu>() {
  return {.make = [](const std::shared_ptr<Context>&, int threads,
                     const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<ElementwiseKernel>(
                threads, Kind::leaky_relu, std::get<graph::LeakyReluParams>(d.params).alpha);
          },
          .writes_strided_output = true};
}

template <>
OpImpl op_impl<graph::OpKind::mul>() {
  return {.make = [](const std::shared_ptr<Context>&, int threads,
                     const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<ElementwiseKernel>(threads, Kind::mul,
                                                       std::get<graph::MulParams>(d.params).scalar);
          },
          .writes_strided_output = true};
}

template <>
OpImpl op_impl<graph::OpKind::add>() {
  return {.make = [](const std::shared_ptr<Context>&, int threads,
                     const KernelDesc&) -> std::unique_ptr<Kernel> {
            return std::make_unique<ElementwiseKernel>(threads, Kind::add, 0.0f);
          },
          .writes_strided_output = true};
}

}  // namespace film::onednn
