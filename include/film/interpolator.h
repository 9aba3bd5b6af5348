// film::Interpolator: the frames between two images, with a FILM model, on a backend.
//
// Contract:
//   - Inputs are two views of one size, channels and sample type (film/image.h); outputs have
//     the same size, channels and sample type. Any size works: inputs are padded to what the
//     model takes and the result cropped back.
//   - A time t in [0, 1] (0 is `a`, 1 is `b`) is reached by midpoint recursion and so rounded to
//     the nearest multiple of 1/64 (reachable_time()): the rule of `film interpolate
//     --timestamps`. 0 and 1 give the inputs back; two identical inputs give that image back.
//   - Results are the `film` program's, bit for bit, for the same options.
//   - One Interpolator is used by one thread at a time; two Interpolators run in parallel.
//   - Errors are film::Error (film/error.h) with the messages the `film` program prints; a
//     float input holding NaN or infinity is refused.
// Usage:
//   film::Interpolator f({.backend = "cpu", .threads = 4});   // the bundled model
//   film::Image mid = f.interpolate(a.view(), b.view());       // t = 0.5
//   std::vector<film::Image> three = f.frames(a.view(), b.view(), 3);   // t = 1/4, 2/4, 3/4
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "film/image.h"

namespace film {

// How inputs are padded to the size the model takes.
enum class Padding {
  replicate,  // the nearest edge pixel (the default)
  zeros,      // black, as the official FILM tool pads
};

struct InterpolatorOptions {
  std::string model{};             // a model folder; "": $FILM_MODEL, else the bundled model
  std::string backend{};           // "cpu", "vulkan" or "ref"; "": cpu where it runs, else ref
  int device = -1;                 // vulkan: the device's index (devices()); -1: the default
  std::string precision = "fp32";  // "fp32"; "bf16" on cpu; "fp16" on vulkan
  int threads = 0;                 // 0: every core
  Padding padding = Padding::replicate;
  int tta = 1;  // 1, 2, 4 or 8: each frame the mean of runs on swapped/mirrored/flipped inputs
  std::uint64_t max_memory = 0;  // bytes to stay within; 0: what the machine or cgroup leaves.
                                 // A frame that needs more runs as overlapping tiles.
};

class Interpolator {
 public:
  explicit Interpolator(const InterpolatorOptions& options = {});
  ~Interpolator();
  Interpolator(Interpolator&&) noexcept;
  Interpolator& operator=(Interpolator&&) noexcept;

  // The frame at time t between a and b.
  Image interpolate(const ImageView& a, const ImageView& b, double t = 0.5);
  // The same, written into the caller's `out` (the inputs' size, channels and sample type).
  void interpolate_into(const ImageView& a, const ImageView& b, double t, const ImageView& out);
  // n evenly spaced in-betweens: t = 1/(n+1) ... n/(n+1).
  std::vector<Image> frames(const ImageView& a, const ImageView& b, int n);
  // The frames at `times`, in the order given; each midpoint of the recursion is computed once.
  std::vector<Image> at(const ImageView& a, const ImageView& b, const std::vector<double>& times);

  // The time a request for t is computed at: t rounded to the nearest multiple of 1/64.
  static double reachable_time(double t);
  // What runs: the backend (e.g. "cpu", "vulkan:0:fp16") and the model's name (its folder).
  std::string backend() const;
  std::string model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace film
