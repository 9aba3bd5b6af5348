#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <stdexcept>
#include <thread>

#include "engine/scheduler.h"

using namespace film;

TEST_CASE("run_dag runs every task once, after all its predecessors, at any thread count") {
  std::mt19937 rng(7);
  // Many roots spread through the index range: nodes become ready while the scheduler is still
  // looking for roots, which is where a double start once hid.
  const int n = 3000;
  std::vector<std::vector<int>> succ(n), pred(n);
  for (int i = 1; i < n; ++i)
    for (int k = 0; k < (i % 3 == 0 ? 0 : 2); ++k) {
      int p = static_cast<int>(rng() % i);
      if (std::find(pred[i].begin(), pred[i].end(), p) == pred[i].end()) {
        pred[i].push_back(p);
        succ[p].push_back(i);
      }
    }
  for (int threads : {1, 2, 4}) {
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<std::atomic<int>> runs(n), done(n);
      std::atomic<int> early{0};
      run_dag(succ, threads, [&](int i) {
        for (int p : pred[i])
          if (!done[p]) ++early;
        ++runs[i];
        if (i % 7 == 0) std::this_thread::yield();  // vary interleavings
        done[i] = 1;
      });
      int wrong = 0;
      for (auto& r : runs) wrong += r != 1;
      CAPTURE(threads);
      REQUIRE(early == 0);
      REQUIRE(wrong == 0);
    }
  }
}

TEST_CASE("run_dag rethrows the first failure and starts nothing after it") {
  std::vector<std::vector<int>> succ = {{1}, {2}, {}};
  std::atomic<int> ran_last{0};
  CHECK_THROWS_WITH_AS(run_dag(succ, 2,
                               [&](int i) {
                                 if (i == 1) throw std::runtime_error("boom in 1");
                                 if (i == 2) ++ran_last;
                               }),
                       "boom in 1", std::runtime_error);
  CHECK(ran_last == 0);
}
