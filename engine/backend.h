// Backend interface: what a backend gives the engine — its memory (buffer types, buffers, copies
// to and from the host), its answer for each node while planning (layouts, scratch, whether it can
// write into a strided slot), its kernels, and an encoder they record into.
//
// Contract:
//  - Planning needs no weights: unsupported_reason() and plan_node() see shapes, layouts and
//    parameters only, so `film inspect` plans without any weight data. compile() comes later,
//    with the weights (KernelDesc::constants), once per planned step.
//  - A kernel records into the backend's Encoder; the Session records a plan once and submits the
//    recording for every run. Between the steps it puts barriers (a linear queue such as a GPU
//    command buffer needs exactly those) and tells the encoder which earlier steps each step
//    must follow (a host encoder that runs independent steps concurrently needs those).
//  - Kernels only touch their own views and their planned scratch; every byte they read or
//    write is inside those views (the planner's hazard analysis relies on it).
//  - For bit-identical results at any thread count, a kernel's arithmetic order must not depend
//    on how its work is split between threads.
//  - Backends are listed explicitly in backends/registry.cpp (no static registration), above
//    the engine: the engine knows backends only through this interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/memory.h"
#include "engine/tensor.h"
#include "graph/ops.h"

namespace film {

struct KernelDesc {
  std::string node_name;
  graph::OpKind op = graph::OpKind::add;
  graph::OpParams params;
  std::vector<Shape> input_shapes;
  std::vector<Shape> output_shapes;
  // Layouts the kernel reads and writes (what plan_node() chose; the planner inserted reorders
  // where producers wrote others).
  std::vector<Layout> input_layouts;
  std::vector<Layout> output_layouts;
  // Per output: element strides when it is written into a slot of a wider value (a concat the
  // planner removed); empty when dense.
  std::vector<std::vector<int64_t>> output_strides;
  // concat only: inputs already written into their slot of the output by their producers.
  std::vector<bool> input_in_place;
  // Per input: whether it is a weight of the graph (a constant), known while planning ...
  std::vector<bool> input_is_weight;
  // ... and its data, given at compile only (nullptr while planning and for other inputs).
  std::vector<const Tensor*> constants;
  // True when output 0 shares memory with input 0 (the planner decided so; only for ops whose
  // schema allows it).
  bool in_place = false;
  // Scratch bytes the kernel gets at run time (what plan_node() asked for).
  size_t scratch_bytes = 0;
  // SessionOptions::threads (<= 0: all cores).
  int threads = 0;
  // The model builder's word that the output must stay float32 in a reduced precision (a flow
  // or image head; graph::Node::keep_fp32): what a backend lowering precision honours.
  bool keep_fp32 = false;
};

// A backend's plan for one node, made without weights.
struct NodePlan {
  std::vector<Layout> input_layouts;   // per input
  std::vector<Layout> output_layouts;  // per output
  size_t scratch_bytes = 0;            // planned memory the kernel may use while it runs
  size_t prepared_weight_bytes = 0;    // weights repacked for this node (shared per weight)
  bool writes_strided_output = false;  // can write output 0 into a slot of a wider value
};

// Where kernels record their work. The Session calls begin_step() before each step's record()
// and barrier() between steps where the plan needs one.
class Encoder {
 public:
  virtual ~Encoder() = default;
  // Step `step` (label: the node, for messages and profiles) starts; it must follow the earlier
  // steps `after` (all its read/write hazards).
  virtual void begin_step(int step, const std::string& label, const std::vector<int>& after) = 0;
  // Everything recorded before completes, with its writes visible, before anything after starts.
  virtual void barrier() = 0;
  // Runs the recording; may be called once per run.
  virtual void submit() = 0;
  // Seconds per step of the last submit() (empty unless the encoder was asked to time steps).
  virtual std::vector<double> step_seconds() const { return {}; }
  // Seconds the device itself spent on the last submit() (a GPU's timestamp queries); < 0 when
  // the encoder cannot tell.
  virtual double device_seconds() const { return -1; }
};

struct KernelArgs {
  std::vector<TensorView> inputs, outputs;
  TensorView scratch;  // scratch_bytes at a planned place; no buffer when none was asked for
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void record(Encoder& encoder, const KernelArgs& args) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // Memory.
  virtual BufferType buffer_type() const { return {}; }
  // Bytes a value of `shape` needs in layout `l` (before alignment).
  virtual size_t value_bytes(const Shape& shape, Layout l) const { return layout_bytes(shape, l); }
  virtual std::unique_ptr<Buffer> allocate(size_t bytes);
  // Copies between the host and a buffer, only for a backend whose buffer type is not host
  // memory: uploads of graph inputs each run and of weights once per session, downloads of graph
  // outputs. (With host memory the Session lends the caller's tensors and the model's weights to
  // the kernels directly, without copies.)
  virtual void upload(const void* src, Buffer& dst, size_t offset, size_t bytes);
  virtual void download(const Buffer& src, size_t offset, size_t bytes, void* dst);

  // Planning. "" when the backend can run the node, else the reason it cannot.
  virtual std::string unsupported_reason(const KernelDesc& desc) const = 0;
  // Layouts and scratch for a node; `offered` are the layouts its inputs' producers write. The
  // default reads and writes NCHW, asks for no scratch and writes only dense outputs.
  virtual NodePlan plan_node(const KernelDesc& desc, const std::vector<Layout>& offered) const;
  // False: the steps run one at a time in plan order (each kernel parallelises internally), so
  // the memory planner may reuse bytes as soon as their last reader has run.
  virtual bool runs_nodes_concurrently() const { return true; }
  // True: the session rewrites conv2d + leaky_relu pairs into conv2d with the "leaky_relu"
  // attribute before planning (engine/fuse.h).
  virtual bool wants_fused_activation() const { return false; }

  // Compiling and recording.
  virtual std::unique_ptr<Kernel> compile(const KernelDesc& desc) = 0;
  // Copies a value of `shape` from layout `from` to `to` (only planned where plan_node() asked
  // for a layout that the producer does not write).
  virtual std::unique_ptr<Kernel> compile_reorder(const Shape& shape, Layout from, Layout to,
                                                  int threads);
  // `concurrent`: the Session lets the encoder run independent steps at once (only asked when
  // runs_nodes_concurrently()); `threads` as in SessionOptions; `profile`: time every step.
  virtual std::unique_ptr<Encoder> make_encoder(bool concurrent, int threads, bool profile);
};

}  // namespace film
