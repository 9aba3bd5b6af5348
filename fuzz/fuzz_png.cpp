// libFuzzer target for the PNG decoder (engine/app/image.h).
//
// Contract checked: any input either decodes or throws film::Error; nothing else may escape, and
// sanitizers must stay quiet. A decoded image must also survive encode_png + decode_png with the
// same 8-bit values, since the engine writes back what it reads.
// Build and run: tools/fuzz.sh (builds every fuzz/*.cpp with -DFILM_FUZZ=ON).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/app/image.h"
#include "graph/error.h"

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
  return 0;
}
