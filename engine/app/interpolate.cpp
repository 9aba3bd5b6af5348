#include "engine/app/interpolate.h"

#include <algorithm>
#include <cstring>

#include "backends/registry.h"
#include "graph/error.h"

namespace film {
namespace {

// Copies src into the centre of a zero tensor of size h x w (or crops the centre when smaller).
Tensor recentre(const Tensor& src, int64_t h, int64_t w) {
  const int64_t n = src.dim(0), c = src.dim(1), sh = src.dim(2), sw = src.dim(3);
  Tensor out = Tensor::zeros({n, c, h, w});
  const int64_t dy = (h - sh) / 2, dx = (w - sw) / 2;  // negative when cropping
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t y = 0; y < std::min(h, sh); ++y) {
      const int64_t ty = dy >= 0 ? y + dy : y, sy = dy >= 0 ? y : y - dy;
      const int64_t cols = std::min(w, sw);
      std::memcpy(out.data() + (p * h + ty) * w + (dx >= 0 ? dx : 0),
                  src.data() + (p * sh + sy) * sw + (dx >= 0 ? 0 : -dx), sizeof(float) * cols);
    }
  return out;
}

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
               {.threads = o.threads, .reuse_memory = o.reuse_memory, .profile = o.profile}) {
  const graph::Graph& g = session_.model().graph;
  if (g.inputs.size() != 2 || g.inputs[0].shape.size() != 4)
    fail(session_.model().name, ": not a frame interpolation model (expected two NCHW inputs)");
  auto rule = [&](size_t axis, int64_t& multiple, int64_t& min) {
    if (auto* sym = std::get_if<std::string>(&g.inputs[0].shape[axis])) {
      if (auto it = g.dims.find(*sym); it != g.dims.end()) {
        multiple = it->second.multiple_of;
        min = it->second.min;
      }
    }
  };
  rule(2, multiple_h_, min_h_);
  rule(3, multiple_w_, min_w_);
}

std::pair<int64_t, int64_t> FrameInterpolator::padded_size(int64_t h, int64_t w) const {
  auto up = [](int64_t x, int64_t m, int64_t mn) { return std::max(mn, (x + m - 1) / m * m); };
  return {up(h, multiple_h_, min_h_), up(w, multiple_w_, min_w_)};
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
  std::map<std::string, Tensor> in = {{g.inputs[0].name, pad ? recentre(a, ph, pw) : a},
                                      {g.inputs[1].name, pad ? recentre(b, ph, pw) : b}};
  Tensor out = session_.run(in).at(g.outputs.at(0).name);
  return pad ? recentre(out, a.dim(2), a.dim(3)) : out;
}

std::vector<Tensor> FrameInterpolator::sequence(const Tensor& a, const Tensor& b, int times) {
  if (times < 0 || times > 10) fail("the number of recursions must be in 0..10, got ", times);
  std::vector<Tensor> frames = {a, b};
  for (int t = 0; t < times; ++t) {
    std::vector<Tensor> next;
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
      next.push_back(frames[i]);
      next.push_back(middle(frames[i], frames[i + 1]));
    }
    next.push_back(frames.back());
    frames = std::move(next);
  }
  return frames;
}

}  // namespace film
