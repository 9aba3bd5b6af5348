#include "engine/planner.h"

#include <algorithm>

namespace film {
namespace {

size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

std::vector<int> writers(const PlanProblem::Value& v) {
  std::vector<int> w;
  if (v.producer >= 0) w.push_back(v.producer);
  w.insert(w.end(), v.also_written_by.begin(), v.also_written_by.end());
  return w;
}

// ancestors[i] as a bitset over node indices (nodes are in topological order).
std::vector<std::vector<uint64_t>> ancestors(const PlanProblem& p) {
  const size_t n = p.nodes.size(), words = (n + 63) / 64;
  std::vector<std::vector<uint64_t>> anc(n, std::vector<uint64_t>(words, 0));
  for (size_t i = 0; i < n; ++i)
    for (int v : p.nodes[i].inputs)
      for (int prod : writers(p.values[v])) {
        for (size_t w = 0; w < words; ++w) anc[i][w] |= anc[prod][w];
        anc[i][prod / 64] |= uint64_t{1} << (prod % 64);
      }
  return anc;
}

}  // namespace

MemoryPlan plan_memory(const PlanProblem& p, bool reuse, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(p.values.size(), MemoryPlan::kNotInArena);
  plan.in_place.assign(p.nodes.size(), false);
  for (auto& v : p.values)
    if (v.in_arena) plan.total_intermediate_bytes += align_up(v.bytes, alignment);

  if (!reuse) {
    size_t at = 0;
    for (size_t v = 0; v < p.values.size(); ++v)
      if (p.values[v].in_arena && !writers(p.values[v]).empty()) {
        plan.offsets[v] = at;
        at += align_up(p.values[v].bytes, alignment);
      }
    plan.arena_bytes = at;
    return plan;
  }

  const auto anc = ancestors(p);
  auto is_ancestor = [&](int a, int of) -> bool { return (anc[of][a / 64] >> (a % 64)) & 1; };
  // u's bytes are free for a value produced by node `at` when all of u's readers finish before
  // `at` starts, in every schedule.
  auto dead_before = [&](int u, int at) {
    const auto& val = p.values[u];
    if (p.serial) {
      for (int c : val.consumers)
        if (c >= at) return false;
      for (int w : writers(val))
        if (w >= at) return false;
      return true;
    }
    if (val.consumers.empty()) {
      for (int w : writers(val))
        if (!is_ancestor(w, at)) return false;
      return true;
    }
    for (int c : val.consumers)
      if (!is_ancestor(c, at)) return false;
    return true;
  };

  // Each arena value is placed when its first writer runs; a node's own outputs first, in order
  // (output 0 may go in place), then values whose first writer it is through a slot.
  std::vector<std::vector<int>> born(p.nodes.size());
  for (size_t i = 0; i < p.nodes.size(); ++i)
    for (int v : p.nodes[i].outputs)
      if (p.values[v].in_arena && p.values[v].producer == static_cast<int>(i)) born[i].push_back(v);
  for (size_t v = 0; v < p.values.size(); ++v) {
    const auto w = writers(p.values[v]);
    if (!p.values[v].in_arena || w.empty()) continue;
    const int first = *std::min_element(w.begin(), w.end());
    if (first != p.values[v].producer) born[first].push_back(static_cast<int>(v));
  }

  std::vector<int> placed;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const auto& node = p.nodes[i];
    for (const int v : born[i]) {
      const size_t size = align_up(std::max<size_t>(p.values[v].bytes, 1), alignment);
      int shared_input = -1;
      if (!node.outputs.empty() && v == node.outputs[0] && node.may_run_in_place &&
          !node.inputs.empty()) {
        const int src = node.inputs[0];
        const auto& sv = p.values[src];
        if (sv.in_arena && sv.consumers.size() == 1 && sv.also_written_by.empty() &&
            align_up(std::max<size_t>(sv.bytes, 1), alignment) == size)
          shared_input = src;
      }
      if (shared_input >= 0) {
        plan.offsets[v] = plan.offsets[shared_input];
        plan.in_place[i] = true;
        placed.push_back(v);
        continue;
      }
      // Intervals still in use while any writer of v runs, sorted by offset; take the tightest gap.
      const auto vw = writers(p.values[v]);
      std::vector<std::pair<size_t, size_t>> busy;
      for (int u : placed) {
        bool dead = true;
        for (int w : vw) dead = dead && dead_before(u, w);
        if (!dead)
          busy.push_back(
              {plan.offsets[u],
               plan.offsets[u] + align_up(std::max<size_t>(p.values[u].bytes, 1), alignment)});
      }
      std::sort(busy.begin(), busy.end());
      size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
      for (auto& [b, e] : busy) {
        if (b > cursor && b - cursor >= size && b - cursor < best_gap) {
          best = cursor;
          best_gap = b - cursor;
        }
        cursor = std::max(cursor, e);
      }
      if (best == SIZE_MAX) best = cursor;  // after everything still in use
      plan.offsets[v] = best;
      plan.arena_bytes = std::max(plan.arena_bytes, best + size);
      placed.push_back(v);
    }
  }
  return plan;
}

}  // namespace film
