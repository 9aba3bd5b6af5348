// film interpolate: the main job — in-between frames for two images.
#include <chrono>
#include <functional>
#include <cstdio>
#include <memory>
#include <sstream>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "models/film/options.h"
#include "tools/app/image_frames.h"
#include "tools/app/outputs.h"
#include "tools/app/session_options.h"
#include "tools/cli/cli.h"

namespace film::cli {
namespace {

struct Interpolate {
  std::vector<std::string> inputs;
  std::string out;
  int times = -1, frames = 0;
  std::string timestamps;
  InterpolatorOptions model;
  bool direct = false, force = false, quiet = false;
  std::vector<double> at = {0.5};
  int depth = 1;
  bool sequence = false;

  int run();
  void choose_times();
};

std::vector<double> parse_times(const std::string& text) {
  std::vector<double> t;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    size_t used = 0;
    double v = -1;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || !(v >= 0 && v <= 1))
      usage_fail("--timestamps takes times in [0, 1] separated by commas, got '", item, "'");
    t.push_back(v);
  }
  if (t.empty()) usage_fail("--timestamps: no times given");
  return t;
}

void Interpolate::choose_times() {
  if (times >= 0) {
    depth = times;
    const int64_t n = int64_t{1} << depth;
    at.clear();
    for (int64_t i = 0; i <= n; ++i) at.push_back(static_cast<double>(i) / n);
    sequence = true;
  } else if (frames > 0) {
    at.clear();
    for (int i = 0; i <= frames + 1; ++i) at.push_back(static_cast<double>(i) / (frames + 1));
    depth = kMaxDepth;
    sequence = true;
  } else if (!timestamps.empty()) {
    at = parse_times(timestamps);
    depth = kMaxDepth;
    sequence = true;
  }
}

// Writes each frame as it is made: to its file, or as a PNG on standard output; a progress line
// for a sequence on a terminal.
struct FrameWriter {
  const OutputPlan& out;
  size_t total;
  bool progress;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  size_t written = 0;

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  void operator()(size_t i, const io::Image& img) {
    if (out.to_stdout) {
      const std::string png = io::encode_image_png(img);
      if (std::fwrite(png.data(), 1, png.size(), stdout) != png.size() || std::fflush(stdout) != 0)
        fail("standard output: write failed");
    } else {
      io::write_image(out.files[i], img);
    }
    ++written;
    if (!progress) return;
    const double per = seconds() / static_cast<double>(written);
    std::fprintf(stderr, "\r[%zu/%zu] %s  %.1f s elapsed, about %.0f s left   ", written, total,
                 out.files[i].c_str(), seconds(), per * static_cast<double>(total - written));
    std::fflush(stderr);
  }
};

// --direct-time: one session (FILM's graph with the time as an input) for every time, each
// frame predicted in one run; the inputs stand for 0 and 1.
void run_direct(FrameInterpolator& f, const io::Image& a, const io::Image& b,
                const std::vector<double>& at, FrameWriter& write) {
  for (size_t i = 0; i < at.size(); ++i) {
    const double t = at[i];
    write(i, frame_like(a, b, t == 0.0 ? a.rgb : t == 1.0 ? b.rgb : f.frame_at(a.rgb, b.rgb, t), t));
  }
}

int Interpolate::run() {
  choose_times();
  backend_spec(model);  // every option is checked before any file is touched
  model.model = model_dir(model);
  const std::string &pa = inputs[0], &pb = inputs[1];
  const io::Image ia = io::read_image(pa), ib = io::read_image(pb);
  ImageFrames::check(ia, ib, pa, pb);
  io::OutputRule rule;  // what must never be written over, and what this command writes
  rule.protect(pa, "input");
  rule.protect(pb, "input");
  rule.protect_model(model.model);
  const OutputPlan plan = plan_outputs(out, sequence ? at.size() : 1, force, rule);
  auto f = make_interpolator(model, direct);
  ImageFrames pair(*f, ia, ib, pa, pb);
  // Memory, against the real limit, before the first frame: frames kept along the recursion
  // come on top of the plan.
  const std::string note =
      fit_frame_memory(*f, ia.height(), ia.width(), depth + 4, memory_budget(model));
  if (!note.empty()) std::fprintf(stderr, "film: %s\n", note.c_str());
  FrameWriter write{plan, at.size(), sequence && !quiet && stderr_is_terminal()};
  if (direct)
    run_direct(*f, ia, ib, at, write);
  else
    pair.at(at, depth, std::ref(write));
  if (write.progress) std::fprintf(stderr, "\n");
  const std::string size = size_str(ia.height(), ia.width());
  if (plan.to_stdout)
    std::fprintf(stderr, "wrote a %s PNG to standard output in %.2f s\n", size.c_str(),
                 write.seconds());
  else if (!sequence)
    std::fprintf(stderr, "wrote %s (%s) in %.2f s\n", plan.files[0].c_str(), size.c_str(),
                 write.seconds());
  else
    std::fprintf(stderr, "wrote %zu frames to %s in %.2f s\n", write.written, plan.folder.c_str(),
                 write.seconds());
  if (plan.existing_others > 0)
    std::fprintf(stderr,
                 "note: %zu other frames of the pattern were already in %s and are left as they "
                 "were\n",
                 plan.existing_others, plan.folder.c_str());
  return 0;
}

}  // namespace

Runner interpolate_command(CLI::App& app) {
  auto c = std::make_shared<Interpolate>();
  app.description(
      "The frame halfway between images A and B, or several in-between frames.\n"
      "A, B: images of one size, in any format (PNG 8/16-bit, JPEG, WebP, TIFF, EXR, ...); they\n"
      "are padded to what the model takes (repeating edge pixels) and cropped back.");
  app.add_option("A B", c->inputs, "the two images")->expected(2)->required()->type_name("IMAGE");
  app.add_option("-o", c->out,
                 "an image file (its extension names the format), - for a PNG on standard "
                 "output; for several frames a folder (frame_000.png, ...) or a pattern such as "
                 "frames/%05d.jpg")
      ->required()
      ->type_name("OUT")
      ->group("Output");
  auto* times = app.add_option("--times", c->times, "2^K+1 frames, A and B included")
                    ->check(CLI::Range(0, 10))
                    ->type_name("K")
                    ->group("Frames");
  auto* frames = app.add_option("--frames", c->frames, "N evenly spaced in-betweens, plus A and B")
                     ->check(CLI::Range(1, 1023))
                     ->type_name("N")
                     ->group("Frames");
  auto* stamps = app.add_option("--timestamps", c->timestamps,
                                "frames at these times (0 = A, 1 = B), e.g. 0.25,0.8; rounded to "
                                "multiples of 1/64 (the midpoint recursion)")
                     ->type_name("T,T,...")
                     ->group("Frames");
  times->excludes(frames)->excludes(stamps);
  frames->excludes(stamps);
  app.add_flag("--direct-time", c->direct,
               "predict other times directly (flows scaled by t) instead of by recursion: exact "
               "times, but outside what the released models learnt")
      ->group("Frames");
  model_option(app, c->model.model);
  tta_option(app, c->model.tta);
  padding_option(app, c->model.padding);
  backend_options(app, c->model);
  memory_option(app, c->model.max_memory);
  force_option(app, c->force);
  app.add_flag("--quiet", c->quiet, "no progress line")->group("Output");
  return [c] { return c->run(); };
}

}  // namespace film::cli
