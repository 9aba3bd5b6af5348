// Reader of TensorFlow checkpoints ("tensor bundles"): the `<prefix>.index` file, a LevelDB-style
// sorted table mapping tensor keys to BundleEntryProto, and the `<prefix>.data-SSSSS-of-NNNNN`
// shards holding the raw tensor bytes. No TensorFlow or protobuf library is needed.
//
// Index format, as read here:
//   footer (last 48 bytes): metaindex BlockHandle, index BlockHandle (varint offset, varint size),
//     zero padding to 40 bytes, then the magic 0xdb4775248b80fb57 (little-endian fixed64);
//   each block is followed by a 5-byte trailer: compression type (0 none, 1 snappy) and the masked
//     crc32c of the stored block plus that type byte; both are verified;
//   a block holds prefix-compressed entries (varint shared, varint unshared, varint value length,
//     key suffix, value), then uint32 restart offsets and their count;
//   the index block maps a separator key to the BlockHandle of each data block.
// Entry values are BundleEntryProto (dtype=1, shape=2, shard_id=3, offset=4, size=5,
// crc32c=6 fixed32, slices=7); the empty key holds BundleHeaderProto (num_shards=1, endianness=2).
//
// Contract: parsing never reads out of bounds; malformed input throws film::Error naming the file
// and the block or key, with what was expected and what was found. `parse_*` functions take the
// bytes in memory; their `path` argument is used in messages only.
// Usage:
//   auto index = film::io::read_checkpoint_index("m/variables/variables.index");
//   const auto& e = index.at("variables/0/.ATTRIBUTES/VARIABLE_VALUE");
//   std::string raw = film::io::read_checkpoint_bytes("m/variables/variables", index,
//                                                     "variables/0/.ATTRIBUTES/VARIABLE_VALUE");
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace film::io {

// TensorFlow DataType values met in checkpoints (types.proto).
enum TfDtype : int { kTfFloat = 1, kTfDouble = 2, kTfInt32 = 3, kTfString = 7, kTfInt64 = 9 };

// Bytes per element of a fixed-size TensorFlow dtype; 0 for string/variant/unknown dtypes.
int tf_dtype_size(int dtype);

// All (key, value) pairs of a LevelDB-format table, in stored (sorted) order. Verifies the footer
// magic, every block's crc32c, snappy decompression and strictly increasing keys.
std::vector<std::pair<std::string, std::string>> parse_leveldb_table(std::string_view bytes,
                                                                     const std::string& path);

struct BundleEntry {
  int dtype = 0;
  Shape shape;
  uint64_t shard_id = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t crc32c_masked = 0;  // as stored: crc32c_mask(crc32c(bytes))
  bool has_crc32c = false;     // proto3 drops a zero field, so absent means a masked crc of 0
  bool sliced =
      false;  // a partitioned tensor (stored as slices under other keys); not readable here
};

struct BundleHeader {
  uint64_t num_shards = 0;
  bool big_endian = false;
};

struct CheckpointIndex {
  std::string path;
  BundleHeader header;
  std::vector<std::string> keys;  // stored (sorted) order, without the header's empty key
  std::map<std::string, BundleEntry> entries;

  bool has(const std::string& key) const { return entries.count(key) != 0; }
  // Throws, naming the index file and the key, if absent.
  const BundleEntry& at(const std::string& key) const;
};

CheckpointIndex parse_checkpoint_index(std::string_view bytes, const std::string& path);
CheckpointIndex read_checkpoint_index(const std::string& index_path);

// "<prefix>.data-00000-of-00001" for shard 0 of 1.
std::string checkpoint_data_path(const std::string& prefix, uint64_t shard, uint64_t num_shards);

// Reads `size` bytes at `offset` of a data shard and verifies them against `crc32c_masked`.
// `label` names the tensor in messages. Throws if the file is missing, too short, or the checksum
// does not match.
std::string read_checked_bytes(const std::string& data_path, uint64_t offset, uint64_t size,
                               uint32_t crc32c_masked, const std::string& label);

// The raw little-endian bytes of entry `key` (fixed-size dtypes only), checksum verified.
std::string read_checkpoint_bytes(const std::string& prefix, const CheckpointIndex& index,
                                  const std::string& key);

// Decodes a TensorShapeProto (dim=2 {size=1}; unknown_rank=3 is rejected).
Shape parse_tensor_shape(std::string_view bytes, const std::string& where);

// Element count of a shape with every dimension >= 0; throws (naming `label`) on a negative
// dimension or an implausibly large product.
int64_t checked_num_elements(const Shape& shape, const std::string& label);

}  // namespace film::io
