// Image quality metrics as frame-interpolation papers report them (FILM, RIFE, ...).
//
// Both metrics first quantise each image to the 8-bit values it would be saved as (io::to_byte:
// round(clamp(x, 0, 1) * 255)) and then work on 0..255 values, so a result matches what a
// reference script computes on the PNG files.
//
// psnr: 10 * log10(255^2 / MSE), the MSE taken over all pixels and channels at once. Identical
//   images have MSE 0; psnr then returns kPsnrCap (100 dB) instead of infinity so means over a data
//   set stay finite. Any real 8-bit difference on an image under ~50 Mpixel scores below the cap.
// ssim: Wang et al. 2004 with an 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, L = 255,
//   population (not sample) covariances, evaluated only where the window fits inside the image
//   ('valid', no padding), averaged over the map and then over the three channels. This is what
//   MATLAB's ssim reference code, tf.image.ssim and scikit-image's structural_similarity with
//   gaussian_weights=True, use_sample_covariance=False, data_range=255 compute.
// Both take [1, 3, H, W] tensors (any [N, C, H, W] works; channels are averaged) of equal shape and
// throw film::Error otherwise; ssim also needs H, W >= 11.
// Threading: reentrant.
// Usage:
//   double db = film::psnr(output, ground_truth);
//   double s = film::ssim(output, ground_truth);
#pragma once

#include "engine/tensor.h"

namespace film {

inline constexpr double kPsnrCap = 100.0;

double psnr(const Tensor& a, const Tensor& b);
double ssim(const Tensor& a, const Tensor& b);

}  // namespace film
