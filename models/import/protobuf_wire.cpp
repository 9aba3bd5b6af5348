#include "models/import/protobuf_wire.h"

#include "graph/base/error.h"

namespace film::io::pb {

uint64_t read_varint(std::string_view bytes, size_t& pos, const std::string& where) {
  uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos >= bytes.size()) fail(where, ": truncated varint at byte ", pos, " of ", bytes.size());
    uint8_t b = static_cast<uint8_t>(bytes[pos++]);
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (i == 9 && b > 1) fail(where, ": varint overflows 64 bits at byte ", pos - 1);
    value |= uint64_t(b & 0x7f) << (7 * i);
    if (b < 0x80) return value;
  }
  fail(where, ": varint longer than 10 bytes at byte ", pos);
}

static const char* type_name(WireType t) {
  switch (t) {
    case WireType::Varint:
      return "varint";
    case WireType::Fixed64:
      return "fixed64";
    case WireType::Bytes:
      return "length-delimited";
    case WireType::Fixed32:
      return "fixed32";
  }
  return "?";
}

uint64_t Field::varint_value(const std::string& where) const {
  if (type != WireType::Varint)
    fail(where, ": field ", number, ": expected a varint, found a ", type_name(type), " field");
  return number_value;
}

uint32_t Field::fixed32_value(const std::string& where) const {
  if (type != WireType::Fixed32)
    fail(where, ": field ", number, ": expected a fixed32, found a ", type_name(type), " field");
  return static_cast<uint32_t>(number_value);
}

std::string_view Field::bytes_value(const std::string& where) const {
  if (type != WireType::Bytes)
    fail(where, ": field ", number, ": expected a length-delimited field, found a ",
         type_name(type), " field");
  return bytes;
}

static uint64_t read_le(std::string_view bytes, size_t pos, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t(static_cast<uint8_t>(bytes[pos + i])) << (8 * i);
  return v;
}

bool Reader::next(Field& f) {
  if (pos_ >= bytes_.size()) return false;
  size_t start = pos_;
  uint64_t key = read_varint(bytes_, pos_, where_);
  uint64_t number = key >> 3;
  if (number == 0 || number > 0x1fffffff)
    fail(where_, ": invalid field number ", number, " at byte ", start);
  f = Field{};
  f.number = static_cast<uint32_t>(number);
  switch (key & 7) {
    case 0:
      f.type = WireType::Varint;
      f.number_value = read_varint(bytes_, pos_, where_);
      break;
    case 1:
      f.type = WireType::Fixed64;
      if (bytes_.size() - pos_ < 8)
        fail(where_, ": field ", number, ": truncated fixed64 at byte ", pos_);
      f.number_value = read_le(bytes_, pos_, 8);
      pos_ += 8;
      break;
    case 5:
      f.type = WireType::Fixed32;
      if (bytes_.size() - pos_ < 4)
        fail(where_, ": field ", number, ": truncated fixed32 at byte ", pos_);
      f.number_value = read_le(bytes_, pos_, 4);
      pos_ += 4;
      break;
    case 2: {
      f.type = WireType::Bytes;
      uint64_t len = read_varint(bytes_, pos_, where_);
      if (len > bytes_.size() - pos_)
        fail(where_, ": field ", number, ": length ", len, " at byte ", start,
             " runs past the end (", bytes_.size() - pos_, " bytes left)");
      f.bytes = bytes_.substr(pos_, static_cast<size_t>(len));
      pos_ += static_cast<size_t>(len);
      break;
    }
    default:
      // Groups (3, 4) are proto2-only and absent from the TensorFlow protos read here.
      fail(where_, ": field ", number, ": unsupported wire type ", key & 7, " at byte ", start);
  }
  return true;
}

}  // namespace film::io::pb
