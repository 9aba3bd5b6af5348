// Cuts from other tools (film video --scene-cuts FILE): where a shot ends, so that no frame is
// interpolated across it whatever the detector thinks.
//
// A file is either
//   - a list, one cut per line: a whole number is a frame (the first frame of the new shot,
//     counting the input's frames from 0, as ffmpeg's `n` and ffprobe count them); a number with
//     a decimal point or an `s` (12.5, 12.5s) or a timecode (HH:MM:SS.mmm, MM:SS.mmm) is a time
//     in seconds from the first frame, taken to the nearest frame. Blank lines and `#` comments
//     are skipped; or
//   - PySceneDetect's scene list (`scenedetect list-scenes`, CSV, with or without its first
//     "Timecode List:" row): every scene's "Start Frame" (counted from 1 there) but the first's.
// Bounded: at most 16 MiB and 1,000,000 cuts; anything else is film::Error naming the file and
// line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace film {

struct CutList {
  std::vector<int64_t> frames;  // as written (0-based)
  std::vector<double> seconds;
  std::vector<int> frame_lines, second_lines;  // the line of each, for messages
};

CutList read_cut_list(const std::string& path);
CutList parse_cut_list(const std::string& text, const std::string& path);

// The input frames that start a new shot (1 <= i < times.size()), sorted, once each, for input
// frames at `times` (seconds, increasing). film::Error for a cut beyond the input's frames.
std::vector<int64_t> cut_frames(const CutList& cuts, const std::vector<double>& times,
                                const std::string& path);

}  // namespace film
