#include "tools/app/image_frames.h"

#include <cmath>

#include "graph/base/error.h"
#include "tools/app/session_options.h"

namespace film {

io::Image frame_like(const io::Image& a, const io::Image& b, const Tensor& rgb, double t) {
  io::Image out;
  out.rgb = rgb;
  out.gray = a.gray && b.gray;
  out.bits = std::max(a.bits, b.bits);
  if (!a.alpha.empty() || !b.alpha.empty()) {
    // Alpha is blended linearly at the frame's time (the model sees colour only); an input
    // without alpha counts as opaque.
    out.alpha = Tensor::zeros({1, 1, rgb.dim(2), rgb.dim(3)});
    for (int64_t i = 0; i < out.alpha.size(); ++i) {
      const float x = a.alpha.empty() ? 1.0f : a.alpha.data()[i],
                  y = b.alpha.empty() ? 1.0f : b.alpha.data()[i];
      out.alpha.data()[i] = static_cast<float>((1 - t) * x + t * y);
    }
  }
  return out;
}

namespace {

void check_finite(const io::Image& img, const std::string& name) {
  const float* p = img.rgb.data();
  for (int64_t i = 0, n = img.rgb.size(); i < n; ++i)
    if (!std::isfinite(p[i]))
      fail(name, ": holds a colour sample that is not finite (", p[i], " at pixel ",
           (i % (img.width() * img.height())), "); the model takes finite values only");
}

}  // namespace

ImageFrames::ImageFrames(FrameInterpolator& f, const io::Image& a, const io::Image& b,
                         const std::string& name_a, const std::string& name_b)
    : f_(f), a_(a), b_(b) {
  check(a, b, name_a, name_b);
}

void ImageFrames::check(const io::Image& a, const io::Image& b, const std::string& name_a,
                        const std::string& name_b) {
  if (a.rgb.shape() != b.rgb.shape())
    fail(name_b, ": size ", size_str(b.height(), b.width()), " differs from ", name_a, " (",
         size_str(a.height(), a.width()), ")");
  check_finite(a, name_a);
  check_finite(b, name_b);
}

void ImageFrames::at(const std::vector<double>& times, int depth,
                     const std::function<void(size_t, const io::Image&)>& emit) {
  f_.frames_at(a_.rgb, b_.rgb, times, depth, [&](size_t i, const Tensor& rgb) {
    emit(i, frame_like(a_, b_, rgb, FrameInterpolator::reachable_time(times[i], depth)));
  });
}

}  // namespace film
