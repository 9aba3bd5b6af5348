// Frames between two images as image files and callers' buffers hold them: the model sees the
// colour channels; the output keeps the inputs' kind (gray only if both are, alpha if either has
// it, blended linearly at the frame's time, the deeper of their sample depths). What `film
// interpolate` and film::Interpolator share, so both give the same frames bit for bit.
// Usage:
//   film::ImageFrames frames(f, a, b, "a.png", "b.png");            // checks the pair
//   frames.at({0.25, 0.5}, [&](size_t i, const film::io::Image& img) { write(i, img); });
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tools/app/interpolate.h"
#include "tools/media/image.h"

namespace film {

// Arbitrary times are reached by midpoint recursion: rounded to multiples of 1/2^kMaxDepth.
inline constexpr int kMaxDepth = 6;

// The output frame at time t for inputs a and b, from the model's colour `rgb`.
io::Image frame_like(const io::Image& a, const io::Image& b, const Tensor& rgb, double t);

class ImageFrames {
 public:
  // film::Error naming `name_b` when the two differ in size, or either holds a colour sample that
  // is not finite (the constructor checks the same).
  static void check(const io::Image& a, const io::Image& b, const std::string& name_a,
                    const std::string& name_b);
  ImageFrames(FrameInterpolator& f, const io::Image& a, const io::Image& b,
              const std::string& name_a, const std::string& name_b);
  // The frames at `times` (in [0, 1]) by midpoint recursion of at most `depth` levels, each
  // handed to emit(i, frame) as soon as it exists, in increasing time.
  void at(const std::vector<double>& times, int depth,
          const std::function<void(size_t, const io::Image&)>& emit);

 private:
  FrameInterpolator& f_;
  const io::Image &a_, &b_;
};

}  // namespace film
