#include "engine/app/inspect.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>

#include "engine/app/image.h"
#include "engine/app/visualize.h"
#include "engine/io/safetensors.h"
#include "graph/error.h"
#include "graph/file.h"
#include "graph/flatten.h"
#include "graph/shapes.h"

namespace film {
namespace {

using json = nlohmann::ordered_json;

std::string last_part(const std::string& name) {
  const auto at = name.rfind('/');
  return at == std::string::npos ? name : name.substr(at + 1);
}

void collect_instances(const graph::Graph& g, const std::vector<graph::Node>& nodes,
                       const std::string& prefix, std::map<std::string, Instance>& out) {
  for (const auto& n : nodes) {
    if (n.op != "call") continue;
    const std::string path = prefix + n.name;
    const auto f = g.functions.find(n.function);
    if (f == g.functions.end()) continue;  // validated graphs have it
    for (const auto& inner : f->second.nodes) {
      if (inner.op == "call") continue;
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

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* stage_colour(const std::string& stage) {
  if (stage == "pyramid") return "#e8f1fb";
  if (stage == "encoder") return "#dcefdc";
  if (stage == "flow") return "#fbe6cf";
  if (stage == "warp") return "#f3dcf3";
  if (stage == "fusion") return "#fbf3c8";
  return "#eeeeee";
}

}  // namespace

std::string stage_of(const graph::Node& n) {
  const std::string& name = n.name;
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  if (starts("pyramid")) return "pyramid";
  if (starts("encoder") || starts("features")) return "encoder";
  if (starts("flow_")) return "flow";
  if (starts("fusion/") || name == "image") {
    const std::string part = last_part(name);
    if (n.op == "warp" || part.rfind("warped", 0) == 0 || part.rfind("stack", 0) == 0 ||
        part == "input" || (part.size() > 5 && part.ends_with("_half")))
      return "warp";
    return "fusion";
  }
  return "other";
}

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

json inspect_report(const InspectInput& in) {
  const graph::Graph& g = *in.graph;
  const graph::Graph& flat = *in.flat;
  json r = {{"format", "film-inspect"},
            {"version", 1},
            {"path", in.path},
            {"graph", g.name},
            {"graph_format_version", g.version},
            {"has_weights", in.weights != nullptr}};
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

  const auto instances = function_instances(g);
  std::map<std::string, std::vector<std::string>> paths_of;
  for (const auto& [node, inst] : instances) {
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
  for (const auto& n : flat.nodes) ++ops[n.op];
  r["ops"] = ops;

  const ExecutionPlan* p = in.plan;
  std::map<std::string, int> step_of_node;  // plan node name -> step
  std::map<std::string, std::string> fused_into;
  if (p) {
    for (size_t s = 0; s < p->steps.size(); ++s)
      if (p->steps[s].kind == StepKind::kernel)
        step_of_node[p->graph.nodes[p->steps[s].node].name] = static_cast<int>(s);
    // A fused activation's output is written by the conv that took it over.
    std::map<std::string, std::string> writer;
    for (const auto& n : p->graph.nodes)
      for (const auto& o : n.outputs) writer[o] = n.name;
    for (const auto& n : flat.nodes)
      if (!step_of_node.count(n.name) && !n.outputs.empty())
        if (auto it = writer.find(n.outputs[0]); it != writer.end())
          fused_into[n.name] = it->second;
  }

  json nodes = json::array();
  double total = 0;
  std::map<std::string, double> stage_macs;
  for (const auto& n : flat.nodes) {
    json e = {{"name", n.name},       {"op", n.op},       {"inputs", n.inputs},
              {"outputs", n.outputs}, {"attrs", n.attrs}, {"stage", stage_of(n)}};
    if (auto it = instances.find(n.name); it != instances.end()) {
      e["instance"] = it->second.path;
      e["function"] = it->second.function;
    }
    if (p) {
      const std::string& out = n.outputs.at(0);
      const bool planned = p->shapes.count(out) > 0;
      if (planned) {
        e["shape"] = p->shapes.at(out);
        const double m = graph::node_macs(n, p->shapes);
        e["macs"] = m;
        total += m;
        stage_macs[e["stage"].get<std::string>()] += m;
      }
      std::string runs_as = n.name;
      if (auto f = fused_into.find(n.name); f != fused_into.end()) {
        e["fused_into"] = f->second;
        runs_as = f->second;
      }
      if (auto s = step_of_node.find(runs_as); s != step_of_node.end()) {
        e["step"] = s->second;
        const PlanStep& step = p->steps[s->second];
        if (!step.outputs.empty()) e["memory"] = value_memory(*p, step.outputs[0]);
        if (step.scratch >= 0) e["scratch_bytes"] = p->values[step.scratch].bytes;
        if (step.elided) e["elided"] = true;
      } else if (!planned) {
        e["pruned"] = true;
      }
    }
    nodes.push_back(e);
  }
  r["nodes"] = nodes;

  if (p) {
    const auto& rep = p->report;
    int64_t run_h = 0, run_w = 0;
    if (!p->inputs.empty()) {
      const Shape& s = p->values[p->inputs[0]].shape;
      if (s.size() == 4) run_h = s[2], run_w = s[3];
    }
    r["size"] = {
        {"width", in.width}, {"height", in.height}, {"run_width", run_w}, {"run_height", run_h}};
    r["backend"] = in.backend;
    r["macs"] = total;
    json stages = json::object();
    for (const char* s : kStages)
      if (stage_macs.count(s)) stages[s] = stage_macs[s];
    r["stage_macs"] = stages;
    r["plan"] = {{"steps", rep.steps},
                 {"reorders", rep.reorders},
                 {"slots", rep.slots},
                 {"elided_concats", rep.elided_concats},
                 {"slice_views", rep.slice_views},
                 {"barriers", rep.barriers},
                 {"in_place_nodes", rep.in_place_nodes},
                 {"arena_bytes", rep.arena_bytes},
                 {"intermediate_bytes_without_reuse", rep.intermediate_bytes},
                 {"scratch_bytes", rep.scratch_bytes},
                 {"weight_bytes", rep.weight_bytes},
                 {"prepared_weight_bytes", rep.prepared_weight_bytes},
                 {"input_bytes", rep.input_bytes},
                 {"output_bytes", rep.output_bytes},
                 {"planned_peak_bytes", rep.planned_peak()}};
    const std::vector<size_t> live = live_bytes(*p);
    json steps = json::array();
    for (size_t s = 0; s < p->steps.size(); ++s)
      steps.push_back({{"label", p->steps[s].label},
                       {"kind", p->steps[s].kind == StepKind::kernel ? "kernel" : "reorder"},
                       {"live_bytes", live[s]},
                       {"barrier_before", p->steps[s].barrier_before}});
    r["steps"] = steps;
  }
  return r;
}

json profile_report(Session& session, const std::map<std::string, Tensor>& inputs, int runs) {
  if (runs < 1) fail("profile: runs must be at least 1, got ", runs);
  graph::ShapeMap shapes;
  for (const auto& [name, t] : inputs) shapes[name] = t.shape();
  const ExecutionPlan& plan = session.execution_plan(shapes);
  std::map<std::string, const graph::Node*> node_of;
  for (const auto& n : plan.graph.nodes) node_of[n.name] = &n;
  session.run(inputs);                       // warm-up: compile, first touch
  std::vector<std::vector<double>> seconds;  // per profile entry, per run
  std::vector<NodeProfile> entries;
  std::vector<double> walls;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    session.run(inputs);
    walls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const auto& prof = session.profile();
    if (prof.empty()) fail("profile: the session was not made with profiling on");
    if (r == 0) {
      entries = prof;
      seconds.assign(prof.size(), {});
    }
    for (size_t i = 0; i < prof.size() && i < seconds.size(); ++i)
      seconds[i].push_back(prof[i].seconds);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  struct Row {
    std::string name, op, stage;
    double seconds = 0, macs = 0;
    size_t count = 0;
  };
  std::vector<Row> rows;
  double total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    Row row{entries[i].name, entries[i].op, "other", median(seconds[i]), 0, 1};
    if (auto it = node_of.find(row.name); it != node_of.end() && row.op != "reorder") {
      row.stage = stage_of(*it->second);
      row.macs = graph::node_macs(*it->second, plan.shapes);
    } else {
      row.stage = "reorder";
    }
    total += row.seconds;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  // {key: label, [op, stage,] [count,] seconds, share, macs, gflops}
  auto row_json = [&](const char* key, const std::string& label, const Row& r, bool group) {
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
  };
  auto grouped = [&](auto key_of, const char* key) {
    std::map<std::string, Row> groups;
    for (const auto& r : rows) {
      Row& g = groups[key_of(r)];
      g.name = key_of(r);
      g.seconds += r.seconds;
      g.macs += r.macs;
      ++g.count;
    }
    std::vector<Row> sorted;
    for (auto& [k, g] : groups) sorted.push_back(g);
    std::sort(sorted.begin(), sorted.end(),
              [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
    json a = json::array();
    for (const auto& g : sorted) a.push_back(row_json(key, g.name, g, true));
    return a;
  };
  double macs = 0;
  json nodes = json::array();
  for (const auto& r : rows) {
    nodes.push_back(row_json("name", r.name, r, false));
    macs += r.macs;
  }
  return {{"runs", runs},
          {"backend", session.backend_name()},
          {"wall_seconds_min", *std::min_element(walls.begin(), walls.end())},
          {"wall_seconds_median", median(walls)},
          {"step_seconds", total},
          {"macs", macs},
          {"gflops", total > 0 ? 2 * macs / total / 1e9 : 0},
          {"stages", grouped([](const Row& r) { return r.stage; }, "stage")},
          {"ops", grouped([](const Row& r) { return r.op; }, "op")},
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

json compare_report(Session& a, Session& b, const std::map<std::string, Tensor>& inputs,
                    double tolerance) {
  const graph::Graph& fa = a.model().flat;
  const graph::Graph& fb = b.model().flat;
  // Values both sides can be asked for (with_every_value_as_output declares them).
  std::set<std::string> in_b, common;
  for (const auto& o : fb.outputs) in_b.insert(o.name);
  for (const auto& o : fa.outputs)
    if (in_b.count(o.name)) common.insert(o.name);
  std::vector<std::string> values;
  std::vector<const graph::Node*> producers;
  for (size_t i : graph::topo_order(fa)) {
    const graph::Node& n = fa.nodes[i];
    for (const auto& o : n.outputs)
      if (!o.empty() && common.count(o)) {
        values.push_back(o);
        producers.push_back(&n);
      }
  }
  if (values.empty()) fail("compare: the two graphs have no value in common");
  const auto ra = a.run(inputs, values), rb = b.run(inputs, values);
  json rows = json::array();
  json first;
  double worst = 0;
  for (size_t k = 0; k < values.size(); ++k) {
    const Tensor &x = ra.at(values[k]), &y = rb.at(values[k]);
    json row = {{"node", producers[k]->name},
                {"op", producers[k]->op},
                {"value", values[k]},
                {"shape", x.shape()}};
    if (x.shape() != y.shape()) {
      row["error"] = "shapes differ: " + shape_str(x.shape()) + " and " + shape_str(y.shape());
      if (first.is_null()) first = row;
      rows.push_back(row);
      continue;
    }
    double max_err = 0, sum = 0, ref_max = 0;
    int64_t at = 0, not_finite = 0, first_not_finite = -1;
    for (int64_t i = 0; i < x.size(); ++i) {
      const double e = std::abs(static_cast<double>(x.data()[i]) - y.data()[i]);
      if (!std::isfinite(e)) {  // NaN or infinity on a side (JSON has no number for them)
        const float u = x.data()[i], v = y.data()[i];
        if (!(u == v || (std::isnan(u) && std::isnan(v))) && not_finite++ == 0)
          first_not_finite = i;
        continue;
      }
      ref_max = std::max(ref_max, std::abs(static_cast<double>(x.data()[i])));
      sum += e;
      if (e > max_err) {
        max_err = e;
        at = i;
      }
    }
    if (not_finite > 0) {
      row["error"] = cat(not_finite, " values differ by NaN or infinity (the first at element ",
                         first_not_finite, ")");
      if (first.is_null()) first = row;
      rows.push_back(row);
      continue;
    }
    json where = json::array();
    int64_t rest = at;
    std::vector<int64_t> idx(x.shape().size());
    for (size_t d = x.shape().size(); d-- > 0;) {
      idx[d] = rest % x.shape()[d];
      rest /= x.shape()[d];
    }
    for (int64_t i : idx) where.push_back(i);
    row["max_abs_error"] = max_err;
    row["mean_abs_error"] = x.size() ? sum / static_cast<double>(x.size()) : 0;
    row["at"] = where;
    row["reference_at"] = x.size() ? x.data()[at] : 0.0f;
    row["other_at"] = x.size() ? y.data()[at] : 0.0f;
    row["reference_max_abs"] = ref_max;
    worst = std::max(worst, max_err);
    if (first.is_null() && !(max_err <= tolerance)) first = row;
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

json dump_values(Session& session, const std::map<std::string, Tensor>& inputs,
                 const std::vector<std::string>& patterns, const std::string& dir) {
  const graph::Graph& flat = session.model().flat;
  std::map<std::string, const graph::Node*> producer;
  for (const auto& n : flat.nodes)
    for (const auto& o : n.outputs) producer[o] = &n;
  std::vector<std::string> names;
  std::set<std::string> chosen;
  for (const auto& pat : patterns) {
    size_t before = names.size();
    for (const auto& o : flat.outputs) {
      const graph::Node* p = producer.count(o.name) ? producer[o.name] : nullptr;
      const bool match = pat == "all" || o.name == pat || (p && p->name == pat) ||
                         (pat.size() > 1 && pat.back() == '*' &&
                          o.name.rfind(pat.substr(0, pat.size() - 1), 0) == 0);
      if (match && chosen.insert(o.name).second) names.push_back(o.name);
    }
    if (names.size() == before && pat != "all")
      fail("--dump: '", pat, "' names no value or node of ", session.model().name,
           " (film inspect --nodes lists them; a prefix ends in *)");
  }
  // Execution order, so that the index reads as the graph runs.
  std::map<std::string, size_t> order;
  for (size_t i : graph::topo_order(flat))
    for (const auto& o : flat.nodes[i].outputs) order[o] = i;
  std::stable_sort(names.begin(), names.end(),
                   [&](const std::string& a, const std::string& b) { return order[a] < order[b]; });
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
    json pictures = json::array();
    if (t.shape().size() == 4 && t.dim(0) == 1) {
      const std::string stem = file_stem(name);
      if (t.dim(1) == 2) {
        double scale = 0;
        io::write_image((std::filesystem::path(dir) / (stem + ".flow.png")).string(),
                        viz::flow_image(t, 0, &scale));
        pictures.push_back(stem + ".flow.png");
        e["flow_scale_px"] = scale;
        any_flow = true;
      } else if (t.dim(1) == 3) {
        io::Image img;
        img.rgb = t;
        io::write_image((std::filesystem::path(dir) / (stem + ".png")).string(), img);
        pictures.push_back(stem + ".png");
      } else {
        io::write_image((std::filesystem::path(dir) / (stem + ".mosaic.png")).string(),
                        viz::feature_mosaic(t));
        pictures.push_back(stem + ".mosaic.png");
        // Before fusion FILM warps the image together with its features: show the image too.
        if (p && p->op == "warp" && stage_of(*p) == "warp" && t.dim(1) > 3) {
          io::Image img;
          img.rgb = Tensor::zeros({1, 3, t.dim(2), t.dim(3)});
          std::copy(t.data(), t.data() + img.rgb.size(), img.rgb.data());
          io::write_image((std::filesystem::path(dir) / (stem + ".rgb.png")).string(), img);
          pictures.push_back(stem + ".rgb.png");
        }
      }
    }
    e["pictures"] = pictures;
    index.push_back(e);
  }
  io::write_safetensors((std::filesystem::path(dir) / "values.safetensors").string(), tensors);
  if (any_flow)
    io::write_image((std::filesystem::path(dir) / "flow_legend.png").string(),
                    viz::flow_legend(128));

  // index.html: one row per resolution, finest first, the pictures side by side.
  std::map<std::pair<int64_t, int64_t>, std::vector<const json*>, std::greater<>> rows;
  for (const auto& e : index)
    if (!e["pictures"].empty()) {
      const auto& sh = e["shape"];
      rows[{sh[2].get<int64_t>(), sh[3].get<int64_t>()}].push_back(&e);
    }
  std::ostringstream h;
  h << "<!doctype html><html><head><meta charset=\"utf-8\"><title>film inspect --dump: "
    << html_escape(session.model().name)
    << "</title><style>body{font:13px sans-serif;margin:16px}figure{display:inline-block;"
       "margin:4px;vertical-align:top}figcaption{max-width:260px;word-break:break-all}"
       "img{image-rendering:pixelated;min-width:128px;max-width:320px;border:1px solid #ccc}"
       "h2{border-bottom:1px solid #ddd}</style></head><body>\n<h1>"
    << html_escape(session.model().name) << " on " << html_escape(session.backend_name())
    << "</h1>\n<p>" << names.size()
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
  io::write_file_atomic((std::filesystem::path(dir) / "index.html").string(), h.str());
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
    std::string label = n["name"].get<std::string>() + "\\n" + n["op"].get<std::string>();
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
    std::string out = "    " + dot_quote(n["name"]) + " [label=\"";
    for (char c : label) out += c == '"' ? std::string("\\\"") : std::string(1, c);
    return out + "\", fillcolor=\"" + stage_colour(n["stage"]) + "\"];\n";
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
