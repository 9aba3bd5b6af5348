// Builds FILM's operator graph from its options. The structure follows the paper section by
// section: image pyramid; one sub-tree encoder function instantiated on every level of both
// images; cascaded concatenation; a coarse-to-fine flow_pyramid function run in both directions,
// whose predictors are specialised on the fine levels and shared on the coarse ones; warping;
// the U-Net fusion decoder.
#include <set>

#include "graph/base/error.h"
#include "models/film/options.h"

namespace film::model {
namespace {

using graph::Function;
using graph::Node;
using nlohmann::json;

constexpr double kLeakyAlpha = 0.2;

// FILM's stages (graph::Node::stage), as the inspector shows them.
constexpr const char* kPyramid = "pyramid";
constexpr const char* kEncoder = "encoder";
constexpr const char* kFlow = "flow";
constexpr const char* kWarp = "warp";
constexpr const char* kFusion = "fusion";

Node op(std::string name, std::string type, std::vector<std::string> inputs,
        json attrs = json::object(), const char* stage = "") {
  Node n;
  n.name = std::move(name);
  n.inputs = std::move(inputs);
  n.outputs = {n.name};
  n.stage = stage;
  graph::set_op(n, type, std::move(attrs));
  return n;
}

Node call(std::string name, std::string function, std::string scope,
          std::vector<std::string> inputs, std::vector<std::string> outputs, const char* stage) {
  Node n;
  n.name = std::move(name);
  graph::set_op(n, "call");
  n.function = std::move(function);
  n.weight_scope = std::move(scope);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.stage = stage;
  return n;
}

// TensorFlow "same" padding for stride 1: total k-1, the odd pixel at the bottom/right.
json same_pad(int k) { return json::array({(k - 1) / 2, (k - 1) / 2, k / 2, k / 2}); }

// conv (+ leaky ReLU): appends the nodes, returns the output value name.
std::string conv(std::vector<Node>& nodes, const std::string& name, const std::string& src,
                 const std::string& weights, int kernel, bool activation, const char* stage = "") {
  nodes.push_back(op(name, "conv2d", {src, weights + "/weight", weights + "/bias"},
                     {{"pad", same_pad(kernel)}}, stage));
  if (!activation) return name;
  nodes.push_back(op(name + "/relu", "leaky_relu", {name}, {{"alpha", kLeakyAlpha}}, stage));
  return name + "/relu";
}

Function encoder_function(const FilmOptions& o) {
  Function f;
  f.name = "encoder";
  f.inputs = {"image"};
  std::string head = "image";
  for (int i = 0; i < o.sub_levels; ++i) {
    for (int c = 2 * i; c < 2 * i + 2; ++c) {
      f.weights.push_back(cat("conv", c, "/weight"));
      f.weights.push_back(cat("conv", c, "/bias"));
      head = conv(f.nodes, cat("conv", c), head, cat("conv", c), 3, true);
    }
    f.outputs.push_back(head);  // S_i
    if (i + 1 < o.sub_levels) {
      f.nodes.push_back(op(cat("pool", i), "avg_pool2d", {head}));
      head = cat("pool", i);
    }
  }
  return f;
}

std::string predictor_function_name(int convs) { return cat("flow_predictor_", convs, "conv"); }

Function predictor_function(int convs) {
  Function f;
  f.name = predictor_function_name(convs);
  f.inputs = {"a", "b_warped"};
  f.nodes.push_back(op("input", "concat", {"a", "b_warped"}));
  std::string head = "input";
  for (int j = 0; j < convs + 2; ++j) {
    f.weights.push_back(cat("conv", j, "/weight"));
    f.weights.push_back(cat("conv", j, "/bias"));
    const bool last = j == convs + 1;
    head = conv(f.nodes, cat("conv", j), head, cat("conv", j), j < convs ? 3 : 1, !last);
  }
  // The residual flow: kept float32 where a backend lowers the precision (flows in pixels).
  f.nodes.back().keep_fp32 = true;
  f.outputs = {head};
  return f;
}

Function flow_pyramid_function(const FilmOptions& o) {
  const int L = o.pyramid_levels;
  Function f;
  f.name = "flow_pyramid";
  for (int l = 0; l < L; ++l) f.inputs.push_back(cat("a/", l));
  for (int l = 0; l < L; ++l) f.inputs.push_back(cat("b/", l));
  auto predict = [&](int l, const std::string& b, const std::string& out) {
    int idx = o.predictor_index(l);
    f.nodes.push_back(call(cat("l", l, "/predict"), predictor_function_name(o.flow_convs[idx]),
                           predictor_scope(o, idx), {cat("a/", l), b}, {out}, ""));
  };
  // Coarsest level: no warp; the flow there is the residual itself.
  predict(L - 1, cat("b/", L - 1), cat("residual/", L - 1));
  std::string v = cat("residual/", L - 1);
  for (int l = L - 2; l >= 0; --l) {
    const std::string p = cat("l", l, "/");
    f.nodes.push_back(op(p + "double", "mul", {v}, {{"scalar", 2.0}}));
    f.nodes.push_back(
        op(p + "upsample", "resize", {p + "double"}, {{"mode", "bilinear"}, {"scale", {2, 2}}}));
    f.nodes.push_back(op(p + "warp", "warp", {cat("b/", l), p + "upsample"}));
    predict(l, p + "warp", cat("residual/", l));
    Node add = op(p + "add", "add", {p + "upsample", cat("residual/", l)});
    add.outputs = {cat("flow/", l)};
    f.nodes.push_back(add);
    v = cat("flow/", l);
  }
  for (int l = 0; l < L - 1; ++l) f.outputs.push_back(cat("flow/", l));
  for (int l = 0; l < L; ++l) f.outputs.push_back(cat("residual/", l));
  return f;
}

void declare_weights(graph::Graph& g, const FilmOptions& o) {
  auto add = [&](const std::string& w, const std::string& b, int out, int in, int k) {
    g.weights.push_back({w, {out, in, k, k}, "F32"});
    g.weights.push_back({b, {out}, "F32"});
  };
  for (int i = 0; i < o.sub_levels; ++i) {
    const int c = o.filters << i, in = i == 0 ? 3 : o.filters << (i - 1);
    add(encoder_weight(2 * i, "weight"), encoder_weight(2 * i, "bias"), c, in, 3);
    add(encoder_weight(2 * i + 1, "weight"), encoder_weight(2 * i + 1, "bias"), c, c, 3);
  }
  for (int idx = 0; idx <= o.specialized_levels; ++idx) {
    const std::string s = predictor_scope(o, idx);
    const int ff = o.flow_filters[idx], convs = o.flow_convs[idx];
    int in = 2 * o.feature_channels(idx);
    for (int j = 0; j < convs + 2; ++j) {
      const int out = j < convs ? ff : (j == convs ? ff / 2 : 2);
      add(cat(s, "/conv", j, "/weight"), cat(s, "/conv", j, "/bias"), out, in, j < convs ? 3 : 1);
      in = out;
    }
  }
  const int F = o.fusion_pyramid_levels;
  auto fusion_in = [&](int l) { return 2 * (3 + o.feature_channels(l)) + 4; };
  for (int l = F - 2; l >= 0; --l) {
    const int n = o.fusion_channels(l),
              up_in = l == F - 2 ? fusion_in(F - 1) : o.fusion_channels(l + 1);
    add(fusion_weight(l, 0, "weight"), fusion_weight(l, 0, "bias"), n, up_in, 2);
    add(fusion_weight(l, 1, "weight"), fusion_weight(l, 1, "bias"), n, fusion_in(l) + n, 3);
    add(fusion_weight(l, 2, "weight"), fusion_weight(l, 2, "bias"), n, n, 3);
  }
  const int last = F >= 2 ? o.fusion_channels(0) : fusion_in(0);
  add(fusion_output_weight("weight"), fusion_output_weight("bias"), 3, last, 1);
}

}  // namespace

graph::Graph build_film_graph(const FilmOptions& o) {
  o.check();
  const int L = o.pyramid_levels, F = o.fusion_pyramid_levels;
  graph::Graph g;
  g.name = "film";
  g.metadata = {
      {"model", "FILM (Reda et al., ECCV 2022)"}, {"options", options_to_json(o)}, {"time", 0.5}};
  g.inputs = {{"x0", {std::string("N"), int64_t{3}, std::string("H"), std::string("W")}},
              {"x1", {std::string("N"), int64_t{3}, std::string("H"), std::string("W")}}};
  const std::string why =
      cat("FILM with pyramid_levels=", L, " halves the image ", L - 1, " times");
  g.dims["H"] = {o.size_multiple(), o.size_multiple(), why};
  g.dims["W"] = {o.size_multiple(), o.size_multiple(), why};
  declare_weights(g, o);

  Function enc = encoder_function(o);
  g.functions[enc.name] = enc;
  std::set<int> conv_counts(o.flow_convs.begin(), o.flow_convs.end());
  for (int c : conv_counts) {
    Function p = predictor_function(c);
    g.functions[p.name] = p;
  }
  Function fp = flow_pyramid_function(o);
  g.functions[fp.name] = fp;

  auto& nodes = g.nodes;
  // Image pyramids and the shared encoder on every level of both images.
  std::vector<std::string> image[2], features[2];
  for (int i = 0; i < 2; ++i) {
    const std::string x = cat("x", i);
    image[i].push_back(x);
    for (int l = 1; l < L; ++l) {
      nodes.push_back(op(cat("pyramid", i, "/", l), "avg_pool2d", {image[i].back()}, {}, kPyramid));
      image[i].push_back(cat("pyramid", i, "/", l));
    }
    for (int l = 0; l < L; ++l) {
      std::vector<std::string> outs;
      const int depth = std::min(o.sub_levels, L - l);
      for (int j = 0; j < o.sub_levels; ++j)
        outs.push_back(j < depth ? cat("encoder", i, "/", l, "/s", j) : "");
      nodes.push_back(
          call(cat("encoder", i, "/", l), "encoder", "encoder", {image[i][l]}, outs, kEncoder));
    }
    // Cascade: level l gathers sub-tree j started at level l-j, taken at depth j.
    for (int l = 0; l < L; ++l) {
      std::vector<std::string> parts;
      for (int j = 0; j <= std::min(l, o.sub_levels - 1); ++j)
        parts.push_back(cat("encoder", i, "/", l - j, "/s", j));
      if (parts.size() == 1) {
        features[i].push_back(parts[0]);
      } else {
        nodes.push_back(op(cat("features", i, "/", l), "concat", parts, {}, kEncoder));
        features[i].push_back(cat("features", i, "/", l));
      }
    }
  }
  // Flow in both directions; the call's outputs are named as the published pyramids.
  const char* dir_name[2] = {"forward", "backward"};
  std::vector<std::string> flow[2];
  for (int d = 0; d < 2; ++d) {
    std::vector<std::string> ins;
    for (int l = 0; l < L; ++l) ins.push_back(features[d][l]);
    for (int l = 0; l < L; ++l) ins.push_back(features[1 - d][l]);
    std::vector<std::string> outs;
    for (int l = 0; l < L - 1; ++l)
      outs.push_back(l < F ? cat(dir_name[d], "_flow_pyramid/", l) : "");
    for (int l = 0; l < L; ++l) outs.push_back(cat(dir_name[d], "_residual_flow_pyramid/", l));
    nodes.push_back(call(cat("flow_", dir_name[d]), "flow_pyramid", "", ins, outs, kFlow));
    for (int l = 0; l < F; ++l)
      flow[d].push_back(l < L - 1 ? cat(dir_name[d], "_flow_pyramid/", l)
                                  : cat(dir_name[d], "_residual_flow_pyramid/", l));
  }
  // Fusion inputs: each image warped to t=0.5 with its features, plus both half flows.
  std::vector<std::string> fusion_input;
  for (int l = 0; l < F; ++l) {
    const std::string p = cat("fusion/l", l, "/");
    nodes.push_back(op(p + "backward_half", "mul", {flow[1][l]}, {{"scalar", 0.5}}, kWarp));
    nodes.push_back(op(p + "forward_half", "mul", {flow[0][l]}, {{"scalar", 0.5}}, kWarp));
    nodes.push_back(op(p + "stack0", "concat", {image[0][l], features[0][l]}, {}, kWarp));
    nodes.push_back(op(p + "stack1", "concat", {image[1][l], features[1][l]}, {}, kWarp));
    nodes.push_back(op(p + "warped0", "warp", {p + "stack0", p + "backward_half"}, {}, kWarp));
    nodes.push_back(op(p + "warped1", "warp", {p + "stack1", p + "forward_half"}, {}, kWarp));
    nodes.push_back(op(p + "input", "concat",
                       {p + "warped0", p + "warped1", p + "backward_half", p + "forward_half"}, {},
                       kWarp));
    fusion_input.push_back(p + "input");
  }
  // U-Net decoder, coarse to fine.
  std::string net = fusion_input[F - 1];
  for (int l = F - 2; l >= 0; --l) {
    const std::string p = cat("fusion/l", l, "/");
    nodes.push_back(
        op(p + "upsample", "resize", {net}, {{"mode", "nearest"}, {"scale", {2, 2}}}, kFusion));
    std::string up =
        conv(nodes, p + "up_conv", p + "upsample", cat("fusion/level", l, "/conv0"), 2, false,
             kFusion);
    nodes.push_back(op(p + "concat", "concat", {fusion_input[l], up}, {}, kFusion));
    net = conv(nodes, p + "conv1", p + "concat", cat("fusion/level", l, "/conv1"), 3, true, kFusion);
    net = conv(nodes, p + "conv2", net, cat("fusion/level", l, "/conv2"), 3, true, kFusion);
  }
  nodes.push_back(op("image", "conv2d",
                     {net, fusion_output_weight("weight"), fusion_output_weight("bias")},
                     {{"pad", same_pad(1)}}, kFusion));
  nodes.back().keep_fp32 = true;  // the image

  g.outputs.push_back({"image", false});
  for (int d = 0; d < 2; ++d) {
    for (int l = 0; l < F && l < L - 1; ++l)
      g.outputs.push_back({cat(dir_name[d], "_flow_pyramid/", l), true});
    for (int l = 0; l < L; ++l)
      g.outputs.push_back({cat(dir_name[d], "_residual_flow_pyramid/", l), true});
  }
  return g;
}

graph::Graph film_graph_with_time(const graph::Graph& g, const std::string& where) {
  graph::Graph out = g;
  out.inputs.push_back({"time", {std::string("N"), int64_t{1}, int64_t{1}, int64_t{1}}});
  int scaled = 0;
  for (auto& n : out.nodes) {
    if (n.kind != graph::OpKind::mul) continue;
    const bool backward = n.name.ends_with("/backward_half"),
               forward = n.name.ends_with("/forward_half");
    if (!backward && !forward) continue;
    n.inputs.push_back("time");
    graph::set_op(n, "scale",
                  backward ? json::object() : json{{"multiplier", -1.0}, {"offset", 1.0}});
    ++scaled;
  }
  if (scaled == 0)
    fail(where,
         ": the graph has no time-scaled flows (FILM's fusion/l*/backward_half and forward_half), "
         "so it cannot predict other times directly");
  out.metadata["time"] = "input";
  return out;
}

}  // namespace film::model
