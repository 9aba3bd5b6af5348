#include "models/import/tf_checkpoint.h"

#include <snappy.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "models/import/crc32c.h"
#include "models/import/protobuf_wire.h"

namespace film::io {
namespace {

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;       // two BlockHandles padded to 40 bytes, then the magic
constexpr size_t kBlockTrailerSize = 5;  // compression type byte + masked crc32c

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

uint32_t read_u32le(std::string_view b, size_t pos) {
  return uint32_t(uint8_t(b[pos])) | uint32_t(uint8_t(b[pos + 1])) << 8 |
         uint32_t(uint8_t(b[pos + 2])) << 16 | uint32_t(uint8_t(b[pos + 3])) << 24;
}

uint64_t read_u64le(std::string_view b, size_t pos) {
  return uint64_t(read_u32le(b, pos)) | uint64_t(read_u32le(b, pos + 4)) << 32;
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

BlockHandle decode_handle(std::string_view b, size_t& pos, const std::string& where) {
  BlockHandle h;
  h.offset = pb::read_varint(b, pos, where);
  h.size = pb::read_varint(b, pos, where);
  return h;
}

std::string describe(const std::string& kind, const BlockHandle& h) {
  return cat(kind, " (offset ", h.offset, ", size ", h.size, ")");
}

// The contents of one block, its checksum verified and decompressed.
std::string read_block(std::string_view file, const BlockHandle& h, const std::string& where) {
  if (h.offset > file.size() || h.size > file.size() - h.offset ||
      kBlockTrailerSize > file.size() - h.offset - h.size)
    fail(where, ": block runs past the end of the file (", file.size(),
         " bytes; truncated index?)");
  std::string_view stored = file.substr(h.offset, h.size);
  const char type = file[h.offset + h.size];
  const uint32_t expected = crc32c_unmask(read_u32le(file, h.offset + h.size + 1));
  const uint32_t actual = crc32c_extend(crc32c(stored), &type, 1);
  if (actual != expected)
    fail(where, ": block checksum mismatch (stored crc32c ", hex32(expected), ", computed ",
         hex32(actual), "): the index file is corrupt");
  if (type == 0) return std::string(stored);
  if (type != 1)
    fail(where, ": unknown block compression type ", int(uint8_t(type)), " (expected 0 or 1)");
  size_t n = 0;
  if (!snappy::GetUncompressedLength(stored.data(), stored.size(), &n))
    fail(where, ": snappy block has a malformed length header");
  // Snappy expands at most ~22x (a 3-byte copy yields 64 bytes); a larger claim is corruption, and
  // refusing it avoids allocating gigabytes for a few bytes of garbage.
  if (n > 32 * stored.size() + 32)
    fail(where, ": snappy block claims ", n, " uncompressed bytes from ", stored.size(),
         " (implausible)");
  std::string out(n, '\0');
  if (!snappy::RawUncompress(stored.data(), stored.size(), out.data()))
    fail(where, ": snappy block does not decompress (corrupt data)");
  return out;
}

// Calls visit(key, value) for each entry of a block's contents.
template <class Visit>
void for_each_block_entry(std::string_view block, const std::string& where, Visit&& visit) {
  if (block.size() < 4)
    fail(where, ": block of ", block.size(), " bytes is too short for its restart count");
  const uint64_t num_restarts = read_u32le(block, block.size() - 4);
  if (num_restarts == 0 || num_restarts > (block.size() - 4) / 4)
    fail(where, ": block of ", block.size(), " bytes cannot hold ", num_restarts,
         " restart points");
  const size_t data_end = block.size() - 4 - static_cast<size_t>(num_restarts) * 4;
  for (uint64_t i = 0; i < num_restarts; ++i)
    if (read_u32le(block, data_end + 4 * i) > data_end)
      fail(where, ": restart point ", i, " lies past the entries (",
           read_u32le(block, data_end + 4 * i), " > ", data_end, ")");
  std::string_view entries = block.substr(0, data_end);
  std::string key;
  // Prefix compression lets a tiny block name huge keys (each entry re-using a long prefix); cap
  // the total so a corrupt block cannot make us materialise gigabytes.
  const uint64_t key_budget = 64 * uint64_t(block.size()) + 65536;
  uint64_t key_bytes = 0;
  size_t pos = 0;
  while (pos < entries.size()) {
    const size_t start = pos;
    const uint64_t shared = pb::read_varint(entries, pos, where);
    const uint64_t unshared = pb::read_varint(entries, pos, where);
    const uint64_t value_len = pb::read_varint(entries, pos, where);
    if (shared > key.size())
      fail(where, ": entry at byte ", start, " shares ", shared,
           " key bytes but the previous key has ", key.size());
    if (unshared > entries.size() - pos || value_len > entries.size() - pos - unshared)
      fail(where, ": entry at byte ", start, " runs past the end of the block (key suffix ",
           unshared, " + value ", value_len, " bytes, ", entries.size() - pos, " left)");
    key.resize(static_cast<size_t>(shared));
    key.append(entries.substr(pos, static_cast<size_t>(unshared)));
    pos += static_cast<size_t>(unshared);
    key_bytes += key.size();
    if (key_bytes > key_budget)
      fail(where, ": keys total more than ", key_budget, " bytes (corrupt block)");
    visit(key, entries.substr(pos, static_cast<size_t>(value_len)));
    pos += static_cast<size_t>(value_len);
  }
}

BundleEntry parse_entry(std::string_view bytes, const std::string& where) {
  BundleEntry e;
  pb::Reader r(bytes, where);
  pb::Field f;
  while (r.next(f)) {
    switch (f.number) {
      case 1:
        e.dtype = static_cast<int>(f.varint_value(where));
        break;
      case 2:
        e.shape = parse_tensor_shape(f.bytes_value(where), where);
        break;
      case 3:
        e.shard_id = f.varint_value(where);
        break;
      case 4:
        e.offset = f.varint_value(where);
        break;
      case 5:
        e.size = f.varint_value(where);
        break;
      case 6:
        e.crc32c_masked = f.fixed32_value(where);
        e.has_crc32c = true;
        break;
      case 7:
        e.sliced = true;
        break;
      default:
        break;  // fields added by later TensorFlow versions
    }
  }
  return e;
}

BundleHeader parse_header(std::string_view bytes, const std::string& where) {
  BundleHeader h;
  pb::Reader r(bytes, where);
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 1) h.num_shards = f.varint_value(where);
    if (f.number == 2) h.big_endian = f.varint_value(where) != 0;
  }
  // proto3 omits zero values, so an absent num_shards reads as 0 — never valid for a bundle.
  if (h.num_shards == 0 || h.num_shards > 99999)
    fail(where, ": num_shards is ", h.num_shards, ", expected 1..99999");
  return h;
}

}  // namespace

int tf_dtype_size(int dtype) {
  switch (dtype) {
    case 1:
      return 4;  // float
    case 2:
      return 8;  // double
    case 3:
      return 4;  // int32
    case 4:
      return 1;  // uint8
    case 5:
      return 2;  // int16
    case 6:
      return 1;  // int8
    case 9:
      return 8;  // int64
    case 10:
      return 1;  // bool
    case 14:
      return 2;  // bfloat16
    case 17:
      return 2;  // uint16
    case 19:
      return 2;  // half
    case 22:
      return 4;  // uint32
    case 23:
      return 8;  // uint64
    default:
      return 0;
  }
}

Shape parse_tensor_shape(std::string_view bytes, const std::string& where) {
  Shape shape;
  pb::Reader r(bytes, where + " shape");
  pb::Field f;
  while (r.next(f)) {
    if (f.number == 3 && f.varint_value(r.where()) != 0) fail(where, ": shape has unknown rank");
    if (f.number != 2) continue;
    pb::Reader dim(f.bytes_value(r.where()), where + " shape dim " + std::to_string(shape.size()));
    pb::Field d;
    int64_t size = 0;
    while (dim.next(d))
      if (d.number == 1) size = static_cast<int64_t>(d.varint_value(dim.where()));
    shape.push_back(size);
  }
  return shape;
}

int64_t checked_num_elements(const Shape& shape, const std::string& label) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(label, ": shape ", shape_str(shape), " has a negative dimension");
    if (d != 0 && n > (int64_t(1) << 60) / d)
      fail(label, ": shape ", shape_str(shape), " is implausibly large");
    n *= d;
  }
  return n;
}

std::vector<std::pair<std::string, std::string>> parse_leveldb_table(std::string_view bytes,
                                                                     const std::string& path) {
  if (bytes.size() < kFooterSize)
    fail(path, ": ", bytes.size(), " bytes is too short for a table footer (", kFooterSize,
         " bytes; truncated index?)");
  const std::string_view footer = bytes.substr(bytes.size() - kFooterSize);
  const uint64_t magic = read_u64le(footer, kFooterSize - 8);
  if (magic != kTableMagic) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(magic));
    fail(path, ": bad table magic number ", buf,
         " (expected 0xdb4775248b80fb57): not a checkpoint index, "
         "or truncated");
  }
  const std::string footer_where = path + ": footer";
  const std::string_view handles = footer.substr(0, kFooterSize - 8);
  size_t pos = 0;
  decode_handle(handles, pos, footer_where);  // metaindex: TensorFlow writes it empty; unused
  const BlockHandle index_handle = decode_handle(handles, pos, footer_where);

  const std::string index_where = path + ": " + describe("index block", index_handle);
  const std::string index_block = read_block(bytes, index_handle, index_where);

  std::vector<std::pair<std::string, std::string>> out;
  uint64_t next_free = 0;  // data blocks are laid out in order and never overlap
  size_t block_no = 0;
  for_each_block_entry(
      index_block, index_where, [&](const std::string& separator, std::string_view value) {
        size_t p = 0;
        const std::string handle_where = cat(index_where, ": entry ", block_no);
        const BlockHandle h = decode_handle(value, p, handle_where);
        const std::string where = cat(path, ": ", describe(cat("data block ", block_no), h));
        if (h.offset < next_free)
          fail(where, ": overlaps the previous block (expected offset >= ", next_free, ")");
        const std::string block = read_block(bytes, h, where);
        next_free = h.offset + h.size + kBlockTrailerSize;
        for_each_block_entry(block, where, [&](const std::string& key, std::string_view v) {
          if (!out.empty() && !(out.back().first < key))
            fail(where, ": key '", key, "' is not after the previous key '", out.back().first,
                 "' (tables are sorted)");
          if (separator < key)
            fail(where, ": key '", key, "' lies beyond its index separator '", separator, "'");
          out.emplace_back(key, std::string(v));
        });
        ++block_no;
      });
  return out;
}

const BundleEntry& CheckpointIndex::at(const std::string& key) const {
  auto it = entries.find(key);
  if (it == entries.end()) fail(path, ": no tensor '", key, "' in the checkpoint index");
  return it->second;
}

CheckpointIndex parse_checkpoint_index(std::string_view bytes, const std::string& path) {
  CheckpointIndex index;
  index.path = path;
  bool have_header = false;
  for (auto& [key, value] : parse_leveldb_table(bytes, path)) {
    if (key.empty()) {
      index.header = parse_header(value, path + ": header (BundleHeaderProto)");
      have_header = true;
      continue;
    }
    const std::string where = cat(path, ": entry '", key, "'");
    BundleEntry e = parse_entry(value, where);
    index.keys.push_back(key);
    index.entries.emplace(key, std::move(e));
  }
  if (!have_header)
    fail(path, ": no BundleHeaderProto under the empty key (not a TensorFlow checkpoint index)");
  for (const auto& [key, e] : index.entries)
    if (!e.sliced && e.shard_id >= index.header.num_shards)
      fail(path, ": entry '", key, "': shard ", e.shard_id, " but the header says ",
           index.header.num_shards, " shards");
  return index;
}

CheckpointIndex read_checkpoint_index(const std::string& index_path) {
  return parse_checkpoint_index(read_file(index_path), index_path);
}

std::string checkpoint_data_path(const std::string& prefix, uint64_t shard, uint64_t num_shards) {
  char buf[64];
  std::snprintf(buf, sizeof buf, ".data-%05llu-of-%05llu", static_cast<unsigned long long>(shard),
                static_cast<unsigned long long>(num_shards));
  return prefix + buf;
}

std::string read_checked_bytes(const std::string& data_path, uint64_t offset, uint64_t size,
                               uint32_t crc32c_masked, const std::string& label) {
  namespace fs = std::filesystem;
  const std::string file_name = fs::path(data_path).filename().string();
  std::error_code ec;
  if (!fs::exists(data_path, ec))
    fail(data_path, ": checkpoint data file ", file_name, " is missing (needed for ", label, ")");
  const uint64_t file_size = fs::file_size(data_path, ec);
  if (ec) fail(data_path, ": cannot get the size of ", file_name, " (", ec.message(), ")");
  if (offset > file_size || size > file_size - offset)
    fail(data_path, ": ", file_name, " is truncated: ", label, " needs bytes [", offset, ", ",
         offset + size, ") but the file has ", file_size, " bytes");
  std::string out(static_cast<size_t>(size), '\0');
  std::ifstream in(data_path, std::ios::binary);
  if (!in) fail(data_path, ": cannot open ", file_name, " (", std::strerror(errno), ")");
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out.data(), static_cast<std::streamsize>(size));
  if (!in || uint64_t(in.gcount()) != size)
    fail(data_path, ": read error in ", file_name, " for ", label, " at offset ", offset);
  const uint32_t expected = crc32c_unmask(crc32c_masked);
  const uint32_t actual = crc32c(out);
  if (actual != expected)
    fail(data_path, ": checksum mismatch for ", label, " (stored crc32c ", hex32(expected),
         ", computed ", hex32(actual), " over ", size, " bytes at offset ", offset,
         "): the data file is corrupt");
  return out;
}

std::string read_checkpoint_bytes(const std::string& prefix, const CheckpointIndex& index,
                                  const std::string& key) {
  const BundleEntry& e = index.at(key);
  const std::string label = "tensor '" + key + "'";
  if (e.sliced)
    fail(index.path, ": ", label, " is partitioned into slices, which are not supported");
  const int elem = tf_dtype_size(e.dtype);
  if (elem == 0)
    fail(index.path, ": ", label, " has dtype ", e.dtype, ", not a fixed-size numeric type");
  const int64_t n = checked_num_elements(e.shape, index.path + ": " + label);
  if (e.size != uint64_t(n) * uint64_t(elem))
    fail(index.path, ": ", label, " of shape ", shape_str(e.shape), " should take ", n * elem,
         " bytes but its entry says ", e.size);
  if (index.header.big_endian) fail(index.path, ": big-endian checkpoints are not supported");
  return read_checked_bytes(checkpoint_data_path(prefix, e.shard_id, index.header.num_shards),
                            e.offset, e.size, e.crc32c_masked, label);
}

}  // namespace film::io
