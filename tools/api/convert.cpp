#include "tools/api/convert.h"

#include <cstring>

#include "graph/base/error.h"

namespace film::api {
namespace {

std::size_t row_bytes(const ImageView& v) {
  return static_cast<std::size_t>(v.width) * v.channels * sample_bytes(v.type);
}

std::ptrdiff_t stride_of(const ImageView& v) {
  return v.row_stride ? v.row_stride : static_cast<std::ptrdiff_t>(row_bytes(v));
}

}  // namespace

void check_shape(int width, int height, int channels, SampleType type, const std::string& what) {
  if (width < 1 || height < 1 || width > io::kMaxImageSide || height > io::kMaxImageSide)
    fail(what, ": size ", width, "x", height, " is outside 1..", io::kMaxImageSide, " per side");
  if (int64_t{width} * height > io::max_image_pixels())
    fail(what, ": ", width, "x", height, " is more than ", io::max_image_pixels(),
         " pixels (FILM_MAX_IMAGE_PIXELS=N raises the limit)");
  if (channels < 1 || channels > 4)
    fail(what, ": ", channels, " channels, expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)");
  if (type != SampleType::u8 && type != SampleType::u16 && type != SampleType::f32)
    fail(what, ": unknown sample type");
}

void check_view(const ImageView& v, const std::string& what) {
  if (!v.data) fail(what, ": no pixels (data is null)");
  check_shape(v.width, v.height, v.channels, v.type, what);
  if (v.row_stride != 0 && std::abs(v.row_stride) < static_cast<std::ptrdiff_t>(row_bytes(v)))
    fail(what, ": a row stride of ", v.row_stride, " bytes is shorter than a row (",
         row_bytes(v), " bytes)");
}

namespace {

float load(const unsigned char* p, SampleType t) {
  switch (t) {
    case SampleType::u8:
      return static_cast<float>(*p) / 255.0f;
    case SampleType::u16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return static_cast<float>(v) / 65535.0f;
    }
    case SampleType::f32: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
  }
  return 0;
}

void store(unsigned char* p, SampleType t, float x) {
  switch (t) {
    case SampleType::u8:
      *p = io::to_byte(x);
      return;
    case SampleType::u16: {
      const uint16_t v = io::to_word(x);
      std::memcpy(p, &v, 2);
      return;
    }
    case SampleType::f32:
      std::memcpy(p, &x, 4);
      return;
  }
}

}  // namespace

io::Image from_view(const ImageView& v, const std::string& what) {
  check_view(v, what);
  io::Image img;
  const int64_t h = v.height, w = v.width, plane = h * w;
  const bool alpha = v.channels == 2 || v.channels == 4;
  img.gray = v.channels < 3;
  img.bits = v.type == SampleType::u8 ? 8 : v.type == SampleType::u16 ? 16 : 32;
  img.format = "memory";
  img.rgb = Tensor::zeros({1, 3, h, w});
  if (alpha) img.alpha = Tensor::zeros({1, 1, h, w});
  const std::size_t sb = sample_bytes(v.type);
  const int colours = img.gray ? 1 : 3;
  for (int64_t y = 0; y < h; ++y) {
    const auto* row = static_cast<const unsigned char*>(v.data) + y * stride_of(v);
    for (int64_t x = 0; x < w; ++x) {
      const unsigned char* px = row + x * v.channels * sb;
      for (int c = 0; c < 3; ++c)
        img.rgb.data()[c * plane + y * w + x] = load(px + (img.gray ? 0 : c) * sb, v.type);
      if (alpha) img.alpha.data()[y * w + x] = load(px + colours * sb, v.type);
    }
  }
  return img;
}

void to_view(const io::Image& img, const ImageView& out) {
  check_view(out, "the output image");
  if (out.width != img.width() || out.height != img.height())
    fail("the output image is ", out.width, "x", out.height, ", the frame ", img.width(), "x",
         img.height());
  const int64_t h = img.height(), w = img.width(), plane = h * w;
  const std::size_t sb = sample_bytes(out.type);
  const bool gray = out.channels < 3, alpha = out.channels == 2 || out.channels == 4;
  const float* rgb = img.rgb.data();
  for (int64_t y = 0; y < h; ++y) {
    auto* row = static_cast<unsigned char*>(out.data) + y * stride_of(out);
    for (int64_t x = 0; x < w; ++x) {
      unsigned char* px = row + x * out.channels * sb;
      const int64_t i = y * w + x;
      if (gray)  // as the image writers store gray: the mean of the three
        store(px, out.type, (rgb[i] + rgb[plane + i] + rgb[2 * plane + i]) / 3.0f);
      else
        for (int c = 0; c < 3; ++c) store(px + c * sb, out.type, rgb[c * plane + i]);
      if (alpha)
        store(px + (gray ? 1 : 3) * sb, out.type, img.alpha.empty() ? 1.0f : img.alpha.data()[i]);
    }
  }
}

int stored_channels(const io::Image& img) { return (img.gray ? 1 : 3) + !img.alpha.empty(); }

SampleType stored_type(const io::Image& img) {
  return img.bits > 16 ? SampleType::f32 : img.bits > 8 ? SampleType::u16 : SampleType::u8;
}

Image to_image(const io::Image& img, int channels, SampleType type) {
  Image out(static_cast<int>(img.width()), static_cast<int>(img.height()), channels, type);
  to_view(img, out.view());
  return out;
}

}  // namespace film::api
