// safetensors reader and writer (https://github.com/huggingface/safetensors format):
// 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, raw data.
//
// Reading validates everything (header bounds, JSON, each entry's dtype/shape/offsets, overlaps,
// duplicates) and throws film::Error naming the file and the tensor. F32 data is loaded as is;
// F16, BF16 and F64 are converted to float32 with `dtype` recording the stored type; other dtypes
// are listed with their header but carry no data.
// Writing is atomic (see io/file.h) and stores float32.
// Usage:
//   auto f = film::io::read_safetensors("in.safetensors");
//   film::Tensor x0 = f.get("x0");            // throws if absent or not convertible
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace film::io {

struct SafetensorsEntry {
  std::string dtype;  // as stored: "F32", "F16", ...
  Shape shape;
  Tensor tensor;  // empty when the dtype has no float conversion
};

struct SafetensorsFile {
  std::string path;
  std::vector<std::string> order;  // names in file order
  std::map<std::string, SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;

  bool has(const std::string& name) const { return entries.count(name) != 0; }
  // The tensor as float32; throws if missing or stored in a non-float dtype.
  const Tensor& get(const std::string& name) const;
};

SafetensorsFile read_safetensors(const std::string& path);
// Parses an in-memory file; `path` is used in error messages only.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& path);

std::string encode_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                               const std::map<std::string, std::string>& metadata = {});
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace film::io
