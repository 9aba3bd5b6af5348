// film video's pipeline stages (tools/app/pipeline.h): order kept, queues bounded, errors
// reaching the feeding thread.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tools/app/pipeline.h"

using namespace film;

TEST_CASE("Stage runs items in order on its thread, at most `capacity` waiting") {
  std::vector<int> seen;
  std::atomic<int> started = 0;
  std::atomic<bool> release = false;
  Stage<int> s(2, [&](int& x) {
    ++started;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    seen.push_back(x);
  });
  s.push(0);  // taken by the stage, which then waits
  while (started == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.push(1);
  s.push(2);  // two waiting: the next push must block until the stage moves on
  std::atomic<bool> pushing = false, pushed = false;
  std::thread feeder([&] {
    pushing = true;
    s.push(3);
    pushed = true;
  });
  // The feeder has reached push(); a push that did not block would be done within this time.
  while (!pushing) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(pushed);
  release = true;
  feeder.join();
  CHECK(pushed);
  s.finish();
  CHECK(seen == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("Stage and Prefetch hand their thread's error to the feeding thread") {
  Stage<int> s(1, [](int& x) {
    if (x == 2) throw std::runtime_error("cannot write frame 2");
  });
  CHECK_THROWS_WITH(
      [&] {
        for (int i = 0; i < 100; ++i) s.push(i);
        s.finish();
      }(),
      "cannot write frame 2");

  int n = 0;
  Prefetch<int> p(2, [&](int& x) {
    if (n == 3) throw std::runtime_error("frame 3 is damaged");
    x = n++;
    return true;
  });
  std::vector<int> got;
  int x = 0;
  CHECK_THROWS_WITH(
      [&] {
        while (p.next(x)) got.push_back(x);
      }(),
      "frame 3 is damaged");
  CHECK(got == std::vector<int>{0, 1, 2});  // every item before the error first

  int m = 0;
  Prefetch<int> q(1, [&](int& y) {
    y = m;
    return m++ < 5;
  });
  got.clear();
  while (q.next(x)) got.push_back(x);
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4});
  CHECK_FALSE(q.next(x));  // and stays at the end
}
