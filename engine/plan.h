// Planning: a flat graph, a backend and input shapes become an ExecutionPlan, in named passes that
// each do one thing and can be tested alone. Planning needs no weights (`film inspect` plans a bare
// graph); compiling kernels and recording them is the Session's later step.
//
//   prune    keep what the requested outputs need (graph/flatten.h)
//   shapes   infer every value's shape (graph/shapes.h)
//   fuse     conv2d + leaky_relu -> conv2d with the activation, if the backend wants it
//   order    topological order; one kernel step per node, asked of the backend (unsupported?)
//   layouts  ask the backend which layout each step reads and writes; insert one reorder step
//            wherever a consumer needs another layout than its producer writes (shared by all such
//            consumers); graph inputs arrive and graph outputs leave as NCHW
//   views    a concat whose inputs can be written straight into their slots of its output: those
//            producers write there, and the concat copies only the rest (or disappears); a slice
//            that is a dense range of its input: a view of it. Kept only when the arena comes out
//            no larger than without (make_plan plans both)
//   memory   place intermediates and scratch in one arena (engine/planner.h); graph inputs,
//            outputs and weights get their own buffers (never reused)
//   copies   for a backend whose memory is not host memory: upload each graph input every run,
//            each weight once per session, download each output every run (host backends are
//            lent the caller's tensors and the model's weights instead: no copies at all)
//   hazards  from the bytes each step reads and writes (arena reuse and slots included): the
//            earlier steps each step must follow, and the barriers a linear queue needs
// Usage:
//   ExecutionPlan p = make_plan(model.flat, backend, {{"x0", {1,3,256,256}}, ...}, {"image"}, {});
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "graph/graph.h"
#include "graph/shapes.h"

namespace film {

enum class ValueRole { input, weight, intermediate, output, scratch };

struct PlannedValue {
  std::string name;
  Shape shape;
  Layout layout = Layout::nchw;
  ValueRole role = ValueRole::intermediate;
  size_t bytes = 0;            // what the backend says the value needs in its layout
  int producer = -1;           // step; -1 for inputs and weights
  std::vector<int> consumers;  // steps that read it
  // A slot of another value (the views pass): element offset from that value's first element,
  // and element strides; the value has no bytes of its own.
  int view_of = -1;
  int64_t view_offset = 0;
  std::vector<int64_t> strides;  // plain layouts: element strides (dense unless a slot)
  size_t arena_offset = 0;       // intermediates and scratch (memory pass)
};

enum class StepKind { kernel, reorder };

// A copy between the host and a backend's device memory, at the plan's edges.
struct PlanCopy {
  enum class Direction { upload, download } direction;
  enum class When { every_run, once_per_session } when;
  int value;  // an input, weight or output
  size_t bytes;
};

struct PlanStep {
  StepKind kind = StepKind::kernel;
  int node = -1;                     // kernel steps: index into ExecutionPlan::graph.nodes
  std::string label;                 // "node 'a/conv0' (conv2d)", "reorder 'x0' nchw -> nhwc"
  std::vector<int> inputs, outputs;  // value indices
  int scratch = -1;                  // value index of its scratch, -1 when none
  KernelDesc desc;                   // everything but the constants (weights)
  bool elided = false;     // nothing left to do: a concat whose inputs all write their slots, a
                           // slice that is a view of its input
  std::vector<int> after;  // earlier steps it must follow (hazards)
  bool barrier_before = false;  // a linear queue needs a barrier right before this step
  size_t prepared_weight_bytes = 0;
  bool writes_strided_output = false;  // the backend's NodePlan said so
};

struct PlanReport {
  size_t nodes = 0;               // graph nodes (after fusion)
  size_t steps = 0;               // kernel and reorder steps that run
  size_t arena_bytes = 0;         // planned peak of intermediates and scratch
  size_t intermediate_bytes = 0;  // the same without reuse
  size_t scratch_bytes = 0;       // the largest scratch of one step
  size_t output_bytes = 0;
  size_t input_bytes = 0;
  size_t weight_bytes = 0;
  size_t prepared_weight_bytes = 0;  // weights the backend repacks (once per weight and layout)
  size_t in_place_nodes = 0;
  size_t reorders = 0;  // reorder steps the layouts pass inserted
  size_t slots = 0;     // concat inputs written straight into their slot
  size_t elided_concats = 0;
  size_t slice_views = 0;  // slices whose result is a view of their input
  size_t barriers = 0;
  size_t upload_bytes_per_run = 0, download_bytes_per_run = 0, upload_bytes_per_session = 0;
  size_t planned_peak() const {
    return arena_bytes + output_bytes + input_bytes + weight_bytes + prepared_weight_bytes;
  }
};

struct ExecutionPlan {
  std::string model_name;
  graph::Graph graph;      // pruned (and fused), nodes in topological order
  graph::ShapeMap shapes;  // of every value of the graph as written (fused away or not)
  std::vector<PlannedValue> values;
  std::map<std::string, int> value_index;
  std::vector<PlanStep> steps;            // in execution order
  std::vector<int> inputs;                // value indices: graph inputs, in graph order
  std::vector<std::string> output_names;  // requested, in request order
  std::vector<int> outputs;      // value indices: the requested outputs, in request order (NCHW
                                 // unless PlanOptions::native_outputs)
  std::vector<int> weights;      // value indices of the weights the plan reads
  std::vector<PlanCopy> copies;  // empty for host memory
  size_t arena_bytes = 0;
  PlanReport report;

  int value(const std::string& name) const;
};

struct PlanOptions {
  bool reuse_memory = true;
  int threads = 0;
  // For handing values between plans on one backend without converting them (Session's resident
  // values): inputs that arrive in a layout other than NCHW, and outputs that leave in whatever
  // layout their producer writes (no reorder to NCHW).
  std::map<std::string, Layout> input_layouts;
  std::set<std::string> native_outputs;
};

// All passes in order. Throws film::Error naming the input, node or backend.
ExecutionPlan make_plan(const graph::Graph& flat, const Backend& backend,
                        const graph::ShapeMap& inputs, const std::vector<std::string>& outputs,
                        const PlanOptions& options, const std::string& model_name);

// The passes, for tests; each takes the plan the previous ones made.
namespace pass {
void prune(ExecutionPlan& p, const graph::Graph& flat, const std::vector<std::string>& outputs);
void shapes(ExecutionPlan& p, const graph::ShapeMap& inputs);
void fuse(ExecutionPlan& p, const Backend& backend);
void order(ExecutionPlan& p, const Backend& backend, const PlanOptions& options);  // kernel steps
void layouts(ExecutionPlan& p, const Backend& backend, const PlanOptions& options);
void views(ExecutionPlan& p);
// The plan views() is weighed against: no slots or slice views, every value dense (its strides).
void no_views(ExecutionPlan& p);
void memory(ExecutionPlan& p, const Backend& backend, const PlanOptions& options);
void copies(ExecutionPlan& p, const Backend& backend);
void hazards(ExecutionPlan& p);
void report(ExecutionPlan& p);
}  // namespace pass

// The view a kernel gets of value `v`, given where the plan's buffers are: `arena` holds the
// intermediates and scratch, `own[v]` the inputs, outputs and weights (by value index).
TensorView view_of(const ExecutionPlan& p, int v, Buffer* arena, const std::vector<Buffer*>& own);
// The buffer id (for regions): 0 for the arena, 1 + value index of the root value otherwise.
int buffer_id_of(const ExecutionPlan& p, int v);
// The bytes `v` covers, for the hazard analysis.
Region region_of_value(const ExecutionPlan& p, int v);

}  // namespace film
