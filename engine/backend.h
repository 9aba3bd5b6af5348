// Backend interface: a backend turns one graph node (at fixed shapes) into a Kernel.
//
// Contract:
//  - unsupported_reason() is asked for every node while planning, so a backend that cannot run
//    a node fails before any work starts, with a message naming the node.
//  - create_kernel() is called once per node per planned input shape; constants (weights) are
//    passed then so a backend may repack or upload them once.
//  - Kernel::execute() may be called from any TBB worker thread; kernels of independent nodes run
//    concurrently, so a kernel must only touch its own inputs/outputs (and its own scratch). For
//    bit-identical results at any thread count, a kernel's arithmetic order must not depend on
//    how work is split between threads.
//  - A backend whose runs_nodes_concurrently() is false gets its kernels run one at a time, and
//    may say that its results depend on the thread count (backends/onednn/onednn_backend.h).
//  - Backends are listed explicitly in engine/backend_registry.cpp (no static registration).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace film {

struct KernelDesc {
  std::string node_name;
  std::string op;
  nlohmann::json attrs;  // complete: defaults filled in
  std::vector<Shape> input_shapes;
  std::vector<Shape> output_shapes;
  // Per input: the weight tensor when that input is a weight (constant), else nullptr.
  std::vector<const Tensor*> constants;
  // True when output 0 shares memory with input 0 (the planner decided so; only for ops whose
  // schema allows it).
  bool in_place = false;
  // SessionOptions::threads (<= 0: all cores); fixed for the kernel's life, so a backend that
  // picks its work split at creation (oneDNN) can honour it.
  int threads = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void execute(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // "" when the backend can run the node, else the reason it cannot.
  virtual std::string unsupported_reason(const KernelDesc& desc) const = 0;
  virtual std::unique_ptr<Kernel> create_kernel(const KernelDesc& desc) = 0;
  // False: the session runs the nodes one at a time in topological order on the calling thread
  // (the backend parallelises inside each kernel with its own thread pool, and its kernels may
  // share scratch memory).
  virtual bool runs_nodes_concurrently() const { return true; }
  // True: the session rewrites conv2d + leaky_relu pairs into conv2d with the "leaky_relu"
  // attribute before planning (engine/fuse.h).
  virtual bool wants_fused_activation() const { return false; }
};

struct BackendInfo {
  std::string name;
  std::string summary;
  bool available;
  std::string why_unavailable;
};

// Every backend this build knows, available or not.
std::vector<BackendInfo> list_backends();
// What the command-line tools use without --backend: "cpu" (oneDNN) when it is available, else "ref".
// The library's SessionOptions keeps "ref" (the deterministic oracle) unless told otherwise.
std::string default_backend();
// Throws film::Error naming the backend and listing the available ones when it cannot be made.
std::unique_ptr<Backend> create_backend(const std::string& name);

}  // namespace film
