// FrameInterpolator: the user-facing job on top of a Session — two images in, the middle frame
// out, at any size. Pads each input to the size the graph takes (centred; the padding repeats the
// edge pixels, see Padding), runs the model and crops back; clamping and rounding happen when
// the frame is written. A frame with values that are not finite is an error naming the first
// node that produced them. More in-betweens come from recursion (mid of a and mid, mid of mid
// and b, ...): frames_at() reaches any time by it, depth first, keeping only the current path.
// Two identical frames give that frame back, without a model run.
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

#include <functional>
#include <memory>
#include <vector>

#include "engine/session.h"

namespace film {

// How inputs are padded to the size the graph takes.
enum class Padding {
  replicate,  // the nearest edge pixel (the default: flat and tiny images stay what they are)
  zeros,      // black, as the official FILM tool pads
};

struct InterpolatorOptions {
  std::string backend = "ref";  // by name (backends/registry.h)
  int threads = 0;              // SessionOptions
  bool reuse_memory = true;
  bool profile = false;
  Padding padding = Padding::replicate;
};

// `src` ([N,C,H,W]) placed in the centre of an h x w frame (or its centre cropped, where smaller).
// Padding pixels are zero (Padding::zeros, what the official FILM tool does), or copies of the
// nearest edge pixel (Padding::replicate: a flat or tiny image stays flat; docs/quality.md
// measures the choice).
Tensor recentre(const Tensor& src, int64_t h, int64_t w, Padding mode);

// The size a graph runs at for an input of h x w: each of H and W rounded up to its dims rule
// (FILM: a multiple of 64). What FrameInterpolator pads to; `film inspect` and `bench` plan at it.
std::pair<int64_t, int64_t> padded_size(const graph::Graph& g, int64_t h, int64_t w);

class FrameInterpolator {
 public:
  FrameInterpolator(std::shared_ptr<const Model> model, InterpolatorOptions options = {});
  Tensor middle(const Tensor& a, const Tensor& b);
  // 2^times + 1 frames from a to b inclusive.
  std::vector<Tensor> sequence(const Tensor& a, const Tensor& b, int times);
  // Frames at `times` (each in [0, 1]; 0 is a, 1 is b) by midpoint recursion: each time is rounded
  // to the nearest multiple of 1/2^max_depth (reachable_time) and reached through the midpoints on
  // the way, each computed once; only the frames on the current path stay in memory. emit(i, frame)
  // is called for times[i] as soon as its frame exists, in increasing time.
  void frames_at(const Tensor& a, const Tensor& b, const std::vector<double>& times, int max_depth,
                 const std::function<void(size_t, const Tensor&)>& emit);
  static double reachable_time(double t, int max_depth);
  // Passes per middle frame: 1 (plain), 2 (+ swapped), 4 (+ mirrored), 8 (+ upside down).
  void set_tta(int passes);
  int tta() const { return tta_; }
  Session& session() { return session_; }
  // The padded size the graph will run at for an input of h x w.
  std::pair<int64_t, int64_t> padded_size(int64_t h, int64_t w) const;

 private:
  Tensor run_once(const Tensor& a, const Tensor& b);

  Session session_;
  std::string output_;  // the frame the graph computes: "image", else its first non-aux output
  Padding padding_;
  int tta_ = 1;
};

}  // namespace film
