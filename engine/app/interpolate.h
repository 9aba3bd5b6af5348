// FrameInterpolator: the user-facing job on top of a Session — two images in, the middle frame
// out, at any size. Pads each input to the size the graph takes (zeros, centred, as the official
// FILM tool does), runs the model and crops back; clamping and rounding happen at PNG writing.
// More in-betweens come from recursion (mid of a and mid, mid of mid and b, ...).
// Test-time augmentation (set_tta): the middle frame is the mean of up to 8 runs on transformed
// inputs — the two frames swapped (time reversal), mirrored left-right, flipped upside down — each
// output transformed back. The halfway frame of the transformed pair is the transformed halfway
// frame, so every pass answers the same question; their mean cancels part of each pass's error at
// the cost of one model run per pass (as rife-ncnn-vulkan's -x).
// Usage:
//   film::FrameInterpolator f(film::Model::load(dir), {.backend = "cpu", .threads = 2});
//   film::Tensor mid = f.middle(a, b);                 // [1,3,H,W] float, unclamped
//   auto frames = f.sequence(a, b, 2);                 // a, 3 in-betweens, b
//   f.set_tta(4);                                      // later middle()s average 4 passes
#pragma once

#include <memory>
#include <vector>

#include "engine/session.h"

namespace film {

struct InterpolatorOptions {
  std::string backend = "ref";  // by name (backends/registry.h)
  int threads = 0;              // SessionOptions
  bool reuse_memory = true;
  bool profile = false;
};

class FrameInterpolator {
 public:
  FrameInterpolator(std::shared_ptr<const Model> model, InterpolatorOptions options = {});
  Tensor middle(const Tensor& a, const Tensor& b);
  // 2^times + 1 frames from a to b inclusive.
  std::vector<Tensor> sequence(const Tensor& a, const Tensor& b, int times);
  // Passes per middle frame: 1 (plain), 2 (+ swapped), 4 (+ mirrored), 8 (+ upside down).
  void set_tta(int passes);
  int tta() const { return tta_; }
  Session& session() { return session_; }
  // The padded size the graph will run at for an input of h x w.
  std::pair<int64_t, int64_t> padded_size(int64_t h, int64_t w) const;

 private:
  Tensor run_once(const Tensor& a, const Tensor& b);

  Session session_;
  int tta_ = 1;
  int64_t multiple_h_ = 1, multiple_w_ = 1, min_h_ = 1, min_w_ = 1;
};

}  // namespace film
