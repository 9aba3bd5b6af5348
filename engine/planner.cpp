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

  // In place first: a node's output 0 takes its input 0's bytes when that input is an arena value
  // read by this node only, of the same size. Aliased values form a group that shares one offset.
  std::vector<int> first_writer(p.values.size(), -1);
  for (size_t v = 0; v < p.values.size(); ++v) {
    const auto w = writers(p.values[v]);
    if (p.values[v].in_arena && !w.empty()) first_writer[v] = *std::min_element(w.begin(), w.end());
  }
  auto size_of = [&](int v) { return align_up(std::max<size_t>(p.values[v].bytes, 1), alignment); };
  std::vector<int> group(p.values.size(), -1);  // the group (its first value) of each arena value
  std::vector<std::vector<int>> members(p.values.size());
  for (size_t v = 0; v < p.values.size(); ++v)
    if (first_writer[v] >= 0) group[v] = static_cast<int>(v);
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const auto& node = p.nodes[i];
    if (!node.may_run_in_place || node.inputs.empty() || node.outputs.empty()) continue;
    const int v = node.outputs[0], src = node.inputs[0];
    const auto& sv = p.values[src];
    if (first_writer[v] != static_cast<int>(i) || !sv.in_arena || sv.consumers.size() != 1 ||
        !sv.also_written_by.empty() || group[src] < 0 || size_of(src) != size_of(v))
      continue;
    group[v] = group[src];
    plan.in_place[i] = true;
  }
  std::vector<int> groups;
  for (size_t v = 0; v < p.values.size(); ++v)
    if (group[v] >= 0) {
      members[group[v]].push_back(static_cast<int>(v));
      if (group[v] == static_cast<int>(v)) groups.push_back(static_cast<int>(v));
    }
  // Groups g and h may share bytes when one is dead before every writer of the other.
  auto dead_before_group = [&](int g, int h) {
    for (int u : members[g])
      for (int v : members[h])
        for (int w : writers(p.values[v]))
          if (!dead_before(u, w)) return false;
    return true;
  };
  const size_t n = groups.size();
  std::vector<std::vector<bool>> conflict(n, std::vector<bool>(n, false));
  for (size_t a = 0; a < n; ++a)
    for (size_t b = a + 1; b < n; ++b)
      conflict[a][b] = conflict[b][a] =
          !dead_before_group(groups[a], groups[b]) && !dead_before_group(groups[b], groups[a]);

  // Places the groups in `order`, each in the tightest gap left by the conflicting groups already
  // placed; returns the arena size and fills `offset` (per group index).
  auto place = [&](const std::vector<size_t>& order, std::vector<size_t>& offset) {
    offset.assign(n, SIZE_MAX);
    size_t arena = 0;
    std::vector<size_t> placed;
    for (size_t g : order) {
      const size_t size = size_of(groups[g]);
      std::vector<std::pair<size_t, size_t>> busy;
      for (size_t h : placed)
        if (conflict[g][h]) busy.push_back({offset[h], offset[h] + size_of(groups[h])});
      std::sort(busy.begin(), busy.end());
      size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
      for (auto& [b, e] : busy) {
        if (b > cursor && b - cursor >= size && b - cursor < best_gap) {
          best = cursor;
          best_gap = b - cursor;
        }
        cursor = std::max(cursor, e);
      }
      if (best == SIZE_MAX) best = cursor;  // after everything in use
      offset[g] = best;
      arena = std::max(arena, best + size);
      placed.push_back(g);
    }
    return arena;
  };
  // Two orders, the smaller arena wins: by first write (how values appear), and largest first
  // (TFLite's greedy-by-size; packs better when big, long-lived values meet small ones).
  std::vector<size_t> by_birth(n), by_size(n);
  for (size_t g = 0; g < n; ++g) by_birth[g] = by_size[g] = g;
  std::stable_sort(by_birth.begin(), by_birth.end(), [&](size_t a, size_t b) {
    return first_writer[groups[a]] < first_writer[groups[b]];
  });
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](size_t a, size_t b) { return size_of(groups[a]) > size_of(groups[b]); });
  std::vector<size_t> birth_offsets, size_offsets;
  const size_t birth_arena = place(by_birth, birth_offsets);
  const size_t size_arena = place(by_size, size_offsets);
  const auto& offsets = size_arena < birth_arena ? size_offsets : birth_offsets;
  plan.arena_bytes = std::min(size_arena, birth_arena);
  for (size_t g = 0; g < n; ++g)
    for (int v : members[groups[g]]) plan.offsets[v] = offsets[g];
  return plan;
}

}  // namespace film
