// film bench: time per frame and memory of a model (or of FILM options with random weights) at a
// real resolution, on a backend. Speed targets live here and in docs/benchmarks.md, not in tests.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/session.h"
#include "graph/base/error.h"
#include "models/film/load.h"
#include "graph/base/file.h"
#include "graph/shapes.h"
#include "models/film/options.h"
#include "tools/app/memory_budget.h"
#include "tools/app/session_options.h"
#include "tools/cli/cli.h"

namespace film::cli {
namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Measured {
  std::string label, backend, precision;
  int64_t h = 0, w = 0, ph = 0, pw = 0;
  double plan_s = 0, first_s = 0, mean = 0, macs = 0;
  std::vector<double> times, device;
  PlanReport plan;
  std::map<std::string, double> by_op;  // --profile
};

struct Bench {
  std::string model_dir, options, size = "256x256";
  bool released = false, json = false, profile = false;
  InterpolatorOptions backend;
  int runs = 3;

  std::shared_ptr<const Model> model(std::string& label) const {
    if (!model_dir.empty()) {
      label = model_dir;
      return film::model::load_model(model_dir);
    }
    model::FilmOptions o = model::released_options();
    if (!options.empty()) o = model::parse_options(io::read_file(options), options);
    label = "FILM " + model::options_to_json(o).dump();
    return Model::random(model::build_film_graph(o), 1, "random FILM weights");
  }
  Measured measure() const;
  void print(const Measured& m) const;
  int run() const {
    if (!model_dir.empty() + !options.empty() + released != 1)
      usage_fail("give one of MODEL_DIR, --options and --released");
    print(measure());
    return 0;
  }
};

Measured Bench::measure() const {
  Measured m;
  const std::string spec = backend_spec(backend);
  std::tie(m.h, m.w) = parse_size(size, "--size");
  auto mdl = model(m.label);
  FrameInterpolator interpolator(mdl, {.backend = spec, .threads = backend.threads, .profile = profile});
  m.backend = interpolator.session().backend_name();
  std::tie(m.ph, m.pw) = interpolator.padded_size(m.h, m.w);  // timed at the size interpolate runs
  Session& s = interpolator.session();
  Tensor x0 = Tensor::zeros({1, 3, m.ph, m.pw}), x1 = Tensor::zeros({1, 3, m.ph, m.pw});
  for (int64_t i = 0; i < x0.size(); ++i) {
    x0.data()[i] = float((i * 7) % 255) / 255;
    x1.data()[i] = float((i * 7 + 40) % 255) / 255;
  }
  const std::map<std::string, Tensor> in = {{mdl->graph.inputs[0].name, x0},
                                            {mdl->graph.inputs[1].name, x1}};
  const graph::ShapeMap shapes = {{mdl->graph.inputs[0].name, x0.shape()},
                                  {mdl->graph.inputs[1].name, x1.shape()}};
  double t0 = now();
  m.plan = s.plan(shapes);
  m.plan_s = now() - t0;
  t0 = now();
  s.run(in);
  m.first_s = now() - t0;
  for (int r = 0; r < runs; ++r) {
    t0 = now();
    s.run(in);
    m.times.push_back(now() - t0);
    if (s.device_seconds() >= 0) m.device.push_back(s.device_seconds());
  }
  std::sort(m.times.begin(), m.times.end());
  std::sort(m.device.begin(), m.device.end());
  for (double t : m.times) m.mean += t / static_cast<double>(m.times.size());
  m.macs = graph::graph_macs(mdl->flat, s.shapes(shapes));  // the convolutions (the rest is small)
  m.precision = backend.precision;
  for (auto& p : s.profile()) m.by_op[p.op] += p.seconds;
  return m;
}

void Bench::print(const Measured& m) const {
  const double mib = 1 << 20;
  if (json) {
    nlohmann::ordered_json j = {
        {"model", m.label}, {"backend", m.backend}, {"precision", m.precision},
        {"threads", backend.threads}, {"size", {m.w, m.h}}, {"padded", {m.pw, m.ph}},
        {"plan_s", m.plan_s}, {"first_run_s", m.first_s}, {"min_s", m.times.front()},
        {"median_s", m.times[m.times.size() / 2]}, {"mean_s", m.mean},
        {"device_min_s", m.device.empty() ? -1.0 : m.device.front()},
        {"device_median_s", m.device.empty() ? -1.0 : m.device[m.device.size() / 2]},
        {"gmac", m.macs / 1e9}, {"planned_peak_mib", m.plan.planned_peak() / mib},
        {"peak_rss_mib", peak_rss_bytes() / mib}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("model: %s\nbackend %s, %s, threads %d, %s (runs at %s)\n", m.label.c_str(),
              m.backend.c_str(), m.precision.c_str(), backend.threads, size_str(m.h, m.w).c_str(),
              size_str(m.ph, m.pw).c_str());
  std::printf("plan %.3f s, first run %.3f s, then %d runs: min %.3f s, median %.3f s, mean %.3f s\n",
              m.plan_s, m.first_s, runs, m.times.front(), m.times[m.times.size() / 2], m.mean);
  if (!m.device.empty())
    std::printf("device time (its timestamps): min %.3f s, median %.3f s\n", m.device.front(),
                m.device[m.device.size() / 2]);
  std::printf("%.2f GMAC per frame -> %.1f GMAC/s\n", m.macs / 1e9, m.macs / 1e9 / m.times.front());
  std::printf(
      "memory: planned peak %.1f MiB (intermediates and scratch %.1f, weights %.1f + %.1f "
      "repacked, inputs and outputs %.1f), process peak RSS %.1f MiB\n",
      m.plan.planned_peak() / mib, m.plan.arena_bytes / mib, m.plan.weight_bytes / mib,
      m.plan.prepared_weight_bytes / mib, (m.plan.input_bytes + m.plan.output_bytes) / mib,
      peak_rss_bytes() / mib);
  if (!profile) return;
  std::printf("time by op (last run, summed over nodes; concurrent nodes overlap):\n");
  std::vector<std::pair<double, std::string>> sorted;
  for (auto& [op, t] : m.by_op) sorted.push_back({t, op});
  std::sort(sorted.rbegin(), sorted.rend());
  for (auto& [t, op] : sorted) std::printf("  %-12s %.3f s\n", op.c_str(), t);
}

}  // namespace

Runner bench_command(CLI::App& app) {
  auto c = std::make_shared<Bench>();
  app.description(
      "Times one frame (two inputs -> middle) at WxH (padded like 'interpolate'), after one\n"
      "warm-up run, and reports planned and actual peak memory (and, on a GPU, the device's own\n"
      "time from its timestamps). The model: a folder, or FILM options with random weights.");
  app.add_option("MODEL_DIR", c->model_dir, "the model folder");
  app.add_option("--options", c->options, "FILM's options as JSON, with random weights")
      ->type_name("OPTIONS.json");
  app.add_flag("--released", c->released, "the released models' options, with random weights");
  app.add_option("--size", c->size, "WIDTHxHEIGHT or 720p, 1080p, 4k (default 256x256)")
      ->type_name("WxH");
  backend_options(app, c->backend);
  app.add_option("--runs", c->runs, "timed runs after the warm-up (default 3)")
      ->check(CLI::Range(1, 10000))->type_name("N");
  app.add_flag("--profile", c->profile, "also the time per op");
  app.add_flag("--json", c->json, "as JSON")->group("Output");
  return [c] { return c->run(); };
}

}  // namespace film::cli
