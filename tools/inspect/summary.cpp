#include "tools/inspect/summary.h"

#include "graph/base/error.h"
#include "graph/flatten.h"
#include "tools/app/padding.h"
#include "tools/media/image.h"

namespace film {

namespace {

std::string mib(size_t bytes) { return cat(static_cast<double>(bytes) / (1 << 20), " MiB"); }
std::string wxh(int64_t h, int64_t w) { return cat(w, "x", h); }

std::string declarations(const InspectInput& in, bool have_weights) {
  const graph::Graph& g = *in.graph;
  std::string s = cat(in.path, ": graph '", g.name, "' (format version ", g.version, ") is valid\n  inputs: ");
  for (auto& i : g.inputs) {
    std::string dims;
    for (auto& d : i.shape) dims += (dims.empty() ? "" : ",") + std::visit([](auto& v) { return cat(v); }, d);
    s += i.name + "[" + dims + "] ";
  }
  size_t aux = 0;
  for (auto& o : g.outputs) aux += o.aux;
  int64_t params = 0;
  for (auto& w : g.weights) params += num_elements(w.shape);
  s += cat("\n  outputs: ", g.outputs.size() - aux, " (+", aux, " aux)\n  weights: ", g.weights.size(),
           " tensors, ", params, " parameters (", mib(sizeof(float) * params), ")",
           have_weights ? "" : ", declared (a bare graph: no weight data)", "\n");
  for (auto& [name, f] : g.functions)
    s += cat("  function ", name, ": ", f.inputs.size(), " inputs, ", f.outputs.size(), " outputs, ",
             f.weights.size(), " weights, ", f.nodes.size(), " nodes\n");
  std::map<std::string, int> ops;
  for (auto& n : in.flat->nodes) ++ops[n.op];
  s += cat("  after inlining: ", in.flat->nodes.size(), " nodes (");
  bool first = true;
  for (auto& [op, c] : ops) s += cat(first ? "" : ", ", op, " ", c), first = false;
  return s + ")\n";
}

std::string plan_lines(const InspectInput& in) {
  const PlanReport& r = in.plan->report;
  const auto [ph, pw] = padded_size(*in.graph, in.height, in.width);
  const auto report = inspect_report(in);
  const double total = report["macs"];
  std::string s = cat("at ", wxh(in.height, in.width),
                      ph != in.height || pw != in.width ? " (runs at " + wxh(ph, pw) + ")" : "", ": ");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", total / 1e9);
  s += cat(buf, " GMAC per frame (");
  bool first = true;
  for (const auto& [stage, m] : report["stage_macs"].items()) {
    if (m.get<double>() == 0) continue;
    std::snprintf(buf, sizeof buf, "%.0f%%", 100 * m.get<double>() / total);
    s += cat(first ? "" : ", ", stage, " ", buf), first = false;
  }
  s += cat(")\n  plan on backend ", in.backend, ": ", r.steps, " steps (", r.reorders,
           " reorders), ", r.slots, " concat inputs written in place (", r.elided_concats,
           " concats removed), ", r.slice_views, " slices read in place, ", r.barriers, " barriers\n");
  s += cat("  planned memory: intermediates ", mib(r.arena_bytes), " (", mib(r.intermediate_bytes),
           " without reuse; scratch up to ", mib(r.scratch_bytes), "; ", r.in_place_nodes,
           " nodes in place), weights ", mib(r.weight_bytes), " + ", mib(r.prepared_weight_bytes),
           " repacked, inputs+outputs ", mib(r.input_bytes + r.output_bytes), "; peak ",
           mib(r.planned_peak()), "\n");
  return s;
}

std::string node_lines(const InspectInput& in) {
  std::string s;
  for (size_t i : graph::topo_order(*in.flat)) {
    const auto& n = in.flat->nodes[i];
    std::string ins;
    for (auto& v : n.inputs) ins += (ins.empty() ? "" : ", ") + v;
    std::string out = n.outputs[0];
    if (in.plan && in.plan->shapes.count(out)) out += " " + shape_str(in.plan->shapes.at(out));
    char line[512];
    std::snprintf(line, sizeof line, "  %-40s %-10s %s -> %s\n", n.name.c_str(), n.op.c_str(),
                  ins.c_str(), out.c_str());
    s += line;
  }
  return s;
}

}  // namespace

RunInputs run_inputs(const graph::Graph& g, const std::string& images, int64_t h, int64_t w) {
  RunInputs r;
  if (g.inputs.size() != 2) fail("the graph has ", g.inputs.size(), " inputs; runs need two");
  std::vector<Tensor> frames;
  if (!images.empty()) {
    const auto comma = images.find(',');
    if (comma == std::string::npos) usage_fail("--images takes two image files: A,B");
    for (const std::string& f : {images.substr(0, comma), images.substr(comma + 1)})
      frames.push_back(io::read_image(f).rgb);
    if (frames[0].shape() != frames[1].shape())
      fail(images.substr(comma + 1), ": size differs from ", images.substr(0, comma));
    r.h = frames[0].dim(2);
    r.w = frames[0].dim(3);
  } else {
    r.h = h;
    r.w = w;
    for (int k = 0; k < 2; ++k) {
      Tensor t = Tensor::zeros({1, 3, h, w});
      for (int64_t i = 0; i < t.size(); ++i)
        t.data()[i] = static_cast<float>((i * 7 + 40 * k) % 255) / 255;
      frames.push_back(t);
    }
  }
  std::tie(r.ph, r.pw) = padded_size(g, r.h, r.w);
  for (size_t k = 0; k < 2; ++k)
    r.tensors[g.inputs[k].name] = recentre(frames[k], r.ph, r.pw, Padding::replicate);
  return r;
}

std::string summary_text(const InspectInput& in, bool nodes) {
  std::string s = declarations(in, in.weights != nullptr);
  if (in.plan) s += plan_lines(in);
  if (nodes) s += node_lines(in);
  return s;
}

}  // namespace film
