// film/interpolator.h: film::Interpolator over the application layer's FrameInterpolator, through
// the same ImageFrames as `film interpolate`, so both give the same frames bit for bit.
#include "film/interpolator.h"

#include <cmath>
#include <utility>

#include "graph/base/error.h"
#include "tools/api/convert.h"
#include "tools/app/image_frames.h"
#include "tools/app/session_options.h"

namespace film {

struct Interpolator::Impl {
  InterpolatorOptions options;
  std::unique_ptr<FrameInterpolator> f;
  std::pair<int64_t, int64_t> fitted{-1, -1};  // the frame size the memory budget was fitted for

  void run(const ImageView& a, const ImageView& b, const std::vector<double>& times,
           const std::function<void(size_t, const io::Image&)>& emit) {
    if (a.width != b.width || a.height != b.height || a.channels != b.channels || a.type != b.type)
      fail("the second image (", b.width, "x", b.height, ", ", b.channels,
           " channels) differs from the first (", a.width, "x", a.height, ", ", a.channels,
           " channels) or in its sample type; both must be alike");
    for (double t : times)
      if (!(t >= 0.0 && t <= 1.0))
        usage_fail("a time must be in [0, 1] (0 is the first image, 1 the second), got ", t);
    const io::Image ia = api::from_view(a, "the first image"),
                    ib = api::from_view(b, "the second image");
    ImageFrames frames(*f, ia, ib, "the first image", "the second image");
    if (fitted != std::make_pair(ia.height(), ia.width())) {
      fit_frame_memory(*f, ia.height(), ia.width(), kMaxDepth + 4, memory_budget(options));
      fitted = {ia.height(), ia.width()};
    }
    frames.at(times, kMaxDepth, emit);
  }
};

Interpolator::Interpolator(const InterpolatorOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->options.model = model_dir(options);
  impl_->f = make_interpolator(impl_->options);
}

Interpolator::~Interpolator() = default;
Interpolator::Interpolator(Interpolator&&) noexcept = default;
Interpolator& Interpolator::operator=(Interpolator&&) noexcept = default;

Image Interpolator::interpolate(const ImageView& a, const ImageView& b, double t) {
  Image out;
  impl_->run(a, b, {t}, [&](size_t, const io::Image& img) {
    out = api::to_image(img, a.channels, a.type);
  });
  return out;
}

void Interpolator::interpolate_into(const ImageView& a, const ImageView& b, double t,
                                    const ImageView& out) {
  if (out.channels != a.channels || out.type != a.type)
    fail("the output image must have the inputs' channels and sample type");
  impl_->run(a, b, {t}, [&](size_t, const io::Image& img) { api::to_view(img, out); });
}

std::vector<Image> Interpolator::frames(const ImageView& a, const ImageView& b, int n) {
  if (n < 1 || n > 1023) usage_fail("the number of in-betweens must be in 1..1023, got ", n);
  std::vector<double> times;
  for (int i = 1; i <= n; ++i) times.push_back(static_cast<double>(i) / (n + 1));
  return at(a, b, times);
}

std::vector<Image> Interpolator::at(const ImageView& a, const ImageView& b,
                                    const std::vector<double>& times) {
  std::vector<Image> out(times.size());
  impl_->run(a, b, times, [&](size_t i, const io::Image& img) {
    out[i] = api::to_image(img, a.channels, a.type);
  });
  return out;
}

double Interpolator::reachable_time(double t) {
  return FrameInterpolator::reachable_time(t, kMaxDepth);
}

std::string Interpolator::backend() const { return impl_->f->session().backend_name(); }
std::string Interpolator::model() const { return impl_->f->session().model().name; }

}  // namespace film
