// The reference kernel of op concat (docs/FILM.md's conventions, accumulating in double).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/kernels.h"

namespace film::ref {

void concat(const std::vector<const Tensor*>& srcs, Tensor& dst, int axis,
            const std::vector<bool>& in_place) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dst.dim(d);
  for (size_t d = axis + 1; d < dst.shape().size(); ++d) inner *= dst.dim(d);
  const int64_t out_axis = dst.dim(axis);
  int64_t at = 0;
  for (size_t k = 0; k < srcs.size(); ++k) {
    const Tensor* s = srcs[k];
    const int64_t len = s->dim(axis) * inner;
    if (k < in_place.size() && in_place[k]) {  // its producer wrote it into dst already
      at += len;
      continue;
    }
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst.data() + (o * out_axis) * inner + at, s->data() + o * len,
                  sizeof(float) * len);
    at += len;
  }
}

template <>
Fn kernel<graph::OpKind::concat>(const KernelDesc& d) {
  const int axis = std::get<graph::ConcatParams>(d.params).axis;
  const std::vector<bool> in_place = d.input_in_place;
  return [axis, in_place](auto& in, auto& out) { concat(in, *out[0], axis, in_place); };
}

}  // namespace film::ref
