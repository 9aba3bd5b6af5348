// Session: runs a Model on one backend.
//
// For each distinct set of input shapes (and requested outputs) the session plans once
// (engine/plan.h: prune, shapes, fuse, order, layouts, views, memory, hazards), then, at the first
// run, allocates the arena through the backend, compiles every step's kernel with the weights and
// records the whole plan into the backend's encoder. Every run then binds (or, for device memory,
// uploads) the inputs, submits the recording and returns the outputs. Weights reach the backend
// once per session: lent to host backends as they are, uploaded once to device memory otherwise.
// Threading: one run at a time per Session (run() locks); make one Session per thread to run
// several models concurrently. Results are bit-identical for any `threads` on the ref backend;
// other backends state their own promise (backends/onednn/onednn_backend.h).
// Usage:
//   film::Session s(film::Model::load(dir), film::create_backend("ref"), {.threads = 2});
//   auto out = s.run({{"x0", a}, {"x1", b}});           // non-aux outputs
//   film::Tensor mid = out.at("image");
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/model.h"
#include "engine/plan.h"
#include "graph/shapes.h"

namespace film {

// The memory for plans' intermediates, shared by every plan of a session, and by several sessions
// given the same one (FrameInterpolator's encoder and decoder): sized to the largest plan run so
// far; when it grows, plans recorded against the old buffer are recorded again at their next run.
// Sessions sharing one must run one at a time, on backends of one kind.
struct SharedArena {
  std::unique_ptr<Buffer> buffer;
  uint64_t generation = 0;  // bumped when the buffer is replaced
};

struct SessionOptions {
  int threads = 0;           // <= 0: all cores
  bool reuse_memory = true;  // false: every intermediate gets its own bytes (debugging)
  bool profile = false;      // record per-step times
  std::shared_ptr<SharedArena> arena = nullptr;  // null: the session's own
};

// A value kept in a backend's memory between runs, in the layout its producer wrote: an output
// asked for as resident comes back as one, and a later run (of this session or another on the
// same backend) takes it as an input without converting or copying it. FrameInterpolator keeps a
// frame's encoder outputs so. Its buffer returns to the session's pool when the last reference
// goes, so a stream of frames reuses the same memory (no fresh pages per frame). Host backends
// only for now: a device backend would bind its buffers per run (docs/architecture.md).
struct ResidentValue {
  Shape shape;
  Layout layout = Layout::nchw;
  std::unique_ptr<Buffer> buffer;
  // A plain NCHW copy, for tests and debugging.
  Tensor to_tensor() const;
};
using Resident = std::shared_ptr<const ResidentValue>;

struct RunRequest {
  std::map<std::string, Tensor> inputs = {};             // NCHW
  std::map<std::string, Resident> resident_inputs = {};  // as another run left them
  std::vector<std::string> outputs = {};                 // as NCHW tensors
  std::vector<std::string> resident_outputs = {};        // as ResidentValues
};
struct RunResult {
  std::map<std::string, Tensor> outputs;
  std::map<std::string, Resident> resident;
};

struct NodeProfile {
  std::string name, op;  // the node (or the reorder) and its op ("reorder" for reorders)
  double seconds = 0;
};

class Session {
 public:
  Session(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend,
          SessionOptions options = {});
  ~Session();

  // `outputs` empty: every non-aux output of the graph.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                    std::vector<std::string> outputs = {});
  // Inputs and outputs as tensors or as resident values (both empty outputs: every non-aux
  // output as a tensor).
  RunResult run(const RunRequest& request);
  // Plans without compiling or running (no weights touched).
  PlanReport plan(const graph::ShapeMap& inputs, std::vector<std::string> outputs = {});
  const ExecutionPlan& execution_plan(const graph::ShapeMap& inputs,
                                      std::vector<std::string> outputs = {});
  // Shapes of every value at these input shapes.
  graph::ShapeMap shapes(const graph::ShapeMap& inputs, std::vector<std::string> outputs = {});
  // After a run whose outputs were not finite: runs again, one step at a time, and names the first
  // step that wrote a NaN or an infinity ("node 'x' (conv2d) wrote 12 values that are not finite
  // into 'x'"), or the graph input that holds one. Host backends only (device memory cannot be
  // looked at between steps): otherwise says so.
  std::string first_non_finite(const std::map<std::string, Tensor>& inputs,
                               std::vector<std::string> outputs = {});
  // Per-step times of the last run (only with options.profile).
  const std::vector<NodeProfile>& profile() const { return profile_; }
  // Seconds the device itself spent on the last run, from its own clock (a GPU's timestamp
  // queries: Encoder::device_seconds()); < 0 when the backend cannot tell.
  double device_seconds() const { return device_seconds_; }
  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& model_ptr() const { return model_; }
  const std::string& backend_name() const { return backend_name_; }
  Backend& backend() { return *backend_; }

 private:
  struct Prepared;
  struct Entry;
  struct Pool;
  Entry& get(const graph::ShapeMap& inputs, std::vector<std::string>& outputs,
             const std::map<std::string, Layout>& input_layouts = {},
             const std::set<std::string>& native_outputs = {});
  void prepare(Entry& e);
  void record(Entry& e);
  Buffer* weight_buffer(const std::string& name);

  std::shared_ptr<const Model> model_;
  std::unique_ptr<Backend> backend_;
  SessionOptions options_;
  std::string backend_name_;
  std::map<std::string, std::unique_ptr<Entry>> plans_;
  std::map<std::string, std::unique_ptr<Buffer>> weights_;  // once per session
  std::vector<NodeProfile> profile_;
  double device_seconds_ = -1;
  std::shared_ptr<Pool> pool_;  // resident values' buffers, for reuse
  std::mutex mutex_;
};

}  // namespace film
