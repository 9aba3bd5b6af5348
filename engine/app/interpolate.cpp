#include "engine/app/interpolate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>

#include "backends/registry.h"
#include "graph/error.h"
#include "graph/split.h"

namespace film {

Tensor recentre(const Tensor& src, int64_t h, int64_t w, Padding mode) {
  const int64_t n = src.dim(0), c = src.dim(1), sh = src.dim(2), sw = src.dim(3);
  Tensor out = Tensor::zeros({n, c, h, w});
  const int64_t dy = (h - sh) / 2, dx = (w - sw) / 2;  // negative when cropping
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t y = 0; y < h; ++y) {
      const int64_t sy = y - dy;
      float* row = out.data() + (p * h + y) * w;
      if (mode == Padding::zeros && (sy < 0 || sy >= sh)) continue;
      const float* srow = src.data() + (p * sh + std::clamp<int64_t>(sy, 0, sh - 1)) * sw;
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sx = x - dx;
        if (mode == Padding::zeros && (sx < 0 || sx >= sw)) continue;
        row[x] = srow[std::clamp<int64_t>(sx, 0, sw - 1)];
      }
    }
  return out;
}

namespace {

// The image mirrored left-right and/or upside down (an involution: applying it twice restores it).
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

}  // namespace

// The graph cut at its one-input part (graph/split.h), for one padded size: the encoder and the
// decoder as models of their own over the same weights, each with its session.
struct FrameInterpolator::Split {
  Shape shape;   // the padded input shape it was made for
  int kept = 2;  // frames whose encoder outputs may be kept at once
  std::optional<graph::InputSplit> parts;
  std::unique_ptr<Session> encoder, decoder;
};

// A frame's encoder outputs, kept in the backend's memory and layout (Session's resident values),
// and the padded frame itself (the decoder reads it too).
struct EncodedFrame {
  std::map<std::string, Resident> values;  // by the encoder's output names (side0)
  Tensor frame;
};

FrameInterpolator::~FrameInterpolator() = default;

FrameInterpolator::FrameInterpolator(std::shared_ptr<const Model> model, InterpolatorOptions o)
    : options_(o), padding_(o.padding) {
  auto backend = create_backend(o.backend);
  // Host memory: the whole graph, the encoder and the decoder run one at a time, so one arena
  // serves them all (device backends keep their own per session).
  if (backend->buffer_type().host) arena_ = std::make_shared<SharedArena>();
  session_ = std::make_unique<Session>(std::move(model), std::move(backend),
                                       SessionOptions{.threads = o.threads,
                                                      .reuse_memory = o.reuse_memory,
                                                      .profile = o.profile,
                                                      .arena = arena_});
  const graph::Graph& g = session_->model().graph;
  if (g.inputs.size() != 2 || g.inputs[0].shape.size() != 4)
    fail(session_->model().name, ": not a frame interpolation model (expected two NCHW inputs)");
  for (auto& o : g.outputs)
    if (!o.aux && (output_.empty() || o.name == "image")) output_ = o.name;
  if (output_.empty())
    fail(session_->model().name,
         ": not a frame interpolation model (its graph has no output that is not aux: expected "
         "'image')");
}

std::pair<int64_t, int64_t> padded_size(const graph::Graph& g, int64_t h, int64_t w) {
  auto up = [&](size_t axis, int64_t x) {
    if (g.inputs.empty() || g.inputs[0].shape.size() <= axis) return x;
    if (auto* sym = std::get_if<std::string>(&g.inputs[0].shape[axis]))
      if (auto it = g.dims.find(*sym); it != g.dims.end()) {
        const int64_t m = it->second.multiple_of;
        return std::max(it->second.min, (x + m - 1) / m * m);
      }
    return x;
  };
  return {up(2, h), up(3, w)};
}

std::pair<int64_t, int64_t> FrameInterpolator::padded_size(int64_t h, int64_t w) const {
  return film::padded_size(session_->model().graph, h, w);
}

void FrameInterpolator::set_tta(int passes) {
  if (passes != 1 && passes != 2 && passes != 4 && passes != 8)
    fail("test-time augmentation (tta) takes 1, 2, 4 or 8 passes, got ", passes);
  tta_ = passes;
}

Tensor FrameInterpolator::middle(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    fail("the two frames differ in size: ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  if (a.shape().size() != 4 || a.dim(1) != 3)
    fail("frames must be [N,3,H,W], got ", shape_str(a.shape()));
  // Identical frames: the frame between them is that frame (a still scene, a duplicated video
  // frame), exactly, whatever a model would add at flat or tiny inputs.
  if (std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0) return a.clone();
  if (tta_ == 1) return run_once(a, b);
  // Passes come in pairs, one pair per spatial transform t (bit 0 mirrors left-right, bit 1 flips
  // upside down): the transformed frames in order and swapped in time. Each frame is transformed
  // once per pair and the pair's sum transformed back once.
  auto accumulate = [](Tensor& acc, const Tensor& x) {
    float* s = acc.data();
    const float* o = x.data();
    for (int64_t i = 0, n = acc.size(); i < n; ++i) s[i] += o[i];
  };
  Tensor sum = Tensor::zeros(a.shape());
  for (int t = 0; t < tta_ / 2; ++t) {
    const bool h = t & 1, v = t & 2;
    const Tensor ta = t ? flipped(a, h, v) : a, tb = t ? flipped(b, h, v) : b;
    Tensor pair = run_once(ta, tb);  // every run returns fresh tensors
    accumulate(pair, run_once(tb, ta));
    accumulate(sum, t ? flipped(pair, h, v) : pair);
  }
  const float scale = 1.0f / static_cast<float>(tta_);
  for (int64_t i = 0, n = sum.size(); i < n; ++i) sum.data()[i] *= scale;
  return sum;
}

Tensor FrameInterpolator::pad(const Tensor& x) const {
  auto [ph, pw] = padded_size(x.dim(2), x.dim(3));
  return ph != x.dim(2) || pw != x.dim(3) ? recentre(x, ph, pw, padding_) : x;
}

// The graph's output for the frames a and b: checked for values that are not finite (named by
// the whole graph's first node that made them) and cropped back to the frames' size.
Tensor FrameInterpolator::finish(const Tensor& out, const Tensor& like, const Tensor& a,
                                 const Tensor& b) {
  for (int64_t i = 0, n = out.size(); i < n; ++i)
    if (!std::isfinite(out.data()[i])) {
      const auto& g = session_->model().graph;
      fail(session_->model().name, ": the frame came out with values that are not finite: ",
           session_->first_non_finite({{g.inputs[0].name, pad(a)}, {g.inputs[1].name, pad(b)}},
                                      {output_}));
    }
  return out.dim(2) != like.dim(2) || out.dim(3) != like.dim(3)
             ? recentre(out, like.dim(2), like.dim(3), Padding::zeros)
             : out;
}

size_t FrameInterpolator::plan_need(int64_t h, int64_t w) {
  const auto [ph, pw] = padded_size(h, w);
  graph::ShapeMap shapes;
  for (auto& in : session_->model().graph.inputs) shapes[in.name] = {1, 3, ph, pw};
  const PlanReport r = session_->plan(shapes, {output_});
  return r.planned_peak() - r.weight_bytes;
}

const TilePlan& FrameInterpolator::tiles(int64_t h, int64_t w) {
  if (tiling_ && tiling_->first == std::make_pair(h, w)) return tiling_->second;
  TilePlan t;
  t.grid = tile_grid(h, w, h, w, options_.tile_margin, options_.tile_ramp);
  t.need_bytes = plan_need(h, w);
  const size_t budget = options_.memory_budget;
  if (const std::string leaner = leaner_backend(options_.backend);
      budget != SIZE_MAX && t.need_bytes > budget && !leaner.empty()) {
    // Before tiling, the same backend planned to hold less (on cpu: without Winograd).
    options_.backend = leaner;
    auto lean = std::make_unique<Session>(session_->model_ptr(), create_backend(leaner),
                                          SessionOptions{.threads = options_.threads,
                                                         .reuse_memory = options_.reuse_memory,
                                                         .profile = options_.profile,
                                                         .arena = arena_});
    std::swap(session_, lean);
    split_.reset();
    t.need_bytes = plan_need(h, w);
  }
  if (budget != SIZE_MAX && t.need_bytes > budget) {
    // The fewest tiles (then the squarest) whose plan fits, up to 16 x 16.
    const int64_t unit = padded_size(1, 1).first;
    const size_t blend = 4 * sizeof(float) * 3 * static_cast<size_t>(h * w);  // out, weights
    std::vector<std::pair<int, int>> grids;
    for (int ny = 1; ny <= 16; ++ny)
      for (int nx = 1; nx <= 16; ++nx)
        if (ny * nx > 1) grids.push_back({ny, nx});
    std::stable_sort(grids.begin(), grids.end(), [&](auto a, auto b) {
      auto aspect = [&](std::pair<int, int> g) {
        const double r = (double(h) / g.first) / (double(w) / g.second);
        return std::max(r, 1 / r);
      };
      return a.first * a.second != b.first * b.second ? a.first * a.second < b.first * b.second
                                                      : aspect(a) < aspect(b);
    });
    const int64_t smallest = 2 * options_.tile_margin + options_.tile_ramp + unit;
    t.fits = false;
    std::vector<std::pair<int64_t, int64_t>> too_big;  // tile sizes that did not fit
    for (auto [ny, nx] : grids) {
      const int64_t th = tile_size_for(h, ny, options_.tile_margin, options_.tile_ramp, unit);
      const int64_t tw = tile_size_for(w, nx, options_.tile_margin, options_.tile_ramp, unit);
      if ((th < smallest && th < h) || (tw < smallest && tw < w)) continue;
      // A tile at least as large both ways as one that did not fit cannot fit: not planned.
      if (std::any_of(too_big.begin(), too_big.end(),
                      [&](auto f) { return th >= f.first && tw >= f.second; }))
        continue;
      const TileGrid g = tile_grid(h, w, th, tw, options_.tile_margin, options_.tile_ramp);
      if (g.count() != ny * nx) continue;  // rounding made it another grid: reached elsewhere
      const size_t need = plan_need(th, tw) + blend;
      t.grid = g;
      t.need_bytes = need;
      if (need <= budget) {
        t.fits = true;
        break;
      }
      too_big.push_back({th, tw});
    }
  }
  tiling_ = {{h, w}, t};
  return tiling_->second;
}

Tensor FrameInterpolator::run_tiled(const Tensor& a, const Tensor& b, const TileGrid& g) {
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
      const Tensor ta = crop(a, y0, x0), tb = crop(b, y0, x0);
      const Tensor out = run_whole(ta, tb);
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

Tensor FrameInterpolator::run_once(const Tensor& a, const Tensor& b) {
  if (options_.memory_budget != SIZE_MAX) {
    const TilePlan& t = tiles(a.dim(2), a.dim(3));
    if (t.grid.count() > 1) return run_tiled(a, b, t.grid);
  }
  return run_whole(a, b);
}

Tensor FrameInterpolator::run_whole(const Tensor& a, const Tensor& b) {
  const auto& g = session_->model().graph;
  ++counts_.whole;
  return finish(session_->run({{g.inputs[0].name, pad(a)}, {g.inputs[1].name, pad(b)}}, {output_})
                    .at(output_),
                a, a, b);
}

FrameInterpolator::Split* FrameInterpolator::split_for(int64_t h, int64_t w) {
  if (!options_.reuse_features || tta_ != 1 || !session_->backend().buffer_type().host)
    return nullptr;
  if (options_.memory_budget != SIZE_MAX && tiles(h, w).grid.count() > 1) return nullptr;
  auto [ph, pw] = padded_size(h, w);
  const Shape shape = {1, 3, ph, pw};
  if (!split_ || split_->shape != shape) {
    split_ = std::make_unique<Split>();
    split_->shape = shape;
    const Model& m = session_->model();
    split_->parts = graph::split_by_input(
        m.flat, {{m.flat.inputs[0].name, shape}, {m.flat.inputs[1].name, shape}});
    if (split_->parts) {
      auto part = [&](const graph::Graph& g, const char* what) {
        std::map<std::string, Tensor> weights;  // shared storage: no copy
        for (auto& w : g.weights) weights[w.name] = m.weights.at(w.name);
        return std::make_unique<Session>(
            Model::from_parts(g, std::move(weights), m.name + " (" + what + ")"),
            create_backend(options_.backend),
            SessionOptions{.threads = options_.threads,
                           .reuse_memory = options_.reuse_memory,
                           .profile = options_.profile,
                           .arena = arena_});
      };
      split_->encoder = part(split_->parts->encoder, "encoder");
      split_->decoder = part(split_->parts->decoder, "decoder");
      // What reuse holds (weights are shared by all three): the shared arena, as large as the
      // largest of the whole graph's (pairs beyond the kept frames run whole), the encoder's and
      // the decoder's plans, the frames' encoder outputs, and one more set in the pool.
      graph::ShapeMap enc_in = {{m.flat.inputs[0].name, shape}}, dec_in, whole_in;
      for (auto& d : split_->parts->decoder.inputs)
        for (auto& x : d.shape) dec_in[d.name].push_back(std::get<int64_t>(x));
      for (auto& in : m.flat.inputs) whole_in[in.name] = shape;
      const PlanReport enc = split_->encoder->plan(enc_in), dec = split_->decoder->plan(dec_in),
                       whole = session_->plan(whole_in, {output_});
      const size_t features = enc.output_bytes + enc.input_bytes;
      const size_t arenas =
          std::max({enc.arena_bytes, dec.arena_bytes, whole.arena_bytes}) + dec.output_bytes;
      const size_t budget = options_.memory_budget;
      const size_t fixed = whole.weight_bytes + whole.prepared_weight_bytes + arenas + features;
      const int64_t fits = budget == SIZE_MAX ? options_.feature_frames
                           : budget > fixed   ? static_cast<int64_t>((budget - fixed) / features)
                                              : 0;
      split_->kept = static_cast<int>(std::min<int64_t>(options_.feature_frames, fits));
      if (split_->kept < 2) {  // not even one pair's worth: the whole graph, which needs less
        split_->encoder.reset();
        split_->decoder.reset();
        split_->parts.reset();
      }
    }
  }
  return split_->parts ? split_.get() : nullptr;
}

void FrameInterpolator::set_memory_budget(size_t bytes) {
  options_.memory_budget = bytes;
  split_.reset();
  tiling_.reset();
}

bool FrameInterpolator::splits(int64_t h, int64_t w) { return split_for(h, w) != nullptr; }

// k's encoder outputs (and its padded frame), computed at the first need and kept in k (middle()
// has checked that one more frame may keep them).
const EncodedFrame& FrameInterpolator::features(const Keyframe& k) {
  if (!k.features_) {
    const std::string& in0 = session_->model().flat.inputs[0].name;
    auto* e = new EncodedFrame;
    e->frame = pad(k.rgb_);
    std::vector<std::string> names;
    for (auto& o : split_->parts->encoder.outputs) names.push_back(o.name);
    e->values =
        split_->encoder->run({.inputs = {{in0, e->frame}}, .resident_outputs = names}).resident;
    ++counts_.encodes;
    ++*live_features_;
    k.features_.reset(e, [live = live_features_](const EncodedFrame* p) {
      --*live;
      delete p;
    });
  }
  return *k.features_;
}

Tensor FrameInterpolator::middle(const Keyframe& a, const Keyframe& b) {
  const Tensor &ra = a.rgb_, &rb = b.rgb_;
  const bool one_frame_each =
      ra.shape() == rb.shape() && ra.shape().size() == 4 && ra.dim(0) == 1 && ra.dim(1) == 3;
  Split* s = one_frame_each ? split_for(ra.dim(2), ra.dim(3)) : nullptr;
  // A frame whose encoder outputs could not be kept would be encoded for this pair alone: no
  // saving, and its outputs beside the decoder's arena cost memory; the whole graph instead.
  // Identical frames need no run at all (middle(Tensor, Tensor)).
  if (!s || *live_features_ + !a.encoded() + !b.encoded() > s->kept ||
      std::memcmp(ra.data(), rb.data(), sizeof(float) * ra.size()) == 0)
    return middle(ra, rb);  // checks, identical frames, tta, no split
  const EncodedFrame& fa = features(a);
  const EncodedFrame& fb = features(b);
  const std::string& in0 = session_->model().flat.inputs[0].name;
  RunRequest r{.outputs = {output_}};
  for (size_t i = 0; i < s->parts->side0.size(); ++i) {
    const std::string &n0 = s->parts->side0[i], &n1 = s->parts->side1[i];
    if (n0 == in0) {  // the frame itself
      r.inputs[n0] = fa.frame;
      r.inputs[n1] = fb.frame;
    } else {
      r.resident_inputs[n0] = fa.values.at(n0);
      r.resident_inputs[n1] = fb.values.at(n0);
    }
  }
  ++counts_.decodes;
  return finish(s->decoder->run(r).outputs.at(output_), ra, ra, rb);
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
