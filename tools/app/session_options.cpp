#include "tools/app/session_options.h"

#include "backends/registry.h"
#include "graph/base/error.h"
#include "models/film/load.h"
#include "models/film/options.h"
#include "tools/app/model_path.h"

namespace film {

std::string size_str(int64_t height, int64_t width) { return cat(width, "x", height); }

std::string backend_spec(const InterpolatorOptions& o) {
  std::string backend = o.backend.empty() ? default_backend() : o.backend;
  if (backend != "cpu" && backend != "ref" && backend != "vulkan")
    usage_fail("--backend takes cpu, vulkan or ref, got '", backend, "'");
  if (o.device >= 0) {
    if (backend != "vulkan")
      usage_fail("--device chooses a Vulkan device: it needs --backend vulkan (got --backend ",
                 backend, ")");
    backend += ":" + std::to_string(o.device);
  }
  const std::string& p = o.precision;
  if (p != "fp32" && p != "fp16" && p != "bf16")
    usage_fail("--precision takes fp32, bf16 (cpu) or fp16 (vulkan), got '", p, "'");
  if (p == "fp16" && backend.rfind("vulkan", 0) != 0)
    usage_fail("--precision fp16 runs on the vulkan backend (--backend vulkan); on the ", backend,
               " backend use fp32", backend == "cpu" ? " or bf16" : "");
  if (p == "bf16" && backend != "cpu")
    usage_fail("--precision bf16 runs on the cpu backend (--backend cpu); on the ", backend,
               " backend use fp32", backend.rfind("vulkan", 0) == 0 ? " or fp16" : "");
  if (p != "fp32") backend += ":" + p;
  return backend;
}

std::string model_dir(const InterpolatorOptions& o) { return resolve_model_dir(o.model); }

MemoryBudget memory_budget(const InterpolatorOptions& o) {
  if (o.max_memory == 0) return available_memory();
  const uint64_t m = o.max_memory;
  const std::string text = m % (uint64_t{1} << 30) == 0   ? cat(m >> 30, "G")
                           : m % (uint64_t{1} << 20) == 0 ? cat(m >> 20, "M")
                                                          : cat(m);
  return {static_cast<size_t>(m), "--max-memory " + text};
}

std::unique_ptr<FrameInterpolator> make_interpolator(const InterpolatorOptions& o, bool time_input) {
  const std::string backend = backend_spec(o);
  if (o.threads < 0 || o.threads > 4096) usage_fail("--threads: expected 0..4096, got ", o.threads);
  if (o.tta != 1 && o.tta != 2 && o.tta != 4 && o.tta != 8)
    usage_fail("--tta takes 1, 2, 4 or 8, got ", o.tta);
  auto m = film::model::load_model(model_dir(o));
  if (time_input)
    m = Model::from_parts(model::film_graph_with_time(m->graph, m->name), m->weights, m->name);
  auto f = std::make_unique<FrameInterpolator>(
      m, FrameInterpolatorOptions{.backend = backend, .threads = o.threads, .padding = o.padding});
  f->set_tta(o.tta);
  return f;
}

std::string fit_frame_memory(FrameInterpolator& f, int64_t h, int64_t w, size_t frames,
                             const MemoryBudget& budget) {
  const size_t frame = sizeof(float) * 3 * static_cast<size_t>(h * w);
  const size_t kept = frames * frame;  // frames held beside the plan
  if (budget.bytes != SIZE_MAX && kept >= budget.bytes)
    fail("a ", size_str(h, w), " frame needs about ", kept >> 20, " MiB for the ", frames,
         " frames held at once alone, but ", budget.source, " leaves ", budget.bytes >> 20,
         " MiB; use a smaller size, or free memory");
  f.set_memory_budget(budget.bytes == SIZE_MAX ? SIZE_MAX : budget.bytes - kept);
  const TilePlan& t = f.fit(h, w);
  if (!t.fits)
    fail("a ", size_str(h, w), " frame needs about ", (t.need_bytes + kept) >> 20,
         " MiB on backend ", f.session().backend_name(), " even as ", t.grid.count(),
         " tiles of ", size_str(t.grid.tile_h, t.grid.tile_w), ", but ", budget.source,
         " leaves ", budget.bytes >> 20, " MiB; use a smaller size, or free memory");
  if (t.grid.count() <= 1) return "";
  return cat("a ", size_str(h, w), " frame needs more memory than ", budget.source, " leaves (",
             budget.bytes >> 20, " MiB): running it as ", t.grid.ys.size(), " x ",
             t.grid.xs.size(), " overlapping tiles of ", size_str(t.grid.tile_h, t.grid.tile_w),
             " (about ", (t.need_bytes + kept) >> 20, " MiB)");
}

}  // namespace film
