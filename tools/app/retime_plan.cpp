#include "tools/app/retime_plan.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "graph/json_text.h"
#include "tools/app/cut_list.h"

namespace film {
namespace fs = std::filesystem;

int64_t VideoPlan::total_through(double t_last, double t_before) const {
  const double tail = !std::isnan(t_before)         ? t_last - t_before
                      : info.frame_rate.value() > 0 ? 1 / info.frame_rate.value()
                                                    : 1 / fps.value();
  return first_k_at(t_last + tail);
}

VideoPlan::Piece VideoPlan::piece(int i, int n) const {
  const int64_t m = static_cast<int64_t>(times.size());
  if (n > m) fail(input, ": ", m, " frames cannot make ", n, " pieces");
  Piece p;
  p.a_in = i * m / n;
  p.k_lo = first_k_at(times[p.a_in]);
  p.k_hi = total;
  if (i + 1 < n) {
    p.t_hi = times[(i + 1) * m / n];
    p.k_hi = first_k_at(p.t_hi);
  }
  return p;
}

namespace {

// The input frames' times as saved by an earlier plan of the same input (film cluster: each
// piece's task then reads only its part of the input). Every decoded frame is checked against
// them later.
std::vector<double> saved_frame_times(const std::string& file) {
  std::vector<double> times;
  try {
    times = graph::read_json(file, "a frame-time list").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    fail(file, ": not a list of frame times in seconds (", e.what(), ")");
  }
  for (size_t i = 1; i < times.size(); ++i)
    if (!(times[i] > times[i - 1]))
      fail(file, ": frame times must increase (", times[i - 1], " then ", times[i], ")");
  return times;
}

void open_input(const RetimeOptions& o, VideoPlan& p, VideoSource& source) {
  if (p.sequence) {
    p.info.frame_rate = o.input_fps.num ? o.input_fps : Rational{24, 1};
    source.images = std::make_unique<ImageSequence>(o.input, p.info.frame_rate);
    p.info.width = source.images->width();
    p.info.height = source.images->height();
    p.info.bits = source.images->bits();
    p.info.pixel_format = p.info.bits > 8 ? "rgb48le" : "rgb24";
    p.info.frames = static_cast<int64_t>(source.images->files().size());
    p.times = source.images->times();
    return;
  }
  source.video = std::make_unique<video::VideoReader>(o.input);
  p.info = source.video->info();
  p.times = o.frame_times_file.empty() ? video::video_frame_times(o.input)
                                       : saved_frame_times(o.frame_times_file);
}

}  // namespace

namespace {

void check_rates(const RetimeOptions& o) {
  const bool has_fps = o.fps.num != 0, slowmo = o.slowmo.num != 0;
  if (has_fps && o.factor != 0) usage_fail("give one of --factor and --fps");
  if (!has_fps && o.factor == 0 && !slowmo)
    usage_fail("give one of --factor and --fps (or --slowmo)");
  if (slowmo && !(o.slowmo.den > 0 && o.slowmo.num > o.slowmo.den))
    usage_fail("--slowmo takes a stretch above 1, such as 2, 2.5 or 4; got ",
               o.slowmo.den > 0 ? o.slowmo.value() : 0.0);
  if (o.factor < 0 || o.factor > 64) usage_fail("--factor: expected 1..64, got ", o.factor);
  if (has_fps && (o.fps.num < 0 || o.fps.den <= 0))
    usage_fail("--fps: expected a positive rate, got ", o.fps.num, "/", o.fps.den);
}

// The output's rate and the timeline, from the options and the input's rate.
void plan_rates(const RetimeOptions& o, VideoPlan& p) {
  const bool has_fps = o.fps.num != 0, slowmo = o.slowmo.num != 0;
  if (o.factor || (slowmo && !has_fps)) {
    if (p.info.frame_rate.num <= 0)
      fail(o.input, ": its frame rate is unknown; give --fps");
    p.fps = {p.info.frame_rate.num * std::max(o.factor, 1), p.info.frame_rate.den};
  } else {
    p.fps = o.fps;
  }
  // Slow motion: the output keeps its rate and takes its frames K times as densely from the
  // input's time.
  p.timeline = slowmo ? Rational{p.fps.num * o.slowmo.num, p.fps.den * o.slowmo.den} : p.fps;
}

}  // namespace

VideoPlan plan_video(const RetimeOptions& o, VideoSource* source_out) {
  check_rates(o);
  VideoPlan p;
  p.input = o.input;
  p.sequence = is_sequence_input(o.input);
  if (!p.sequence && o.input_fps.num != 0)
    usage_fail("--input-fps is for frame sequences; a video file carries its own rate");
  VideoSource source;
  open_input(o, p, source);
  plan_rates(o, p);
  if (p.times.empty()) fail(o.input, ": holds no video frame");
  const size_t m = p.times.size();
  p.total = p.total_through(p.times[m - 1], m > 1 ? p.times[m - 2] : NAN);
  if (!o.scene_cuts.empty())
    p.cuts = cut_frames(read_cut_list(o.scene_cuts), p.times, o.scene_cuts);
  if (source_out) *source_out = std::move(source);
  return p;
}

VideoPlan plan_stream(const RetimeOptions& o, VideoSource& source) {
  check_rates(o);
  if (o.input_fps.num != 0)
    usage_fail("--input-fps is for frame sequences; a stream carries its own rate");
  VideoPlan p;
  p.input = o.input;
  source.video = std::make_unique<video::VideoReader>("-");
  p.info = source.video->info();
  plan_rates(o, p);
  p.total = INT64_MAX;
  return p;
}

// What a run must never write over: the model's files, the input video, or a frame
// sequence's folder and files (a glob's folder too: frames written there would be the next
// run's inputs).
void protect_inputs(io::OutputRule& rule, const RetimeOptions& o, const VideoSource& source,
                    const std::string& model) {
  rule.protect_model(model);
  if (!o.scene_cuts.empty()) rule.protect(o.scene_cuts, "cut list");
  if (o.input == "-") return;  // standard input: nothing to protect
  std::error_code ec;
  if (!source.images) {
    rule.protect(o.input, "input");
  } else if (fs::is_directory(o.input, ec)) {
    rule.protect(o.input, "input folder");
  } else {
    const fs::path folder = fs::path(o.input).parent_path();
    rule.protect(folder.empty() ? "." : folder.string(), "input folder");
    for (auto& f : source.images->files()) rule.protect(f, "input");
  }
}

}  // namespace film
