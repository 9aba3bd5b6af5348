#include "tools/app/tta.h"

#include <cstring>

#include "graph/base/error.h"

namespace film {

Tensor flipped(const Tensor& src, bool horizontal, bool vertical) {
  const int64_t planes = src.dim(0) * src.dim(1), h = src.dim(2), w = src.dim(3);
  Tensor out = Tensor::zeros(src.shape());
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < h; ++y) {
      const float* s = src.data() + (p * h + (vertical ? h - 1 - y : y)) * w;
      float* d = out.data() + (p * h + y) * w;
      if (horizontal)
        for (int64_t x = 0; x < w; ++x) d[x] = s[w - 1 - x];
      else
        std::memcpy(d, s, sizeof(float) * w);
    }
  return out;
}

Tensor tta_middle(int passes, const Tensor& a, const Tensor& b,
                  const std::function<Tensor(const Tensor&, const Tensor&, bool)>& run) {
  if (passes != 2 && passes != 4 && passes != 8)
    fail("test-time augmentation (tta) takes 1, 2, 4 or 8 passes, got ", passes);
  // Passes come in pairs, one pair per spatial transform t (bit 0 mirrors left-right, bit 1 flips
  // upside down): the transformed frames in order and swapped in time. Each frame is transformed
  // once per pair and the pair's sum transformed back once.
  auto accumulate = [](Tensor& acc, const Tensor& x) {
    float* s = acc.data();
    const float* o = x.data();
    for (int64_t i = 0, n = acc.size(); i < n; ++i) s[i] += o[i];
  };
  Tensor sum = Tensor::zeros(a.shape());
  for (int t = 0; t < passes / 2; ++t) {
    const bool h = t & 1, v = t & 2;
    const Tensor ta = t ? flipped(a, h, v) : a, tb = t ? flipped(b, h, v) : b;
    Tensor pair = run(ta, tb, false);  // every run returns fresh tensors
    accumulate(pair, run(tb, ta, true));
    accumulate(sum, t ? flipped(pair, h, v) : pair);
  }
  const float scale = 1.0f / static_cast<float>(passes);
  for (int64_t i = 0, n = sum.size(); i < n; ++i) sum.data()[i] *= scale;
  return sum;
}

}  // namespace film
