// The one definition of the warp op's sampling taps, shared by every backend so that they cannot
// drift apart (backends/ref/ops.cpp and backends/onednn/warp.cpp both call it).
// TF-Addons dense_image_warp clamping: for a sample at coordinate q on an axis of `size` pixels,
// the integer corner f lies in [0, size-2] and the fractional weight a in [0, 1], so samples beyond
// the border take the edge values; NaN lands on corner 0 with weight 0. A 1-pixel axis has f = 0, a
// = 0. The value is (1 - a) * v[f] + a * v[f + 1] (v[f] alone when size is 1), in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace film {

inline void warp_corner(double q, int64_t size, int64_t& f, double& a) {
  if (size == 1) {
    f = 0;
    a = 0;
    return;
  }
  double fl = std::floor(q);
  if (!(fl >= 0)) fl = 0;  // also catches NaN
  if (fl > size - 2) fl = static_cast<double>(size - 2);
  f = static_cast<int64_t>(fl);
  a = std::clamp(q - fl, 0.0, 1.0);
  if (std::isnan(a)) a = 0;
}

}  // namespace film
