#include "engine/scheduler.h"

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>

namespace film {

void run_dag(const std::vector<std::vector<int>>& successors, int threads, const std::function<void(int)>& run) {
  const size_t n = successors.size();
  auto pending = std::make_unique<std::atomic<int>[]>(n);
  for (size_t i = 0; i < n; ++i) pending[i] = 0;
  for (auto& succ : successors)
    for (int s : succ) ++pending[s];

  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  // More threads than cores only adds contention (and TBB warns); cap at the machine's cores.
  const int cores = tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads > 0 ? std::min(threads, cores) : cores);
  arena.execute([&] {
    tbb::task_group group;
    std::function<void(int)> spawn = [&](int i) {
      group.run([&, i] {
        if (failed) return;
        try {
          run(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          failed = true;
          return;
        }
        for (int s : successors[i])
          if (--pending[s] == 0) spawn(s);
      });
    };
    // Collect the roots before spawning any: once tasks run they decrement `pending`, and a scan
    // racing with them would spawn a node a second time.
    std::vector<int> roots;
    for (size_t i = 0; i < n; ++i)
      if (pending[i] == 0) roots.push_back(static_cast<int>(i));
    for (int r : roots) spawn(r);
    group.wait();
  });
  if (error) std::rethrow_exception(error);
}

}  // namespace film
