// Images in memory and on disk, as the film library takes and gives them.
//
// Pixels are interleaved (row by row, each pixel's channels together): 1 channel is gray, 2 gray
// and alpha, 3 RGB, 4 RGBA. Samples are 8-bit or 16-bit unsigned integers, or 32-bit floats with 0
// as black and 1 as white. The model sees the colour channels as stored (no gamma or colour
// profile is applied); alpha is not seen by the model and is blended linearly at the frame's time.
//
// Usage:
//   film::Image a = film::read_image("a.png"), b = film::read_image("b.png");
//   film::ImageView mine{pixels, 1920, 1080, 3, film::SampleType::u8};   // the caller's buffer
//   film::write_image("mid.png", interpolator.interpolate(a.view(), b.view()).view());
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace film {

enum class SampleType { u8, u16, f32 };

// Bytes of one sample of `type` (1, 2 or 4).
std::size_t sample_bytes(SampleType type);

// The caller's pixels: read by the functions that take a view as input, written by those that
// fill one. `row_stride` is the distance in bytes from one row to the next (0: packed rows, width *
// channels * sample bytes). The library keeps no pointer to them after a call returns.
struct ImageView {
  void* data = nullptr;
  int width = 0, height = 0, channels = 0;
  SampleType type = SampleType::u8;
  std::ptrdiff_t row_stride = 0;
};

// Pixels owned by the library's caller: zero-filled at construction, packed rows.
class Image {
 public:
  Image() = default;
  Image(int width, int height, int channels, SampleType type);
  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  SampleType type() const { return type_; }
  bool empty() const { return bytes_.empty(); }
  void* data() { return bytes_.data(); }
  const void* data() const { return bytes_.data(); }
  std::size_t size_bytes() const { return bytes_.size(); }
  ImageView view() const;

 private:
  int width_ = 0, height_ = 0, channels_ = 0;
  SampleType type_ = SampleType::u8;
  std::vector<unsigned char> bytes_;
};

// Any image file the library reads (PNG, JPEG, WebP, TIFF, OpenEXR, DPX, BMP, ...), by its
// content: channels as stored, 8-bit samples as u8, deeper integers as u16, float formats as f32.
// film::Error naming the file when it cannot be read or is larger than the documented maximum.
Image read_image(const std::string& path);

// Writes `image` in the format its extension names (.png, .jpg, .webp, .tif, .exr, ...),
// atomically (a reader never sees half a file), keeping gray, alpha and bit depth where the
// format can. An existing file is replaced only with `overwrite`. film::Error naming the path.
void write_image(const std::string& path, const ImageView& image, bool overwrite = false);

}  // namespace film
