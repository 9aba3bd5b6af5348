// film::retime called in-process (include/film/retime.h): the logic of retiming (scene cuts,
// held frames, pieces, progress, cancellation and resume, bad requests) without the program.
// tests/test_video.cpp runs the `film` binary on real containers as users do.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "film/error.h"
#include "film/retime.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;
namespace fs = std::filesystem;

namespace {

void ffmpeg_ok(const std::string& args) {
  auto r = test::run_command("ffmpeg -v error -y " + args + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

// Mean absolute difference of two images' decoded RGB bytes.
double differ(const std::string& a, const std::string& b) {
  const std::string x = test::frame_bytes(a, 0), y = test::frame_bytes(b, 0);
  REQUIRE(x.size() == y.size());
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += std::abs(int(uint8_t(x[i])) - int(uint8_t(y[i])));
  return sum / static_cast<double>(x.size());
}

std::string frame_name(const std::string& folder, int k) {
  char name[32];
  std::snprintf(name, sizeof name, "/%04d.png", k);
  return folder + name;
}

}  // namespace

TEST_CASE("retime: never across a scene cut; held frames keep the motion even; pieces add up") {
  test::TempDir dir;
  // A hard cut: 1 s of one test source, then 1 s of another.
  ffmpeg_ok("-f lavfi -i testsrc2=s=128x96:r=12:d=1 -f lavfi -i mandelbrot=s=128x96:r=12 "
            "-filter_complex \"[1:v]trim=duration=1,setpts=PTS-STARTPTS[m];[0:v][m]concat=n=2:v=1[v]\" "
            "-map \"[v]\" -c:v libx264 -pix_fmt yuv420p '" + (dir / "cut.mp4") + "'");
  RetimeResult r = retime({.input = dir / "cut.mp4", .output = dir / "c/%04d.png", .factor = 2});
  CHECK(r.scene_cuts == 1);
  CHECK(r.frames_in == 24);
  CHECK(r.frames_written == 48);
  // Output 23 sits halfway between input 11 (the last of the first source) and input 12 (the
  // first of the second): it is input 12, not a blend; output 22 is input 11.
  CHECK(test::frame_bytes(dir / "c/0022.png", 0) == test::frame_bytes(dir / "cut.mp4", 11));
  CHECK(test::frame_bytes(dir / "c/0023.png", 0) == test::frame_bytes(dir / "cut.mp4", 12));
  r = retime({.input = dir / "cut.mp4", .output = dir / "blend/%04d.png", .factor = 2,
              .scene_cut = 0});
  CHECK(r.scene_cuts == 0);
  CHECK(test::frame_bytes(dir / "blend/0023.png", 0) != test::frame_bytes(dir / "cut.mp4", 12));

  // Held frames: 6 fps motion stored at 12 fps (every picture twice).
  ffmpeg_ok("-f lavfi -i testsrc2=s=128x96:r=6:d=2 -vf fps=12 -c:v libx264 -pix_fmt yuv420p '" +
            (dir / "held.mp4") + "'");
  r = retime({.input = dir / "held.mp4", .output = dir / "h/%04d.png", .factor = 2});
  CHECK(r.held_frames == 12);
  r = retime({.input = dir / "held.mp4", .output = dir / "steps/%04d.png", .factor = 2,
              .held = 0});
  CHECK(r.held_frames == 0);
  // Output 2 is at input 1's time, a copy of input 0: with held frames detected it is made
  // halfway between input 0 and input 2 (the motion goes on); without, it stands still.
  CHECK(differ(dir / "h/0002.png", dir / "h/0000.png") > 1.0);
  CHECK(differ(dir / "steps/0002.png", dir / "steps/0000.png") < 1.0);
  // Evenly: output 1 (a quarter of the way) lies between outputs 0 and 2.
  CHECK(differ(dir / "h/0001.png", dir / "h/0000.png") <
        differ(dir / "h/0002.png", dir / "h/0000.png"));

  // Four pieces, each starting where it needs to (a held frame ends the input frames before
  // pieces 1-3), make exactly the whole run's frames; a piece decodes little more than its own
  // input frames, not everything before it.
  for (int i = 0; i < 4; ++i) {
    r = retime({.input = dir / "held.mp4", .output = dir / "p/%04d.png", .factor = 2,
                .segment = i, .segments = 4});
    if (i == 3) CHECK(r.frames_decoded <= 14);  // 6 of its own, 24 in all
  }
  for (int k = 0; k < 48; ++k) {
    CAPTURE(k);
    CHECK(io::read_file(frame_name(dir / "p", k)) == io::read_file(frame_name(dir / "h", k)));
  }
}

TEST_CASE("retime: a cut list from a file is honoured exactly, with detection off; --at-cut fade") {
  test::TempDir dir;
  // The cut of the test above (input frame 12 starts the second source), listed in each form
  // users have it in: a frame number, a time, a timecode, PySceneDetect's scene list.
  ffmpeg_ok(
      "-f lavfi -i testsrc2=s=128x96:r=12:d=1 -f lavfi -i mandelbrot=s=128x96:r=12 "
      "-filter_complex \"[1:v]trim=duration=1,setpts=PTS-STARTPTS[m];[0:v][m]concat=n=2:v=1[v]\" "
      "-map \"[v]\" -c:v libx264 -pix_fmt yuv420p '" +
      (dir / "cut.mp4") + "'");
  const std::string in = dir / "cut.mp4";
  io::write_file_atomic(dir / "frames.txt", "# cuts\n12\n");
  io::write_file_atomic(dir / "times.txt", "1.0s\n");
  io::write_file_atomic(dir / "timecodes.txt", "00:00:01.000  # the second source\n");
  io::write_file_atomic(dir / "scenes.csv",
                        "Timecode List:,00:00:01.000\n"
                        "Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,"
                        "End Timecode,End Time (seconds),Length (frames),Length (timecode),"
                        "Length (seconds)\n"
                        "1,1,00:00:00.000,0.000,12,00:00:01.000,1.000,12,00:00:01.000,1.000\n"
                        "2,13,00:00:01.000,1.000,24,00:00:02.000,2.000,12,00:00:01.000,1.000\n");
  for (const char* list : {"frames.txt", "times.txt", "timecodes.txt", "scenes.csv"}) {
    CAPTURE(list);
    const std::string out = dir / (std::string(list) + "-out");
    RetimeResult r = retime({.input = in,
                             .output = out + "/%04d.png",
                             .factor = 2,
                             .scene_cut = 0,
                             .scene_cuts = dir / list});
    CHECK(r.scene_cuts == 1);
    CHECK(test::frame_bytes(out + "/0023.png", 0) == test::frame_bytes(in, 12));
    CHECK(test::frame_bytes(out + "/0022.png", 0) == test::frame_bytes(in, 11));
  }
  // A cut listed where nothing changes is a cut too: output 11 (between inputs 5 and 6 of the
  // first source) repeats input 6 instead of being made.
  io::write_file_atomic(dir / "six.txt", "6\n");
  RetimeResult r = retime({.input = in,
                           .output = dir / "six/%04d.png",
                           .factor = 2,
                           .scene_cut = 0,
                           .scene_cuts = dir / "six.txt"});
  CHECK(r.scene_cuts == 1);
  CHECK(test::frame_bytes(dir / "six/0011.png", 0) == test::frame_bytes(in, 6));
  CHECK(test::frame_bytes(dir / "six/0023.png", 0) != test::frame_bytes(in, 12));  // not listed
  // --at-cut fade: output 23 is the even mix of the two sides (outputs 22 and 24 are inputs 11
  // and 12 as they are).
  r = retime({.input = in,
              .output = dir / "fade/%04d.png",
              .factor = 2,
              .scene_cut = 0,
              .scene_cuts = dir / "frames.txt",
              .at_cut = AtCut::fade});
  const std::string a = test::frame_bytes(dir / "fade/0022.png", 0),
                    b = test::frame_bytes(dir / "fade/0024.png", 0),
                    m = test::frame_bytes(dir / "fade/0023.png", 0);
  REQUIRE((a.size() == m.size() && b.size() == m.size()));
  int worst = 0;
  for (size_t i = 0; i < m.size(); ++i)
    worst =
        std::max(worst, std::abs(2 * int(uint8_t(m[i])) - int(uint8_t(a[i])) - int(uint8_t(b[i]))));
  CHECK(worst <= 2);  // within a rounding step of (a + b) / 2
  // Lists that do not fit the input, or are not lists: film::Error naming the file and line.
  io::write_file_atomic(dir / "far.txt", "3\n500\n");
  io::write_file_atomic(dir / "late.txt", "9.5\n");
  io::write_file_atomic(dir / "junk.txt", "12\n00:01:75\n");
  io::write_file_atomic(dir / "bad.csv", "Scene Number,Start Frame\n1,x\n");
  for (auto [list, words] :
       {std::pair{"far.txt", "far.txt:2: frame 500 is beyond the input's 24 frames"},
        {"late.txt", "late.txt:1: 9.5 s is after the input's end"},
        {"junk.txt", "junk.txt:2: expected a frame number"},
        {"bad.csv", "bad.csv:2: expected a scene's Start Frame"},
        {"none.txt", "none.txt"}}) {
    CAPTURE(list);
    try {
      retime({.input = in, .output = dir / "x/%04d.png", .factor = 2, .scene_cuts = dir / list});
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(words) != std::string::npos);
    }
  }
  CHECK_FALSE(fs::exists(dir / "x"));
  // The program: --scene-cut off with a list; the list is an input, never an output.
  auto p = test::run_command(test::film_binary() + " video " + in + " -o '" +
                             (dir / "cli/%04d.png") + "' --factor 2 --scene-cut off --scene-cuts " +
                             (dir / "scenes.csv") + " --json");
  INFO(p.output);
  CHECK(p.exit_code == 0);
  CHECK(p.output.find("\"scene_cuts\":1") != std::string::npos);
  CHECK(io::read_file(dir / "cli/0023.png") == io::read_file(dir / "scenes.csv-out/0023.png"));
  p = test::run_command(test::film_binary() + " video " + in + " -o " + (dir / "frames.txt") +
                        " --factor 2 --scene-cuts " + (dir / "frames.txt") + " --force");
  CHECK(p.exit_code == 1);
  CHECK(io::read_file(dir / "frames.txt") == "# cuts\n12\n");
}

TEST_CASE("retime: progress after each input frame; a callback that says stop cancels; resume "
          "finishes the same frames") {
  test::TempDir dir;
  fs::create_directories(dir / "in");
  ffmpeg_ok("-f lavfi -i testsrc2=s=128x96:r=12:d=1 '" + (dir / "in/%03d.png") + "'");
  const RetimeOptions whole{.input = dir / "in", .output = dir / "whole/%04d.png", .factor = 2};
  std::vector<RetimeProgress> seen;
  RetimeResult r = retime(whole, {.progress = [&](const RetimeProgress& p) {
                             seen.push_back(p);
                             return true;
                           }});
  CHECK(r.frames_in == 12);
  CHECK(r.frames_written == 24);
  REQUIRE(seen.size() >= 12);  // after each input frame, and at the end
  for (size_t i = 1; i < seen.size(); ++i) {
    CAPTURE(i);
    CHECK(seen[i].frames_written >= seen[i - 1].frames_written);
    CHECK(seen[i].frames_expected == 24);
  }
  CHECK(seen.back().frames_written == 24);

  // Stop once 8 frames are written: film::Cancelled, the frames so far kept.
  RetimeOptions part = whole;
  part.output = dir / "part/%04d.png";
  int64_t at_stop = 0;
  CHECK_THROWS_AS(retime(part, {.progress = [&](const RetimeProgress& p) {
                                  at_stop = p.frames_written;
                                  return p.frames_written < 8;
                                }}),
                  Cancelled);
  REQUIRE(at_stop >= 8);
  // What was kept: a run of frames from the first (those in flight when it stopped are finished
  // too), short of the whole, with nothing after it.
  int kept = 0;
  while (fs::exists(frame_name(dir / "part", kept))) ++kept;
  CHECK(kept >= at_stop);
  CHECK(kept < 24);
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(dir / "part")) pngs += e.path().extension() == ".png";
  CHECK(pngs == kept);
  // Without resume or force the kept frames are not replaced; a resume with other options (here
  // another rate) is refused rather than adding frames of another run; with resume the run
  // finishes them, frame for frame the uninterrupted run's.
  CHECK_THROWS_AS(retime(part), Error);
  part.resume = true;
  RetimeOptions other = part;
  other.factor = 3;
  const std::string why = test::error_of([&] { retime(other); });
  CHECK(why.find("holds frames made with other options") != std::string::npos);
  CHECK(!fs::exists(frame_name(dir / "part", kept)));
  r = retime(part);
  CHECK(r.frames_written == 24 - kept);
  for (int k = 0; k < 24; ++k) {
    CAPTURE(k);
    CHECK(io::read_file(frame_name(dir / "part", k)) == io::read_file(frame_name(dir / "whole", k)));
  }
}

TEST_CASE("retime: bad requests are film::Error with the messages the program prints") {
  test::TempDir dir;
  auto error_of = [](const RetimeOptions& o) { return test::error_of([&] { retime(o); }); };
  const std::string missing = dir / "nothing.mp4";
  CHECK(error_of({.input = missing, .output = dir / "o.mp4", .factor = 2}).find(missing) !=
        std::string::npos);
  fs::create_directories(dir / "in");
  ffmpeg_ok("-f lavfi -i testsrc2=s=64x64:r=4:d=1 '" + (dir / "in/%03d.png") + "'");
  const std::string both =
      error_of({.input = dir / "in", .output = dir / "o/%04d.png", .fps = {24, 1}, .factor = 2});
  INFO(both);
  CHECK(both.find("fps") != std::string::npos);
  CHECK(both.find("factor") != std::string::npos);
  CHECK_THROWS_AS(retime({.input = dir / "in", .output = dir / "o/%04d.png"}), UsageError);
  // The input folder as the output: refused before any work, nothing written into it.
  const auto before = std::distance(fs::directory_iterator(dir / "in"), fs::directory_iterator());
  CHECK_THROWS_AS(retime({.input = dir / "in", .output = dir / "in/%04d.png", .factor = 2}), Error);
  CHECK(std::distance(fs::directory_iterator(dir / "in"), fs::directory_iterator()) == before);
}

TEST_CASE("join_pieces: pieces in any order (a shell glob puts p10 before p2) join as in order; "
          "a missing, repeated or foreign piece is refused") {
  test::TempDir dir;
  ffmpeg_ok("-f lavfi -i testsrc2=s=128x96:r=12:d=1 -f lavfi -i sine=frequency=440:duration=1 "
            "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest '" + (dir / "in.mp4") + "'");
  const int n = 11;
  std::vector<std::string> numeric, glob;
  for (int i = 0; i < n; ++i) {
    const std::string piece = dir / ("p" + std::to_string(i) + ".mkv");
    retime({.input = dir / "in.mp4", .output = piece, .factor = 2, .segment = i, .segments = n});
    numeric.push_back(piece);
  }
  glob = numeric;
  std::sort(glob.begin(), glob.end());  // p0 p1 p10 p2 ... as a shell expands p*.mkv
  REQUIRE(glob != numeric);
  CHECK(join_pieces(numeric, dir / "in.mp4", dir / "a.mkv") == 24);
  CHECK(join_pieces(glob, dir / "in.mp4", dir / "b.mkv") == 24);
  std::vector<std::string> reversed(numeric.rbegin(), numeric.rend());
  CHECK(join_pieces(reversed, dir / "in.mp4", dir / "c.mkv") == 24);
  CHECK(io::read_file(dir / "a.mkv") == io::read_file(dir / "b.mkv"));
  CHECK(io::read_file(dir / "a.mkv") == io::read_file(dir / "c.mkv"));

  auto error_of = [&](const std::vector<std::string>& pieces) {
    return test::error_of([&] { join_pieces(pieces, "", dir / "x.mkv"); });
  };
  std::vector<std::string> missing(numeric.begin(), numeric.end() - 1);
  CHECK(error_of(missing).find("but 10 pieces were given") != std::string::npos);
  std::vector<std::string> repeated = numeric;
  repeated[3] = repeated[2];
  CHECK(error_of(repeated).find("is piece 2 of 11, as is") != std::string::npos);
  // A piece of another run (other options): refused by the run it records.
  const std::string other = dir / "other.mkv";
  retime({.input = dir / "in.mp4", .output = other, .factor = 2, .scene_cut = 0.2, .segment = 4,
          .segments = n});
  std::vector<std::string> mixed = numeric;
  mixed[4] = other;
  CHECK(error_of(mixed).find("a piece of another run than") != std::string::npos);
  // A piece stripped of its tags (re-muxed elsewhere) among tagged ones: refused, named.
  ffmpeg_ok("-i '" + numeric[5] + "' -map_metadata -1 -c copy '" + (dir / "bare.mkv") + "'");
  mixed = numeric;
  mixed[5] = dir / "bare.mkv";
  CHECK(error_of(mixed).find("bare.mkv: records no piece index") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "x.mkv"));
  // Every video file is written bit-exact: the same run twice, into Matroska (whose muxer
  // otherwise writes a random segment UID), gives the same bytes.
  retime({.input = dir / "in.mp4", .output = dir / "w1.mkv", .factor = 2});
  retime({.input = dir / "in.mp4", .output = dir / "w2.mkv", .factor = 2});
  CHECK(io::read_file(dir / "w1.mkv") == io::read_file(dir / "w2.mkv"));
}

TEST_CASE("resume verifies: a damaged chunk is made again, a changed input is refused") {
  test::TempDir dir;
  const std::string in = dir / "in.mp4";
  ffmpeg_ok("-f lavfi -i testsrc2=s=128x96:r=12:d=4 -c:v libx264 -pix_fmt yuv420p '" + in + "'");
  const RetimeOptions whole{.input = in, .output = dir / "whole.mp4", .factor = 2, .chunk_seconds = 1};
  CHECK(retime(whole).frames_written == 96);
  // Stopped after 60 of 96 frames: chunks of 24 frames, the first two (at least) finished.
  RetimeOptions o = whole;
  o.output = dir / "o.mp4";
  auto stop_at = [](int64_t n) {
    return RetimeCallbacks{.progress = [n](const RetimeProgress& p) { return p.frames_written < n; }};
  };
  CHECK_THROWS_AS(retime(o, stop_at(60)), Cancelled);
  const std::string work = dir / "o.mp4.film-work";
  REQUIRE(fs::exists(work + "/chunk-00000001.mp4"));
  REQUIRE(fs::exists(work + "/chunk-00000001.mp4.json"));  // its record: frames, bytes, checksum
  // Cut chunk 1 short, as a full disk or a copy gone wrong would: the resumed run makes it again
  // instead of joining 24 frames' worth of a shorter file.
  const std::string chunk = io::read_file(work + "/chunk-00000001.mp4");
  io::write_file_atomic(work + "/chunk-00000001.mp4", chunk.substr(0, chunk.size() / 2));
  o.resume = true;
  RetimeResult r = retime(o);
  CHECK(r.frames_kept % 24 == 0);
  CHECK(r.frames_kept >= 24);  // chunk 0 kept
  CHECK(r.frames_kept + r.frames_written == 96);
  CHECK(io::read_file(dir / "o.mp4") == io::read_file(dir / "whole.mp4"));  // byte for byte

  // Stopped again, then the input replaced by another clip under the same name: --resume
  // refuses to splice the old clip's chunks into the new one.
  RetimeOptions p = whole;
  p.output = dir / "p.mp4";
  CHECK_THROWS_AS(retime(p, stop_at(30)), Cancelled);
  ffmpeg_ok("-f lavfi -i mandelbrot=s=128x96:r=12 -t 4 -c:v libx264 -pix_fmt yuv420p '" + in + "'");
  p.resume = true;
  const std::string err = test::error_of([&] { retime(p); });
  CHECK(err.find("holds chunks made from another version of") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "p.mp4"));
}

TEST_CASE("retime --slowmo: time stretched K times at the output rate; input frames kept exactly") {
  test::TempDir dir;
  ffmpeg_ok("-f lavfi -i testsrc2=s=128x96:r=12:d=1 -c:v libx264 -pix_fmt yuv420p '" +
            (dir / "in.mp4") + "'");
  RetimeResult r = retime({.input = dir / "in.mp4", .output = dir / "s2/%04d.png", .slowmo = {2, 1}});
  CHECK(r.frames_in == 12);
  CHECK(r.frames_out == 24);  // 2 s at the input's 12 fps
  CHECK(r.fps_out == doctest::Approx(12));
  // Output frame 2k is input frame k.
  for (int k : {0, 5, 11})
    CHECK(test::frame_bytes(frame_name(dir / "s2", 2 * k), 0) ==
          test::frame_bytes(dir / "in.mp4", k));
  // An odd one is a frame of its own, neither neighbour.
  CHECK(differ(frame_name(dir / "s2", 7), frame_name(dir / "s2", 6)) > 0.5);
  CHECK(differ(frame_name(dir / "s2", 7), frame_name(dir / "s2", 8)) > 0.5);
  // In two pieces: the same frames as the whole run.
  for (int i : {1, 0})
    retime({.input = dir / "in.mp4", .output = dir / "halves/%04d.png", .slowmo = {2, 1},
            .segment = i, .segments = 2});
  for (int k = 0; k < 24; ++k) {
    CAPTURE(k);
    CHECK(io::read_file(frame_name(dir / "halves", k)) == io::read_file(frame_name(dir / "s2", k)));
  }
  // 2.5 times at 24 fps: 12 input frames (1 s) last 2.5 s, 60 frames.
  r = retime({.input = dir / "in.mp4", .output = dir / "s25/%04d.png", .fps = {24, 1},
              .slowmo = {5, 2}});
  CHECK(r.frames_out == 60);
  CHECK(test::frame_bytes(frame_name(dir / "s25", 5), 0) == test::frame_bytes(dir / "in.mp4", 1));
  // Not a speed-up, and a video file loses its audio with a note.
  CHECK(test::error_of([&] {
          retime({.input = dir / "in.mp4", .output = dir / "x/%04d.png", .slowmo = {1, 2}});
        }).find("--slowmo takes a stretch above 1") != std::string::npos);
  std::string note;
  r = retime({.input = dir / "in.mp4", .output = dir / "slow.mkv", .slowmo = {2, 1}},
             {.note = [&](const std::string& n) { note += n; }});
  CHECK(r.frames_out == 24);
  CHECK(note.find("audio is left out") != std::string::npos);
  // Subtitles are retimed with the video: a cue at 0.5-0.75 s comes at 1.0-1.5 s, audio left out.
  io::write_file_atomic(dir / "cues.srt", "1\n00:00:00,500 --> 00:00:00,750\nhello\n\n");
  ffmpeg_ok("-i '" + (dir / "in.mp4") + "' -f lavfi -i sine=duration=1 -i '" + (dir / "cues.srt") +
            "' -map 0:v -map 1:a -map 2:s -c:v copy -c:a aac -c:s srt '" + (dir / "subs.mkv") +
            "'");
  r = retime({.input = dir / "subs.mkv", .output = dir / "slow-subs.mkv", .slowmo = {2, 1}});
  const auto cues = test::run_command(
      "ffprobe -v error -select_streams s -show_entries "
      "packet=pts_time,duration_time -of csv=p=0 '" +
      (dir / "slow-subs.mkv") + "'");
  CHECK(cues.output == "1.000000,0.500000\n");
  CHECK(test::run_command("ffprobe -v error -select_streams a -show_entries stream=index -of "
                          "csv=p=0 '" +
                          (dir / "slow-subs.mkv") + "'")
            .output.empty());
  // Pieces of a slow-motion video join without the input's audio, which would not fit.
  for (int i : {0, 1})
    retime({.input = dir / "in.mp4", .output = dir / ("p" + std::to_string(i) + ".mkv"),
            .slowmo = {2, 1}, .segment = i, .segments = 2});
  const std::vector<std::string> pieces = {dir / "p0.mkv", dir / "p1.mkv"};
  CHECK(test::error_of([&] { join_pieces(pieces, dir / "in.mp4", dir / "joined.mkv", false); })
            .find("would not match its stretched time") != std::string::npos);
  CHECK(join_pieces(pieces, "", dir / "joined.mkv", false) == 24);
}
