#include "tools/app/interpolate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "backends/registry.h"
#include "graph/base/error.h"
#include "tools/app/tta.h"

namespace film {

FrameInterpolator::~FrameInterpolator() = default;

SessionOptions FrameInterpolator::session_options() const {
  return {.threads = options_.threads,
          .reuse_memory = options_.reuse_memory,
          .profile = options_.profile,
          .arena = arena_};
}

FrameInterpolator::FrameInterpolator(std::shared_ptr<const Model> model,
                                     FrameInterpolatorOptions o)
    : options_(std::move(o)) {
  auto backend = create_backend(options_.backend);
  // Host memory: the whole graph, the encoder and the decoder run one at a time, so one arena
  // serves them all (device backends keep their own per session).
  if (backend->buffer_type().host) arena_ = std::make_shared<SharedArena>();
  session_ = std::make_unique<Session>(std::move(model), std::move(backend), session_options());
  const graph::Graph& g = session_->model().graph;
  if (g.inputs.size() == 3 && g.inputs[2].name == "time") time_input_ = "time";
  if (g.inputs.size() != (takes_time() ? 3u : 2u) || g.inputs[0].shape.size() != 4)
    fail(session_->model().name,
         ": not a frame interpolation model (expected two NCHW inputs, and optionally 'time')");
  for (auto& out : g.outputs)
    if (!out.aux && (output_.empty() || out.name == "image")) output_ = out.name;
  if (output_.empty())
    fail(session_->model().name,
         ": not a frame interpolation model (its graph has no output that is not aux: expected "
         "'image')");
  cache_ = std::make_unique<EncoderCache>(session_->model_ptr(), output_, options_.backend,
                                          session_options());
}

std::pair<int64_t, int64_t> FrameInterpolator::padded_size(int64_t h, int64_t w) const {
  return film::padded_size(session_->model().graph, h, w);
}

void FrameInterpolator::set_tta(int passes) {
  if (passes != 1 && passes != 2 && passes != 4 && passes != 8)
    fail("test-time augmentation (tta) takes 1, 2, 4 or 8 passes, got ", passes);
  tta_ = passes;
}

void FrameInterpolator::set_reuse_features(bool on) {
  options_.reuse_features = on;
  cache_->reset(options_.backend);
}

void FrameInterpolator::set_memory_budget(size_t bytes) {
  options_.memory_budget = bytes;
  cache_->reset(options_.backend);
  fitted_.reset();
}

FrameInterpolator::RunCounts FrameInterpolator::run_counts() const {
  return {cache_->encodes(), cache_->decodes(), whole_runs_};
}

Tensor FrameInterpolator::middle(const Tensor& a, const Tensor& b) { return frame(a, b, 0.5); }

Tensor FrameInterpolator::frame_at(const Tensor& a, const Tensor& b, double t) {
  if (!takes_time() && t != 0.5)
    fail(session_->model().name, ": the graph has no time input; it makes the frame at 0.5 only");
  if (!(t >= 0.0 && t <= 1.0)) fail("time ", t, " is outside [0, 1]");
  return frame(a, b, t);
}

std::map<std::string, Tensor> FrameInterpolator::inputs(const Tensor& a, const Tensor& b,
                                                         double t) const {
  const auto& g = session_->model().graph;
  std::map<std::string, Tensor> in = {{g.inputs[0].name, pad(a)}, {g.inputs[1].name, pad(b)}};
  if (takes_time()) {
    Tensor time = Tensor::zeros({a.dim(0), 1, 1, 1});
    for (int64_t n = 0; n < a.dim(0); ++n) time.data()[n] = static_cast<float>(t);
    in[time_input_] = time;
  }
  return in;
}

Tensor FrameInterpolator::frame(const Tensor& a, const Tensor& b, double t) {
  if (a.shape() != b.shape())
    fail("the two frames differ in size: ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  if (a.shape().size() != 4 || a.dim(1) != 3)
    fail("frames must be [N,3,H,W], got ", shape_str(a.shape()));
  // Identical frames: the frame between them is that frame (a still scene, a duplicated video
  // frame), exactly, whatever a model would add at flat or tiny inputs.
  if (std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0) return a.clone();
  if (tta_ == 1) return run_once(a, b, t);
  // A pass on the frames swapped in time asks for the frame at 1 - t.
  return tta_middle(tta_, a, b, [&](const Tensor& x, const Tensor& y, bool swapped) {
    return run_once(x, y, swapped ? 1 - t : t);
  });
}

Tensor FrameInterpolator::pad(const Tensor& x) const {
  auto [ph, pw] = padded_size(x.dim(2), x.dim(3));
  return ph != x.dim(2) || pw != x.dim(3) ? recentre(x, ph, pw, options_.padding) : x;
}

// The graph's output for the frames a and b: checked for values that are not finite (named by
// the whole graph's first node that made them) and cropped back to the frames' size.
Tensor FrameInterpolator::finish(const Tensor& out, const Tensor& like, const Tensor& a,
                                 const Tensor& b) {
  for (int64_t i = 0, n = out.size(); i < n; ++i)
    if (!std::isfinite(out.data()[i])) {
      fail(session_->model().name, ": the frame came out with values that are not finite: ",
           session_->first_non_finite(inputs(a, b, 0.5), {output_}));
    }
  return out.dim(2) != like.dim(2) || out.dim(3) != like.dim(3)
             ? recentre(out, like.dim(2), like.dim(3), Padding::zeros)
             : out;
}

size_t FrameInterpolator::plan_need(Session& s, int64_t h, int64_t w) {
  const auto [ph, pw] = padded_size(h, w);
  graph::ShapeMap shapes;
  for (auto& in : s.model().graph.inputs) shapes[in.name] = {1, 3, ph, pw};
  if (takes_time()) shapes[time_input_] = {1, 1, 1, 1};
  const PlanReport r = s.plan(shapes, {output_});
  return r.planned_peak() - r.weight_bytes;
}

MemoryFit FrameInterpolator::plan_fit(int64_t h, int64_t w) {
  MemoryFit fit{options_.backend, {}};
  const size_t budget = options_.memory_budget;
  Session* s = session_.get();
  std::unique_ptr<Session> lean;  // planned only: no arena, no weights prepared
  if (const std::string leaner = leaner_backend(options_.backend);
      budget != SIZE_MAX && !leaner.empty() && plan_need(*s, h, w) > budget) {
    lean = std::make_unique<Session>(session_->model_ptr(), create_backend(leaner),
                                     session_options());
    s = lean.get();
    fit.backend = leaner;
  }
  fit.tiles = choose_tiles(h, w, budget, padded_size(1, 1).first, options_.tile_margin,
                           options_.tile_ramp,
                           [&](int64_t th, int64_t tw) { return plan_need(*s, th, tw); });
  return fit;
}

void FrameInterpolator::use_backend(const std::string& backend) {
  if (backend == options_.backend) return;
  options_.backend = backend;
  session_ = std::make_unique<Session>(session_->model_ptr(), create_backend(backend),
                                       session_options());
  cache_->reset(backend);
}

const TilePlan& FrameInterpolator::fit(int64_t h, int64_t w) {
  if (fitted_ && fitted_->first == std::make_pair(h, w)) return fitted_->second;
  const MemoryFit f = plan_fit(h, w);
  use_backend(f.backend);
  fitted_ = {{h, w}, f.tiles};
  return fitted_->second;
}

Tensor FrameInterpolator::run_tiled(const Tensor& a, const Tensor& b, double t,
                                    const TileGrid& g) {
  const int64_t n = a.dim(0), c = a.dim(1), h = a.dim(2), w = a.dim(3);
  const int64_t th = g.tile_h, tw = g.tile_w;
  Tensor acc = Tensor::zeros(a.shape()), wsum = Tensor::zeros({h, w});
  auto crop = [&](const Tensor& x, int64_t y0, int64_t x0) {
    Tensor t = Tensor::zeros({n, c, th, tw});
    for (int64_t p = 0; p < n * c; ++p)
      for (int64_t y = 0; y < th; ++y)
        std::memcpy(t.data() + (p * th + y) * tw, x.data() + (p * h + y0 + y) * w + x0,
                    sizeof(float) * tw);
    return t;
  };
  std::vector<float> wy(th), wx(tw);
  for (int64_t y0 : g.ys)
    for (int64_t x0 : g.xs) {
      const Tensor out = run_whole(crop(a, y0, x0), crop(b, y0, x0), t);
      for (int64_t y = 0; y < th; ++y) wy[y] = tile_weight(y, y0, th, h, g.margin, g.ramp);
      for (int64_t x = 0; x < tw; ++x) wx[x] = tile_weight(x, x0, tw, w, g.margin, g.ramp);
      for (int64_t y = 0; y < th; ++y) {
        float* ws = wsum.data() + (y0 + y) * w + x0;
        for (int64_t x = 0; x < tw; ++x) ws[x] += wy[y] * wx[x];
        for (int64_t p = 0; p < n * c; ++p) {
          const float* o = out.data() + (p * th + y) * tw;
          float* d = acc.data() + (p * h + y0 + y) * w + x0;
          for (int64_t x = 0; x < tw; ++x) d[x] += wy[y] * wx[x] * o[x];
        }
      }
    }
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < h * w; ++i) acc.data()[p * h * w + i] /= wsum.data()[i];
  return acc;
}

Tensor FrameInterpolator::run_once(const Tensor& a, const Tensor& b, double t) {
  if (options_.memory_budget != SIZE_MAX) {
    const TilePlan& tiles = fit(a.dim(2), a.dim(3));
    if (tiles.grid.count() > 1) return run_tiled(a, b, t, tiles.grid);
  }
  return run_whole(a, b, t);
}

Tensor FrameInterpolator::run_whole(const Tensor& a, const Tensor& b, double t) {
  ++whole_runs_;
  return finish(session_->run(inputs(a, b, t), {output_}).at(output_), a, a, b);
}

EncoderCache* FrameInterpolator::cache_for(int64_t h, int64_t w) {
  if (!options_.reuse_features || tta_ != 1 || takes_time() ||
      !session_->backend().buffer_type().host)
    return nullptr;
  if (options_.memory_budget != SIZE_MAX && fit(h, w).grid.count() > 1) return nullptr;
  auto [ph, pw] = padded_size(h, w);
  return cache_->prepare({1, 3, ph, pw}, options_.memory_budget, options_.feature_frames,
                         *session_)
             ? cache_.get()
             : nullptr;
}

bool FrameInterpolator::splits(int64_t h, int64_t w) { return cache_for(h, w) != nullptr; }

Tensor FrameInterpolator::middle(const Keyframe& a, const Keyframe& b) {
  const Tensor &ra = a.rgb(), &rb = b.rgb();
  const bool one_frame_each =
      ra.shape() == rb.shape() && ra.shape().size() == 4 && ra.dim(0) == 1 && ra.dim(1) == 3;
  EncoderCache* c = one_frame_each ? cache_for(ra.dim(2), ra.dim(3)) : nullptr;
  // A frame whose encoder outputs could not be kept would be encoded for this pair alone: no
  // saving, and its outputs beside the decoder's arena cost memory; the whole graph instead.
  // Identical frames need no run at all (middle(Tensor, Tensor)).
  if (!c || !c->can_take(a, b) || std::memcmp(ra.data(), rb.data(), sizeof(float) * ra.size()) == 0)
    return middle(ra, rb);  // checks, identical frames, tta, no split
  return finish(c->middle(a, b, [&](const Tensor& x) { return pad(x); }), ra, ra, rb);
}

std::vector<Tensor> FrameInterpolator::sequence(const Tensor& a, const Tensor& b, int times) {
  if (times < 0 || times > 10) fail("the number of recursions must be in 0..10, got ", times);
  const int64_t n = int64_t{1} << times;
  std::vector<double> t(n + 1);
  for (int64_t i = 0; i <= n; ++i) t[i] = static_cast<double>(i) / n;
  std::vector<Tensor> frames(t.size());
  frames_at(a, b, t, times, [&](size_t i, const Tensor& f) { frames[i] = f; });
  return frames;
}

double FrameInterpolator::reachable_time(double t, int max_depth) {
  const double steps = std::ldexp(1.0, max_depth);
  return std::round(std::clamp(t, 0.0, 1.0) * steps) / steps;
}

void FrameInterpolator::frames_at(const Tensor& a, const Tensor& b,
                                  const std::vector<double>& times, int max_depth,
                                  const std::function<void(size_t, const Tensor&)>& emit) {
  frames_at(Keyframe(a), Keyframe(b), times, max_depth, emit);
}

void FrameInterpolator::frames_at(const Keyframe& a, const Keyframe& b,
                                  const std::vector<double>& times, int max_depth,
                                  const std::function<void(size_t, const Tensor&)>& emit) {
  if (max_depth < 0 || max_depth > 30)
    fail("the recursion depth must be in 0..30, got ", max_depth);
  std::vector<std::pair<double, size_t>> targets;  // (reachable time, index), by time
  for (size_t i = 0; i < times.size(); ++i) {
    if (!(times[i] >= 0.0 && times[i] <= 1.0)) fail("time ", times[i], " is outside [0, 1]");
    targets.push_back({reachable_time(times[i], max_depth), i});
  }
  std::stable_sort(targets.begin(), targets.end(),
                   [](auto& x, auto& y) { return x.first < y.first; });
  // Depth first, left to right: only the frames on the current path are alive.
  std::function<void(const Keyframe&, const Keyframe&, double, double, size_t, size_t)> descend =
      [&](const Keyframe& fa, const Keyframe& fb, double lo, double hi, size_t first, size_t last) {
        size_t i = first;
        for (; i < last && targets[i].first == lo; ++i) emit(targets[i].second, fa.rgb());
        size_t end = last;
        while (end > i && targets[end - 1].first == hi) --end;
        if (i < end) {
          const double mid = (lo + hi) / 2;
          const Keyframe fm(middle(fa, fb));
          size_t split = i;
          while (split < end && targets[split].first < mid) ++split;
          descend(fa, fm, lo, mid, i, split);
          size_t after = split;
          while (after < end && targets[after].first == mid)
            emit(targets[after++].second, fm.rgb());
          descend(fm, fb, mid, hi, after, end);
        }
        for (size_t k = end; k < last; ++k) emit(targets[k].second, fb.rgb());
      };
  descend(a, b, 0.0, 1.0, 0, targets.size());
}

}  // namespace film
