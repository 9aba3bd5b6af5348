// A minimal reader of the protobuf wire format, for decoding a few known messages (TensorFlow's
// SavedModel and checkpoint protos) without a protobuf library or the .proto files.
//
// Contract: every length and offset is checked against the buffer; malformed input (truncated
// varint, over-long varint, length past the end, group or unknown wire type) throws film::Error
// whose message starts with the caller's `where` (e.g. "saved_model.pb: SavedObject 12").
// Fields are returned in wire order; repeated fields simply occur several times.
// Usage:
//   film::io::pb::Reader r(bytes, "model.pb: MetaGraphDef");
//   film::io::pb::Field f;
//   while (r.next(f))
//     if (f.number == 7) graph = f.bytes_value(r.where());   // a sub-message, to read with its own
//     Reader
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace film::io::pb {

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

struct Field {
  uint32_t number = 0;
  WireType type = WireType::Varint;
  uint64_t number_value = 0;  // Varint, Fixed64, Fixed32
  std::string_view bytes;     // Bytes (strings, sub-messages, packed repeated fields)

  // The value of a varint field (int32/int64/uint64/enum/bool); throws on another wire type.
  uint64_t varint_value(const std::string& where) const;
  // The value of a fixed32 field; throws on another wire type.
  uint32_t fixed32_value(const std::string& where) const;
  // The payload of a length-delimited field; throws on another wire type.
  std::string_view bytes_value(const std::string& where) const;
};

// Reads a base-128 varint at `pos` (advanced past it). Throws if truncated or longer than 10 bytes.
uint64_t read_varint(std::string_view bytes, size_t& pos, const std::string& where);

class Reader {
 public:
  Reader(std::string_view bytes, std::string where) : bytes_(bytes), where_(std::move(where)) {}
  // Reads the next field into `f`; false at the end of the buffer.
  bool next(Field& f);
  const std::string& where() const { return where_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  std::string where_;
};

}  // namespace film::io::pb
