// The reference kernel of op mul (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void mul(const Tensor& src, Tensor& dst, float scalar) {
  const int64_t n = src.size();
  for (int64_t i = 0; i < n; ++i) dst.data()[i] = src.data()[i] * scalar;
}

template <>
Fn kernel<graph::OpKind::mul>(const KernelDesc& d) {
  const float s = std::get<graph::MulParams>(d.params).scalar;
  return [s](auto& in, auto& out) { mul(*in[0], *out[0], s); };
}

}  // namespace film::ref
