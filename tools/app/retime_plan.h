// What a retime (film/retime.h) makes of its input, known before any frame is decoded: the input
// frames' times (from the packets, or a saved list), the output's rate and frame count, and the
// pieces `segment I/N` splits it into. Shared by film::retime and `film cluster`, which plans the
// pieces it submits.
// Usage:
//   film::RetimeOptions o{.input = "clip.mp4", .output = "x.mkv", .factor = 2};
//   film::VideoPlan p = film::plan_video(o);
//   film::VideoPlan::Piece piece = p.piece(1, 4);   // output frames [k_lo, k_hi) of piece 1
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "film/retime.h"
#include "graph/base/output_rule.h"
#include "tools/media/sequence.h"
#include "tools/media/video.h"

namespace film {
namespace io {
class OutputRule;
}

struct VideoPlan {
  std::string input;
  bool sequence = false;      // a folder or glob of images
  video::VideoInfo info;      // the input's size, rate (input_fps for a sequence), bits
  Rational fps;               // the output's rate
  Rational timeline;          // output frames per second of input time: fps, times --slowmo
  std::vector<double> times;  // every input frame's time, from the first
  std::vector<int64_t> cuts;  // the input frames that start a shot, from --scene-cuts (sorted)
  int64_t total = 0;          // output frames: the last input frame lasts one interval
  // The first output frame at or after t seconds of input time.
  int64_t first_k_at(double t) const {
    return static_cast<int64_t>(std::ceil(t * timeline.value() - 1e-6));
  }
  // The output frames of an input whose last frame is at t_last and the one before at t_before
  // (NaN: the only frame): the last frame lasts one interval (the one before it, else the
  // input's nominal one, else the output's).
  int64_t total_through(double t_last, double t_before) const;
  // Piece i of n: the i-th of n even runs of input frames (from input frame a_in), making the
  // output frames [k_lo, k_hi) and decoding up to t_hi seconds. film::Error when the input has
  // fewer than n frames.
  struct Piece {
    int64_t a_in = 0, k_lo = 0, k_hi = 0;
    double t_hi = INFINITY;
  };
  Piece piece(int i, int n) const;
};

// The input opened for decoding: a video file or an image sequence.
struct VideoSource {
  std::unique_ptr<video::VideoReader> video;
  std::unique_ptr<ImageSequence> images;
  bool next(Tensor& rgb, double& seconds) {
    return images ? images->next(rgb, seconds) : video->next(rgb, seconds);
  }
  void seek(double seconds) { images ? images->seek(seconds) : video->seek(seconds); }
};

// Opens options.input and plans it at options.factor or options.fps (exactly one must be given:
// film::UsageError otherwise). The opened source is handed back for decoding when asked for.
VideoPlan plan_video(const RetimeOptions& options, VideoSource* source = nullptr);

// The same for standard input ("-": a stream read once): its rate and size from the stream's
// header; no frame times (total is INT64_MAX: unknown until it ends).
VideoPlan plan_stream(const RetimeOptions& options, VideoSource& source);

// Puts in `rule` what a run of `options` must never write over: the model's files, the input
// video, or a frame sequence's folder (a glob's too) and files.
void protect_inputs(io::OutputRule& rule, const RetimeOptions& options, const VideoSource& source,
                    const std::string& model);

}  // namespace film
