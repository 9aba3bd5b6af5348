// libFuzzer target for the safetensors reader (engine/io/safetensors.h).
//
// Contract checked: any input either parses or throws film::Error; nothing else may escape, and
// sanitizers must stay quiet. Every float tensor of an accepted file is read in full (so ASan sees
// any out-of-bounds view), and the float tensors survive encode + parse with their shapes.
// Build and run: tools/fuzz.sh (builds every fuzz/*.cpp with -DFILM_FUZZ=ON).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/io/safetensors.h"
#include "graph/base/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  film::io::SafetensorsFile file;
  try {
    file = film::io::parse_safetensors(bytes, "fuzz-input.safetensors");
  } catch (const film::Error&) {
    return 0;
  }
  std::vector<std::pair<std::string, film::Tensor>> floats;
  volatile float sink = 0;
  for (const auto& name : file.order) {
    film::Tensor t;
    try {
      t = file.get(name);  // throws film::Error for dtypes without a float conversion
    } catch (const film::Error&) {
      continue;
    }
    for (int64_t i = 0; i < t.size(); ++i) sink = sink + t.data()[i];
    floats.emplace_back(name, t);
  }
  const std::string again = film::io::encode_safetensors(floats, file.metadata);
  const auto back = film::io::parse_safetensors(again, "round-trip.safetensors");
  for (const auto& [name, t] : floats)
    if (back.get(name).shape() != t.shape()) __builtin_trap();
  return 0;
}
