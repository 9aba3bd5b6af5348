// FrameInterpolator: the user-facing job on top of a Session — two images in, the middle frame
// out, at any size. Pads each input to the size the graph takes (centred; the padding repeats the
// edge pixels, see Padding), runs the model and crops back; clamping and rounding happen when
// the frame is written. A frame with values that are not finite is an error naming the first
// node that produced them. More in-betweens come from recursion (mid of a and mid, mid of mid
// and b, ...): frames_at() reaches any time by it, depth first, keeping only the current path.
// Two identical frames give that frame back, without a model run.
// Encoder reuse: a graph whose two inputs first go through the same one-input part (FILM's image
// pyramid and shared-weight feature encoder; graph/split.h finds it) is run as that encoder once
// per frame and the rest once per pair. A Keyframe carries a frame's encoder outputs from the
// first pair that needs them to every later one: frames_at() encodes each frame of its recursion
// once, and `film video` hands each input frame from one pair to the next. Exact: the same nodes
// on the same values (ref: bit-identical to the whole graph; other backends within their own
// run-to-run promise).
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

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "engine/app/tiling.h"
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
  // Keyframes keep their encoder outputs (see above). Off by default: with FILM's encoder about a
  // tenth of a pair's work, what it saves on CPU was within the noise (docs/benchmarks.md) for
  // 45% more memory.
  bool reuse_features = false;
  // Encoder outputs kept at once, in frames (at least 2: a pair's two frames). frames_at() keeps
  // the frames on its current path up to this many; a pair with a frame beyond them runs whole.
  // 2 by default: each kept frame costs as much memory as a third of the whole graph's plan
  // (docs/benchmarks.md: keeping 4 saved 3% more time at --factor 8 for 1.2 GB more at 720p).
  int feature_frames = 2;
  // Memory the interpolator may use (bytes). Reuse keeps encoder outputs beside the decoder's
  // intermediates (at 1280x768 with the bundled model 340 MB a frame), so it is used, and with
  // as many kept frames, only as far as this budget allows; otherwise the whole graph runs.
  size_t memory_budget = SIZE_MAX;
  // Frames whose plan needs more than memory_budget run as overlapping tiles (engine/app/tiling.h):
  // the fewest whose plan fits, each tile's first `tile_margin` pixels at an interior edge context
  // only, then a linear blend over `tile_ramp` pixels. (docs/quality.md measures the defaults
  // against untiled results.)
  int64_t tile_margin = 128, tile_ramp = 64;
};

// How frames of one size are run: one tile (the whole frame) or several, and the memory the
// chosen plan needs (the plan's peak less the weights, plus the blend's frame-sized buffers).
struct TilePlan {
  TileGrid grid;
  size_t need_bytes = 0;
  bool fits = true;  // false: not even the smallest tiles fit the budget (grid: those tiles)
};

// A frame and, once a pair has needed them, its encoder outputs: the frame's share of the model's
// work, done once however many pairs it is in. Copies share the outputs.
struct EncodedFrame;
class Keyframe {
 public:
  Keyframe() = default;
  explicit Keyframe(Tensor rgb) : rgb_(std::move(rgb)) {}
  const Tensor& rgb() const { return rgb_; }
  bool encoded() const { return features_ != nullptr; }
  void forget() const { features_.reset(); }  // frees the encoder outputs

 private:
  friend class FrameInterpolator;
  Tensor rgb_;
  mutable std::shared_ptr<const struct EncodedFrame> features_;
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
  ~FrameInterpolator();
  Tensor middle(const Tensor& a, const Tensor& b);
  // The same frame, each side's encoder outputs computed once and kept in its Keyframe (when the
  // graph splits and tta is 1; otherwise as middle(a.rgb(), b.rgb())).
  Tensor middle(const Keyframe& a, const Keyframe& b);
  // 2^times + 1 frames from a to b inclusive.
  std::vector<Tensor> sequence(const Tensor& a, const Tensor& b, int times);
  // Frames at `times` (each in [0, 1]; 0 is a, 1 is b) by midpoint recursion: each time is rounded
  // to the nearest multiple of 1/2^max_depth (reachable_time) and reached through the midpoints on
  // the way, each computed once; only the frames on the current path stay in memory. emit(i, frame)
  // is called for times[i] as soon as its frame exists, in increasing time.
  void frames_at(const Tensor& a, const Tensor& b, const std::vector<double>& times, int max_depth,
                 const std::function<void(size_t, const Tensor&)>& emit);
  void frames_at(const Keyframe& a, const Keyframe& b, const std::vector<double>& times,
                 int max_depth, const std::function<void(size_t, const Tensor&)>& emit);
  // Encoder and decoder runs so far, and whole-graph runs (no split, or tta): what reuse saved.
  struct RunCounts {
    int64_t encodes = 0, decodes = 0, whole = 0;
  };
  const RunCounts& run_counts() const { return counts_; }
  // Whether frames at this size are run split (encoder once per frame), and the encoder's share
  // of the graph's nodes.
  bool splits(int64_t h, int64_t w);
  static double reachable_time(double t, int max_depth);
  // Passes per middle frame: 1 (plain), 2 (+ swapped), 4 (+ mirrored), 8 (+ upside down).
  void set_tta(int passes);
  // InterpolatorOptions::memory_budget, before the first frame.
  void set_memory_budget(size_t bytes);
  // How frames of h x w run under the memory budget (whole when it fits or the budget is
  // unlimited; else the fewest overlapping tiles that fit). Plans, but allocates nothing.
  const TilePlan& tiles(int64_t h, int64_t w);
  int tta() const { return tta_; }
  Session& session() { return *session_; }
  // The padded size the graph will run at for an input of h x w.
  std::pair<int64_t, int64_t> padded_size(int64_t h, int64_t w) const;

 private:
  Tensor run_once(const Tensor& a, const Tensor& b);  // whole or tiled, by the memory budget
  Tensor run_whole(const Tensor& a, const Tensor& b);
  Tensor run_tiled(const Tensor& a, const Tensor& b, const TileGrid& g);
  size_t plan_need(int64_t h, int64_t w);
  struct Split;
  Split* split_for(int64_t h, int64_t w);
  const EncodedFrame& features(const Keyframe& k);
  Tensor pad(const Tensor& x) const;
  Tensor finish(const Tensor& out, const Tensor& like, const Tensor& a, const Tensor& b);

  InterpolatorOptions options_;
  std::shared_ptr<SharedArena> arena_;  // host backends: one for the whole graph and the split
  std::unique_ptr<Session> session_;
  std::unique_ptr<Split> split_;
  std::optional<std::pair<std::pair<int64_t, int64_t>, TilePlan>> tiling_;  // for one frame size
  std::shared_ptr<int> live_features_ = std::make_shared<int>(0);
  RunCounts counts_;
  std::string output_;  // the frame the graph computes: "image", else its first non-aux output
  Padding padding_;
  int tta_ = 1;
};

}  // namespace film
