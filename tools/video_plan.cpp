#include "tools/video_plan.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "graph/error.h"
#include "graph/file.h"

namespace film::cli {

video::Rational parse_rate(const std::string& text, const char* option) {
  const auto slash = text.find('/');
  try {
    size_t used = 0;
    if (slash != std::string::npos) {
      const int num = std::stoi(text.substr(0, slash), &used);
      if (used != slash) throw std::invalid_argument("");
      const int den = std::stoi(text.substr(slash + 1), &used);
      if (used != text.size() - slash - 1 || num <= 0 || den <= 0) throw std::invalid_argument("");
      return {num, den};
    }
    const double v = std::stod(text, &used);
    if (used != text.size() || !(v > 0) || v > 10000) throw std::invalid_argument("");
    if (std::abs(v - 59.94) < 1e-9) return {60000, 1001};
    if (std::abs(v - 29.97) < 1e-9) return {30000, 1001};
    if (std::abs(v - 23.976) < 1e-9) return {24000, 1001};
    return {static_cast<int>(std::lround(v * 1000)), 1000};
  } catch (const std::exception&) {
    usage_fail(option, " takes a positive rate such as 60, 59.94 or 60000/1001, got '", text, "'");
  }
}

std::pair<int, int> parse_segment(const std::string& text) {
  const auto slash = text.find('/');
  int i = 0, n = 0;
  try {
    size_t u1 = 0, u2 = 0;
    if (slash == std::string::npos) throw std::invalid_argument("");
    i = std::stoi(text.substr(0, slash), &u1);
    n = std::stoi(text.substr(slash + 1), &u2);
    if (u1 != slash || u2 != text.size() - slash - 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    n = 0;
  }
  if (n < 1 || i < 0 || i >= n)
    usage_fail("--segment takes I/N with 0 <= I < N (0/4 is the first of four), got '", text, "'");
  return {i, n};
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

VideoPlan plan_video(const Args& a, const std::string& in,
                     std::unique_ptr<video::VideoReader>* reader_out,
                     std::unique_ptr<ImageSequence>* images_out) {
  if (!!a.get("--factor") == !!a.get("--fps")) usage_fail("give one of --factor and --fps");
  const int factor = a.get("--factor") ? a.get_int("--factor", 2, 1, 64) : 0;
  VideoPlan p;
  p.input = in;
  p.sequence = is_sequence_input(in);
  std::unique_ptr<video::VideoReader> reader;
  std::unique_ptr<ImageSequence> images;
  if (p.sequence) {
    p.info.frame_rate = parse_rate(a.get_or("--input-fps", "24"), "--input-fps");
    images = std::make_unique<ImageSequence>(in, p.info.frame_rate);
    p.info.width = images->width();
    p.info.height = images->height();
    p.info.bits = images->bits();
    p.info.pixel_format = p.info.bits > 8 ? "rgb48le" : "rgb24";
    p.info.frames = static_cast<int64_t>(images->files().size());
    p.times = images->times();
  } else {
    if (a.get("--input-fps"))
      usage_fail("--input-fps is for frame sequences; a video file carries its own rate");
    reader = std::make_unique<video::VideoReader>(in);
    p.info = reader->info();
    // Every input frame's time from the packets (no decoding), or as saved by an earlier plan of
    // the same input (film cluster: each piece's task then reads only its part of IN). Either
    // way every decoded frame is checked against its time.
    if (auto file = a.get("--frame-times")) {
      try {
        p.times = nlohmann::json::parse(io::read_file(*file)).get<std::vector<double>>();
      } catch (const nlohmann::json::exception& e) {
        fail(*file, ": not a list of frame times in seconds (", e.what(), ")");
      }
      for (size_t i = 1; i < p.times.size(); ++i)
        if (!(p.times[i] > p.times[i - 1]))
          fail(*file, ": frame times must increase (", p.times[i - 1], " then ", p.times[i], ")");
    } else {
      p.times = video::video_frame_times(in);
    }
  }
  if (factor) {
    if (p.info.frame_rate.num <= 0)
      fail(in, ": its frame rate is unknown; give --fps instead of --factor");
    p.fps = {p.info.frame_rate.num * factor, p.info.frame_rate.den};
  } else {
    p.fps = parse_rate(*a.get("--fps"));
  }
  if (p.times.empty()) fail(in, ": holds no video frame");
  const int64_t m = static_cast<int64_t>(p.times.size());
  const double tail = m > 1                           ? p.times[m - 1] - p.times[m - 2]
                      : p.info.frame_rate.value() > 0 ? 1 / p.info.frame_rate.value()
                                                      : 1 / p.fps.value();
  p.total = p.first_k_at(p.times[m - 1] + tail);
  if (reader_out) *reader_out = std::move(reader);
  if (images_out) *images_out = std::move(images);
  return p;
}

}  // namespace film::cli
