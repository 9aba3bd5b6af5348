#include "tools/app/cut_list.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "graph/base/error.h"
#include "graph/base/file.h"

namespace film {
namespace {

constexpr std::uint64_t kMaxBytes = 16u << 20;
constexpr size_t kMaxCuts = 1000000;

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\"");
  const auto b = s.find_last_not_of(" \t\r\"");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, sep);) out.push_back(trim(field));
  return out;
}

// A non-negative decimal number written whole; -1 otherwise.
double number(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string::npos ||
      std::count(s.begin(), s.end(), '.') > 1 || s == ".")
    return -1;
  return std::stod(s);
}

// A time: 12.5, 12.5s, MM:SS(.mmm) or HH:MM:SS(.mmm); -1 when it is not one.
double seconds_of(std::string s) {
  if (!s.empty() && s.back() == 's') s.pop_back();
  const auto parts = split(s, ':');
  if (parts.size() > 3) return -1;
  double total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const double v = number(parts[i]);
    if (v < 0 || (i + 1 < parts.size() && parts[i].find('.') != std::string::npos))
      return -1;                      // only the seconds have a fraction
    if (i > 0 && v >= 60) return -1;  // a timecode's minutes and seconds stay below 60
    total = total * 60 + v;
  }
  return std::isfinite(total) ? total : -1;
}

void add(CutList& c, const std::string& path, int line, int64_t frame, double seconds) {
  if (c.frames.size() + c.seconds.size() >= kMaxCuts)
    fail(path, ":", line, ": more than ", kMaxCuts, " cuts");
  if (frame >= 0) c.frames.push_back(frame), c.frame_lines.push_back(line);
  if (seconds >= 0) c.seconds.push_back(seconds), c.second_lines.push_back(line);
}

// PySceneDetect's scene list: the header row names the columns; scene 1 starts the video.
bool parse_scene_list(const std::vector<std::string>& lines, const std::string& path, CutList& c) {
  size_t header = 0;
  while (header < lines.size() && lines[header].rfind("Scene Number", 0) != 0) ++header;
  if (header == lines.size()) return false;
  const auto names = split(lines[header], ',');
  const auto column = std::find(names.begin(), names.end(), "Start Frame");
  if (column == names.end())
    fail(path, ":", header + 1, ": a scene list without a Start Frame column");
  const size_t at = static_cast<size_t>(column - names.begin());
  for (size_t i = header + 1; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const auto fields = split(lines[i], ',');
    const double start = at < fields.size() ? number(fields[at]) : -1;
    if (start < 1 || start != std::floor(start) || start > 1e15)
      fail(path, ":", i + 1, ": expected a scene's Start Frame (a whole number from 1), got '",
           at < fields.size() ? fields[at] : "", "'");
    if (start > 1) add(c, path, static_cast<int>(i + 1), static_cast<int64_t>(start) - 1, -1);
  }
  return true;
}

}  // namespace

CutList parse_cut_list(const std::string& text, const std::string& path) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  CutList c;
  if (parse_scene_list(lines, path, c)) return c;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string s = trim(lines[i].substr(0, lines[i].find('#')));
    if (s.empty()) continue;
    const int line = static_cast<int>(i + 1);
    const bool whole = s.find_first_not_of("0123456789") == std::string::npos;
    if (whole && s.size() <= 15) {
      add(c, path, line, std::stoll(s), -1);
      continue;
    }
    const double t = seconds_of(s);
    if (t < 0 || whole)
      fail(path, ":", line, ": expected a frame number (0, 1, ...) or a time (12.5, 12.5s, ",
           "00:01:02.500), got '", s, "'");
    add(c, path, line, -1, t);
  }
  return c;
}

CutList read_cut_list(const std::string& path) {
  return parse_cut_list(io::read_file(path, kMaxBytes, "a cut list"), path);
}

std::vector<int64_t> cut_frames(const CutList& cuts, const std::vector<double>& times,
                                const std::string& path) {
  const int64_t n = static_cast<int64_t>(times.size());
  std::vector<int64_t> out;
  for (size_t i = 0; i < cuts.frames.size(); ++i) {
    if (cuts.frames[i] >= n)
      fail(path, ":", cuts.frame_lines[i], ": frame ", cuts.frames[i], " is beyond the input's ", n,
           " frames (counted from 0)");
    out.push_back(cuts.frames[i]);
  }
  const double start = times.empty() ? 0 : times.front();
  for (size_t i = 0; i < cuts.seconds.size(); ++i) {
    const double t = start + cuts.seconds[i];
    const auto after = std::lower_bound(times.begin(), times.end(), t);
    int64_t k = after - times.begin();  // the nearest frame: this one or the one before
    if (k > 0 && (k == n || t - times[k - 1] < times[k] - t)) --k;
    const double interval = n > 1 ? times[n - 1] - times[n - 2] : 1;
    if (k == n - 1 && t > times[n - 1] + interval)
      fail(path, ":", cuts.second_lines[i], ": ", cuts.seconds[i], " s is after the input's end (",
           times[n - 1] - start + interval, " s)");
    out.push_back(k);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (!out.empty() && out.front() == 0) out.erase(out.begin());  // nothing comes before frame 0
  return out;
}

}  // namespace film
