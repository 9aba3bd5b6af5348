// What `film video` makes of an input, known before any frame is decoded: the input frames' times
// (from the packets), the output's frame rate and frame count, and the pieces --segment I/N
// splits it into. Shared by `film video` and `film cluster`, which plans the pieces it submits.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/app/sequence.h"
#include "engine/app/video.h"
#include "tools/commands.h"

namespace film::cli {

// A rate as users write it: 60, 59.94 (60000/1001), 60000/1001; a UsageError naming `option`.
video::Rational parse_rate(const std::string& text, const char* option = "--fps");
// "I/N" with 0 <= I < N; a UsageError otherwise.
std::pair<int, int> parse_segment(const std::string& text);

struct VideoPlan {
  std::string input;
  bool sequence = false;      // a folder or glob of images
  video::VideoInfo info;      // the input's size, rate (--input-fps for a sequence), bits
  video::Rational fps;        // the output's rate
  std::vector<double> times;  // every input frame's time, from the first
  int64_t total = 0;          // output frames: the last input frame lasts one interval
  // The first output frame at or after t seconds.
  int64_t first_k_at(double t) const {
    return static_cast<int64_t>(std::ceil(t * fps.value() - 1e-6));
  }
  // Piece i of n: the i-th of n even runs of input frames (from input frame a_in), making the
  // output frames [k_lo, k_hi) and decoding up to t_hi seconds. film::Error when the input has
  // fewer than n frames.
  struct Piece {
    int64_t a_in = 0, k_lo = 0, k_hi = 0;
    double t_hi = INFINITY;
  };
  Piece piece(int i, int n) const;
};

// Opens IN (a video file, or a folder or glob of images at --input-fps) and plans it at --factor
// or --fps (one of them must be given). The opened reader is handed back for decoding.
VideoPlan plan_video(const Args& a, const std::string& in,
                     std::unique_ptr<video::VideoReader>* reader = nullptr,
                     std::unique_ptr<ImageSequence>* images = nullptr);

}  // namespace film::cli
