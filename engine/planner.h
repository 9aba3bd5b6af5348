// Memory planner: places every intermediate value (and every step's scratch) of a plan in one
// arena. The "nodes" here are the plan's steps, in execution order.
//
// Values are placed in the order they are first written, best fit. Two values may share bytes
// only when one is certainly dead before the other is written *under parallel execution*: every
// consumer of the first must be an ancestor (in the DAG) of every writer of the second. Serial
// live ranges are not enough, because the scheduler runs independent steps at the same time.
// A value may have several writers: a concatenation whose inputs write straight into their slots
// is written by each of those producers. Element-wise ops may write in place over their input
// when they are its only consumer. Graph inputs, weights and graph outputs are not in the arena
// and are never overwritten.
// Usage:
//   film::MemoryPlan p = film::plan_memory(problem, /*reuse=*/true);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace film {

struct PlanProblem {
  struct Value {
    std::string name;
    size_t bytes = 0;
    int producer = -1;                 // node index; -1 for graph inputs and weights
    std::vector<int> also_written_by;  // further writers (the producers of a concat's slots)
    std::vector<int> consumers;        // node indices
    bool in_arena = true;              // false: inputs, weights, outputs (own memory)
  };
  struct NodeInfo {
    std::vector<int> inputs;        // value indices
    std::vector<int> outputs;       // value indices
    bool may_run_in_place = false;  // output 0 may overwrite input 0
  };
  std::vector<Value> values;
  std::vector<NodeInfo> nodes;  // in topological order
  // The nodes run one at a time in this order (Backend::runs_nodes_concurrently() false): a value
  // is then dead as soon as its last reader has run, which lets more values share bytes.
  bool serial = false;
};

struct MemoryPlan {
  static constexpr size_t kNotInArena = SIZE_MAX;
  std::vector<size_t> offsets;          // per value
  std::vector<bool> in_place;           // per node: output 0 placed over input 0
  size_t arena_bytes = 0;               // planned peak of intermediates
  size_t total_intermediate_bytes = 0;  // what it would take without reuse
};

// `alignment` bytes for every offset (64: a cache line, enough for any SIMD width).
MemoryPlan plan_memory(const PlanProblem& p, bool reuse, size_t alignment = 64);

}  // namespace film
