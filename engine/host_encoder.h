// The encoder and kernel base every host backend uses (ref, cpu): a step's work is a closure that
// runs when the recording is submitted — one after another in plan order, or, when the backend
// runs nodes concurrently, as a DAG on oneTBB where each step waits for the steps the plan says it
// must follow (engine/scheduler.h). Barriers need nothing on the host: plan order or the DAG's
// edges already order every hazard.
//
// A kernel that throws anything but film::Error (a library's own exception) is reported as
// film::Error naming the node, never as an internal error.
// Usage (in a host backend's kernel):
//   class MyKernel : public film::HostKernel { void run(const film::KernelArgs& a) override {...}
//   };
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace film {

class HostEncoder : public Encoder {
 public:
  HostEncoder(bool concurrent, int threads, bool profile)
      : concurrent_(concurrent), threads_(threads), profile_(profile) {}
  void begin_step(int step, const std::string& label, const std::vector<int>& after) override;
  void barrier() override {}
  void submit() override;
  std::vector<double> step_seconds() const override { return seconds_; }
  // Adds work to the current step (the one begin_step() last started).
  void add(std::function<void()> work);
  // The host encoder a host kernel was given; film::Error when a kernel of a host backend is
  // recorded into another backend's encoder.
  static HostEncoder& of(Encoder& e);

 private:
  struct Step {
    int plan_step = 0;
    std::string label;
    std::vector<int> after;  // indices into steps_
    std::vector<std::function<void()>> work;
  };
  void run_step(size_t i);

  bool concurrent_;
  int threads_;
  bool profile_;
  std::vector<Step> steps_;
  std::vector<int> index_of_;  // plan step -> steps_ index
  std::vector<double> seconds_;
};

// A kernel that runs on the host when its step does.
class HostKernel : public Kernel {
 public:
  void record(Encoder& encoder, const KernelArgs& args) override {
    HostEncoder::of(encoder).add([this, args] { run(args); });
  }
  virtual void run(const KernelArgs& args) = 0;
};

}  // namespace film
