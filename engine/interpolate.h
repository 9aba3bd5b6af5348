// FrameInterpolator: the user-facing job on top of a Session — two images in, the middle frame
// out, at any size. Pads each input to the size the graph takes (zeros, centred, as the official
// FILM tool does), runs the model and crops back; clamping and rounding happen at PNG writing.
// More in-betweens come from recursion (mid of a and mid, mid of mid and b, ...).
// Usage:
//   film::FrameInterpolator f(film::Model::load(dir), {.backend = "ref"});
//   film::Tensor mid = f.middle(a, b);                 // [1,3,H,W] float, unclamped
//   auto frames = f.sequence(a, b, 2);                 // a, 3 in-betweens, b
#pragma once

#include <memory>
#include <vector>

#include "engine/session.h"

namespace film {

class FrameInterpolator {
 public:
  FrameInterpolator(std::shared_ptr<const Model> model, SessionOptions options = {});
  Tensor middle(const Tensor& a, const Tensor& b);
  // 2^times + 1 frames from a to b inclusive.
  std::vector<Tensor> sequence(const Tensor& a, const Tensor& b, int times);
  Session& session() { return session_; }
  // The padded size the graph will run at for an input of h x w.
  std::pair<int64_t, int64_t> padded_size(int64_t h, int64_t w) const;

 private:
  Session session_;
  int64_t multiple_h_ = 1, multiple_w_ = 1, min_h_ = 1, min_w_ = 1;
};

}  // namespace film
