#include "engine/host_encoder.h"

#include <chrono>
#include <exception>

#include "engine/scheduler.h"
#include "graph/base/error.h"

namespace film {

void HostEncoder::begin_step(int step, const std::string& label, const std::vector<int>& after) {
  if (step < 0) fail("internal: negative step");
  if (static_cast<size_t>(step) >= index_of_.size()) index_of_.resize(step + 1, -1);
  index_of_[step] = static_cast<int>(steps_.size());
  Step s;
  s.plan_step = step;
  s.label = label;
  for (int a : after) {
    if (a < 0 || static_cast<size_t>(a) >= index_of_.size() || index_of_[a] < 0)
      fail("internal: step ", step, " follows step ", a, ", which was not recorded before it");
    s.after.push_back(index_of_[a]);
  }
  steps_.push_back(std::move(s));
}

void HostEncoder::add(std::function<void()> work) {
  if (steps_.empty()) fail("internal: kernel recorded before any step began");
  steps_.back().work.push_back(std::move(work));
}

HostEncoder& HostEncoder::of(Encoder& e) {
  auto* h = dynamic_cast<HostEncoder*>(&e);
  if (!h) fail("internal: a host kernel was recorded into an encoder of another kind");
  return *h;
}

void HostEncoder::run_step(size_t i) {
  const Step& s = steps_[i];
  const auto start = std::chrono::steady_clock::now();
  for (auto& w : s.work) {
    try {
      w();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(s.label, ": ", e.what());
    }
  }
  if (profile_)
    seconds_[s.plan_step] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void HostEncoder::submit() {
  seconds_.assign(profile_ ? index_of_.size() : 0, 0.0);
  if (!concurrent_) {
    for (size_t i = 0; i < steps_.size(); ++i) run_step(i);
    return;
  }
  std::vector<std::vector<int>> successors(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int a : steps_[i].after) successors[a].push_back(static_cast<int>(i));
  run_dag(successors, threads_, [&](int i) { run_step(static_cast<size_t>(i)); });
}

}  // namespace film
