#include "tools/inspect/inspect.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>

#include "tools/media/image.h"
#include "tools/inspect/visualize.h"
#include "engine/io/safetensors.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/flatten.h"
#include "graph/shapes.h"

namespace film {
namespace {

using json = nlohmann::ordered_json;

void collect_instances(const graph::Graph& g, const std::vector<graph::Node>& nodes,
                       const std::string& prefix, std::map<std::string, Instance>& out) {
  for (const auto& n : nodes) {
    if (n.kind != graph::OpKind::call) continue;
    const std::string path = prefix + n.name;
    const auto f = g.functions.find(n.function);
    if (f == g.functions.end()) continue;  // validated graphs have it
    for (const auto& inner : f->second.nodes) {
      if (inner.kind == graph::OpKind::call) continue;
      out[path + "/" + inner.name] = {path, n.function};
    }
    collect_instances(g, f->second.nodes, path + "/", out);
  }
}

const char* role_name(ValueRole r) {
  switch (r) {
    case ValueRole::input:
      return "input";
    case ValueRole::weight:
      return "weight";
    case ValueRole::intermediate:
      return "intermediate";
    case ValueRole::output:
      return "output";
    case ValueRole::scratch:
      return "scratch";
  }
  return "?";
}

json dims_json(const std::vector<graph::Dim>& dims) {
  json a = json::array();
  for (const auto& d : dims) std::visit([&](const auto& v) { a.push_back(v); }, d);
  return a;
}

// The memory a value occupies in the plan: where it lives and how many bytes.
json value_memory(const ExecutionPlan& p, int v) {
  const PlannedValue& pv = p.values[v];
  json m = {{"value", pv.name}, {"role", role_name(pv.role)}, {"layout", layout_name(pv.layout)}};
  if (pv.view_of >= 0) {
    m["view_of"] = p.values[pv.view_of].name;
    m["view_offset_elements"] = pv.view_offset;
    m["bytes"] = 0;
  } else {
    m["bytes"] = pv.bytes;
    if (pv.role == ValueRole::intermediate || pv.role == ValueRole::scratch)
      m["arena_offset"] = pv.arena_offset;
  }
  return m;
}

// Arena bytes live during each step: the union of the byte ranges of the intermediates alive
// then (from the first step that writes a value, a concat slot's producer included, to the last
// that reads it or a view of it) and of the step's scratch. A union, so that values placed over
// each other (in place) count once.
std::vector<size_t> live_bytes(const ExecutionPlan& p) {
  const int n = static_cast<int>(p.values.size());
  std::vector<int> first(n, INT32_MAX), last(n, -1);
  for (int v = 0; v < n; ++v) {
    int root = v;
    while (p.values[root].view_of >= 0) root = p.values[root].view_of;
    const PlannedValue& pv = p.values[v];
    if (pv.producer >= 0) {
      first[root] = std::min(first[root], pv.producer);
      last[root] = std::max(last[root], pv.producer);
    }
    for (int c : pv.consumers) last[root] = std::max(last[root], c);
  }
  std::vector<size_t> live(p.steps.size(), 0);
  for (int s = 0; s < static_cast<int>(p.steps.size()); ++s) {
    std::vector<std::pair<size_t, size_t>> ranges;
    for (int v = 0; v < n; ++v) {
      const PlannedValue& pv = p.values[v];
      if (pv.view_of >= 0 || pv.bytes == 0) continue;
      const bool alive = (pv.role == ValueRole::intermediate && first[v] <= s && s <= last[v]) ||
                         (pv.role == ValueRole::scratch && p.steps[s].scratch == v);
      if (alive) ranges.push_back({pv.arena_offset, pv.arena_offset + pv.bytes});
    }
    std::sort(ranges.begin(), ranges.end());
    size_t end = 0;
    for (const auto& [lo, hi] : ranges) {
      if (hi > std::max(lo, end)) live[s] += hi - std::max(lo, end);
      end = std::max(end, hi);
    }
  }
  return live;
}

// Text as the inside of a DOT quoted string: quotes and backslashes escaped (a name holding \"
// must not end the string), line breaks as DOT's \n; nothing else is special there.
std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

std::string dot_quote(const std::string& s) { return "\"" + dot_escape(s) + "\""; }

// The stages of a graph's nodes in the order they first appear ("other", for untagged nodes,
// last), each with its colour in the report's pictures.
json stage_list(const graph::Graph& flat) {
  static const char* const palette[] = {"#e8f1fb", "#dcefdc", "#fbe6cf", "#f3dcf3",
                                        "#fbf3c8", "#dff3f3", "#f6dede", "#e6e0f6"};
  std::vector<std::string> order;
  bool other = false;
  for (const auto& n : flat.nodes) {
    const std::string s = stage_of(n);
    if (s == "other") other = true;
    else if (std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
  }
  json out = json::array();
  for (size_t i = 0; i < order.size(); ++i)
    out.push_back({{"name", order[i]}, {"colour", palette[i % std::size(palette)]}});
  if (other) out.push_back({{"name", "other"}, {"colour", "#eeeeee"}});
  return out;
}

std::string stage_colour(const json& report, const std::string& stage) {
  for (const auto& s : report["stages"])
    if (s["name"] == stage) return s["colour"].get<std::string>();
  return "#eeeeee";
}

}  // namespace

std::string stage_of(const graph::Node& n) { return n.stage.empty() ? "other" : n.stage; }

std::map<std::string, Instance> function_instances(const graph::Graph& g) {
  std::map<std::string, Instance> out;
  collect_instances(g, g.nodes, "", out);
  return out;
}

json tensor_stats(const Tensor& t) {
  double lo = 0, hi = 0, sum = 0, sq = 0;
  int64_t nan = 0, inf = 0, finite = 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    const double x = t.data()[i];
    if (std::isnan(x)) {
      ++nan;
      continue;
    }
    if (std::isinf(x)) {
      ++inf;
      continue;
    }
    lo = finite ? std::min(lo, x) : x;
    hi = finite ? std::max(hi, x) : x;
    sum += x;
    sq += x * x;
    ++finite;
  }
  const double mean = finite ? sum / static_cast<double>(finite) : 0;
  const double var = finite ? std::max(0.0, sq / static_cast<double>(finite) - mean * mean) : 0;
  return {{"min", lo},  {"max", hi}, {"mean", mean}, {"std", std::sqrt(var)},
          {"nan", nan}, {"inf", inf}};
}

namespace {

// The graph's declarations: inputs, outputs, weights (with statistics when there are weights),
// functions with their instances, op counts after inlining.
void declarations(const InspectInput& in, json& r) {
  const graph::Graph& g = *in.graph;
  json inputs = json::array();
  for (const auto& d : g.inputs)
    inputs.push_back({{"name", d.name}, {"shape", dims_json(d.shape)}});
  r["inputs"] = inputs;
  json outputs = json::array();
  for (const auto& o : g.outputs) outputs.push_back({{"name", o.name}, {"aux", o.aux}});
  r["outputs"] = outputs;
  int64_t params = 0;
  json weights = json::array();
  for (const auto& w : g.weights) {
    const int64_t n = num_elements(w.shape);
    params += n;
    json e = {{"name", w.name}, {"shape", w.shape}, {"parameters", n}, {"dtype", w.dtype}};
    if (in.weights)
      if (auto it = in.weights->find(w.name); it != in.weights->end())
        e["stats"] = tensor_stats(it->second);
    weights.push_back(e);
  }
  r["parameters"] = params;
  r["weights"] = weights;
  std::map<std::string, std::vector<std::string>> paths_of;
  for (const auto& [node, inst] : function_instances(g)) {
    auto& v = paths_of[inst.function];
    if (std::find(v.begin(), v.end(), inst.path) == v.end()) v.push_back(inst.path);
  }
  json functions = json::array();
  for (const auto& [name, f] : g.functions)
    functions.push_back({{"name", name},
                         {"inputs", f.inputs},
                         {"outputs", f.outputs},
                         {"weights", f.weights.size()},
                         {"nodes", f.nodes.size()},
                         {"instances", paths_of[name]}});
  r["functions"] = functions;
  std::map<std::string, int> ops;
  for (const auto& n : in.flat->nodes) ++ops[n.op];
  r["ops"] = ops;
}

// Where each node of the flat graph runs in the plan: its step, or the conv a fused activation
// went into.
struct NodeSteps {
  std::map<std::string, int> step;  // plan node name -> step
  std::map<std::string, std::string> fused_into;
};
NodeSteps node_steps(const ExecutionPlan& p, const graph::Graph& flat) {
  NodeSteps ns;
  for (size_t s = 0; s < p.steps.size(); ++s)
    if (p.steps[s].kind == StepKind::kernel)
      ns.step[p.graph.nodes[p.steps[s].node].name] = static_cast<int>(s);
  // A fused activation's output is written by the conv that took it over.
  std::map<std::string, std::string> writer;
  for (const auto& n : p.graph.nodes)
    for (const auto& o : n.outputs) writer[o] = n.name;
  for (const auto& n : flat.nodes)
    if (!ns.step.count(n.name) && !n.outputs.empty())
      if (auto it = writer.find(n.outputs[0]); it != writer.end()) ns.fused_into[n.name] = it->second;
  return ns;
}

// A node's entry: what it is and, when planned, its shape, MACs, step and memory.
json node_entry(const graph::Node& n, const std::map<std::string, Instance>& instances,
                const ExecutionPlan* p, const NodeSteps& ns) {
  json e = {{"name", n.name},       {"op", n.op},       {"inputs", n.inputs},
            {"outputs", n.outputs}, {"attrs", n.attrs}, {"stage", stage_of(n)}};
  if (auto it = instances.find(n.name); it != instances.end()) {
    e["instance"] = it->second.path;
    e["function"] = it->second.function;
  }
  if (!p) return e;
  const std::string& out = n.outputs.at(0);
  const bool planned = p->shapes.count(out) > 0;
  if (planned) {
    e["shape"] = p->shapes.at(out);
    e["macs"] = graph::node_macs(n, p->shapes);
  }
  std::string runs_as = n.name;
  if (auto f = ns.fused_into.find(n.name); f != ns.fused_into.end()) {
    e["fused_into"] = f->second;
    runs_as = f->second;
  }
  if (auto s = ns.step.find(runs_as); s != ns.step.end()) {
    e["step"] = s->second;
    const PlanStep& step = p->steps[s->second];
    if (!step.outputs.empty()) e["memory"] = value_memory(*p, step.outputs[0]);
    if (step.scratch >= 0) e["scratch_bytes"] = p->values[step.scratch].bytes;
    if (step.elided) e["elided"] = true;
  } else if (!planned) {
    e["pruned"] = true;
  }
  return e;
}

// The plan: size, MACs by stage, the report's numbers and every step's live bytes.
void plan_part(const InspectInput& in, const ExecutionPlan& p, json& r) {
  const auto& rep = p.report;
  int64_t run_h = 0, run_w = 0;
  if (!p.inputs.empty()) {
    const Shape& s = p.values[p.inputs[0]].shape;
    if (s.size() == 4) run_h = s[2], run_w = s[3];
  }
  r["size"] = {{"width", in.width}, {"height", in.height}, {"run_width", run_w}, {"run_height", run_h}};
  r["backend"] = in.backend;
  double total = 0;
  std::map<std::string, double> stage_macs;
  for (const auto& n : r["nodes"])
    if (n.contains("macs")) {
      total += n["macs"].get<double>();
      stage_macs[n["stage"].get<std::string>()] += n["macs"].get<double>();
    }
  r["macs"] = total;
  json stages = json::object();
  for (const auto& s : r["stages"])
    if (stage_macs.count(s["name"])) stages[s["name"].get<std::string>()] = stage_macs[s["name"]];
  r["stage_macs"] = stages;
  r["plan"] = {{"steps", rep.steps}, {"reorders", rep.reorders}, {"slots", rep.slots},
               {"elided_concats", rep.elided_concats}, {"slice_views", rep.slice_views},
               {"barriers", rep.barriers}, {"in_place_nodes", rep.in_place_nodes},
               {"arena_bytes", rep.arena_bytes},
               {"intermediate_bytes_without_reuse", rep.intermediate_bytes},
               {"scratch_bytes", rep.scratch_bytes}, {"weight_bytes", rep.weight_bytes},
               {"prepared_weight_bytes", rep.prepared_weight_bytes},
               {"input_bytes", rep.input_bytes}, {"output_bytes", rep.output_bytes},
               {"planned_peak_bytes", rep.planned_peak()}};
  const std::vector<size_t> live = live_bytes(p);
  json steps = json::array();
  for (size_t s = 0; s < p.steps.size(); ++s)
    steps.push_back({{"label", p.steps[s].label},
                     {"kind", p.steps[s].kind == StepKind::kernel ? "kernel" : "reorder"},
                     {"live_bytes", live[s]},
                     {"barrier_before", p.steps[s].barrier_before}});
  r["steps"] = steps;
}

}  // namespace

json inspect_report(const InspectInput& in) {
  const graph::Graph& g = *in.graph;
  json r = {{"format", "film-inspect"},
            {"version", 1},
            {"path", in.path},
            {"graph", g.name},
            {"graph_format_version", g.version},
            {"has_weights", in.weights != nullptr}};
  declarations(in, r);
  const auto instances = function_instances(g);
  const NodeSteps ns = in.plan ? node_steps(*in.plan, *in.flat) : NodeSteps{};
  json nodes = json::array();
  for (const auto& n : in.flat->nodes) nodes.push_back(node_entry(n, instances, in.plan, ns));
  r["nodes"] = nodes;
  r["stages"] = stage_list(*in.flat);
  if (in.plan) plan_part(in, *in.plan, r);
  return r;
}

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One row of a profile: a step (node or reorder), or a group of them (an op, a stage).
struct ProfileRow {
  std::string name, op, stage;
  double seconds = 0, macs = 0;
  size_t count = 0;
};

// {key: label, [op, stage,] [count,] seconds, share, macs, gflops}
json row_json(const char* key, const std::string& label, const ProfileRow& r, bool group,
              double total) {
  json j = {{key, label}};
  if (group) {
    j["count"] = r.count;
  } else {
    j["op"] = r.op;
    j["stage"] = r.stage;
  }
  j["seconds"] = r.seconds;
  j["share"] = total > 0 ? r.seconds / total : 0;
  j["macs"] = r.macs;
  j["gflops"] = r.seconds > 0 ? 2 * r.macs / r.seconds / 1e9 : 0;
  return j;
}

// The rows grouped by key_of (slowest first).
template <class KeyOf>
json grouped(const std::vector<ProfileRow>& rows, KeyOf key_of, const char* key, double total) {
  std::map<std::string, ProfileRow> groups;
  for (const auto& r : rows) {
    ProfileRow& g = groups[key_of(r)];
    g.name = key_of(r);
    g.seconds += r.seconds;
    g.macs += r.macs;
    ++g.count;
  }
  std::vector<ProfileRow> sorted;
  for (auto& [k, g] : groups) sorted.push_back(g);
  std::sort(sorted.begin(), sorted.end(),
            [](const ProfileRow& a, const ProfileRow& b) { return a.seconds > b.seconds; });
  json a = json::array();
  for (const auto& g : sorted) a.push_back(row_json(key, g.name, g, true, total));
  return a;
}

// Runs `session` `runs` times after a warm-up: each step's times (per entry, per run), and the
// runs' wall times.
struct Timings {
  std::vector<NodeProfile> entries;
  std::vector<std::vector<double>> seconds;
  std::vector<double> walls;
};
Timings time_runs(Session& session, const std::map<std::string, Tensor>& inputs, int runs) {
  session.run(inputs);  // warm-up: compile, first touch
  Timings t;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    session.run(inputs);
    t.walls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const auto& prof = session.profile();
    if (prof.empty()) fail("profile: the session was not made with profiling on");
    if (r == 0) {
      t.entries = prof;
      t.seconds.assign(prof.size(), {});
    }
    for (size_t i = 0; i < prof.size() && i < t.seconds.size(); ++i)
      t.seconds[i].push_back(prof[i].seconds);
  }
  return t;
}

}  // namespace

json profile_report(Session& session, const std::map<std::string, Tensor>& inputs, int runs) {
  if (runs < 1) fail("profile: runs must be at least 1, got ", runs);
  graph::ShapeMap shapes;
  for (const auto& [name, t] : inputs) shapes[name] = t.shape();
  const ExecutionPlan& plan = session.execution_plan(shapes);
  std::map<std::string, const graph::Node*> node_of;
  for (const auto& n : plan.graph.nodes) node_of[n.name] = &n;
  const Timings t = time_runs(session, inputs, runs);
  std::vector<ProfileRow> rows;
  double total = 0, macs = 0;
  for (size_t i = 0; i < t.entries.size(); ++i) {
    ProfileRow row{t.entries[i].name, t.entries[i].op, "reorder", median(t.seconds[i]), 0, 1};
    if (auto it = node_of.find(row.name); it != node_of.end() && row.op != "reorder") {
      row.stage = stage_of(*it->second);
      row.macs = graph::node_macs(*it->second, plan.shapes);
    }
    total += row.seconds;
    macs += row.macs;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(),
            [](const ProfileRow& a, const ProfileRow& b) { return a.seconds > b.seconds; });
  json nodes = json::array();
  for (const auto& r : rows) nodes.push_back(row_json("name", r.name, r, false, total));
  return {{"runs", runs},
          {"backend", session.backend_name()},
          {"wall_seconds_min", *std::min_element(t.walls.begin(), t.walls.end())},
          {"wall_seconds_median", median(t.walls)},
          {"step_seconds", total},
          {"macs", macs},
          {"gflops", total > 0 ? 2 * macs / total / 1e9 : 0},
          {"stages", grouped(rows, [](const ProfileRow& r) { return r.stage; }, "stage", total)},
          {"ops", grouped(rows, [](const ProfileRow& r) { return r.op; }, "op", total)},
          {"nodes", nodes}};
}

std::string profile_text(const json& prof, size_t top) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line,
                "profile on %s: median of %d runs; steps sum to %.3f s (wall: min %.3f s, median "
                "%.3f s), %.1f GFLOP/s overall\n",
                prof["backend"].get<std::string>().c_str(), prof["runs"].get<int>(),
                prof["step_seconds"].get<double>(), prof["wall_seconds_min"].get<double>(),
                prof["wall_seconds_median"].get<double>(), prof["gflops"].get<double>());
  o << line;
  auto table = [&](const char* title, const json& rows, const char* key, size_t limit) {
    o << title << "\n";
    std::snprintf(line, sizeof line, "  %-44s %10s %7s %9s %9s\n", key, "seconds", "share", "GMAC",
                  "GFLOP/s");
    o << line;
    size_t shown = 0;
    for (const auto& r : rows) {
      if (shown++ == limit) break;
      std::string label = r[key].get<std::string>();
      if (r.contains("count"))
        label += " (" + std::to_string(r["count"].get<size_t>()) + ")";
      else
        label += " [" + r["op"].get<std::string>() + "]";
      if (r["macs"].get<double>() > 0)
        std::snprintf(line, sizeof line, "  %-44s %10.4f %6.1f%% %9.3f %9.1f\n", label.c_str(),
                      r["seconds"].get<double>(), 100 * r["share"].get<double>(),
                      r["macs"].get<double>() / 1e9, r["gflops"].get<double>());
      else  // no MACs counted (pooling, warps, copies): time and share only
        std::snprintf(line, sizeof line, "  %-44s %10.4f %6.1f%% %9s %9s\n", label.c_str(),
                      r["seconds"].get<double>(), 100 * r["share"].get<double>(), "-", "-");
      o << line;
    }
  };
  table("by stage:", prof["stages"], "stage", SIZE_MAX);
  table("by op:", prof["ops"], "op", SIZE_MAX);
  table(("slowest " + std::to_string(std::min(top, prof["nodes"].size())) + " nodes:").c_str(),
        prof["nodes"], "name", top);
  return o.str();
}

std::shared_ptr<const Model> with_every_value_as_output(const Model& model) {
  auto m = std::make_shared<Model>(model);
  std::set<std::string> declared;
  std::vector<std::string> main;
  for (const auto& o : m->flat.outputs) {
    declared.insert(o.name);
    if (!o.aux) main.push_back(o.name);
  }
  // Only what the frame needs: values no output uses may not even be computable at this size.
  for (const auto& n : graph::prune(m->flat, main).nodes)
    for (const auto& o : n.outputs)
      if (!o.empty() && declared.insert(o).second) m->flat.outputs.push_back({o, true});
  return m;
}

namespace {

// How far `y` is from the reference `x` (same shape): max and mean absolute error, where the
// largest is, the reference's largest magnitude; or an "error" when a side holds NaN or infinity
// where the other does not.
void value_errors(const Tensor& x, const Tensor& y, json& row) {
  double max_err = 0, sum = 0, ref_max = 0;
  int64_t at = 0, not_finite = 0, first_not_finite = -1;
  for (int64_t i = 0; i < x.size(); ++i) {
    const double e = std::abs(static_cast<double>(x.data()[i]) - y.data()[i]);
    if (!std::isfinite(e)) {  // NaN or infinity on a side (JSON has no number for them)
      const float u = x.data()[i], v = y.data()[i];
      if (!(u == v || (std::isnan(u) && std::isnan(v))) && not_finite++ == 0) first_not_finite = i;
      continue;
    }
    ref_max = std::max(ref_max, std::abs(static_cast<double>(x.data()[i])));
    sum += e;
    if (e > max_err) max_err = e, at = i;
  }
  if (not_finite > 0) {
    row["error"] = cat(not_finite, " values differ by NaN or infinity (the first at element ",
                       first_not_finite, ")");
    return;
  }
  std::vector<int64_t> idx(x.shape().size());
  for (int64_t rest = at, d = static_cast<int64_t>(idx.size()) - 1; d >= 0; --d) {
    idx[d] = rest % x.shape()[d];
    rest /= x.shape()[d];
  }
  row["max_abs_error"] = max_err;
  row["mean_abs_error"] = x.size() ? sum / static_cast<double>(x.size()) : 0;
  row["at"] = idx;
  row["reference_at"] = x.size() ? x.data()[at] : 0.0f;
  row["other_at"] = x.size() ? y.data()[at] : 0.0f;
  row["reference_max_abs"] = ref_max;
}

}  // namespace

json compare_report(Session& a, Session& b, const std::map<std::string, Tensor>& inputs,
                    double tolerance) {
  const graph::Graph& fa = a.model().flat;
  // Values both sides can be asked for (with_every_value_as_output declares them).
  std::set<std::string> in_b, common;
  for (const auto& o : b.model().flat.outputs) in_b.insert(o.name);
  for (const auto& o : fa.outputs)
    if (in_b.count(o.name)) common.insert(o.name);
  std::vector<std::string> values;
  std::vector<const graph::Node*> producers;
  for (size_t i : graph::topo_order(fa))
    for (const auto& o : fa.nodes[i].outputs)
      if (!o.empty() && common.count(o)) values.push_back(o), producers.push_back(&fa.nodes[i]);
  if (values.empty()) fail("compare: the two graphs have no value in common");
  const auto ra = a.run(inputs, values), rb = b.run(inputs, values);
  json rows = json::array(), first;
  double worst = 0;
  for (size_t k = 0; k < values.size(); ++k) {
    const Tensor &x = ra.at(values[k]), &y = rb.at(values[k]);
    json row = {{"node", producers[k]->name},
                {"op", producers[k]->op},
                {"value", values[k]},
                {"shape", x.shape()}};
    if (x.shape() != y.shape())
      row["error"] = "shapes differ: " + shape_str(x.shape()) + " and " + shape_str(y.shape());
    else
      value_errors(x, y, row);
    if (row.contains("max_abs_error")) worst = std::max(worst, row["max_abs_error"].get<double>());
    if (first.is_null() &&
        (row.contains("error") || !(row["max_abs_error"].get<double>() <= tolerance)))
      first = row;
    rows.push_back(row);
  }
  json r = {{"reference", a.model().name + " on " + a.backend_name()},
            {"other", b.model().name + " on " + b.backend_name()},
            {"tolerance", tolerance},
            {"values_compared", rows.size()},
            {"max_abs_error", worst}};
  if (!first.is_null()) r["first_differing"] = first;
  r["nodes"] = rows;
  return r;
}

std::string compare_text(const json& c, size_t limit) {
  std::ostringstream o;
  char line[320];
  o << "reference: " << c["reference"].get<std::string>()
    << "\nother:     " << c["other"].get<std::string>() << "\n";
  std::snprintf(line, sizeof line, "%zu values compared; largest error %.3g; tolerance %.3g\n",
                c["values_compared"].get<size_t>(), c["max_abs_error"].get<double>(),
                c["tolerance"].get<double>());
  o << line;
  if (c.contains("first_differing")) {
    const json& f = c["first_differing"];
    o << "first node beyond the tolerance: '" << f["node"].get<std::string>() << "' ("
      << f["op"].get<std::string>() << ")";
    if (f.contains("error")) {
      o << ": " << f["error"].get<std::string>() << "\n";
    } else {
      std::string at;
      for (const auto& i : f["at"])
        at += (at.empty() ? "" : ",") + std::to_string(i.get<int64_t>());
      std::snprintf(line, sizeof line, ": max error %.4g at [%s] (%.6g against %.6g), mean %.3g\n",
                    f["max_abs_error"].get<double>(), at.c_str(), f["reference_at"].get<double>(),
                    f["other_at"].get<double>(), f["mean_abs_error"].get<double>());
      o << line;
    }
  } else {
    o << "every node agrees within the tolerance\n";
  }
  // The `limit` largest errors, in execution order.
  const json& rows = c["nodes"];
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto err = [&](size_t i) {
    return rows[i].contains("error") ? INFINITY : rows[i]["max_abs_error"].get<double>();
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return err(x) > err(y); });
  order.resize(std::min(order.size(), limit));
  std::sort(order.begin(), order.end());
  std::snprintf(line, sizeof line, "the %zu largest errors, in execution order:\n", order.size());
  o << line;
  std::snprintf(line, sizeof line, "  %-44s %-10s %12s %12s\n", "node", "op", "max error",
                "mean error");
  o << line;
  for (size_t i : order) {
    const json& r = rows[i];
    if (r.contains("error")) {
      o << "  " << r["node"].get<std::string>() << ": " << r["error"].get<std::string>() << "\n";
      continue;
    }
    std::snprintf(line, sizeof line, "  %-44s %-10s %12.3g %12.3g\n",
                  r["node"].get<std::string>().c_str(), r["op"].get<std::string>().c_str(),
                  r["max_abs_error"].get<double>(), r["mean_abs_error"].get<double>());
    o << line;
  }
  return o.str();
}

namespace {

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else if (c == '\'')
      o += "&#39;";
    else
      o += c;
  }
  return o;
}

std::string file_stem(const std::string& value) {
  std::string s;
  for (char c : value)
    s +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') ? c : '~';
  return s;
}

}  // namespace

namespace {

// The values `patterns` select, in execution order; film::Error for a pattern that selects none.
std::vector<std::string> selected_values(const graph::Graph& flat,
                                         const std::map<std::string, const graph::Node*>& producer,
                                         const std::vector<std::string>& patterns,
                                         const std::string& model) {
  std::vector<std::string> names;
  std::set<std::string> chosen;
  for (const auto& pat : patterns) {
    const size_t before = names.size();
    for (const auto& o : flat.outputs) {
      const auto it = producer.find(o.name);
      const graph::Node* p = it == producer.end() ? nullptr : it->second;
      const bool match = pat == "all" || o.name == pat || (p && p->name == pat) ||
                         (pat.size() > 1 && pat.back() == '*' &&
                          o.name.rfind(pat.substr(0, pat.size() - 1), 0) == 0);
      if (match && chosen.insert(o.name).second) names.push_back(o.name);
    }
    if (names.size() == before && pat != "all")
      fail("--dump: '", pat, "' names no value or node of ", model,
           " (film inspect --nodes lists them; a prefix ends in *)");
  }
  std::map<std::string, size_t> order;
  for (size_t i : graph::topo_order(flat))
    for (const auto& o : flat.nodes[i].outputs) order[o] = i;
  std::stable_sort(names.begin(), names.end(),
                   [&](const std::string& a, const std::string& b) { return order[a] < order[b]; });
  return names;
}

// The pictures of one value (written into `dir`), named in the entry `e`.
void value_pictures(const Tensor& t, const graph::Node* p, const std::string& name,
                    const std::string& dir, json& e) {
  json pictures = json::array();
  auto write = [&](const std::string& file, const io::Image& img) {
    io::write_image((std::filesystem::path(dir) / file).string(), img);
    pictures.push_back(file);
  };
  if (t.shape().size() == 4 && t.dim(0) == 1) {
    const std::string stem = file_stem(name);
    if (t.dim(1) == 2) {
      double scale = 0;
      write(stem + ".flow.png", viz::flow_image(t, 0, &scale));
      e["flow_scale_px"] = scale;
    } else if (t.dim(1) == 3) {
      io::Image img;
      img.rgb = t;
      write(stem + ".png", img);
    } else {
      write(stem + ".mosaic.png", viz::feature_mosaic(t));
      // Before fusion FILM warps the image together with its features: show the image too.
      if (p && p->kind == graph::OpKind::warp && stage_of(*p) == "warp" && t.dim(1) > 3) {
        io::Image img;
        img.rgb = Tensor::zeros({1, 3, t.dim(2), t.dim(3)});
        std::copy(t.data(), t.data() + img.rgb.size(), img.rgb.data());
        write(stem + ".rgb.png", img);
      }
    }
  }
  e["pictures"] = pictures;
}

// index.html: one row per resolution, finest first, the pictures side by side.
std::string dump_page(const Session& session, const json& index, size_t values, bool any_flow) {
  std::map<std::pair<int64_t, int64_t>, std::vector<const json*>, std::greater<>> rows;
  for (const auto& e : index)
    if (!e["pictures"].empty())
      rows[{e["shape"][2].get<int64_t>(), e["shape"][3].get<int64_t>()}].push_back(&e);
  std::ostringstream h;
  h << "<!doctype html><html><head><meta charset=\"utf-8\"><title>film inspect --dump: "
    << html_escape(session.model().name)
    << "</title><style>body{font:13px sans-serif;margin:16px}figure{display:inline-block;"
       "margin:4px;vertical-align:top}figcaption{max-width:260px;word-break:break-all}"
       "img{image-rendering:pixelated;min-width:128px;max-width:320px;border:1px solid #ccc}"
       "h2{border-bottom:1px solid #ddd}</style></head><body>\n<h1>"
    << html_escape(session.model().name) << " on " << html_escape(session.backend_name())
    << "</h1>\n<p>" << values
    << " values, all in values.safetensors. Flows: hue is the direction, saturation the "
       "magnitude relative to the scale under each picture (white: no motion; right red, down "
       "yellow, left cyan, up blue).";
  if (any_flow)
    h << " <img src=\"flow_legend.png\" alt=\"flow colour wheel\" "
         "style=\"min-width:64px;width:64px;vertical-align:middle\">";
  h << "</p>\n";
  for (const auto& [size, list] : rows) {
    h << "<h2>" << size.second << "x" << size.first << "</h2>\n";
    for (const json* e : list)
      for (const auto& pic : (*e)["pictures"]) {
        h << "<figure><img src=\"" << html_escape(pic.get<std::string>()) << "\" alt=\""
          << html_escape((*e)["value"].get<std::string>()) << "\"><figcaption>"
          << html_escape((*e)["value"].get<std::string>()) << " ("
          << html_escape((*e)["op"].get<std::string>()) << ", "
          << shape_str((*e)["shape"].get<Shape>());
        if (e->contains("flow_scale_px")) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "; scale %.3g px", (*e)["flow_scale_px"].get<double>());
          h << buf;
        }
        h << ")</figcaption></figure>\n";
      }
  }
  h << "</body></html>\n";
  return h.str();
}

}  // namespace

json dump_values(Session& session, const std::map<std::string, Tensor>& inputs,
                 const std::vector<std::string>& patterns, const std::string& dir) {
  const graph::Graph& flat = session.model().flat;
  std::map<std::string, const graph::Node*> producer;
  for (const auto& n : flat.nodes)
    for (const auto& o : n.outputs) producer[o] = &n;
  const auto names = selected_values(flat, producer, patterns, session.model().name);
  const auto values = session.run(inputs, names);
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, Tensor>> tensors;
  json index = json::array();
  bool any_flow = false;
  for (const auto& name : names) {
    const Tensor& t = values.at(name);
    tensors.push_back({name, t});
    const graph::Node* p = producer.count(name) ? producer[name] : nullptr;
    json e = {
        {"value", name}, {"node", p ? p->name : ""}, {"op", p ? p->op : ""}, {"shape", t.shape()}};
    value_pictures(t, p, name, dir, e);
    any_flow = any_flow || e.contains("flow_scale_px");
    index.push_back(e);
  }
  io::write_safetensors((std::filesystem::path(dir) / "values.safetensors").string(), tensors);
  if (any_flow)
    io::write_image((std::filesystem::path(dir) / "flow_legend.png").string(),
                    viz::flow_legend(128));
  io::write_file_atomic((std::filesystem::path(dir) / "index.html").string(),
                        dump_page(session, index, names.size(), any_flow));
  return {{"model", session.model().name}, {"dir", dir}, {"values", index}};
}

std::string inspect_dot(const json& report) {
  std::ostringstream o;
  o << "digraph " << dot_quote(report.value("graph", "graph")) << " {\n"
    << "  rankdir=TB; node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
       "fontsize=10]; edge [fontsize=8, color=\"#777777\"];\n";
  std::map<std::string, std::string> producer;  // value -> node
  std::map<std::string, std::vector<const json*>> by_instance;
  for (const auto& n : report["nodes"]) {
    for (const auto& v : n["outputs"]) producer[v.get<std::string>()] = n["name"];
    by_instance[n.value("instance", "")].push_back(&n);
  }
  auto node_line = [&](const json& n) {
    // Names and ops come from the graph file: escaped; the \n line breaks are the label's own.
    std::string label = dot_escape(n["name"].get<std::string>()) + "\\n" +
                        dot_escape(n["op"].get<std::string>());
    if (n.contains("shape")) {
      std::string s;
      for (const auto& d : n["shape"])
        s += (s.empty() ? "" : "x") + std::to_string(d.get<int64_t>());
      label += " " + s;
    }
    if (n.contains("macs") && n["macs"].get<double>() > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "\\n%.3f GMAC", n["macs"].get<double>() / 1e9);
      label += buf;
    }
    return "    " + dot_quote(n["name"]) + " [label=\"" + label + "\", fillcolor=\"" +
           stage_colour(report, n["stage"]) + "\"];\n";
  };
  int cluster = 0;
  for (const auto& [inst, list] : by_instance) {
    if (!inst.empty()) {
      o << "  subgraph cluster_" << cluster++
        << " {\n    label=" << dot_quote(inst + " : " + list.front()->value("function", ""))
        << "; style=dashed; color=\"#999999\"; fontsize=11;\n";
    }
    for (const json* n : list) o << node_line(*n);
    if (!inst.empty()) o << "  }\n";
  }
  for (const auto& in : report["inputs"])
    o << "  " << dot_quote(in["name"]) << " [shape=ellipse, fillcolor=\"#ffffff\"];\n";
  for (const auto& n : report["nodes"])
    for (const auto& v : n["inputs"]) {
      const std::string value = v;
      auto it = producer.find(value);
      const std::string from = it != producer.end() ? it->second : value;
      // Weights are not drawn: they would double the picture.
      bool is_input = it != producer.end();
      for (const auto& in : report["inputs"]) is_input = is_input || in["name"] == value;
      if (!is_input) continue;
      o << "  " << dot_quote(from) << " -> " << dot_quote(n["name"]) << ";\n";
    }
  for (const auto& out : report["outputs"])
    if (auto it = producer.find(out["name"]); it != producer.end())
      o << "  " << dot_quote("out:" + out["name"].get<std::string>())
        << " [label=" << dot_quote(out["name"]) << ", shape=ellipse, fillcolor=\"#ffffff\"];\n  "
        << dot_quote(it->second) << " -> " << dot_quote("out:" + out["name"].get<std::string>())
        << ";\n";
  o << "}\n";
  return o.str();
}

}  // namespace film
