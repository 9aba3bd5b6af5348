#include "models/import/import_savedmodel.h"

#include <map>
#include <optional>
#include <set>

#include "graph/base/error.h"
#include "models/import/tf_savedmodel.h"

namespace film::model {
namespace {

enum class Part { Encoder, Flow, FlowShared, Fusion };

// A FILM TF variable name taken apart, e.g. predict_flow/flow_predictor_1/conv_2/kernel.
struct TfName {
  Part part = Part::Encoder;
  int predictor = 0;  // Flow only
  int conv = 0;       // cfeat_conv_N, conv_N or the N of conv2d_N (0 for plain conv2d)
  bool kernel = false;
};

// A non-negative decimal without sign or leading zeros, small enough to be an index.
std::optional<int> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 6 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int> after_prefix(std::string_view s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return std::nullopt;
  return parse_index(s.substr(prefix.size()));
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '/') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

std::optional<TfName> parse_tf_name(const std::string& name) {
  const auto p = split(name);
  TfName n;
  if (p.empty() || (p.back() != "kernel" && p.back() != "bias")) return std::nullopt;
  n.kernel = p.back() == "kernel";
  std::optional<int> i;
  if (p.size() == 4 && p[0] == "feat_net" && p[1] == "sub_extractor" &&
      (i = after_prefix(p[2], "cfeat_conv_"))) {
    n.part = Part::Encoder;
    n.conv = *i;
    return n;
  }
  if (p.size() == 4 && p[0] == "predict_flow" && (i = after_prefix(p[2], "conv_"))) {
    n.conv = *i;
    if (p[1] == "flow_predictor_shared") {
      n.part = Part::FlowShared;
      return n;
    }
    if (auto l = after_prefix(p[1], "flow_predictor_")) {
      n.part = Part::Flow;
      n.predictor = *l;
      return n;
    }
    return std::nullopt;
  }
  if (p.size() == 3 && p[0] == "fusion") {
    n.part = Part::Fusion;
    // Keras names the first conv2d "conv2d", then conv2d_1, conv2d_2, ...; "conv2d_0" never occurs.
    if (p[1] == "conv2d") return n;
    if ((i = after_prefix(p[1], "conv2d_")) && *i > 0) {
      n.conv = *i;
      return n;
    }
  }
  return std::nullopt;
}

TfName parse_or_fail(const std::string& name) {
  auto n = parse_tf_name(name);
  if (!n)
    fail("unexpected variable '", name,
         "' in a FILM SavedModel (expected feat_net/sub_extractor/cfeat_conv_N, ",
         "predict_flow/flow_predictor_{N|shared}/conv_N or fusion/conv2d[_N], each ending in "
         "/kernel or /bias)");
  return *n;
}

// Checks that `indices` are exactly 0..n-1 and returns n.
int contiguous_count(const std::set<int>& indices, const std::string& what) {
  int expect = 0;
  for (int i : indices) {
    if (i != expect)
      fail("FILM SavedModel: ", what, " ", expect, " is missing (found ", what, " ", i, ")");
    ++expect;
  }
  return expect;
}

struct Conv {
  std::optional<Shape> kernel, bias;
};

int out_channels(const std::map<int, Conv>& convs, int index, const std::string& what) {
  auto it = convs.find(index);
  if (it == convs.end()) fail("FILM SavedModel: ", what, " conv ", index, " is missing");
  return static_cast<int>(it->second.kernel->at(3));
}

}  // namespace

std::string film_engine_name(const std::string& tf_name, int fusion_pyramid_levels) {
  const TfName n = parse_or_fail(tf_name);
  const std::string suffix = n.kernel ? "/weight" : "/bias";
  switch (n.part) {
    case Part::Encoder:
      return cat("encoder/conv", n.conv, suffix);
    case Part::Flow:
      return cat("flow/predictor_", n.predictor, "/conv", n.conv, suffix);
    case Part::FlowShared:
      return cat("flow/predictor_shared/conv", n.conv, suffix);
    case Part::Fusion:
      break;
  }
  if (fusion_pyramid_levels < 1)
    fail("film_engine_name: fusion_pyramid_levels must be >= 1, got ", fusion_pyramid_levels);
  const int output = 3 * (fusion_pyramid_levels - 1);
  if (n.conv < output) return cat("fusion/level", n.conv / 3, "/conv", n.conv % 3, suffix);
  if (n.conv == output) return "fusion/output" + suffix;
  fail("unexpected variable '", tf_name, "': with ", fusion_pyramid_levels,
       " fusion levels the output conv is ", "fusion/conv2d_", output, " and nothing follows it");
}

FilmOptions infer_film_shape(const std::vector<std::pair<std::string, Shape>>& tf_variables,
                             int pyramid_levels) {
  // Convs per part, keyed by index; predictors keyed by level, the shared one by -1.
  std::map<int, Conv> encoder, fusion;
  std::map<int, std::map<int, Conv>> flow;
  std::set<std::string> seen;
  for (const auto& [name, shape] : tf_variables) {
    if (!seen.insert(name).second) fail("FILM SavedModel: variable '", name, "' occurs twice");
    const TfName n = parse_or_fail(name);
    Conv* conv = nullptr;
    switch (n.part) {
      case Part::Encoder:
        conv = &encoder[n.conv];
        break;
      case Part::Flow:
        conv = &flow[n.predictor][n.conv];
        break;
      case Part::FlowShared:
        conv = &flow[-1][n.conv];
        break;
      case Part::Fusion:
        conv = &fusion[n.conv];
        break;
    }
    if (n.kernel && shape.size() != 4)
      fail("FILM SavedModel: variable '", name, "' should be a 4-D HWIO kernel, found shape ",
           shape_str(shape));
    if (!n.kernel && shape.size() != 1)
      fail("FILM SavedModel: variable '", name, "' should be a 1-D bias, found shape ",
           shape_str(shape));
    (n.kernel ? conv->kernel : conv->bias) = shape;
  }
  // Every conv needs both parts, with as many biases as output channels.
  auto check = [](const std::map<int, Conv>& convs, const std::string& what) {
    for (const auto& [i, c] : convs) {
      if (!c.kernel) fail("FILM SavedModel: ", what, " conv ", i, " has a bias but no kernel");
      if (!c.bias) fail("FILM SavedModel: ", what, " conv ", i, " has a kernel but no bias");
      if ((*c.bias)[0] != (*c.kernel)[3])
        fail("FILM SavedModel: ", what, " conv ", i, ": bias has ", (*c.bias)[0],
             " values but the kernel ", shape_str(*c.kernel), " has ", (*c.kernel)[3],
             " output channels");
    }
  };
  check(encoder, "feature extractor (cfeat)");
  check(fusion, "fusion");
  for (const auto& [l, convs] : flow)
    check(convs, l < 0 ? "flow_predictor_shared" : cat("flow_predictor_", l));

  FilmOptions info;
  info.pyramid_levels = pyramid_levels;
  info.flow_convs.clear();
  info.flow_filters.clear();
  std::set<int> enc_idx, fus_idx, pred_idx;
  for (const auto& kv : encoder) enc_idx.insert(kv.first);
  for (const auto& kv : fusion) fus_idx.insert(kv.first);
  for (const auto& kv : flow)
    if (kv.first >= 0) pred_idx.insert(kv.first);

  const int n_enc = contiguous_count(enc_idx, "cfeat_conv");
  if (n_enc == 0 || n_enc % 2 != 0)
    fail(
        "FILM SavedModel: expected an even, non-zero number of cfeat convs (two per sub-level), "
        "found ",
        n_enc);
  info.sub_levels = n_enc / 2;
  info.filters = out_channels(encoder, 0, "cfeat");

  info.specialized_levels = contiguous_count(pred_idx, "flow_predictor");
  if (!flow.count(-1)) fail("FILM SavedModel: predict_flow/flow_predictor_shared is missing");
  auto add_predictor = [&](int key, const std::string& what) {
    const auto& convs = flow.at(key);
    std::set<int> idx;
    for (const auto& kv : convs) idx.insert(kv.first);
    const int n = contiguous_count(idx, what + " conv");
    if (n < 3)
      fail("FILM SavedModel: ", what, " has ", n,
           " convs, expected at least 3 (3x3 convs, then two 1x1)");
    info.flow_convs.push_back(n - 2);
    info.flow_filters.push_back(out_channels(convs, 0, what));
  };
  for (int l = 0; l < info.specialized_levels; ++l) add_predictor(l, cat("flow_predictor_", l));
  add_predictor(-1, "flow_predictor_shared");

  const int n_fus = contiguous_count(fus_idx, "fusion conv2d");
  if (n_fus == 0 || (n_fus - 1) % 3 != 0)
    fail("FILM SavedModel: expected 3 fusion convs per level plus the output conv, found ", n_fus,
         " fusion convs");
  info.fusion_pyramid_levels = (n_fus - 1) / 3 + 1;

  if (pyramid_levels < info.fusion_pyramid_levels || pyramid_levels <= info.specialized_levels)
    fail("FILM SavedModel: pyramid_levels ", pyramid_levels, " is too small for ",
         info.fusion_pyramid_levels, " fusion levels and ", info.specialized_levels,
         " specialised levels");
  return info;
}

std::vector<std::pair<std::string, Shape>> savedmodel_shapes(const std::string& savedmodel_dir) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& v : io::list_savedmodel_variables(savedmodel_dir))
    out.emplace_back(v.name, v.shape);
  return out;
}

Tensor hwio_to_oihw(const Tensor& hwio) {
  if (hwio.shape().size() != 4)
    fail("hwio_to_oihw: expected a 4-D kernel, got shape ", shape_str(hwio.shape()));
  const int64_t H = hwio.dim(0), W = hwio.dim(1), I = hwio.dim(2), O = hwio.dim(3);
  Tensor oihw = Tensor::zeros({O, I, H, W});
  const float* src = hwio.data();
  float* dst = oihw.data();
  // out[o][i][h][w] = in[h][w][i][o]; reading in source order keeps the loads sequential.
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w = 0; w < W; ++w)
      for (int64_t i = 0; i < I; ++i)
        for (int64_t o = 0; o < O; ++o)
          dst[((o * I + i) * H + h) * W + w] = src[((h * W + w) * I + i) * O + o];
  return oihw;
}

std::vector<std::pair<std::string, Tensor>> import_film_savedmodel(
    const std::string& savedmodel_dir) {
  const auto vars = io::list_savedmodel_variables(savedmodel_dir);
  std::vector<std::pair<std::string, Shape>> shapes;
  for (const auto& v : vars) shapes.emplace_back(v.name, v.shape);
  // Validates the whole set (and names any stray variable) before reading megabytes of data.
  FilmOptions info;
  try {
    info = infer_film_shape(shapes);
  } catch (const Error& e) {
    fail(savedmodel_dir, ": ", e.what());
  }
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& v : vars) {
    const std::string name = film_engine_name(v.name, info.fusion_pyramid_levels);
    Tensor t = io::read_tf_variable(savedmodel_dir, v);
    if (t.shape().size() == 4) t = hwio_to_oihw(t);
    out.emplace_back(name, t);
  }
  return out;
}

}  // namespace film::model
