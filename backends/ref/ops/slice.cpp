// The reference kernel of op slice (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void slice(const Tensor& src, Tensor& dst, int axis, int64_t begin) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= src.dim(d);
  for (size_t d = axis + 1; d < src.shape().size(); ++d) inner *= src.dim(d);
  const int64_t in_len = src.dim(axis) * inner, out_len = dst.dim(axis) * inner;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst.data() + o * out_len, src.data() + o * in_len + begin * inner,
                sizeof(float) * out_len);
}

template <>
Fn kernel<graph::OpKind::slice>(const KernelDesc& d) {
  const auto p = std::get<graph::SliceParams>(d.params);
  return [p](auto& in, auto& out) { slice(*in[0], *out[0], p.axis, p.begin); };
}

}  // namespace film::ref
