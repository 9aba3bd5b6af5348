// libFuzzer target for the TensorFlow checkpoint index and SavedModel object-graph parsers.
// Build (fuzzer-no-link makes the library code coverage-guided too):
//   cmake -S . -B build-fuzz -DFILM_FUZZ=ON -DFILM_SANITIZE=ON -DFILM_BUILD_TESTS=OFF
//         -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang
//         -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link
//   cmake --build build-fuzz --target fuzz_tf_checkpoint
// Run:   ./build-fuzz/fuzz_tf_checkpoint -max_len=65536 corpus/  (seed it with variables.index and
//        saved_model.pb files from tests/data)
// The bytes go to both parsers as they are, and also wrapped as the one data block of an otherwise
// valid table (stored plain and as snappy), because block checksums would otherwise stop almost
// every mutation before the entry decoder. film::Error is the documented reaction to bad input;
// any other exception, a crash or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "graph/base/error.h"
#include "models/import/crc32c.h"
#include "models/import/tf_checkpoint.h"
#include "models/import/tf_savedmodel.h"

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += char(v | 0x80);
    v >>= 7;
  }
  out += char(v);
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += char(v >> (8 * i));
}

// Appends `contents` as a block with its trailer (compression `type`, masked crc32c).
void put_block(std::string& file, std::string_view contents, char type) {
  file.append(contents);
  file += type;
  put_u32(file,
          film::io::crc32c_mask(film::io::crc32c_extend(film::io::crc32c(contents), &type, 1)));
}

// A table whose only data block is `block` (checksummed, so the entry decoder sees the bytes).
std::string wrap_as_table(std::string_view block, char type) {
  std::string file;
  put_block(file, block, type);
  std::string handle;
  put_varint(handle, 0);
  put_varint(handle, block.size());
  const std::string separator(64, '\xff');
  std::string index;
  put_varint(index, 0);
  put_varint(index, separator.size());
  put_varint(index, handle.size());
  index += separator + handle;
  put_u32(index, 0);  // one restart point, at 0
  put_u32(index, 1);
  const uint64_t index_offset = file.size();
  put_block(file, index, 0);
  std::string footer;
  put_varint(footer, 0);  // metaindex (unused by the reader)
  put_varint(footer, 0);
  put_varint(footer, index_offset);
  put_varint(footer, index.size());
  footer.resize(40, '\0');
  put_u32(footer, 0x8b80fb57u);  // magic 0xdb4775248b80fb57, little-endian
  put_u32(footer, 0xdb477524u);
  return file + footer;
}

template <class F>
void expect_only_film_errors(F&& f) {
  try {
    f();
  } catch (const film::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  expect_only_film_errors([&] { film::io::parse_checkpoint_index(bytes, "fuzz.index"); });
  expect_only_film_errors(
      [&] { film::io::parse_checkpoint_index(wrap_as_table(bytes, 0), "fuzz-block.index"); });
  expect_only_film_errors(
      [&] { film::io::parse_checkpoint_index(wrap_as_table(bytes, 1), "fuzz-snappy.index"); });
  expect_only_film_errors([&] { film::io::parse_savedmodel_variables(bytes, "fuzz.pb"); });
  return 0;
}
