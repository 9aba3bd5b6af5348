// film::retime: a video's (or an image sequence's) frame rate changed by interpolation, streamed,
// with the other streams (audio, subtitles) kept: what `film video` and every `film cluster`
// piece run.
//
// Contract:
//   - Output frame k sits at k / fps seconds and is made from the two input frames around it
//     (variable frame rates included); the last input frame lasts one interval. Pairs across a
//     scene cut are not interpolated; held (repeated) frames are skipped so motion stays even.
//   - Where it writes is checked before any work; nothing existing is replaced unless `force`;
//     every file appears atomically. A video file is made in chunks in a work folder beside it
//     (OUTPUT.film-work/), so that `resume` continues an interrupted run.
//   - `segment`/`segments` make piece I of N: the N pieces of a frame pattern are the frames of
//     one whole run; the pieces of a video file are joined by join_pieces().
//   - progress is called on the calling thread, after each input frame and at the end; returning
//     false stops the run with film::Cancelled (a video file's finished chunks are kept for
//     `resume`). note receives what the `film` program prints as notes (tiling, dropped streams).
// Usage:
//   film::RetimeOptions o{.input = "clip.mp4", .output = "slow.mkv", .factor = 2};
//   film::RetimeResult r = film::retime(o, {.progress = [](const film::RetimeProgress& p) {
//     std::printf("%lld/%lld\n", (long long)p.frames_written, (long long)p.frames_expected);
//     return true;
//   }});
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "film/interpolator.h"
#include "film/rational.h"

namespace film {

// What the output frames between the two sides of a cut show.
enum class AtCut {
  repeat,  // the nearer side's frame (the default)
  fade,    // a cross-fade: the two sides mixed by the frame's time
};

struct RetimeOptions {
  std::string input{};   // a video file, a folder of images, or a quoted glob ('shots/*.png')
  std::string output{};  // a video file (.mp4, .mkv, ...) or a frame pattern (frames/%06d.png)
  // "-" as input: standard input, a stream (YUV4MPEG2, NUT, ...) read once; "-" as output:
  // standard output in pipe_format. Either makes the run one stream: no chunks, resume or
  // pieces; frames are written as they are made.
  std::string pipe_format = "y4m";  // "y4m" (YUV4MPEG2) or "nut" (raw video in NUT)
  // The output's rate: one of fps and factor; or, with slowmo, neither (the input's rate).
  Rational fps{};              // {0, 1}: not given
  int factor = 0;              // N times the input's rate; 0: not given
  Rational slowmo{};           // > 1: time stretched this much (2: twice as long); {0, 1}: none
  Rational input_fps{};        // an image sequence's rate ({0, 1}: 24); video files carry their own
  std::string codec{};         // "": the input's codec family where the container takes it
  int quality = -1;            // CRF for x264/x265/vpx/aom; -1: 17
  std::string pixel_format{};  // "": the input's where the encoder takes it
  InterpolatorOptions interpolator{};  // model, backend, device, precision, threads, memory
  double scene_cut = 0.08;             // a pair differing by more is a cut (0: off)
  std::string scene_cuts{};  // a file of cuts from another tool (frames, times, PySceneDetect's
                             // CSV: film video --scene-cuts), cuts besides the detected ones
  AtCut at_cut = AtCut::repeat;
  double held = 0.0005;      // a frame differing by less from the one before is held (0: off)
  double chunk_seconds = 4;  // a video file is made in chunks of this much output
  int segment = 0, segments = 1;
  bool force = false, resume = false;
  bool reuse_features = false;     // encode each input frame once for both its pairs
  std::string progress_file{};     // kept up to date with the frames made so far (JSON)
  std::string frame_times_file{};  // the input's frame times as a JSON list, instead of its packets
};

struct RetimeProgress {
  std::int64_t frames_written = 0, frames_expected = 0, frames_kept = 0;
  double seconds = 0;
};

struct RetimeCallbacks {
  std::function<bool(const RetimeProgress&)> progress{};  // false: stop (film::Cancelled)
  std::function<void(const std::string&)> note{};
};

struct RetimeResult {
  std::int64_t frames_in = 0, frames_decoded = 0, frames_out = 0, frames_written = 0,
               frames_kept = 0, scene_cuts = 0, held_frames = 0;
  double fps_in = 0, fps_out = 0;
  double seconds = 0, model_seconds = 0, startup_seconds = -1;
  std::int64_t encoder_runs = 0, decoder_runs = 0, whole_runs = 0;
  std::string codec{};  // the encoder, or "images"
};

RetimeResult retime(const RetimeOptions& options, const RetimeCallbacks& callbacks = {});

// Joins the pieces of a video file made by retime() with segment I of N (in that order) into
// `output`, with `source`'s audio and subtitles ("" for video only). Returns the frames joined.
std::int64_t join_pieces(const std::vector<std::string>& pieces, const std::string& source,
                         const std::string& output, bool force = false);

}  // namespace film
