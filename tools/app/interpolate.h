// FrameInterpolator: the job on top of a Session — two images in, the frame between them out, at
// any size. Made of parts, each in its own file:
//   padding.h        inputs padded to the size the graph takes (Padding), results cropped back
//   tiling.h         frames over the memory budget as overlapping, blended tiles
//   tta.h            test-time augmentation (the mean of runs on swapped/mirrored inputs)
//   encoder_cache.h  each frame's encoder outputs computed once (Keyframe)
// Clamping and rounding happen when the frame is written. A frame with values that are not finite
// is an error naming the first node that produced them. More in-betweens come from recursion
// (mid of a and mid, mid of mid and b, ...): frames_at() reaches any time by it, depth first,
// keeping only the current path. Two identical frames give that frame back, without a model run.
//
// Memory: with a budget (set_memory_budget), fit(h, w) decides how frames of h x w run — the same
// backend planned leaner (cpu -> cpu:direct, without Winograd) before tiles — and applies it;
// plan_fit() is the same decision as a query that changes nothing.
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
#include <string>
#include <vector>

#include "engine/session.h"
#include "tools/app/encoder_cache.h"
#include "tools/app/padding.h"
#include "tools/app/tiling.h"

namespace film {

struct FrameInterpolatorOptions {
  std::string backend = "ref";  // by name (backends/registry.h)
  int threads = 0;              // SessionOptions
  bool reuse_memory = true;
  bool profile = false;
  Padding padding = Padding::replicate;
  // Keyframes keep their encoder outputs (encoder_cache.h). Off by default: with FILM's encoder
  // about a tenth of a pair's work it saves little on CPU for much more memory (docs/benchmarks.md,
  // "film video at 1280x720").
  bool reuse_features = false;
  // Encoder outputs kept at once, in frames (at least 2: a pair's two frames). frames_at() keeps
  // the frames on its current path up to this many; a pair with a frame beyond them runs whole.
  int feature_frames = 2;
  // Memory the interpolator may use (bytes): reuse keeps frames' features only as far as it
  // allows, and frames whose plan needs more run leaner or as tiles (fit()).
  size_t memory_budget = SIZE_MAX;
  // Tiles: each tile's first `tile_margin` pixels at an interior edge are context only, then a
  // linear blend over `tile_ramp` pixels (docs/quality.md measures these against untiled frames).
  int64_t tile_margin = 128, tile_ramp = 64;
};

// How frames of one size run under the memory budget: on which backend, in which tiles.
struct MemoryFit {
  std::string backend;  // the session's, or the leaner one it must switch to
  TilePlan tiles;
};

// A graph takes two frames, x0 and x1 ([N,3,H,W]), and optionally the frame's time as a third
// input named "time" ([N,1,1,1]; model::film_graph_with_time): then frame_at() predicts any time
// in one run, with one session for every time.
class FrameInterpolator {
 public:
  FrameInterpolator(std::shared_ptr<const Model> model, FrameInterpolatorOptions options = {});
  ~FrameInterpolator();
  Tensor middle(const Tensor& a, const Tensor& b);
  // The frame at time t in one run of a graph with a time input (film::Error for one without;
  // t = 0.5 for one without is middle()).
  Tensor frame_at(const Tensor& a, const Tensor& b, double t);
  bool takes_time() const { return !time_input_.empty(); }
  // The same frame, each side's encoder outputs computed once and kept in its Keyframe (when the
  // graph splits, reuse is on and tta is 1; otherwise as middle(a.rgb(), b.rgb())).
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
  static double reachable_time(double t, int max_depth);

  // Encoder and decoder runs so far, and whole-graph runs (no split, or tta): what reuse saved.
  struct RunCounts {
    int64_t encodes = 0, decodes = 0, whole = 0;
  };
  RunCounts run_counts() const;
  // Whether frames of h x w run split (encoder once per frame).
  bool splits(int64_t h, int64_t w);

  // Passes per middle frame: 1 (plain), 2 (+ swapped), 4 (+ mirrored), 8 (+ upside down).
  void set_tta(int passes);
  int tta() const { return tta_; }
  void set_reuse_features(bool on);
  // FrameInterpolatorOptions::memory_budget, before the first frame.
  void set_memory_budget(size_t bytes);
  // How frames of h x w would run under the memory budget: the whole frame when its plan fits;
  // else, first, the same backend planned leaner (leaner_backend(): cpu -> cpu:direct), then the
  // fewest overlapping tiles that fit. Plans; allocates and changes nothing.
  MemoryFit plan_fit(int64_t h, int64_t w);
  // plan_fit(h, w) applied: the session remade on the leaner backend where it chose one (a
  // visible choice: backend_spec() says it), remembered for frames of h x w.
  const TilePlan& fit(int64_t h, int64_t w);

  Session& session() { return *session_; }
  // The backend frames run on, as create_backend() takes it ("cpu", "cpu:direct", "vulkan:0").
  const std::string& backend_spec() const { return options_.backend; }
  // The padded size the graph will run at for an input of h x w.
  std::pair<int64_t, int64_t> padded_size(int64_t h, int64_t w) const;

 private:
  // At time t (for a graph with a time input; ignored otherwise).
  Tensor run_once(const Tensor& a, const Tensor& b, double t);  // whole or tiled, by the budget
  Tensor run_whole(const Tensor& a, const Tensor& b, double t);
  Tensor run_tiled(const Tensor& a, const Tensor& b, double t, const TileGrid& g);
  Tensor frame(const Tensor& a, const Tensor& b, double t);  // checks, identical frames, tta
  std::map<std::string, Tensor> inputs(const Tensor& a, const Tensor& b, double t) const;
  size_t plan_need(Session& s, int64_t h, int64_t w);
  void use_backend(const std::string& backend);
  EncoderCache* cache_for(int64_t h, int64_t w);
  Tensor pad(const Tensor& x) const;
  Tensor finish(const Tensor& out, const Tensor& like, const Tensor& a, const Tensor& b);
  SessionOptions session_options() const;

  FrameInterpolatorOptions options_;
  std::shared_ptr<SharedArena> arena_;  // host backends: one for the whole graph and the split
  std::unique_ptr<Session> session_;
  std::unique_ptr<EncoderCache> cache_;
  std::optional<std::pair<std::pair<int64_t, int64_t>, TilePlan>> fitted_;  // for one frame size
  int64_t whole_runs_ = 0;
  std::string output_;  // the frame the graph computes: "image", else its first non-aux output
  std::string time_input_;  // "time" for a graph that takes the frame's time
  int tta_ = 1;
};

}  // namespace film
