// From the public InterpolatorOptions (film/interpolator.h) to what runs: the model, the backend
// spec, the memory budget and a FrameInterpolator fitted to it. What film::Interpolator,
// film::retime and every command of the `film` program share, so each option means one thing.
// Usage:
//   film::InterpolatorOptions o{.backend = "cpu", .precision = "bf16"};
//   auto f = film::make_interpolator(o);                    // model loaded, backend created
//   std::string note = film::fit_frame_memory(*f, 720, 1280, 10, film::memory_budget(o));
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/model.h"
#include "film/interpolator.h"
#include "tools/app/interpolate.h"
#include "tools/app/memory_budget.h"

namespace film {

// The backend the options name: backend ("" : default_backend()), with device N choosing the
// Vulkan device ("vulkan:N") and precision fp16 its half-float storage ("vulkan[:N]:fp16"), bf16
// the cpu backend's bfloat16 convolutions ("cpu:bf16"). film::UsageError for an unknown backend
// or precision, or a precision or device the backend does not take.
std::string backend_spec(const InterpolatorOptions& o);

// The model folder the options name: o.model, else $FILM_MODEL, else the bundled model.
std::string model_dir(const InterpolatorOptions& o);

// max_memory, else what the machine or its cgroup leaves.
MemoryBudget memory_budget(const InterpolatorOptions& o);

// The FrameInterpolator the options describe (model loaded, backend made, tta set); options are
// checked before the model is loaded. `time_input`: FILM's graph with the time as an input
// (model::film_graph_with_time; `--direct-time`), so that frame_at() makes any t in one run.
std::unique_ptr<FrameInterpolator> make_interpolator(const InterpolatorOptions& o,
                                                     bool time_input = false);

// Before the first frame of h x w: gives `f` the budget less `frames` frames held beside its plan
// (the recursion's path, queues), so that a frame too large for it runs as overlapping tiles.
// Returns the note to tell the user when it will (else ""); film::Error saying how much it needs
// when not even tiles fit. The weights are loaded already and not counted again.
std::string fit_frame_memory(FrameInterpolator& f, int64_t h, int64_t w, size_t frames,
                             const MemoryBudget& budget);

// "WIDTHxHEIGHT", for messages.
std::string size_str(int64_t height, int64_t width);

}  // namespace film
