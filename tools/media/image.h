// Image files for frames. read_image()/write_image(): any format, kept in kind (gray, alpha, bit
// depth); PNG through libpng (below), the others through OpenImageIO (image_formats.cpp): JPEG,
// WebP, TIFF, OpenEXR, DPX, BMP, TGA, ... read_png()/write_png(): PNG as float32 NCHW RGB tensors
// [1, 3, H, W] with values in [0, 1], what evaluation and tests use.
//
// Reading accepts every PNG colour type (gray, gray+alpha, RGB, RGBA, palette), bit depths 1-16 and
// interlaced files. Alpha is dropped and gray is replicated to three channels. Values are the
// stored (gamma-encoded) samples divided by 255 or 65535: no gamma or colour-profile conversion is
// applied, because the model was trained on the raw 8-bit values. Ancillary chunks (text, ICC
// profiles, ...) are skipped unread, so files with large metadata load quickly. Sizes are checked
// against the header before any pixel memory is allocated: each side must be at most kMaxImageSide
// and the image at most max_image_pixels(), and the file must be large enough to plausibly hold
// that many pixels (deflate expands at most ~1032:1). Every failure (I/O, corrupt data, bad CRC,
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
// 64 Mpixel (8192x8192; 8K video is 33 Mpixel): a 768 MB float tensor. A larger header is far
// more often a hostile or corrupt file than a picture; FILM_MAX_IMAGE_PIXELS raises the limit.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 26;
// The pixel limit in force: kMaxImagePixels, or FILM_MAX_IMAGE_PIXELS=N (1 to 2^30, the most the
// side limit allows) where a user needs larger images; film::Error naming the variable when it is
// not such a number.
int64_t max_image_pixels();

Tensor read_png(const std::string& path);
// Decodes an in-memory PNG; `name` is used in error messages only.
Tensor decode_png(std::string_view bytes, const std::string& name);

// `img` must be [1, 3, H, W] with 1 <= H, W <= kMaxImageSide.
void write_png(const std::string& path, const Tensor& img);
std::string encode_png(const Tensor& img);

// A frame as a file stores it: the colour samples for the model, and what the file had besides.
struct Image {
  Tensor rgb;          // [1, 3, H, W], stored samples / their maximum (gray replicated to 3)
  Tensor alpha;        // [1, 1, H, W] when the file has an alpha channel; empty otherwise
  bool gray = false;   // stored as gray (one colour channel)
  int bits = 8;        // 8 or 16 (integer samples), 32 (float samples, as in OpenEXR)
  std::string format;  // "png", "jpeg", "webp", "tiff", "openexr", ...
  int64_t height() const { return rgb.dim(2); }
  int64_t width() const { return rgb.dim(3); }
};

// Any image file (PNG, JPEG, WebP, TIFF, OpenEXR, ...), by its content. film::Error naming the
// file for anything unreadable, and for images beyond kMaxImageSide / max_image_pixels().
Image read_image(const std::string& path);
// What an image's header says, from its bytes (as read from a pipe: PNG, JPEG, TIFF, OpenEXR,
// WebP, BMP), checked against the limits; no pixel is decoded. film::Error naming `name`.
struct ImageHeader {
  int64_t width = 0, height = 0;
  int channels = 0;
  std::string format;
};
ImageHeader image_header(std::string_view bytes, const std::string& name);
// Writes in the format the extension names, atomically: gray stays gray, alpha is kept where the
// format stores it (not JPEG), 16-bit stays 16-bit where the format allows (PNG, TIFF; 8 bits for
// JPEG and WebP), float formats (OpenEXR) store floats. film::Error before writing anything for an
// extension no writer knows.
void write_image(const std::string& path, const Image& img);
// The format write_image would use for `path` ("png", "jpeg", ...); film::Error naming the path
// and the known extensions when there is none. Cheap: for checking outputs before any work.
std::string output_format(const std::string& path);
// `img` encoded as PNG (for writing to a pipe).
std::string encode_image_png(const Image& img);
// PNG with its kind: what read_image/write_image use for PNG files (image.cpp).
Image read_png_image(std::string_view bytes, const std::string& name);
std::string encode_png_image(const Image& img, const std::string& where);

// The 8-bit value a float sample is stored as: round(clamp(x, 0, 1) * 255), NaN -> 0.
inline uint8_t to_byte(float x) {
  if (!(x > 0.0f)) return 0;  // also catches NaN
  if (x >= 1.0f) return 255;
  return static_cast<uint8_t>(std::floor(x * 255.0f + 0.5f));
}
// The same for 16-bit samples: round(clamp(x, 0, 1) * 65535).
inline uint16_t to_word(float x) {
  if (!(x > 0.0f)) return 0;
  if (x >= 1.0f) return 65535;
  return static_cast<uint16_t>(std::floor(x * 65535.0f + 0.5f));
}

}  // namespace film::io
