// libFuzzer target for image headers read through OpenImageIO (JPEG, TIFF, OpenEXR, WebP, BMP,
// as from a pipe): the format sniffed from the first bytes, the reader opened on the bytes in
// memory, and the size and channel limits checked before any pixel is decoded (so a 200-byte TIFF
// claiming 30000x4000 is refused from its header). Any film::Error is a correct rejection; a crash,
// a sanitizer report or an accepted header beyond the limits is a bug. PNG has its own target
// (fuzz_png), since film decodes PNG with its own libpng code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "graph/base/error.h"
#include "tools/media/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto h = film::io::image_header(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz-image");
    if (h.width < 1 || h.height < 1 || h.width > film::io::kMaxImageSide ||
        h.height > film::io::kMaxImageSide || h.width * h.height > film::io::kMaxImagePixels ||
        h.channels < 1)
      __builtin_trap();
  } catch (const film::Error&) {
  }
  return 0;
}
