#include "engine/session.h"

#include <cmath>
#include <cstring>

#include "engine/host_encoder.h"
#include "graph/base/error.h"

namespace film {

struct Session::Prepared {
  uint64_t generation = 0;                  // options_.arena's generation when recorded
  std::vector<std::unique_ptr<Buffer>> io;  // graph inputs and outputs (by value index: own[])
  std::vector<Buffer*> own;  // per value index: its own buffer (inputs, outputs, weights)
  std::vector<std::unique_ptr<Kernel>> kernels;
  std::unique_ptr<Encoder> encoder;
};

struct Session::Entry {
  ExecutionPlan plan;
  std::unique_ptr<Prepared> prepared;  // at the first run
};

// Freed resident values' buffers by size, until a run needs one of that size again. Shared with
// every ResidentValue's deleter, so values may outlive their session.
struct Session::Pool {
  std::mutex mutex;
  std::multimap<size_t, std::unique_ptr<Buffer>> free;
};

Tensor ResidentValue::to_tensor() const {
  Tensor t = Tensor::zeros(shape);
  TensorView v;
  v.shape = shape;
  v.layout = layout;
  v.buffer = buffer.get();
  if (layout_is_plain(layout)) v.strides = dense_strides(shape, layout);
  for (int64_t n = 0; n < shape[0]; ++n)
    for (int64_t c = 0; c < shape[1]; ++c)
      for (int64_t h = 0; h < shape[2]; ++h)
        for (int64_t w = 0; w < shape[3]; ++w)
          t.data()[((n * shape[1] + c) * shape[2] + h) * shape[3] + w] =
              v.data()[v.index(n, c, h, w)];
  return t;
}

Session::Session(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend,
                 SessionOptions options)
    : model_(std::move(model)),
      backend_(std::move(backend)),
      options_(options),
      pool_(std::make_shared<Pool>()) {
  if (!options_.arena) options_.arena = std::make_shared<SharedArena>();
  if (!backend_) fail("internal: a Session needs a backend");
  backend_name_ = backend_->name();
}

Session::~Session() = default;

Session::Entry& Session::get(const graph::ShapeMap& inputs, std::vector<std::string>& outputs,
                             const std::map<std::string, Layout>& input_layouts,
                             const std::set<std::string>& native_outputs) {
  if (outputs.empty())
    for (auto& o : model_->flat.outputs)
      if (!o.aux) outputs.push_back(o.name);
  std::string key;
  for (auto& [n, s] : inputs) {
    key += n + shape_str(s);
    if (auto l = input_layouts.find(n); l != input_layouts.end())
      key += std::string("@") + layout_name(l->second);
    key += ";";
  }
  for (auto& o : outputs) key += o + (native_outputs.count(o) ? "@native," : ",");
  if (auto it = plans_.find(key); it != plans_.end()) return *it->second;
  auto e = std::make_unique<Entry>();
  e->plan = make_plan(model_->flat, *backend_, inputs, outputs,
                      {.reuse_memory = options_.reuse_memory,
                       .threads = options_.threads,
                       .input_layouts = input_layouts,
                       .native_outputs = native_outputs},
                      model_->name);
  auto& slot = plans_[key];
  slot = std::move(e);
  return *slot;
}

PlanReport Session::plan(const graph::ShapeMap& inputs, std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  return get(inputs, outputs).plan.report;
}

const ExecutionPlan& Session::execution_plan(const graph::ShapeMap& inputs,
                                             std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  return get(inputs, outputs).plan;
}

graph::ShapeMap Session::shapes(const graph::ShapeMap& inputs, std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  return get(inputs, outputs).plan.shapes;
}

Buffer* Session::weight_buffer(const std::string& name) {
  if (auto it = weights_.find(name); it != weights_.end()) return it->second.get();
  auto w = model_->weights.find(name);
  if (w == model_->weights.end()) fail(model_->name, ": weight '", name, "' has no data");
  const Tensor& t = w->second;
  const size_t bytes = sizeof(float) * static_cast<size_t>(t.size());
  if (!t.data() && bytes > 0)
    fail(model_->name, ": weight '", name,
         "' has no data (a graph without weights can be planned, not run)");
  std::unique_ptr<Buffer> b;
  if (backend_->buffer_type().host) {
    b = HostBuffer::borrow(const_cast<float*>(t.data()),
                           bytes);  // read only: no step writes a weight
  } else {
    b = backend_->allocate(bytes);
    backend_->upload(t.data(), *b, 0, bytes);
  }
  return (weights_[name] = std::move(b)).get();
}

// Makes `e` ready to run: compiles every step once and records the plan against the shared arena,
// grown first if this plan needs more; recorded again (kernels kept) when the arena was replaced
// since. Nothing when it is ready.
void Session::prepare(Entry& e) {
  const ExecutionPlan& p = e.plan;
  SharedArena& arena = *options_.arena;
  if (e.prepared && e.prepared->generation == arena.generation) return;
  if (!arena.buffer || arena.buffer->size() < p.arena_bytes) {
    arena.buffer.reset();  // never both at once
    arena.buffer = backend_->allocate(std::max<size_t>(p.arena_bytes, 1));
    ++arena.generation;
  }
  if (e.prepared) {
    record(e);
    return;
  }
  auto prep = std::make_unique<Prepared>();
  const bool host = backend_->buffer_type().host;
  prep->own.assign(p.values.size(), nullptr);
  auto io_buffer = [&](int v) {
    const size_t bytes = p.values[v].bytes;
    prep->io.push_back(host ? std::unique_ptr<Buffer>(HostBuffer::borrow(nullptr, bytes))
                            : backend_->allocate(bytes));
    prep->own[v] = prep->io.back().get();
  };
  for (int v : p.inputs) io_buffer(v);
  for (int v : p.outputs) io_buffer(v);
  for (int v : p.weights) prep->own[v] = weight_buffer(p.values[v].name);

  // Compile every step, then record the whole plan once.
  prep->kernels.resize(p.steps.size());
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const PlanStep& st = p.steps[s];
    if (st.elided) continue;
    if (st.kind == StepKind::reorder) {
      prep->kernels[s] =
          backend_->compile_reorder(st.desc.input_shapes[0], st.desc.input_layouts[0],
                                    st.desc.output_layouts[0], options_.threads);
      continue;
    }
    KernelDesc d = st.desc;
    for (size_t k = 0; k < st.inputs.size(); ++k)
      if (p.values[st.inputs[k]].role == ValueRole::weight)
        d.constants[k] = &model_->weights.at(p.values[st.inputs[k]].name);
    prep->kernels[s] = backend_->compile(d);
  }
  e.prepared = std::move(prep);
  record(e);
}

void Session::record(Entry& e) {
  const ExecutionPlan& p = e.plan;
  Prepared* prep = e.prepared.get();
  Buffer* arena = options_.arena->buffer.get();
  prep->generation = options_.arena->generation;
  prep->encoder = backend_->make_encoder(backend_->runs_nodes_concurrently(), options_.threads,
                                         options_.profile);
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const PlanStep& st = p.steps[s];
    if (st.elided) continue;
    if (st.barrier_before) prep->encoder->barrier();
    prep->encoder->begin_step(static_cast<int>(s), st.label, st.after);
    KernelArgs args;
    for (int v : st.inputs) args.inputs.push_back(view_of(p, v, arena, prep->own));
    for (int v : st.outputs) args.outputs.push_back(view_of(p, v, arena, prep->own));
    if (st.scratch >= 0) {
      args.scratch.buffer = arena;
      args.scratch.offset = p.values[st.scratch].arena_offset;
      args.scratch.shape = {static_cast<int64_t>(p.values[st.scratch].bytes / sizeof(float))};
    }
    prep->kernels[s]->record(*prep->encoder, args);
  }
}

std::map<std::string, Tensor> Session::run(const std::map<std::string, Tensor>& inputs,
                                           std::vector<std::string> outputs) {
  return run(RunRequest{.inputs = inputs, .outputs = std::move(outputs)}).outputs;
}

RunResult Session::run(const RunRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto& inputs = request.inputs;
  graph::ShapeMap shapes;
  for (auto& [n, t] : inputs) {
    if (t.empty() && t.size() > 0) fail("input '", n, "' has no data");
    shapes[n] = t.shape();
  }
  std::map<std::string, Layout> layouts;
  for (auto& [n, r] : request.resident_inputs) {
    if (!r || !r->buffer) fail("resident input '", n, "' has no data");
    shapes[n] = r->shape;
    if (r->layout != Layout::nchw) layouts[n] = r->layout;
  }
  const std::set<std::string> native(request.resident_outputs.begin(),
                                     request.resident_outputs.end());
  std::vector<std::string> outputs = request.outputs;
  outputs.insert(outputs.end(), request.resident_outputs.begin(), request.resident_outputs.end());
  const bool host = backend_->buffer_type().host;
  if (!host && (!native.empty() || !request.resident_inputs.empty()))
    fail("backend '", backend_name_, "': resident values are kept in host memory only for now");
  Entry& e = get(shapes, outputs, layouts, native);
  prepare(e);
  const ExecutionPlan& p = e.plan;
  Prepared& prep = *e.prepared;

  // Host memory: the caller's tensors are lent to the kernels, fresh output tensors too (resident
  // outputs: buffers from the pool). Device memory: the plan's copies (inputs up, outputs down;
  // weights went up in prepare()).
  RunResult result;
  auto& results = result.outputs;
  for (int v : p.outputs) {
    const PlannedValue& val = p.values[v];
    if (!native.count(val.name)) {
      results[val.name] = Tensor::zeros(val.shape);
      continue;
    }
    std::unique_ptr<Buffer> b;
    {
      std::lock_guard<std::mutex> hold(pool_->mutex);
      if (auto it = pool_->free.find(val.bytes); it != pool_->free.end()) {
        b = std::move(it->second);
        pool_->free.erase(it);
      }
    }
    if (!b) b = backend_->allocate(val.bytes);
    auto* r = new ResidentValue{val.shape, val.layout, std::move(b)};
    result.resident[val.name] =
        Resident(r, [pool = std::weak_ptr<Pool>(pool_)](const ResidentValue* x) {
          if (auto keep = pool.lock()) {
            std::lock_guard<std::mutex> hold(keep->mutex);
            const size_t bytes = x->buffer->size();
            keep->free.emplace(bytes, std::move(const_cast<ResidentValue*>(x)->buffer));
          }
          delete x;
        });
  }
  auto input_data = [&](const std::string& name) -> float* {
    if (auto it = inputs.find(name); it != inputs.end())
      return const_cast<float*>(it->second.data());
    return static_cast<float*>(request.resident_inputs.at(name)->buffer->host());
  };
  if (host) {
    for (int v : p.inputs)
      static_cast<HostBuffer*>(prep.own[v])->rebind(input_data(p.values[v].name));
    for (int v : p.outputs) {
      const std::string& name = p.values[v].name;
      static_cast<HostBuffer*>(prep.own[v])
          ->rebind(native.count(name) ? result.resident.at(name)->buffer->host()
                                      : results.at(name).data());
    }
  }
  for (auto& c : p.copies)
    if (c.direction == PlanCopy::Direction::upload && c.when == PlanCopy::When::every_run)
      backend_->upload(inputs.at(p.values[c.value].name).data(), *prep.own[c.value], 0, c.bytes);
  prep.encoder->submit();
  device_seconds_ = prep.encoder->device_seconds();
  for (auto& c : p.copies)
    if (c.direction == PlanCopy::Direction::download)
      backend_->download(*prep.own[c.value], 0, c.bytes, results.at(p.values[c.value].name).data());
  if (host)  // lent for this run only
    for (int v : p.inputs) static_cast<HostBuffer*>(prep.own[v])->rebind(nullptr);

  profile_.clear();
  if (options_.profile) {
    const std::vector<double> t = prep.encoder->step_seconds();
    for (size_t s = 0; s < p.steps.size() && s < t.size(); ++s) {
      const PlanStep& st = p.steps[s];
      if (st.elided) continue;
      if (st.kind == StepKind::reorder) {
        profile_.push_back({st.label, "reorder", t[s]});
      } else {
        const graph::Node& n = p.graph.nodes[st.node];
        profile_.push_back({n.name, n.op, t[s]});
      }
    }
  }
  return result;
}

namespace {

// How many of the view's values are not finite.
int64_t count_non_finite(const TensorView& v) {
  const float* d = v.data();
  int64_t bad = 0;
  if (v.shape.size() != 4 || v.dense()) {
    for (int64_t i = 0, n = layout_elements(v.shape, v.layout); i < n; ++i)
      bad += !std::isfinite(d[i]);
    return bad;
  }
  const Shape& s = v.shape;
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w) bad += !std::isfinite(d[v.index(n, c, h, w)]);
  return bad;
}

}  // namespace

std::string Session::first_non_finite(const std::map<std::string, Tensor>& inputs,
                                      std::vector<std::string> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [name, t] : inputs) {
    int64_t bad = 0;
    for (int64_t i = 0; i < t.size(); ++i) bad += !std::isfinite(t.data()[i]);
    if (bad > 0) return cat("the input '", name, "' holds ", bad, " values that are not finite");
  }
  if (!backend_->buffer_type().host)
    return "backend '" + backend_name_ +
           "' keeps its values in device memory, so the node cannot be named";
  graph::ShapeMap shapes;
  for (auto& [n, t] : inputs) shapes[n] = t.shape();
  Entry& e = get(shapes, outputs);
  prepare(e);
  const ExecutionPlan& p = e.plan;
  Prepared& prep = *e.prepared;
  // The same kernels and buffers, recorded one step at a time with a check after each.
  auto encoder = backend_->make_encoder(false, options_.threads, false);
  struct Found {
    std::string what;
  };
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const PlanStep& st = p.steps[s];
    if (st.elided) continue;
    encoder->begin_step(static_cast<int>(s), st.label, {});
    KernelArgs args;
    Buffer* arena = options_.arena->buffer.get();
    for (int v : st.inputs) args.inputs.push_back(view_of(p, v, arena, prep.own));
    for (int v : st.outputs) args.outputs.push_back(view_of(p, v, arena, prep.own));
    if (st.scratch >= 0) {
      args.scratch.buffer = arena;
      args.scratch.offset = p.values[st.scratch].arena_offset;
      args.scratch.shape = {static_cast<int64_t>(p.values[st.scratch].bytes / sizeof(float))};
    }
    prep.kernels[s]->record(*encoder, args);
    HostEncoder::of(*encoder).add([&p, &st, args] {
      for (size_t k = 0; k < args.outputs.size(); ++k)
        if (const int64_t bad = count_non_finite(args.outputs[k]))
          throw Found{cat(st.label, " wrote ", bad, " values that are not finite into '",
                          p.values[st.outputs[k]].name, "'")};
    });
  }
  std::vector<Tensor> out;
  for (int v : p.inputs)
    static_cast<HostBuffer*>(prep.own[v])
        ->rebind(const_cast<float*>(inputs.at(p.values[v].name).data()));
  for (int v : p.outputs) {
    out.push_back(Tensor::zeros(p.values[v].shape));
    static_cast<HostBuffer*>(prep.own[v])->rebind(out.back().data());
  }
  std::string found = "every step wrote finite values when run again";
  try {
    encoder->submit();
  } catch (const Found& f) {
    found = f.what;
  }
  for (int v : p.inputs) static_cast<HostBuffer*>(prep.own[v])->rebind(nullptr);
  return found;
}

}  // namespace film
