// Test-time augmentation: the middle frame as the mean of up to 8 runs on transformed inputs — the
// two frames swapped (time reversal), mirrored left-right, flipped upside down — each output
// transformed back. The halfway frame of the transformed pair is the transformed halfway frame,
// so every pass answers the same question; their mean cancels part of each pass's error at the
// cost of one model run per pass (as rife-ncnn-vulkan's -x). Above the Session: every backend
// gets it unchanged.
// Usage:
//   film::Tensor mid = film::tta_middle(4, a, b, [&](const film::Tensor& x, const film::Tensor& y,
//                                                    bool swapped) { return run(x, y); });
#pragma once

#include <functional>

#include "engine/tensor.h"

namespace film {

// `src` mirrored left-right and/or upside down (an involution: applying it twice restores it).
Tensor flipped(const Tensor& src, bool horizontal, bool vertical);

// The mean of `passes` (2, 4 or 8) runs of run(x, y, swapped) on transformed pairs (`swapped`:
// the pair is in reversed time order); film::Error for another number of passes.
Tensor tta_middle(int passes, const Tensor& a, const Tensor& b,
                  const std::function<Tensor(const Tensor&, const Tensor&, bool)>& run);

}  // namespace film
