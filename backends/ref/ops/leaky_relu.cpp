// The reference kernel of op leaky_relu (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void leaky_relu(const Tensor& src, Tensor& dst, float alpha) {
  const int64_t n = src.size();
  const float* s = src.data();
  float* d = dst.data();
  for (int64_t i = 0; i < n; ++i) d[i] = s[i] >= 0.0f ? s[i] : alpha * s[i];
}

template <>
Fn kernel<graph::OpKind::leaky_relu>(const KernelDesc& d) {
  const float alpha = std::get<graph::LeakyReluParams>(d.params).alpha;
  return [alpha](auto& in, auto& out) { leaky_relu(*in[0], *out[0], alpha); };
}

}  // namespace film::ref
