// The reference kernel of op scale: src times one factor per image.
#include "backends/ref/kernels.h"

namespace film::ref {

void scale(const Tensor& src, const Tensor& factor, Tensor& dst, float multiplier, float offset) {
  const int64_t images = src.dim(0), per = images ? src.size() / images : 0;
  for (int64_t n = 0; n < images; ++n) {
    const float f = multiplier * factor.data()[n] + offset;
    const float* s = src.data() + n * per;
    float* d = dst.data() + n * per;
    for (int64_t i = 0; i < per; ++i) d[i] = s[i] * f;
  }
}

template <>
Fn kernel<graph::OpKind::scale>(const KernelDesc& d) {
  const auto p = std::get<graph::ScaleParams>(d.params);
  return [p](auto& in, auto& out) { scale(*in[0], *in[1], *out[0], p.multiplier, p.offset); };
}

}  // namespace film::ref
