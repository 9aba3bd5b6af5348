// film bench: time per frame and memory of a model (or of FILM options with random weights) at a
// real resolution, on a backend. Speed targets live here and in docs/benchmarks.md, not in tests.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "backends/registry.h"
#include "engine/app/interpolate.h"
#include "engine/app/memory_budget.h"
#include "engine/session.h"
#include "graph/error.h"
#include "graph/file.h"
#include "graph/shapes.h"
#include "models/film/options.h"
#include "tools/commands.h"

namespace film::cli {
namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int cmd_bench(const std::vector<std::string>& argv) {
  Args a(argv,
         {"--options", "--size", "--backend", "--device", "--precision", "--threads", "--runs"},
         {"--help", "--released", "--json", "--profile"}, "bench");
  const bool have_source = a.positional().size() == 1 || a.get("--options") || a.flag("--released");
  if (a.flag("--help") || !have_source) {
    std::fputs(
        "usage: film bench (MODEL_DIR | --options OPTIONS.json | --released) [--size WxH] "
        "[--backend cpu|vulkan|ref] [--device N] [--precision fp32|bf16|fp16]\n"
        "                  [--threads N] [--runs 3] [--profile] [--json]\n"
        "Times one frame (two inputs -> middle) at WxH (default 256x256; padded like "
        "'interpolate'),\n"
        "after one warm-up run, and reports planned and actual peak memory (and, on a GPU, the\n"
        "device's own time from its timestamps). --profile adds the slowest ops.\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  std::shared_ptr<const Model> model;
  std::string label;
  if (a.positional().size() == 1) {
    model = Model::load(a.positional()[0]);
    label = a.positional()[0];
  } else {
    model::FilmOptions o = model::released_options();
    if (auto p = a.get("--options")) o = model::parse_options(io::read_file(*p), *p);
    model = Model::random(model::build_film_graph(o), 1, "random FILM weights");
    label = "FILM " + model::options_to_json(o).dump();
  }
  const auto [h, w] = parse_size(a.get_or("--size", "256x256"), "--size");
  const int runs = a.get_int("--runs", 3, 1, 10000);
  InterpolatorOptions so{.backend = backend_option(a),
                         .threads = a.get_int("--threads", 0, 0, 4096),
                         .profile = a.flag("--profile")};
  FrameInterpolator interpolator(model, so);
  const auto [ph, pw] =
      interpolator.padded_size(h, w);  // timed at the size 'interpolate' would run
  Session& s = interpolator.session();
  Tensor x0 = Tensor::zeros({1, 3, ph, pw}), x1 = Tensor::zeros({1, 3, ph, pw});
  for (int64_t i = 0; i < x0.size(); ++i) {
    x0.data()[i] = float((i * 7) % 255) / 255;
    x1.data()[i] = float((i * 7 + 40) % 255) / 255;
  }
  std::map<std::string, Tensor> in = {{model->graph.inputs[0].name, x0},
                                      {model->graph.inputs[1].name, x1}};
  double t0 = now();
  PlanReport plan =
      s.plan({{in.begin()->first, x0.shape()}, {std::next(in.begin())->first, x1.shape()}});
  const double plan_s = now() - t0;
  t0 = now();
  s.run(in);
  const double first_s = now() - t0;
  std::vector<double> times, device;
  for (int r = 0; r < runs; ++r) {
    t0 = now();
    s.run(in);
    times.push_back(now() - t0);
    if (s.device_seconds() >= 0) device.push_back(s.device_seconds());
  }
  std::sort(times.begin(), times.end());
  std::sort(device.begin(), device.end());
  double mean = 0;
  for (double t : times) mean += t / times.size();
  // MACs of the convolutions at this size (the rest is negligible).
  auto shapes =
      s.shapes({{in.begin()->first, x0.shape()}, {std::next(in.begin())->first, x1.shape()}});
  const double macs = graph::graph_macs(model->flat, shapes);
  const double mib = 1 << 20;
  const std::string& spec = so.backend;  // "cpu", "cpu:bf16", "vulkan:0:fp16", ...
  const std::string precision =
      spec.size() > 5 && (spec.ends_with(":bf16") || spec.ends_with(":fp16"))
          ? spec.substr(spec.size() - 4)
          : "fp32";
  if (a.flag("--json")) {
    nlohmann::ordered_json j = {
        {"model", label},
        {"backend", s.backend_name()},
        {"precision", precision},
        {"threads", so.threads},
        {"size", {w, h}},
        {"padded", {pw, ph}},
        {"plan_s", plan_s},
        {"first_run_s", first_s},
        {"min_s", times.front()},
        {"median_s", times[times.size() / 2]},
        {"mean_s", mean},
        {"device_min_s", device.empty() ? -1.0 : device.front()},
        {"device_median_s", device.empty() ? -1.0 : device[device.size() / 2]},
        {"gmac", macs / 1e9},
        {"planned_peak_mib", plan.planned_peak() / mib},
        {"peak_rss_mib", peak_rss_bytes() / mib}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("model: %s\nbackend %s, %s, threads %d, %s (runs at %s)\n", label.c_str(),
                s.backend_name().c_str(), precision.c_str(), so.threads, size_str(h, w).c_str(),
                size_str(ph, pw).c_str());
    std::printf(
        "plan %.3f s, first run %.3f s, then %d runs: min %.3f s, median %.3f s, mean %.3f s\n",
        plan_s, first_s, runs, times.front(), times[times.size() / 2], mean);
    if (!device.empty())
      std::printf("device time (its timestamps): min %.3f s, median %.3f s\n", device.front(),
                  device[device.size() / 2]);
    std::printf("%.2f GMAC per frame -> %.1f GMAC/s\n", macs / 1e9, macs / 1e9 / times.front());
    std::printf(
        "memory: planned peak %.1f MiB (intermediates and scratch %.1f, weights %.1f + %.1f "
        "repacked, inputs and outputs %.1f), process peak RSS %.1f MiB\n",
        plan.planned_peak() / mib, plan.arena_bytes / mib, plan.weight_bytes / mib,
        plan.prepared_weight_bytes / mib, (plan.input_bytes + plan.output_bytes) / mib,
        peak_rss_bytes() / mib);
    if (a.flag("--profile")) {
      std::map<std::string, double> by_op;
      for (auto& p : s.profile()) by_op[p.op] += p.seconds;
      std::printf("time by op (last run, summed over nodes; concurrent nodes overlap):\n");
      std::vector<std::pair<double, std::string>> sorted;
      for (auto& [op, t] : by_op) sorted.push_back({t, op});
      std::sort(sorted.rbegin(), sorted.rend());
      for (auto& [t, op] : sorted) std::printf("  %-12s %.3f s\n", op.c_str(), t);
    }
  }
  return 0;
}

}  // namespace film::cli
