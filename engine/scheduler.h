// Executes a DAG of tasks on oneTBB: a task starts as soon as all its predecessors finished, so
// independent branches (the two images' encoders, the two flow directions) run in parallel.
//
// Contract: run(i) is called exactly once per task, from a TBB worker, never concurrently with a
// predecessor or successor. If a task throws, no new task is started; running ones finish; the
// first exception is rethrown to the caller. `threads` <= 0 means all cores.
#pragma once

#include <functional>
#include <vector>

namespace film {

void run_dag(const std::vector<std::vector<int>>& successors, int threads, const std::function<void(int)>& run);

}  // namespace film
