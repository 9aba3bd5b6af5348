#include "engine/interpolate.h"

#include <algorithm>
#include <cstring>

#include "engine/error.h"

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

}  // namespace

FrameInterpolator::FrameInterpolator(std::shared_ptr<const Model> model, SessionOptions options)
    : session_(std::move(model), std::move(options)) {
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

Tensor FrameInterpolator::middle(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    fail("the two frames differ in size: ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  if (a.shape().size() != 4 || a.dim(1) != 3) fail("frames must be [N,3,H,W], got ", shape_str(a.shape()));
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
