// PNG reading and writing for frames, as float32 NCHW tensors [1, 3, H, W] with values in [0, 1].
//
// Reading accepts every PNG colour type (gray, gray+alpha, RGB, RGBA, palette), bit depths 1-16 and
// interlaced files. Alpha is dropped and gray is replicated to three channels. Values are the
// stored (gamma-encoded) samples divided by 255 or 65535: no gamma or colour-profile conversion is
// applied, because the model was trained on the raw 8-bit values. Ancillary chunks (text, ICC
// profiles, ...) are skipped unread, so files with large metadata load quickly. Sizes are checked
// against the header before any pixel memory is allocated: each side must be at most kMaxImageSide
// and the image at most kMaxImagePixels, and the file must be large enough to plausibly hold that
// many pixels (deflate expands at most ~1032:1). Every failure (I/O, corrupt data, bad CRC,
// truncation, oversize) throws film::Error naming the file.
//
// Writing stores 8-bit RGB: each value is clamped to [0, 1] (NaN becomes 0) and rounded to nearest,
// see to_byte(). Files are written atomically (io/file.h).
// Threading: all functions are reentrant.
// Usage:
//   film::Tensor frame = film::io::read_png("im0.png");   // [1, 3, H, W]
//   film::io::write_png("out.png", frame);
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/tensor.h"

namespace film::io {

inline constexpr int64_t kMaxImageSide = 32768;
// 128 Mpixel: a 1.5 GB float tensor; anything larger is a corrupt or hostile header.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 27;

Tensor read_png(const std::string& path);
// Decodes an in-memory PNG; `name` is used in error messages only.
Tensor decode_png(std::string_view bytes, const std::string& name);

// `img` must be [1, 3, H, W] with 1 <= H, W <= kMaxImageSide.
void write_png(const std::string& path, const Tensor& img);
std::string encode_png(const Tensor& img);

// The 8-bit value a float sample is stored as: round(clamp(x, 0, 1) * 255), NaN -> 0.
inline uint8_t to_byte(float x) {
  if (!(x > 0.0f)) return 0;  // also catches NaN
  if (x >= 1.0f) return 255;
  return static_cast<uint8_t>(std::floor(x * 255.0f + 0.5f));
}

}  // namespace film::io
