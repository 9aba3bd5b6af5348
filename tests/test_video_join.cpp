// join_videos on pieces made by FFmpeg from a short test clip with a sine audio track, as
// `film video --segment` makes them (each piece's frames at k/fps from 0, video only); the joined
// files are looked at with ffprobe and ffmpeg (independent readers).
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tools/media/video.h"
#include "tests/test_util.h"

using namespace film;

namespace {

// stdout alone: run_command adds stderr to it, and the callers read bytes or numbers.
std::string stdout_of(const std::string& cmdline) {
  auto r = test::run_command("{ " + cmdline + " 2>/dev/null; }");
  REQUIRE(r.exit_code == 0);
  return r.output;
}

void ffmpeg(const std::string& args) {
  auto r = test::run_command("ffmpeg -v error -y " + args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

// 2 s at 24 fps, 160x96, with an AAC sine track: the original input of the pieces.
void make_source(const std::string& path) {
  ffmpeg(
      "-f lavfi -i testsrc2=s=160x96:r=24:d=2 -f lavfi -i sine=frequency=440:duration=2 "
      "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest '" +
      path + "'");
}

// Frames [from, to] of `source`, video only, re-timed from 0 and encoded with `codec`.
void make_piece(const std::string& source, int from, int to, const std::string& codec,
                const std::string& path, const std::string& extra = "") {
  ffmpeg("-i '" + source + "' -an -vf 'select=between(n\\," + std::to_string(from) + "\\," +
         std::to_string(to) + "),setpts=N/FRAME_RATE/TB" + extra + "' -c:v " + codec + " '" + path +
         "'");
}

// The first column of ffprobe's CSV lines ("N/A" left out).
std::vector<double> numbers(const std::string& csv) {
  std::istringstream s(csv);
  std::vector<double> v;
  for (std::string line; std::getline(s, line);) {
    line = line.substr(0, line.find(','));
    if (!line.empty() && line != "N/A") v.push_back(std::stod(line));
  }
  return v;
}

// The video frames' presentation times, as a decoder reports them.
std::vector<double> video_times(const std::string& path) {
  return numbers(
      stdout_of("ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 '" +
                path + "'"));
}

// Times are checked from the first frame: Matroska cannot store the AAC priming packet's
// negative time, so its muxer shifts every stream by it (23 ms here), as `ffmpeg -c copy` does.
void check_even(const std::string& path, size_t frames, double fps) {
  const auto t = video_times(path);
  CHECK(t.size() == frames);
  REQUIRE(!t.empty());
  CHECK(t[0] < 0.05);
  for (size_t i = 1; i < t.size(); ++i) {
    CAPTURE(i);
    CHECK(t[i] > t[i - 1]);
    // Matroska keeps milliseconds: 41 or 42 for 1/24 s.
    CHECK(t[i] - t[i - 1] == doctest::Approx(1 / fps).epsilon(0.02));
  }
}

// The audio stream is there, starting with the video (its priming packet just before) and as
// long as the source's.
void check_audio(const std::string& path, double seconds) {
  CHECK(stdout_of("ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of "
                  "csv=p=0 '" +
                  path + "'")
            .rfind("aac", 0) == 0);
  const double video_start = video_times(path).at(0);
  std::istringstream s(stdout_of(
      "ffprobe -v error -select_streams a:0 -show_entries packet=pts_time,duration_time -of "
      "csv=p=0 '" +
      path + "'"));
  double first = -1, end = 0;
  int packets = 0;
  for (std::string line; std::getline(s, line);) {
    if (line.empty()) continue;  // what ffprobe prints for a packet's side data
    INFO(line);
    const size_t comma = line.find(',');
    REQUIRE(comma != std::string::npos);
    const double pts = std::stod(line.substr(0, comma));
    if (packets++ == 0) first = pts;
    // The first packet's duration may be unknown (N/A): only the last one's counts.
    const std::string duration = line.substr(comma + 1);
    end = pts + (duration.rfind("N/A", 0) == 0 ? 0 : std::stod(duration));
  }
  REQUIRE(packets > 0);
  CHECK(first <= video_start + 0.001);
  CHECK(first >= video_start - 0.05);
  CHECK(end - video_start == doctest::Approx(seconds).epsilon(0.03));
}

// Every frame as decoded, once each (passthrough: none repeated to fill a constant rate), in the
// stream's own pixel format.
std::string raw_frames(const std::string& path) {
  return stdout_of("ffmpeg -v error -i '" + path +
                   "' -map 0:v:0 -fps_mode passthrough -f rawvideo -");
}

bool partial_left(const test::TempDir& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().filename().string().find("film-partial") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("join_videos: ffv1 pieces into Matroska: every frame, even times, the source's audio") {
  test::TempDir dir;
  make_source(dir / "source.mp4");
  make_piece(dir / "source.mp4", 0, 23, "ffv1", dir / "a.mkv");
  make_piece(dir / "source.mp4", 24, 47, "ffv1", dir / "b.mkv");
  make_piece(dir / "source.mp4", 0, 47, "ffv1", dir / "whole.mkv");

  CHECK(video::join_videos({dir / "a.mkv", dir / "b.mkv"}, dir / "source.mp4", dir / "out.mkv") ==
        48);
  check_even(dir / "out.mkv", 48, 24);
  check_audio(dir / "out.mkv", 2.0);
  // ffv1 is lossless: the joined frames are the whole clip's, in order.
  const std::string joined = raw_frames(dir / "out.mkv"), whole = raw_frames(dir / "whole.mkv");
  CHECK(joined.size() == size_t{160} * 96 * 3 / 2 * 48);
  CHECK((joined == whole));
  CHECK(!partial_left(dir));
}

TEST_CASE("join_videos: x264 pieces (B-frames) into MP4: every frame, even times, decodable") {
  test::TempDir dir;
  make_source(dir / "source.mp4");
  make_piece(dir / "source.mp4", 0, 23, "libx264 -pix_fmt yuv420p", dir / "a.mp4");
  make_piece(dir / "source.mp4", 24, 47, "libx264 -pix_fmt yuv420p", dir / "b.mp4");

  CHECK(video::join_videos({dir / "a.mp4", dir / "b.mp4"}, dir / "source.mp4", dir / "out.mp4") ==
        48);
  check_even(dir / "out.mp4", 48, 24);
  check_audio(dir / "out.mp4", 2.0);
  // The second piece's decoding continues the first's: a decoder reports no error.
  auto r = test::run_command("ffmpeg -v error -i '" + dir / "out.mp4" + "' -f null -");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "");
}

TEST_CASE("join_videos: a missing piece or one of another size fails naming it, nothing written") {
  test::TempDir dir;
  make_source(dir / "source.mp4");
  make_piece(dir / "source.mp4", 0, 23, "ffv1", dir / "a.mkv");
  make_piece(dir / "source.mp4", 24, 47, "ffv1", dir / "small.mkv", ",scale=128:96");

  std::string e = test::error_of([&] {
    video::join_videos({dir / "a.mkv", dir / "missing.mkv"}, dir / "source.mp4", dir / "out.mkv");
  });
  CHECK(e.find(dir / "missing.mkv") != std::string::npos);
  CHECK(e.find("piece 2 of 2") != std::string::npos);
  CHECK(e.find("does not exist") != std::string::npos);

  e = test::error_of([&] {
    video::join_videos({dir / "a.mkv", dir / "small.mkv"}, dir / "source.mp4", dir / "out.mkv");
  });
  CHECK(e.find(dir / "small.mkv") != std::string::npos);
  CHECK(e.find("128x96") != std::string::npos);
  CHECK(e.find("160x96") != std::string::npos);

  e = test::error_of(
      [&] { video::join_videos({dir / "a.mkv"}, dir / "missing.mp4", dir / "out.mkv"); });
  CHECK(e.find(dir / "missing.mp4") != std::string::npos);

  CHECK(!std::filesystem::exists(dir / "out.mkv"));
  CHECK(!partial_left(dir));
}
