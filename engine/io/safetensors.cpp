#include "engine/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "graph/base/error.h"
#include "graph/base/file.h"

namespace film::io {
namespace {

using json = nlohmann::json;

// Bytes per element of every dtype the format defines.
int dtype_size(const std::string& dtype) {
  static const std::map<std::string, int> sizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2},  {"BF16", 2},    {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
      {"U16", 2}, {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Tensor convert(const std::string& dtype, const char* p, const Shape& shape) {
  Tensor t = Tensor::zeros(shape);
  const int64_t n = t.size();
  float* out = t.data();
  if (dtype == "F32") {
    std::memcpy(out, p, 4 * n);
  } else if (dtype == "F64") {
    for (int64_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      out[i] = static_cast<float>(d);
    }
  } else if (dtype == "F16") {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = half_to_float(h);
    }
  } else if (dtype == "BF16") {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      uint32_t bits = uint32_t(h) << 16;
      std::memcpy(&out[i], &bits, 4);
    }
  } else {
    return Tensor();
  }
  return t;
}

}  // namespace

const Tensor& SafetensorsFile::get(const std::string& name) const {
  auto it = entries.find(name);
  if (it == entries.end()) fail(path, ": no tensor named '", name, "'");
  if (it->second.tensor.empty() && num_elements(it->second.shape) > 0)
    fail(path, ": tensor '", name, "' is stored as ", it->second.dtype,
         ", expected a floating-point dtype (F32, F16, BF16 or F64)");
  return it->second.tensor;
}

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& path) {
  SafetensorsFile file;
  file.path = path;
  if (bytes.size() < 8)
    fail(path, ": not a safetensors file (", bytes.size(),
         " bytes, shorter than the 8-byte header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(bytes[i]);
  if (header_len > bytes.size() - 8)
    fail(path, ": header length ", header_len, " runs past the end of the file (", bytes.size(),
         " bytes)");
  if (header_len > 100'000'000)
    fail(path, ": header length ", header_len, " exceeds the 100 MB limit");
  std::string_view header = bytes.substr(8, header_len);
  const size_t data_start = 8 + header_len;
  const uint64_t data_len = bytes.size() - data_start;

  // Duplicate top-level keys are silently merged by JSON libraries; detect them with the parser
  // callback so a file that names a tensor twice is rejected rather than half-read.
  std::set<std::string> seen;
  std::string duplicate;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    // A header is {"name": {"dtype", "shape": [...], "data_offsets": [...]}, "__metadata__": {}}:
    // three levels. Deeper nesting is refused while parsing (a deep value is never built).
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= 8)
      fail(path, ": header nested more than 8 levels deep; a safetensors header has 3");
    if (event == json::parse_event_t::key && depth == 1) {
      std::string k = parsed.get<std::string>();
      if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  };
  json h;
  try {
    h = json::parse(header.begin(), header.end(), cb);
  } catch (const json::parse_error& e) {
    fail(path, ": header is not valid JSON (byte ", e.byte, " of the header): ", e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double (1e400)
    fail(path, ": header is not usable JSON: ", e.what());
  }
  if (!duplicate.empty()) fail(path, ": tensor '", duplicate, "' appears twice in the header");
  if (!h.is_object()) fail(path, ": header must be a JSON object, got ", h.type_name());

  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (auto& [name, v] : h.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, ": __metadata__ must be an object of strings");
      for (auto& [k, s] : v.items()) {
        if (!s.is_string()) fail(path, ": __metadata__ value '", k, "' must be a string");
        file.metadata[k] = s.get<std::string>();
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    if (!v.is_object()) fail(where, ": entry must be an object with dtype, shape, data_offsets");
    if (!v.contains("dtype") || !v["dtype"].is_string()) fail(where, ": missing string 'dtype'");
    if (!v.contains("shape") || !v["shape"].is_array()) fail(where, ": missing array 'shape'");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2)
      fail(where, ": missing 'data_offsets' [begin, end]");
    SafetensorsEntry e;
    e.dtype = v["dtype"].get<std::string>();
    const int esize = dtype_size(e.dtype);
    if (esize == 0) fail(where, ": unknown dtype '", e.dtype, "'");
    uint64_t count = 1;
    for (auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) fail(where, ": shape entries must be non-negative integers");
      uint64_t dim = d.get<uint64_t>();
      if (dim > (1ull << 40) || (dim && count > (1ull << 40) / dim))
        fail(where, ": shape is implausibly large");
      count *= dim;
      e.shape.push_back(static_cast<int64_t>(dim));
    }
    for (auto& o : v["data_offsets"])
      if (!o.is_number_unsigned()) fail(where, ": data_offsets must be non-negative integers");
    uint64_t b = v["data_offsets"][0].get<uint64_t>(), en = v["data_offsets"][1].get<uint64_t>();
    if (b > en || en > data_len)
      fail(where, ": data_offsets [", b, ", ", en, "] are outside the data section (", data_len,
           " bytes)");
    if (en - b != count * esize)
      fail(where, ": data_offsets cover ", en - b, " bytes but shape ", shape_str(e.shape), " of ",
           e.dtype, " needs ", count * esize);
    ranges.push_back({b, en, name});
    e.tensor = convert(e.dtype, bytes.data() + data_start + b, e.shape);
    file.order.push_back(name);
    file.entries.emplace(name, std::move(e));
  }
  std::sort(ranges.begin(), ranges.end(), [](auto& a, auto& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].begin < ranges[i - 1].end)
      fail(path, ": tensors '", ranges[i - 1].name, "' and '", ranges[i].name,
           "' overlap in the data section");
  // Keep file order as written (by offset), which is what writers produce.
  std::sort(file.order.begin(), file.order.end(), [&](const std::string& a, const std::string& b) {
    auto ra = std::find_if(ranges.begin(), ranges.end(), [&](auto& r) { return r.name == a; });
    auto rb = std::find_if(ranges.begin(), ranges.end(), [&](auto& r) { return r.name == b; });
    return ra->begin < rb->begin;
  });
  return file;
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::string bytes = read_file(path);
  return parse_safetensors(bytes, path);
}

std::string encode_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  json h = json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::set<std::string> names;
  for (auto& [name, t] : tensors) {
    if (!names.insert(name).second) fail("safetensors writer: tensor '", name, "' given twice");
    uint64_t n = 4 * static_cast<uint64_t>(t.size());
    h[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  std::string header = h.dump();
  // Pad the header with spaces so the data section starts 8-byte aligned (allowed by the format).
  while ((8 + header.size()) % 8) header.push_back(' ');
  std::string out(8, '\0');
  uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  out += header;
  out.reserve(out.size() + offset);
  for (auto& [name, t] : tensors) out.append(reinterpret_cast<const char*>(t.data()), 4 * t.size());
  return out;
}

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

}  // namespace film::io
