#include "engine/plan.h"

#include <algorithm>
#include <functional>
#include <set>

#include "engine/fuse.h"
#include "engine/planner.h"
#include "graph/base/error.h"
#include "graph/flatten.h"

namespace film {

int ExecutionPlan::value(const std::string& name) const {
  auto it = value_index.find(name);
  if (it == value_index.end()) fail("internal: plan has no value '", name, "'");
  return it->second;
}

namespace {

int add_value(ExecutionPlan& p, PlannedValue v) {
  const int i = static_cast<int>(p.values.size());
  p.value_index[v.name] = i;
  p.values.push_back(std::move(v));
  return i;
}

bool is_slot_input(const PlanStep& s, size_t k) {
  return k < s.desc.input_in_place.size() && s.desc.input_in_place[k];
}

// Producer and consumers of every value from the steps (elided steps and slot inputs read nothing).
void link(ExecutionPlan& p) {
  for (auto& v : p.values) {
    v.producer = -1;
    v.consumers.clear();
  }
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const PlanStep& st = p.steps[s];
    const int si = static_cast<int>(s);
    if (!st.elided) {
      for (size_t k = 0; k < st.inputs.size(); ++k)
        if (!is_slot_input(st, k)) p.values[st.inputs[k]].consumers.push_back(si);
      for (int o : st.outputs) p.values[o].producer = si;
    }
    if (st.scratch >= 0) {
      p.values[st.scratch].producer = si;
      p.values[st.scratch].consumers = {si};
    }
  }
}

// The value at the root of `v`'s slot chain, and v's element offset in it.
int root_of(const ExecutionPlan& p, int v, int64_t* offset = nullptr) {
  int64_t off = 0;
  while (p.values[v].view_of >= 0) {
    off += p.values[v].view_offset;
    v = p.values[v].view_of;
  }
  if (offset) *offset = off;
  return v;
}

// A copy of a value in another layout, and the step that makes it.
int add_reorder(ExecutionPlan& p, std::vector<PlanStep>& steps, int from, int to_value, Layout to,
                const PlanOptions& o) {
  const PlannedValue& src = p.values[from];
  PlanStep r;
  r.kind = StepKind::reorder;
  r.label = cat("reorder '", src.name, "' ", layout_name(src.layout), " -> ", layout_name(to));
  r.inputs = {from};
  r.outputs = {to_value};
  r.desc.node_name = r.label;
  r.desc.input_shapes = {src.shape};
  r.desc.output_shapes = {src.shape};
  r.desc.input_layouts = {src.layout};
  r.desc.output_layouts = {to};
  r.desc.input_in_place = {false};
  r.desc.output_strides = {{}};
  r.desc.constants = {nullptr};
  r.desc.input_is_weight = {false};
  r.desc.threads = o.threads;
  steps.push_back(std::move(r));
  return to_value;
}

// Every value of a slot chain lies in its root's element space: the strides are the root's.
std::vector<int64_t> root_strides(const ExecutionPlan& p, int v) {
  const PlannedValue& r = p.values[root_of(p, v)];
  return dense_strides(r.shape, r.layout);
}

}  // namespace

namespace pass {

void prune(ExecutionPlan& p, const graph::Graph& flat, const std::vector<std::string>& outputs) {
  std::set<std::string> known;
  for (auto& o : flat.outputs) known.insert(o.name);
  for (auto& o : outputs)
    if (!known.count(o)) fail(p.model_name, ": '", o, "' is not an output of this graph");
  p.output_names = outputs;
  p.graph = graph::prune(flat, outputs);
}

void shapes(ExecutionPlan& p, const graph::ShapeMap& inputs) {
  // Shapes of the graph as written (Session::shapes() reports them, fused away or not). Fusing
  // only drops values (a conv's pre-activation output) and keeps every other shape.
  p.shapes = graph::infer_shapes(p.graph, inputs, p.model_name);
}

void fuse(ExecutionPlan& p, const Backend& backend) {
  if (backend.wants_fused_activation()) p.graph = fuse_conv_activation(p.graph, p.output_names);
}

void order(ExecutionPlan& p, const Backend& backend, const PlanOptions& options) {
  const std::vector<size_t> topo = graph::topo_order(p.graph);
  std::vector<graph::Node> nodes;
  for (size_t i : topo) nodes.push_back(p.graph.nodes[i]);
  p.graph.nodes = std::move(nodes);
  for (auto& in : p.graph.inputs) {
    PlannedValue v;
    v.name = in.name;
    v.shape = p.shapes.at(in.name);
    v.role = ValueRole::input;
    p.inputs.push_back(add_value(p, v));
  }
  std::set<std::string> weights, requested(p.output_names.begin(), p.output_names.end());
  for (auto& w : p.graph.weights) weights.insert(w.name);
  for (size_t i = 0; i < p.graph.nodes.size(); ++i) {
    const graph::Node& n = p.graph.nodes[i];
    if (graph::op_index(n.kind) >= graph::kPrimitiveOps ||
        std::holds_alternative<std::monostate>(n.params))
      fail(p.model_name, ": node '", n.name, "' has no kernel for op '", n.op, "'");
    PlanStep s;
    s.node = static_cast<int>(i);
    s.label = "node '" + n.name + "' (" + n.op + ")";
    KernelDesc& d = s.desc;
    d.node_name = n.name;
    d.op = n.kind;
    d.params = n.params;
    d.keep_fp32 = n.keep_fp32;
    d.threads = options.threads;
    for (auto& in : n.inputs) {
      if (!p.value_index.count(in)) {
        if (!weights.count(in))
          fail(p.model_name, ": node '", n.name, "' reads '", in, "', which nothing produces");
        PlannedValue w;
        w.name = in;
        w.shape = p.shapes.at(in);
        w.role = ValueRole::weight;
        p.weights.push_back(add_value(p, w));
      }
      s.inputs.push_back(p.value_index.at(in));
      d.input_shapes.push_back(p.shapes.at(in));
      d.input_is_weight.push_back(p.values[s.inputs.back()].role == ValueRole::weight);
      d.constants.push_back(nullptr);
    }
    for (auto& o : n.outputs) {
      PlannedValue v;
      v.name = o;
      v.shape = p.shapes.at(o);
      v.role = requested.count(o) ? ValueRole::output : ValueRole::intermediate;
      s.outputs.push_back(add_value(p, v));
      d.output_shapes.push_back(v.shape);
    }
    d.input_in_place.assign(d.input_shapes.size(), false);
    d.output_strides.assign(d.output_shapes.size(), {});
    const std::string why = backend.unsupported_reason(d);
    if (!why.empty())
      fail(p.model_name, ": node '", n.name, "' (", n.op, ") cannot run on backend '",
           backend.name(), "': ", why);
    p.steps.push_back(std::move(s));
  }
  for (auto& o : p.output_names) {
    const int v = p.value(o);
    if (p.values[v].role != ValueRole::output)
      fail(p.model_name, ": output '", o, "' is a graph input or weight, not computed by any node");
    p.outputs.push_back(v);
  }
}

void layouts(ExecutionPlan& p, const Backend& backend, const PlanOptions& options) {
  // copies[v]: the values holding v's data, by layout; base[v]: the one its producer wrote.
  std::map<int, std::map<Layout, int>> copies;
  std::map<int, int> base;
  for (int v : p.inputs) {
    auto given = options.input_layouts.find(p.values[v].name);
    const Layout l = given == options.input_layouts.end() ? Layout::nchw : given->second;
    if (p.values[v].shape.size() != 4 && !layout_is_row_major(l))
      fail(p.model_name, ": input '", p.values[v].name, "' of rank ", p.values[v].shape.size(),
           " cannot arrive as ", layout_name(l));
    p.values[v].layout = l;
    copies[v][l] = base[v] = v;
  }
  for (int v : p.weights) copies[v][Layout::nchw] = base[v] = v;

  std::vector<PlanStep> steps;
  std::vector<PlanStep> kernels = std::move(p.steps);
  for (PlanStep& s : kernels) {
    std::vector<Layout> offered;
    for (int v : s.inputs) offered.push_back(p.values[v].layout);
    const NodePlan np = backend.plan_node(s.desc, offered);
    if (np.input_layouts.size() != s.inputs.size() || np.output_layouts.size() != s.outputs.size())
      fail("backend '", backend.name(), "' planned ", s.label, " with the wrong number of layouts");
    for (size_t k = 0; k < s.inputs.size(); ++k) {
      const int v = s.inputs[k];
      const Layout want = np.input_layouts[k];
      if (p.values[v].shape.size() != 4 && !layout_is_row_major(want))
        fail("backend '", backend.name(), "' asked for ", layout_name(want), " for the rank-",
             p.values[v].shape.size(), " value '", p.values[v].name, "' of ", s.label);
      if (!copies[v].count(want)) {
        PlannedValue nv;
        nv.name = p.values[v].name + "@" + layout_name(want);
        nv.shape = p.values[v].shape;
        nv.layout = want;
        const int copy = add_value(p, nv);
        add_reorder(p, steps, base.at(v), copy, want, options);
        copies[v][want] = copy;
      }
      s.inputs[k] = copies[v].at(want);
    }
    s.desc.input_layouts = np.input_layouts;
    s.desc.output_layouts = np.output_layouts;
    s.desc.scratch_bytes = np.scratch_bytes;
    s.prepared_weight_bytes = np.prepared_weight_bytes;
    s.writes_strided_output = np.writes_strided_output;
    std::vector<std::pair<int, int>> output_reorders;  // (written copy, NCHW output)
    for (size_t k = 0; k < s.outputs.size(); ++k) {
      const int v = s.outputs[k];
      const Layout l = np.output_layouts[k];
      if (p.values[v].shape.size() != 4 && !layout_is_row_major(l))
        fail("backend '", backend.name(), "' writes the rank-", p.values[v].shape.size(),
             " value '", p.values[v].name, "' of ", s.label, " as ", layout_name(l));
      if (p.values[v].role == ValueRole::output && l != Layout::nchw &&
          !options.native_outputs.count(p.values[v].name)) {
        // The kernel writes a copy in its layout; a reorder right after it fills the NCHW output.
        PlannedValue nv;
        nv.name = p.values[v].name + "@" + layout_name(l);
        nv.shape = p.values[v].shape;
        nv.layout = l;
        const int w = add_value(p, nv);
        copies[v][l] = base[v] = s.outputs[k] = w;
        copies[v][Layout::nchw] = v;
        output_reorders.push_back({w, v});
      } else {
        p.values[v].layout = l;
        copies[v][l] = base[v] = v;
      }
    }
    if (np.scratch_bytes > 0) {
      PlannedValue sv;
      sv.name = s.desc.node_name + "#scratch";
      sv.role = ValueRole::scratch;
      sv.bytes = np.scratch_bytes;
      s.scratch = add_value(p, sv);
    }
    steps.push_back(std::move(s));
    for (auto& [from, to] : output_reorders) add_reorder(p, steps, from, to, Layout::nchw, options);
  }
  p.steps = std::move(steps);
  for (auto& v : p.values)
    if (v.role != ValueRole::scratch) v.bytes = backend.value_bytes(v.shape, v.layout);
  link(p);
}

void views(ExecutionPlan& p) {
  std::vector<int> slot_axis(p.values.size(), 0);
  std::vector<int64_t> slot_index(p.values.size(), 0);
  // A producer can write `v` where its slot puts it: dense, or a kernel that writes strides.
  auto writable = [&](int v) {
    const PlannedValue& val = p.values[v];
    if (val.producer < 0 || p.steps[val.producer].elided) return true;  // its slots write it
    return strides_are_dense(val.shape, val.layout, root_strides(p, v)) ||
           p.steps[val.producer].writes_strided_output;
  };
  // Every value whose bytes are (transitively) inside `v`.
  std::function<void(int, std::vector<int>&)> subtree = [&](int v, std::vector<int>& out) {
    out.push_back(v);
    for (size_t c = 0; c < p.values.size(); ++c)
      if (p.values[c].view_of == v) subtree(static_cast<int>(c), out);
  };

  for (size_t si = 0; si < p.steps.size(); ++si) {
    PlanStep& s = p.steps[si];
    if (s.kind != StepKind::kernel || s.desc.op != graph::OpKind::concat) continue;
    const int out = s.outputs[0];
    const PlannedValue& o = p.values[out];
    if (o.role != ValueRole::intermediate || !layout_is_plain(o.layout)) continue;
    const int axis = std::get<graph::ConcatParams>(s.desc.params).axis;
    std::map<int, int> reads;
    for (int v : s.inputs) ++reads[v];
    int64_t at = 0;
    for (size_t k = 0; k < s.inputs.size(); ++k) {
      const int v = s.inputs[k];
      const PlannedValue& val = p.values[v];
      const int64_t index = at;
      at += val.shape[axis];
      if (val.role != ValueRole::intermediate || val.view_of >= 0 || val.producer < 0 ||
          reads[v] != 1 || val.consumers != std::vector<int>{static_cast<int>(si)} ||
          val.layout != o.layout)
        continue;
      // A slot makes the concat's whole output live from v's producer on, not from the concat:
      // memory-neutral only when nothing but the producers of its other inputs runs in between
      // (FILM: a warp right before its concat). Otherwise the copy is the cheaper choice.
      bool adjacent = true;
      for (int t = val.producer + 1; t < static_cast<int>(si) && adjacent; ++t) {
        const PlanStep& between = p.steps[t];
        bool feeds = false;
        for (int o : between.outputs) feeds = feeds || reads.count(o);
        adjacent = feeds || between.elided;
      }
      if (!adjacent) continue;
      // Tentatively make v a slot; keep it only if every producer inside it can still write.
      p.values[v].view_of = out;
      slot_axis[v] = axis;
      slot_index[v] = index;
      std::vector<int> inside;
      subtree(v, inside);
      bool ok = true;
      for (int w : inside) ok = ok && writable(w);
      if (!ok) {
        p.values[v].view_of = -1;
        continue;
      }
      s.desc.input_in_place[k] = true;
    }
    s.elided = std::all_of(s.desc.input_in_place.begin(), s.desc.input_in_place.end(),
                           [](bool b) { return b; });
  }
  // A slice whose result is a dense range of its input (NCHW, one image, channels, say) is a view
  // of it: its consumers read the input's bytes, and the slice step has nothing to do.
  for (PlanStep& s : p.steps) {
    if (s.kind != StepKind::kernel || s.desc.op != graph::OpKind::slice || s.elided) continue;
    const int in = s.inputs[0], out = s.outputs[0];
    PlannedValue& o = p.values[out];
    if (o.role != ValueRole::intermediate || o.view_of >= 0 || !layout_is_plain(o.layout) ||
        o.layout != p.values[in].layout ||
        !strides_are_dense(o.shape, o.layout, root_strides(p, in)))
      continue;
    const auto& sp = std::get<graph::SliceParams>(s.desc.params);
    o.view_of = in;
    slot_axis[out] = sp.axis;
    slot_index[out] = sp.begin;
    s.elided = true;
  }
  // Final offsets (a concat that became a slot itself moved its slots into a wider value) and
  // strides; producers learn where they write.
  for (size_t v = 0; v < p.values.size(); ++v) {
    PlannedValue& val = p.values[v];
    if (val.role == ValueRole::scratch || !layout_is_plain(val.layout)) continue;
    val.strides = root_strides(p, static_cast<int>(v));
    val.view_offset = val.view_of >= 0 ? slot_index[v] * val.strides[slot_axis[v]] : 0;
  }
  link(p);
  for (auto& s : p.steps) {
    if (s.elided) continue;
    for (size_t k = 0; k < s.outputs.size(); ++k) {
      const PlannedValue& val = p.values[s.outputs[k]];
      if (strides_are_dense(val.shape, val.layout, val.strides)) continue;
      s.desc.output_strides[k] = val.strides;
    }
  }
}

void no_views(ExecutionPlan& p) {
  for (auto& val : p.values)
    if (val.role != ValueRole::scratch && layout_is_plain(val.layout))
      val.strides = dense_strides(val.shape, val.layout);
}

void memory(ExecutionPlan& p, const Backend& backend, const PlanOptions& options) {
  const BufferType type = backend.buffer_type();
  PlanProblem problem;
  problem.serial = !backend.runs_nodes_concurrently();
  problem.values.resize(p.values.size());
  for (size_t v = 0; v < p.values.size(); ++v) {
    const PlannedValue& val = p.values[v];
    auto& pv = problem.values[v];
    pv.name = val.name;
    pv.bytes = val.bytes;
    pv.in_arena =
        (val.role == ValueRole::intermediate || val.role == ValueRole::scratch) && val.view_of < 0;
    pv.producer = val.producer;
    pv.consumers = val.consumers;
  }
  // A view's writes (a concat slot's producer) and reads (a slice view's consumers) are those
  // of the value at the root of its chain.
  for (size_t v = 0; v < p.values.size(); ++v) {
    if (p.values[v].view_of < 0) continue;
    auto& root = problem.values[root_of(p, static_cast<int>(v))];
    if (p.values[v].producer >= 0) root.also_written_by.push_back(p.values[v].producer);
    root.consumers.insert(root.consumers.end(), p.values[v].consumers.begin(),
                          p.values[v].consumers.end());
  }
  problem.nodes.resize(p.steps.size());
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const PlanStep& st = p.steps[s];
    if (st.elided) continue;
    auto& n = problem.nodes[s];
    for (size_t k = 0; k < st.inputs.size(); ++k)
      if (!is_slot_input(st, k)) n.inputs.push_back(root_of(p, st.inputs[k]));
    for (int o : st.outputs) n.outputs.push_back(o);
    if (st.scratch >= 0) n.outputs.push_back(st.scratch);
    if (st.kind == StepKind::kernel && graph::op_schema(st.desc.op).can_run_in_place &&
        !st.inputs.empty()) {
      const PlannedValue &in = p.values[st.inputs[0]], &out = p.values[st.outputs[0]];
      bool has_slots = false;
      for (auto& v : p.values)
        has_slots = has_slots || v.view_of == st.inputs[0] || v.view_of == st.outputs[0];
      n.may_run_in_place = in.layout == out.layout && in.view_of < 0 && out.view_of < 0 &&
                           !has_slots && in.role == ValueRole::intermediate;
    }
  }
  const MemoryPlan m = plan_memory(problem, options.reuse_memory, type.alignment);
  for (size_t v = 0; v < p.values.size(); ++v)
    if (problem.values[v].in_arena) p.values[v].arena_offset = m.offsets[v];
  for (size_t s = 0; s < p.steps.size(); ++s) p.steps[s].desc.in_place = m.in_place[s];
  p.arena_bytes = m.arena_bytes;
  p.report.intermediate_bytes = m.total_intermediate_bytes;
}

void copies(ExecutionPlan& p, const Backend& backend) {
  p.copies.clear();
  if (backend.buffer_type().host) return;
  using D = PlanCopy::Direction;
  using W = PlanCopy::When;
  for (int v : p.inputs) p.copies.push_back({D::upload, W::every_run, v, p.values[v].bytes});
  for (int v : p.weights)
    p.copies.push_back({D::upload, W::once_per_session, v, p.values[v].bytes});
  for (int v : p.outputs) p.copies.push_back({D::download, W::every_run, v, p.values[v].bytes});
}

void hazards(ExecutionPlan& p) {
  std::vector<std::vector<Region>> reads(p.steps.size()), writes(p.steps.size());
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const PlanStep& st = p.steps[s];
    if (st.elided) continue;
    for (size_t k = 0; k < st.inputs.size(); ++k)
      if (!is_slot_input(st, k)) reads[s].push_back(region_of_value(p, st.inputs[k]));
    const bool partial_concat =
        st.kind == StepKind::kernel && st.desc.op == graph::OpKind::concat &&
        std::find(st.desc.input_in_place.begin(), st.desc.input_in_place.end(), true) !=
            st.desc.input_in_place.end();
    if (partial_concat) {
      // It writes only the slots of the inputs it copies: the others' producers wrote theirs.
      const int axis = std::get<graph::ConcatParams>(st.desc.params).axis;
      const PlannedValue& out = p.values[st.outputs[0]];
      int64_t at = 0;
      for (size_t k = 0; k < st.inputs.size(); ++k) {
        const Shape& shape = p.values[st.inputs[k]].shape;
        if (!is_slot_input(st, k)) {
          TensorView slot;
          int64_t elements = 0;
          const int r = root_of(p, st.outputs[0], &elements);
          slot.shape = shape;
          slot.layout = out.layout;
          slot.strides = out.strides;
          const int id = buffer_id_of(p, st.outputs[0]);
          slot.offset = (id == 0 ? p.values[r].arena_offset : 0) +
                        layout_element_bytes(out.layout) *
                            static_cast<size_t>(elements + at * out.strides[axis]);
          writes[s].push_back(region_of(slot, id));
        }
        at += shape[axis];
      }
    } else {
      for (int o : st.outputs) writes[s].push_back(region_of_value(p, o));
    }
    if (st.scratch >= 0) writes[s].push_back(region_of_value(p, st.scratch));
  }
  auto any = [](const std::vector<Region>& a, const std::vector<Region>& b) {
    for (auto& x : a)
      for (auto& y : b)
        if (overlap(x, y)) return true;
    return false;
  };
  auto conflict = [&](size_t a, size_t b) {  // a runs before b
    return any(writes[a], reads[b]) || any(reads[a], writes[b]) || any(writes[a], writes[b]);
  };
  std::vector<size_t> epoch;  // steps since the last barrier
  for (size_t s = 0; s < p.steps.size(); ++s) {
    PlanStep& st = p.steps[s];
    st.after.clear();
    st.barrier_before = false;
    if (st.elided) continue;
    for (size_t e = 0; e < s; ++e)
      if (!p.steps[e].elided && conflict(e, s)) st.after.push_back(static_cast<int>(e));
    bool needs = false;
    for (size_t e : epoch) needs = needs || conflict(e, s);
    if (needs) {
      st.barrier_before = true;
      epoch.clear();
    }
    epoch.push_back(s);
  }
  // Keep only the direct dependencies: drop e from s's list when another step s follows already
  // follows e (ancestor bitsets, steps in order).
  const size_t n = p.steps.size(), words = (n + 63) / 64;
  std::vector<std::vector<uint64_t>> anc(n, std::vector<uint64_t>(words, 0));
  auto has = [&](size_t of, size_t a) { return (anc[of][a / 64] >> (a % 64)) & 1; };
  for (size_t s = 0; s < n; ++s) {
    std::vector<int>& after = p.steps[s].after;
    for (int e : after) {
      for (size_t w = 0; w < words; ++w) anc[s][w] |= anc[e][w];
      anc[s][e / 64] |= uint64_t{1} << (e % 64);
    }
    std::vector<int> direct;
    for (int e : after) {
      bool implied = false;
      for (int f : after) implied = implied || (f != e && has(f, e));
      if (!implied) direct.push_back(e);
    }
    after = std::move(direct);
  }
}

void report(ExecutionPlan& p) {
  PlanReport& r = p.report;
  r.nodes = p.graph.nodes.size();
  r.steps = r.reorders = r.slots = r.elided_concats = r.slice_views = r.barriers =
      r.in_place_nodes = 0;
  r.scratch_bytes = r.input_bytes = r.output_bytes = r.weight_bytes = r.prepared_weight_bytes = 0;
  r.arena_bytes = p.arena_bytes;
  std::map<int, size_t> prepared;  // per weight value: the most any step repacks it into
  for (auto& s : p.steps) {
    if (!s.elided) {
      ++r.steps;
    } else if (s.desc.op == graph::OpKind::concat) {
      ++r.elided_concats;
    } else {
      ++r.slice_views;
    }
    r.reorders += s.kind == StepKind::reorder;
    r.barriers += s.barrier_before;
    r.in_place_nodes += s.desc.in_place;
    for (bool b : s.desc.input_in_place) r.slots += b;
    if (s.scratch >= 0) r.scratch_bytes = std::max(r.scratch_bytes, p.values[s.scratch].bytes);
    if (s.prepared_weight_bytes > 0)
      for (int v : s.inputs)
        if (p.values[v].role == ValueRole::weight && p.values[v].shape.size() == 4)
          prepared[v] = std::max(prepared[v], s.prepared_weight_bytes);
  }
  for (auto& [v, b] : prepared) r.prepared_weight_bytes += b;
  r.upload_bytes_per_run = r.download_bytes_per_run = r.upload_bytes_per_session = 0;
  for (auto& c : p.copies) {
    if (c.direction == PlanCopy::Direction::download) {
      r.download_bytes_per_run += c.bytes;
    } else if (c.when == PlanCopy::When::every_run) {
      r.upload_bytes_per_run += c.bytes;
    } else {
      r.upload_bytes_per_session += c.bytes;
    }
  }
  for (int v : p.inputs) r.input_bytes += p.values[v].bytes;
  for (int v : p.outputs) r.output_bytes += p.values[v].bytes;
  for (int v : p.weights) r.weight_bytes += p.values[v].bytes;
}

}  // namespace pass

ExecutionPlan make_plan(const graph::Graph& flat, const Backend& backend,
                        const graph::ShapeMap& inputs, const std::vector<std::string>& outputs,
                        const PlanOptions& options, const std::string& model_name) {
  ExecutionPlan p;
  p.model_name = model_name;
  pass::prune(p, flat, outputs);
  pass::shapes(p, inputs);
  pass::fuse(p, backend);
  pass::order(p, backend, options);
  pass::layouts(p, backend, options);
  // Slots save copies but keep a concat's whole output alive from its first slot's producer on,
  // and on a backend that runs steps concurrently they order fewer steps: keep them only when the
  // arena comes out no larger than without.
  ExecutionPlan no_slots = p;
  pass::views(p);
  pass::no_views(no_slots);
  pass::memory(p, backend, options);
  pass::memory(no_slots, backend, options);
  if (no_slots.arena_bytes < p.arena_bytes) p = std::move(no_slots);
  pass::copies(p, backend);
  pass::hazards(p);
  pass::report(p);
  return p;
}

int buffer_id_of(const ExecutionPlan& p, int v) {
  const int r = root_of(p, v);
  const ValueRole role = p.values[r].role;
  return role == ValueRole::intermediate || role == ValueRole::scratch ? 0 : 1 + r;
}

TensorView view_of(const ExecutionPlan& p, int v, Buffer* arena, const std::vector<Buffer*>& own) {
  int64_t elements = 0;
  const int r = root_of(p, v, &elements);
  const PlannedValue& val = p.values[v];
  TensorView t;
  t.shape = val.shape;
  t.layout = val.layout;
  t.strides = val.strides;
  const bool arena_value = buffer_id_of(p, v) == 0;
  t.buffer = arena_value ? arena : own.at(r);
  t.offset = (arena_value ? p.values[r].arena_offset : 0) +
             layout_element_bytes(val.layout) * static_cast<size_t>(elements);
  return t;
}

Region region_of_value(const ExecutionPlan& p, int v) {
  int64_t elements = 0;
  const int r = root_of(p, v, &elements);
  const PlannedValue& val = p.values[v];
  const int id = buffer_id_of(p, v);
  if (val.role == ValueRole::scratch) {
    Region g;
    g.buffer = id;
    g.begin = val.arena_offset;
    g.end = val.arena_offset + val.bytes;
    return g;
  }
  TensorView t;
  t.shape = val.shape;
  t.layout = val.layout;
  t.strides = val.strides;
  t.offset = (id == 0 ? p.values[r].arena_offset : 0) +
             layout_element_bytes(val.layout) * static_cast<size_t>(elements);
  return region_of(t, id);
}

}  // namespace film
