// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by LevelDB tables and TensorFlow
// checkpoints, plus the "masking" those formats apply to stored checksums.
//
// Why masking: a CRC stored next to the data it covers would make CRC-of-data-with-its-CRC
// degenerate; LevelDB and TensorFlow therefore store mask(crc) = rotr(crc, 15) + 0xa282ead8.
// Usage:
//   uint32_t c = film::io::crc32c(bytes);              // bytes: std::string_view
//   c = film::io::crc32c_extend(c, more.data(), more.size());
//   bool ok = film::io::crc32c_unmask(stored) == c;
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace film::io {

// Extends `crc` (the CRC of the bytes seen so far; 0 for none) with `n` more bytes.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

inline uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

inline uint32_t crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace film::io
