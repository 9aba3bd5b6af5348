// Memory planner: places every intermediate value of a planned graph in one arena.
//
// Values are placed in topological order, best fit. Two values may share bytes only when one is
// certainly dead before the other is produced *under parallel execution*: every consumer of the
// first must be an ancestor (in the DAG) of the second's producer. Serial live ranges are not
// enough, because the scheduler runs independent nodes at the same time. Element-wise ops may
// write in place over their input when they are its only consumer. Graph inputs, weights and
// graph outputs are not in the arena and are never overwritten.
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
    int producer = -1;            // node index; -1 for graph inputs and weights
    std::vector<int> consumers;   // node indices
    bool in_arena = true;         // false: inputs, weights, outputs (own memory)
  };
  struct NodeInfo {
    std::vector<int> inputs;   // value indices
    std::vector<int> outputs;  // value indices
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
  std::vector<size_t> offsets;  // per value
  std::vector<bool> in_place;   // per node: output 0 placed over input 0
  size_t arena_bytes = 0;       // planned peak of intermediates
  size_t total_intermediate_bytes = 0;  // what it would take without reuse
};

// `alignment` bytes for every offset (64: a cache line, enough for any SIMD width).
MemoryPlan plan_memory(const PlanProblem& p, bool reuse, size_t alignment = 64);

}  // namespace film
