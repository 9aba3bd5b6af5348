#include "tools/media/image.h"

#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "graph/base/error.h"
#include "graph/base/file.h"

namespace film::io {

int64_t max_image_pixels() {
  const char* text = std::getenv("FILM_MAX_IMAGE_PIXELS");
  if (!text || !*text) return kMaxImagePixels;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || n < 1 || n > (int64_t{1} << 30))
    fail("FILM_MAX_IMAGE_PIXELS: expected a whole number of pixels from 1 to 1073741824, got '",
         text, "'");
  return n;
}

namespace {

// libpng reports errors through a callback that must not return, and it is C code, so a C++
// exception must never unwind through it. The callbacks record the message and longjmp back to
// the setjmp in one of the small "phase" functions below. Those functions hold only trivially
// destructible locals, so the jump skips no destructor; buffers live in their callers.
struct PngContext {
  std::string_view input;  // reading: the whole file
  size_t pos = 0;
  std::string* output = nullptr;  // writing
  char message[256] = {};         // plain arrays: filling them cannot throw inside a callback
  char warning[256] = {};         // the last warning; libpng often explains an error in one
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof ctx->message, "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}

// Warnings (a sloppy ICC profile, a bad CRC in an ancillary chunk that is then ignored) do not
// make the pixels wrong, and library code must not print to stderr. The last one is kept because
// libpng states the reason for some errors only in a warning ("Invalid bit depth in IHDR" before
// "Invalid IHDR data").
void on_warning(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->warning, sizeof ctx->warning, "%s", msg ? msg : "");
}

void on_read(png_structp png, png_bytep dst, size_t n) {
  auto* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
  if (n > ctx->input.size() - ctx->pos) png_error(png, "file ends early (truncated)");
  std::memcpy(dst, ctx->input.data() + ctx->pos, n);
  ctx->pos += n;
}

void on_write(png_structp png, png_bytep data, size_t n) {
  auto* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    ctx->output->append(reinterpret_cast<const char*>(data), n);
  } catch (...) {
    ok = false;
  }
  if (!ok) png_error(png, "out of memory while encoding");
}

void on_flush(png_structp) {}

// Ancillary chunks that never affect the samples we return. Reading them would only cost time and
// memory (one fixture carries a 2.8 MB zTXt chunk) and expose more parser surface.
const png_byte kSkippedChunks[] =
    "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0"
    "tIME\0zTXt";
constexpr int kNumSkippedChunks = 17;

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReader() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngWriter() { png_destroy_write_struct(&png, info ? &info : nullptr); }
};

// Phase 1: signature and header chunks up to the first IDAT. Returns false on a libpng error.
bool read_header_phase(png_structp png, png_infop info) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kSkippedChunks, kNumSkippedChunks);
  // The real limits are checked by decode_png with a clearer message; libpng's own default
  // (1e6) would otherwise answer first with a vaguer one.
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_read_info(png, info);
  return true;
}

// Phase 2: normalise every colour type to RGBA, 8 or 16 bits (an opaque alpha added where the
// file has none), and read all rows. `*rowbytes` receives libpng's row size, which the caller
// checks against what it allocated before any row is written: the first call passes
// rows == nullptr to get that size only.
bool read_pixels_phase(png_structp png, png_infop info, png_bytepp rows, size_t* rowbytes) {
  if (setjmp(png_jmpbuf(png))) return false;
  if (rows == nullptr) {
    png_set_palette_to_rgb(png);
    png_set_tRNS_to_alpha(png);
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
    png_set_filler(png, 0xffff, PNG_FILLER_AFTER);  // no-op where there is an alpha channel
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    *rowbytes = png_get_rowbytes(png, info);
    return true;
  }
  png_read_image(png, rows);
  // Reads the chunks after the image, which verifies the last IDAT's CRC and that IEND exists.
  png_read_end(png, nullptr);
  return true;
}

bool write_phase(png_structp png, png_infop info, png_uint_32 w, png_uint_32 h, int bits,
                 int color_type, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, w, h, bits, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

void check_dimensions(const std::string& name, int64_t width, int64_t height, int bits_per_pixel,
                      size_t file_size) {
  if (width > kMaxImageSide || height > kMaxImageSide)
    fail(name, ": PNG header says ", width, "x", height, ", expected at most ", kMaxImageSide,
         " pixels per side");
  if (width * height > max_image_pixels())
    fail(name, ": PNG header says ", width, "x", height, " (", width * height,
         " pixels), expected at most ", max_image_pixels(),
         " pixels (FILM_MAX_IMAGE_PIXELS=N raises the limit)");
  // Deflate cannot expand data more than ~1032:1, so a small file claiming a large image is
  // corrupt; rejecting it here avoids allocating memory for pixels that can never arrive.
  const int64_t min_raw_bytes = height * ((width * bits_per_pixel + 7) / 8);
  if (min_raw_bytes > 1100 * static_cast<int64_t>(file_size) + 4096)
    fail(name, ": PNG header says ", width, "x", height, ", which needs at least ", min_raw_bytes,
         " bytes of pixel data, but the file has only ", file_size, " bytes");
}

Image decode_png_impl(std::string_view bytes, const std::string& name) {
  if (bytes.empty()) fail(name, ": empty file, expected a PNG image");
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0)
    fail(name, ": not a PNG file (the first 8 bytes are not the PNG signature)");

  PngContext ctx;
  ctx.input = bytes;
  PngReader r;
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
  if (r.png) r.info = png_create_info_struct(r.png);
  if (!r.png || !r.info) fail(name, ": out of memory creating the PNG decoder");
  png_set_read_fn(r.png, &ctx, on_read);
  auto libpng_failed = [&]() {
    if (ctx.warning[0])
      fail(name, ": corrupt or unsupported PNG: ", ctx.message, " (", ctx.warning, ")");
    fail(name, ": corrupt or unsupported PNG: ", ctx.message);
  };

  if (!read_header_phase(r.png, r.info)) libpng_failed();
  const int64_t width = png_get_image_width(r.png, r.info);
  const int64_t height = png_get_image_height(r.png, r.info);
  const int bits_per_pixel = png_get_bit_depth(r.png, r.info) * png_get_channels(r.png, r.info);
  check_dimensions(name, width, height, bits_per_pixel, bytes.size());
  const int color_type = png_get_color_type(r.png, r.info);
  Image img;
  img.format = "png";
  img.gray = !(color_type & PNG_COLOR_MASK_COLOR);
  img.bits = png_get_bit_depth(r.png, r.info) == 16 ? 16 : 8;
  const bool alpha =
      (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(r.png, r.info, PNG_INFO_tRNS);

  const bool wide = img.bits == 16;
  const size_t expected_rowbytes = static_cast<size_t>(width) * 4 * (wide ? 2 : 1);
  size_t rowbytes = 0;
  if (!read_pixels_phase(r.png, r.info, nullptr, &rowbytes)) libpng_failed();
  if (rowbytes != expected_rowbytes)
    fail(name, ": PNG decoder produced rows of ", rowbytes, " bytes, expected ", expected_rowbytes);

  std::vector<png_byte> pixels(expected_rowbytes * height);
  std::vector<png_bytep> rows(height);
  for (int64_t y = 0; y < height; ++y) rows[y] = pixels.data() + y * expected_rowbytes;
  if (!read_pixels_phase(r.png, r.info, rows.data(), &rowbytes)) libpng_failed();

  img.rgb = Tensor::zeros({1, 3, height, width});
  if (alpha) img.alpha = Tensor::zeros({1, 1, height, width});
  float* out = img.rgb.data();
  const int64_t plane = width * height;
  for (int64_t i = 0; i < plane; ++i)
    for (int c = 0; c < 4; ++c) {
      float v;
      if (wide) {
        const png_byte* p = pixels.data() + 8 * i + 2 * c;  // 16-bit samples are big-endian
        v = static_cast<float>((p[0] << 8) | p[1]) / 65535.0f;
      } else {
        v = static_cast<float>(pixels[4 * i + c]) / 255.0f;
      }
      if (c < 3) {
        out[c * plane + i] = v;
      } else if (alpha) {
        img.alpha.data()[i] = v;
      }
    }
  return img;
}

std::string encode_png_impl(const Image& img, const std::string& where) {
  const Shape& s = img.rgb.shape();
  if (img.rgb.empty() || s.size() != 4 || s[0] != 1 || s[1] != 3)
    fail(where, ": expected an image tensor [1,3,H,W], got ", shape_str(s));
  const int64_t height = s[2], width = s[3];
  if (height < 1 || width < 1 || height > kMaxImageSide || width > kMaxImageSide)
    fail(where, ": image size ", width, "x", height, " is outside 1..", kMaxImageSide, " per side");
  const bool alpha = !img.alpha.empty(), wide = img.bits > 8;
  if (alpha && img.alpha.shape() != Shape{1, 1, height, width})
    fail(where, ": alpha ", shape_str(img.alpha.shape()), " does not match the image ",
         shape_str(s));

  const int64_t plane = width * height;
  const int colours = img.gray ? 1 : 3, channels = colours + (alpha ? 1 : 0), bytes = wide ? 2 : 1;
  std::vector<png_byte> pixels(plane * channels * bytes);
  const float* in = img.rgb.data();
  auto put = [&](int64_t at, float v) {
    if (wide) {
      const uint16_t w = to_word(v);
      pixels[at] = static_cast<png_byte>(w >> 8);  // big-endian
      pixels[at + 1] = static_cast<png_byte>(w & 0xff);
    } else {
      pixels[at] = to_byte(v);
    }
  };
  for (int64_t i = 0; i < plane; ++i) {
    const int64_t at = i * channels * bytes;
    if (img.gray) {
      put(at, (in[i] + in[plane + i] + in[2 * plane + i]) / 3.0f);
    } else {
      for (int c = 0; c < 3; ++c) put(at + c * bytes, in[c * plane + i]);
    }
    if (alpha) put(at + colours * bytes, img.alpha.data()[i]);
  }
  std::vector<png_bytep> rows(height);
  for (int64_t y = 0; y < height; ++y) rows[y] = pixels.data() + channels * bytes * width * y;

  std::string out;
  PngContext ctx;
  ctx.output = &out;
  PngWriter w;
  w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
  if (w.png) w.info = png_create_info_struct(w.png);
  if (!w.png || !w.info) fail(where, ": out of memory creating the PNG encoder");
  png_set_write_fn(w.png, &ctx, on_write, on_flush);
  const int color_type = img.gray ? (alpha ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY)
                                  : (alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB);
  if (!write_phase(w.png, w.info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height),
                   wide ? 16 : 8, color_type, rows.data()))
    fail(where, ": PNG encoding failed: ", ctx.message);
  return out;
}

Image rgb8(const Tensor& t) {
  Image img;
  img.rgb = t;
  return img;
}

}  // namespace

Tensor read_png(const std::string& path) { return decode_png_impl(read_file(path), path).rgb; }

Tensor decode_png(std::string_view bytes, const std::string& name) {
  return decode_png_impl(bytes, name).rgb;
}

std::string encode_png(const Tensor& img) { return encode_png_impl(rgb8(img), "PNG encoder"); }

void write_png(const std::string& path, const Tensor& img) {
  write_file_atomic(path, encode_png_impl(rgb8(img), path));
}

Image read_png_image(std::string_view bytes, const std::string& name) {
  return decode_png_impl(bytes, name);
}

std::string encode_png_image(const Image& img, const std::string& where) {
  return encode_png_impl(img, where);
}

}  // namespace film::io
