// The reference kernel of op add (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void add(const Tensor& a, const Tensor& b, Tensor& dst) {
  const int64_t n = a.size();
  for (int64_t i = 0; i < n; ++i) dst.data()[i] = a.data()[i] + b.data()[i];
}

template <>
Fn kernel<graph::OpKind::add>(const KernelDesc&) {
  return [](auto& in, auto& out) { add(*in[0], *in[1], *out[0]); };
}

}  // namespace film::ref
