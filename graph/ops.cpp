#include "graph/ops.h"

#include "graph/error.h"

namespace film::graph {
namespace {

using json = nlohmann::json;

std::vector<int64_t> ints(const json& v) { return v.get<std::vector<int64_t>>(); }

void need_rank(const Shape& s, size_t rank, const char* arg) {
  if (s.size() != rank) fail(arg, " must have rank ", rank, " (NCHW), got shape ", shape_str(s));
}

std::vector<Shape> infer_conv2d(const std::vector<Shape>& in, const json& a) {
  const Shape &src = in[0], &w = in[1], &b = in[2];
  need_rank(src, 4, "src");
  need_rank(w, 4, "weights");
  if (b.size() != 1) fail("bias must be 1-D, got shape ", shape_str(b));
  auto pad = ints(a.at("pad"));
  auto stride = ints(a.at("stride"));
  if (pad.size() != 4) fail("attribute pad must be [top, left, bottom, right]");
  for (auto p : pad)
    if (p < 0) fail("attribute pad must be non-negative");
  if (stride.size() != 2 || stride[0] < 1 || stride[1] < 1)
    fail("attribute stride must be [sy, sx] >= 1");
  if (w[1] != src[1])
    fail("weights ", shape_str(w), " expect ", w[1], " input channels but src ", shape_str(src),
         " has ", src[1]);
  if (b[0] != w[0]) fail("bias has ", b[0], " entries but weights have ", w[0], " output channels");
  if (a.contains("leaky_relu") && !a.at("leaky_relu").is_null() && !a.at("leaky_relu").is_number())
    fail("attribute leaky_relu must be a number (the slope alpha)");
  const int64_t h = src[2] + pad[0] + pad[2] - w[2], wd = src[3] + pad[1] + pad[3] - w[3];
  if (h < 0 || wd < 0)
    fail("kernel ", w[2], "x", w[3], " is larger than the padded input ", src[2] + pad[0] + pad[2],
         "x", src[3] + pad[1] + pad[3]);
  return {{src[0], w[0], h / stride[0] + 1, wd / stride[1] + 1}};
}

std::vector<Shape> infer_same(const std::vector<Shape>& in, const json&) { return {in[0]}; }

std::vector<Shape> infer_avg_pool2d(const std::vector<Shape>& in, const json& a) {
  const Shape& s = in[0];
  need_rank(s, 4, "src");
  auto k = ints(a.at("kernel")), st = ints(a.at("stride"));
  if (k.size() != 2 || st.size() != 2 || k[0] < 1 || k[1] < 1 || st[0] < 1 || st[1] < 1)
    fail("attributes kernel and stride must be [y, x] >= 1");
  if (s[2] < k[0] || s[3] < k[1])
    fail("input ", shape_str(s), " is smaller than the pooling kernel ", k[0], "x", k[1]);
  if ((s[2] - k[0]) % st[0] || (s[3] - k[1]) % st[1])
    fail("input ", shape_str(s), " does not tile exactly with kernel ", k[0], "x", k[1], " stride ",
         st[0], "x", st[1], " (FILM needs even sizes at every pyramid level)");
  return {{s[0], s[1], (s[2] - k[0]) / st[0] + 1, (s[3] - k[1]) / st[1] + 1}};
}

std::vector<Shape> infer_resize(const std::vector<Shape>& in, const json& a) {
  const Shape& s = in[0];
  need_rank(s, 4, "src");
  auto mode = a.at("mode").get<std::string>();
  if (mode != "bilinear" && mode != "nearest")
    fail("attribute mode must be \"bilinear\" or \"nearest\", got \"", mode, "\"");
  auto sc = ints(a.at("scale"));
  if (sc.size() != 2 || sc[0] < 1 || sc[1] < 1)
    fail("attribute scale must be [sy, sx], integers >= 1");
  return {{s[0], s[1], s[2] * sc[0], s[3] * sc[1]}};
}

std::vector<Shape> infer_warp(const std::vector<Shape>& in, const json&) {
  const Shape &src = in[0], &flow = in[1];
  need_rank(src, 4, "src");
  need_rank(flow, 4, "flow");
  if (flow[1] != 2) fail("flow must have 2 channels (x, y), got shape ", shape_str(flow));
  if (flow[0] != src[0] || flow[2] != src[2] || flow[3] != src[3])
    fail("flow ", shape_str(flow), " must match src ", shape_str(src), " in batch and size");
  return {src};
}

std::vector<Shape> infer_concat(const std::vector<Shape>& in, const json& a) {
  const int64_t axis = a.at("axis").get<int64_t>();
  Shape out = in[0];
  if (axis < 0 || axis >= static_cast<int64_t>(out.size()))
    fail("attribute axis ", axis, " is out of range for rank ", out.size());
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i].size() != out.size())
      fail("input ", i, " has rank ", in[i].size(), ", input 0 has ", out.size());
    for (size_t d = 0; d < out.size(); ++d) {
      if (static_cast<int64_t>(d) == axis) continue;
      if (in[i][d] != out[d])
        fail("input ", i, " ", shape_str(in[i]), " does not match input 0 ", shape_str(in[0]),
             " outside axis ", axis);
    }
    out[axis] += in[i][axis];
  }
  return {out};
}

std::vector<Shape> infer_add(const std::vector<Shape>& in, const json&) {
  if (in[0] != in[1])
    fail("inputs must have the same shape, got ", shape_str(in[0]), " and ", shape_str(in[1]));
  return {in[0]};
}

std::vector<Shape> infer_slice(const std::vector<Shape>& in, const json& a) {
  Shape out = in[0];
  const int64_t axis = a.at("axis").get<int64_t>(), b = a.at("begin").get<int64_t>(),
                e = a.at("end").get<int64_t>();
  if (axis < 0 || axis >= static_cast<int64_t>(out.size()))
    fail("attribute axis ", axis, " is out of range for rank ", out.size());
  if (b < 0 || e > out[axis] || b >= e)
    fail("slice [", b, ", ", e, ") is empty or outside axis ", axis, " of size ", out[axis]);
  out[axis] = e - b;
  return {out};
}

std::vector<OpSchema> make_ops() {
  using T = AttrType;
  std::vector<OpSchema> ops;
  ops.push_back({OpKind::conv2d,
                 "conv2d",
                 {"src", "weights", "bias"},
                 false,
                 1,
                 {{"pad", T::Ints, true, nullptr},
                  {"stride", T::Ints, false, json::array({1, 1})},
                  {"leaky_relu", T::Float, false, nullptr}},
                 "2-D convolution, OIHW weights, explicit zero padding [top, left, bottom, right]; "
                 "with leaky_relu: alpha, followed by that activation (what engine/fuse.h makes)",
                 infer_conv2d});
  ops.push_back({OpKind::leaky_relu,
                 "leaky_relu",
                 {"src"},
                 false,
                 1,
                 {{"alpha", T::Float, true, nullptr}},
                 "x if x >= 0 else alpha * x",
                 infer_same,
                 true});
  ops.push_back({OpKind::avg_pool2d,
                 "avg_pool2d",
                 {"src"},
                 false,
                 1,
                 {{"kernel", T::Ints, false, json::array({2, 2})},
                  {"stride", T::Ints, false, json::array({2, 2})}},
                 "average pooling without padding",
                 infer_avg_pool2d});
  ops.push_back({OpKind::resize,
                 "resize",
                 {"src"},
                 false,
                 1,
                 {{"mode", T::String, true, nullptr}, {"scale", T::Ints, true, nullptr}},
                 "integer upscale: bilinear with half-pixel centres, or nearest",
                 infer_resize});
  ops.push_back(
      {OpKind::warp,
       "warp",
       {"src", "flow"},
       false,
       1,
       {},
       "backward warp: bilinear sample of src at (y + flow_y, x + flow_x), border clamped",
       infer_warp});
  ops.push_back({OpKind::concat,
                 "concat",
                 {"src"},
                 true,
                 1,
                 {{"axis", T::Int, false, 1}},
                 "concatenation along an axis (channels by default)",
                 infer_concat});
  ops.push_back(
      {OpKind::add, "add", {"a", "b"}, false, 1, {}, "element-wise sum", infer_add, true});
  ops.push_back({OpKind::mul,
                 "mul",
                 {"src"},
                 false,
                 1,
                 {{"scalar", T::Float, true, nullptr}},
                 "multiplication by a scalar",
                 infer_same,
                 true});
  ops.push_back({OpKind::slice,
                 "slice",
                 {"src"},
                 false,
                 1,
                 {{"axis", T::Int, true, nullptr},
                  {"begin", T::Int, true, nullptr},
                  {"end", T::Int, true, nullptr}},
                 "the range [begin, end) of one axis",
                 infer_slice});
  return ops;
}

bool has_type(const json& v, AttrType t) {
  switch (t) {
    case AttrType::Int:
      return v.is_number_integer();
    case AttrType::Float:
      return v.is_number();
    case AttrType::String:
      return v.is_string();
    case AttrType::Ints:
      if (!v.is_array()) return false;
      for (auto& e : v)
        if (!e.is_number_integer()) return false;
      return true;
  }
  return false;
}

const char* type_name(AttrType t) {
  switch (t) {
    case AttrType::Int:
      return "an integer";
    case AttrType::Float:
      return "a number";
    case AttrType::String:
      return "a string";
    case AttrType::Ints:
      return "a list of integers";
  }
  return "?";
}

}  // namespace

const AttrSpec* OpSchema::find_attr(const std::string& n) const {
  for (auto& a : attrs)
    if (a.name == n) return &a;
  return nullptr;
}

const std::vector<OpSchema>& all_ops() {
  static const std::vector<OpSchema> ops = make_ops();
  return ops;
}

const OpSchema* find_op(const std::string& name) {
  for (auto& op : all_ops())
    if (op.name == name) return &op;
  return nullptr;
}

const OpSchema& op_schema(OpKind kind) {
  for (auto& op : all_ops())
    if (op.kind == kind) return op;
  fail("internal: no schema for op kind ", static_cast<int>(kind));
}

const char* op_name(OpKind kind) { return op_schema(kind).name.c_str(); }

OpParams op_params(const OpSchema& schema, const json& given) {
  const json a = complete_attrs(schema, given);
  auto pair = [&](const char* k) {
    auto v = ints(a.at(k));
    return std::array<int64_t, 2>{v.at(0), v.at(1)};
  };
  switch (schema.kind) {
    case OpKind::conv2d: {
      Conv2dParams p;
      auto pad = ints(a.at("pad"));
      for (size_t i = 0; i < 4; ++i) p.pad[i] = pad.at(i);
      p.stride = pair("stride");
      if (a.contains("leaky_relu") && !a.at("leaky_relu").is_null())
        p.leaky_relu = a.at("leaky_relu").get<float>();
      return p;
    }
    case OpKind::leaky_relu:
      return LeakyReluParams{a.at("alpha").get<float>()};
    case OpKind::avg_pool2d:
      return AvgPool2dParams{pair("kernel"), pair("stride")};
    case OpKind::resize:
      return ResizeParams{a.at("mode").get<std::string>() == "bilinear", pair("scale")};
    case OpKind::warp:
      return WarpParams{};
    case OpKind::concat:
      return ConcatParams{a.at("axis").get<int>()};
    case OpKind::add:
      return AddParams{};
    case OpKind::mul:
      return MulParams{a.at("scalar").get<float>()};
    case OpKind::slice:
      return SliceParams{a.at("axis").get<int>(), a.at("begin").get<int64_t>(),
                         a.at("end").get<int64_t>()};
  }
  fail("internal: op kind ", static_cast<int>(schema.kind), " has no parameters");
}

void check_attrs(const OpSchema& schema, const json& attrs, const std::string& where) {
  if (!attrs.is_object()) fail(where, ": attrs must be an object");
  for (auto& [k, v] : attrs.items()) {
    const AttrSpec* spec = schema.find_attr(k);
    if (!spec) {
      std::string known;
      for (auto& a : schema.attrs) known += (known.empty() ? "" : ", ") + a.name;
      fail(where, ": unknown attribute '", k, "' for op ", schema.name,
           known.empty() ? std::string(" (it takes none)") : " (known: " + known + ")");
    }
    if (!has_type(v, spec->type))
      fail(where, ": attribute '", k, "' must be ", type_name(spec->type), ", got ", v.dump());
  }
  for (auto& a : schema.attrs)
    if (a.required && !attrs.contains(a.name))
      fail(where, ": op ", schema.name, " needs attribute '", a.name, "' (", type_name(a.type),
           ")");
}

}  // namespace film::graph

namespace film::graph {
nlohmann::json complete_attrs(const OpSchema& schema, const nlohmann::json& attrs) {
  nlohmann::json out = attrs.is_object() ? attrs : nlohmann::json::object();
  for (auto& a : schema.attrs)
    if (!out.contains(a.name) && !a.required) out[a.name] = a.default_value;
  return out;
}
}  // namespace film::graph
