#include "engine/app/interpolate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "backends/registry.h"
#include "graph/error.h"

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

FrameInterpolator::FrameInterpolator(std::shared_ptr<const Model> model, InterpolatorOptions o)
    : session_(std::move(model), create_backend(o.backend),
               {.threads = o.threads, .reuse_memory = o.reuse_memory, .profile = o.profile}),
      padding_(o.padding) {
  const graph::Graph& g = session_.model().graph;
  if (g.inputs.size() != 2 || g.inputs[0].shape.size() != 4)
    fail(session_.model().name, ": not a frame interpolation model (expected two NCHW inputs)");
  for (auto& o : g.outputs)
    if (!o.aux && (output_.empty() || o.name == "image")) output_ = o.name;
  if (output_.empty())
    fail(session_.model().name,
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
  return film::padded_size(session_.model().graph, h, w);
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

Tensor FrameInterpolator::run_once(const Tensor& a, const Tensor& b) {
  const auto& g = session_.model().graph;
  auto [ph, pw] = padded_size(a.dim(2), a.dim(3));
  const bool pad = ph != a.dim(2) || pw != a.dim(3);
  std::map<std::string, Tensor> in = {{g.inputs[0].name, pad ? recentre(a, ph, pw, padding_) : a},
                                      {g.inputs[1].name, pad ? recentre(b, ph, pw, padding_) : b}};
  Tensor out = session_.run(in, {output_}).at(output_);
  for (int64_t i = 0, n = out.size(); i < n; ++i)
    if (!std::isfinite(out.data()[i]))
      fail(session_.model().name, ": the frame came out with values that are not finite: ",
           session_.first_non_finite(in, {output_}));
  return pad ? recentre(out, a.dim(2), a.dim(3), Padding::zeros) : out;
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
  std::function<void(const Tensor&, const Tensor&, double, double, size_t, size_t)> descend =
      [&](const Tensor& fa, const Tensor& fb, double lo, double hi, size_t first, size_t last) {
        size_t i = first;
        for (; i < last && targets[i].first == lo; ++i) emit(targets[i].second, fa);
        size_t end = last;
        while (end > i && targets[end - 1].first == hi) --end;
        if (i < end) {
          const double mid = (lo + hi) / 2;
          const Tensor fm = middle(fa, fb);
          size_t split = i;
          while (split < end && targets[split].first < mid) ++split;
          descend(fa, fm, lo, mid, i, split);
          size_t after = split;
          while (after < end && targets[after].first == mid) emit(targets[after++].second, fm);
          descend(fm, fb, mid, hi, after, end);
        }
        for (size_t k = end; k < last; ++k) emit(targets[k].second, fb);
      };
  descend(a, b, 0.0, 1.0, 0, targets.size());
}

}  // namespace film
