// libFuzzer target for the PNG decoder (tools/media/image.h).
//
// Contract checked: any input either decodes or throws film::Error; nothing else may escape, and
// sanitizers must stay quiet. A decoded image must also survive encode_png + decode_png with the
// same 8-bit values, since the engine writes back what it reads; and read as an Image (kind kept:
// gray, alpha, 16-bit) it must survive encode_png_image + read_png_image in kind, with the same
// stored samples.
// Build and run: tools/fuzz.sh (builds every fuzz/*.cpp with -DFILM_FUZZ=ON).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/media/image.h"
#include "graph/base/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  film::Tensor img;
  try {
    img = film::io::decode_png(bytes, "fuzz-input.png");
  } catch (const film::Error&) {
    return 0;
  }
  // Not inside the try: an accepted image that cannot be re-encoded is a bug, and must crash.
  const film::Tensor back = film::io::decode_png(film::io::encode_png(img), "round-trip.png");
  if (back.shape() != img.shape()) __builtin_trap();
  for (int64_t i = 0; i < img.size(); ++i)
    if (film::io::to_byte(back.data()[i]) != film::io::to_byte(img.data()[i])) __builtin_trap();

  const film::io::Image kind = film::io::read_png_image(bytes, "fuzz-input.png");
  const film::io::Image again = film::io::read_png_image(
      film::io::encode_png_image(kind, "round-trip.png"), "round-trip.png");
  if (again.gray != kind.gray || again.bits != kind.bits ||
      again.alpha.empty() != kind.alpha.empty() || again.rgb.shape() != kind.rgb.shape())
    __builtin_trap();
  const float levels = kind.bits == 16 ? 65535.0f : 255.0f;
  auto same = [&](const film::Tensor& x, const film::Tensor& y) {
    for (int64_t i = 0; i < x.size(); ++i)
      if (__builtin_lroundf(x.data()[i] * levels) != __builtin_lroundf(y.data()[i] * levels))
        __builtin_trap();
  };
  same(kind.rgb, again.rgb);
  if (!kind.alpha.empty()) same(kind.alpha, again.alpha);
  return 0;
}
