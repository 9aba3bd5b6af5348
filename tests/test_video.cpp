// `film video` as a user runs it, on short clips made by FFmpeg's test sources with a sine audio
// track; the results are looked at with ffprobe (an independent reader).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

#include "tools/media/sequence.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

namespace {

std::string film_cmd(const std::string& args) { return test::film_binary() + " " + args; }

// `film ARGS`, which must succeed (its output is shown when it does not).
test::CommandResult film_ok(const std::string& args) {
  auto r = test::run_command(film_cmd(args));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return r;
}

void make_clip(const std::string& path, int fps, double seconds) {
  auto r = test::run_command("ffmpeg -v error -y -f lavfi -i testsrc2=s=128x96:r=" +
                             std::to_string(fps) + ":d=" + std::to_string(seconds) +
                             " -f lavfi -i sine=frequency=440:duration=" + std::to_string(seconds) +
                             " -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest '" + path + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

// 12 frames of testsrc2 as images, numbered by `pattern` from 1.
void make_frames(const std::string& pattern) {
  std::filesystem::create_directories(std::filesystem::path(pattern).parent_path());
  auto r =
      test::run_command("ffmpeg -v error -f lavfi -i testsrc2=s=128x96:r=12:d=1 '" + pattern + "'");
  REQUIRE(r.exit_code == 0);
}

std::string probe(const std::string& path, const std::string& what) {
  auto r =
      test::run_command("ffprobe -v error " + what + " -of csv=p=0 '" + path + "' 2>/dev/null");
  REQUIRE(r.exit_code == 0);
  return r.output;
}

std::vector<double> video_times(const std::string& path) {
  std::istringstream s(probe(path, "-select_streams v:0 -show_entries frame=pts_time"));
  std::vector<double> t;
  for (std::string line; std::getline(s, line);) {
    line = line.substr(0, line.find(','));
    if (!line.empty()) t.push_back(std::stod(line));
  }
  return t;
}

void check_rate(const std::string& out, size_t frames, double fps, double duration) {
  const auto t = video_times(out);
  CHECK(t.size() == frames);
  for (size_t i = 1; i < t.size(); ++i) {
    CAPTURE(i);
    CHECK(t[i] - t[i - 1] == doctest::Approx(1 / fps).epsilon(0.02));  // evenly spaced
  }
  CHECK(probe(out, "-select_streams v:0 -show_entries stream=r_frame_rate")
            .find(std::to_string(static_cast<int>(fps)) + "/1") == 0);
  // The audio stream is there, as long as the video.
  const std::string audio =
      probe(out, "-select_streams a:0 -show_entries stream=codec_name,duration");
  CHECK(audio.rfind("aac,", 0) == 0);
  CHECK(std::stod(audio.substr(4)) == doctest::Approx(duration).epsilon(0.03));
  CHECK(std::stod(probe(out, "-show_entries format=duration")) ==
        doctest::Approx(duration).epsilon(0.03));
}

}  // namespace

TEST_CASE("film video: 12 -> 24 fps and 24 -> 60 fps, timestamps even, audio kept") {
  test::TempDir dir;
  make_clip(dir / "in12.mp4", 12, 2);
  auto r = film_ok("video " + (dir / "in12.mp4") + " -o " + (dir / "out24.mp4") + " --factor 2");
  check_rate(dir / "out24.mp4", 48, 24, 2.0);
  CHECK(probe(dir / "out24.mp4", "-select_streams v:0 -show_entries stream=codec_name") ==
        "h264\n");  // the input's codec family

  make_clip(dir / "in24.mp4", 24, 1);
  r = film_ok("video " + (dir / "in24.mp4") + " -o " + (dir / "out60.mp4") + " --fps 60");
  check_rate(dir / "out60.mp4", 60, 60, 1.0);
}

TEST_CASE("film video: a frame pattern holds the input frames at their times, in between new") {
  test::TempDir dir;
  make_clip(dir / "in12.mp4", 12, 1);
  auto r = film_ok("video " + (dir / "in12.mp4") + " -o '" + (dir / "fr/%04d.png") +
                   "' --factor 2 --json");
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(dir / "fr"))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  // The frames, and the record of how they were made (what --resume checks), hidden.
  REQUIRE(names.size() == 25);
  CHECK(names.front() == ".%04d.png.film-settings.json");
  names.erase(names.begin());
  CHECK(names.front() == "0000.png");
  CHECK(names.back() == "0023.png");
  CHECK(r.output.find("\"frames_out\":24") != std::string::npos);
  // Output frame 2k is input frame k, exactly.
  for (int k : {0, 3, 11}) {
    CAPTURE(k);
    char name[32];
    std::snprintf(name, sizeof name, "fr/%04d.png", 2 * k);
    const std::string a = test::frame_bytes(dir / "in12.mp4", k), b = test::frame_bytes(dir / name, 0);
    REQUIRE(a.size() == 128 * 96 * 3);
    CHECK(a == b);
  }
  // An in-between frame is neither neighbour.
  CHECK(test::frame_bytes(dir / "fr/0001.png", 0) != test::frame_bytes(dir / "fr/0000.png", 0));
  CHECK(test::frame_bytes(dir / "fr/0001.png", 0) != test::frame_bytes(dir / "fr/0002.png", 0));
}

TEST_CASE("film video: bad input and existing outputs fail clearly, with nothing left behind") {
  test::TempDir dir;
  make_clip(dir / "in.mp4", 12, 1);
  io::write_file_atomic(dir / "notes.txt", "not a video");
  auto r = test::run_command(
      film_cmd("video " + (dir / "notes.txt") + " -o " + (dir / "o.mp4") + " --factor 2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("notes.txt") != std::string::npos);
  r = test::run_command(
      film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "o.mp4") + " --factor 2 --fps 30"));
  CHECK(r.exit_code == 2);
  io::write_file_atomic(dir / "o.mp4", "mine");
  r = test::run_command(
      film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "o.mp4") + " --factor 2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("exists; pass --force") != std::string::npos);
  CHECK(io::read_file(dir / "o.mp4") == "mine");
  r = test::run_command(
      film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "in.mp4") + " --factor 2 --force"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("over the input") != std::string::npos);
  // Nor into the model's folder, as `interpolate` refuses too (issue 29).
  const std::string model = test::source_dir() + "/models/film-default";
  r = test::run_command(film_cmd("video " + (dir / "in.mp4") + " -o " + model +
                                 "/x.mp4 --factor 2 --force"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("refusing to write the output into the model folder") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(model + "/x.mp4"));
  r = test::run_command(
      film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "o.xyz") + " --factor 2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("o.xyz") != std::string::npos);
  // Too little memory: said before any frame, with what it needs; no work folder left.
  r = test::run_command(film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "m.mp4") +
                                 " --factor 2 --max-memory 1M"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("needs about") != std::string::npos);
  CHECK(r.output.find("--max-memory 1M") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "m.mp4.film-work"));
  // No partial file is left by the failures.
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    CHECK(e.path().filename().string().find("film-partial") == std::string::npos);
}

TEST_CASE("film video: into a GIF with the container's own codec; a refused start leaves nothing") {
  test::TempDir dir;
  make_clip(dir / "in.mp4", 12, 1);
  // A codec the container cannot hold: refused, naming what it takes, and no work folder is left
  // to make the retry look like an interrupted run (issue 26).
  auto r = test::run_command(film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "w.gif") +
                                      " --factor 2 --codec libx264"));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("the gif container cannot hold libx264 video (it takes gif") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "w.gif"));
  CHECK_FALSE(std::filesystem::exists(dir / "w.gif.film-work"));
  // The retry without --codec: GIF's own encoder, a dithered fixed palette; the audio GIF cannot
  // hold is left out with a note.
  r = film_ok("video " + (dir / "in.mp4") + " -o " + (dir / "w.gif") + " --factor 2 --json");
  CHECK(r.output.find("\"codec\":\"gif\"") != std::string::npos);
  CHECK(r.output.find("cannot hold it") != std::string::npos);
  CHECK(probe(dir / "w.gif", "-select_streams v:0 -show_entries stream=codec_name") == "gif\n");
  CHECK(video_times(dir / "w.gif").size() == 24);
  // Output frame 2 sits on input frame 1: the same picture up to the palette's dithering
  // (measured 6.3 levels of mean error), nearer to it than to input frame 3.
  auto mean_error = [&](const std::string& x, const std::string& y) {
    REQUIRE(x.size() == y.size());
    double err = 0;
    for (size_t i = 0; i < x.size(); ++i) err += std::abs(int(uint8_t(x[i])) - int(uint8_t(y[i])));
    return err / static_cast<double>(x.size());
  };
  const std::string gif2 = test::frame_bytes(dir / "w.gif", 2);
  const double same = mean_error(gif2, test::frame_bytes(dir / "in.mp4", 1));
  CHECK(same < 10.0);
  CHECK(same < mean_error(gif2, test::frame_bytes(dir / "in.mp4", 3)));
}

TEST_CASE(
    "film video: --segment pieces make exactly the whole run's frames; --resume after a kill") {
  test::TempDir dir;
  make_clip(dir / "in.mp4", 12, 2);
  const std::string in = dir / "in.mp4";
  auto r =
      film_ok("video " + in + " -o '" + (dir / "whole/%04d.png") + "' --factor 2 --quiet --reuse");
  auto listing = [](const std::string& d) {
    std::vector<std::string> names;
    for (auto& e : std::filesystem::directory_iterator(d)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto whole = listing(dir / "whole");
  REQUIRE(whole.size() == 49);  // 48 frames and the record of their settings, shared by pieces
  auto same_as_whole = [&](const std::string& d) {
    REQUIRE(listing(d) == whole);
    for (const auto& name : whole) {
      CAPTURE(name);
      CHECK(io::read_file(d + "/" + name) == io::read_file(dir / ("whole/" + name)));
    }
  };
  // Two halves, the second run first: pieces are independent.
  for (const char* piece : {"1/2", "0/2"}) {
    r = film_ok("video " + in + " -o '" + (dir / "halves/%04d.png") +
                "' --factor 2 --quiet --reuse --segment " + piece);
  }
  same_as_whole(dir / "halves");
  // A piece run again without --resume or --force is refused (its frames exist).
  r = test::run_command(
      film_cmd("video " + in + " -o '" + (dir / "halves/%04d.png") + "' --factor 2 --segment 0/2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--resume") != std::string::npos);

  // Killed (as by a power cut) once a few frames are written, then resumed.
  const std::string pattern = dir / "resumed/%04d.png";
  r = test::run_command(
      "(" + film_cmd("video " + in + " -o '" + pattern + "' --factor 2 --quiet --reuse") +
      " & pid=$!; for i in $(seq 600); do [ \"$(ls '" + (dir / "resumed") +
      "' 2>/dev/null | grep -c png$)\" -ge 5 ] && break; sleep 0.05; done; "
      "kill -KILL $pid; wait $pid; true)");
  const size_t before = listing(dir / "resumed").size();
  CHECK(before >= 5);
  r = test::run_command(
      film_cmd("video " + in + " -o '" + pattern + "' --factor 2 --resume --json --reuse"));
  CHECK(r.output.find("\"encoder_runs\":0,") == std::string::npos);  // reuse ran
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("\"frames_kept\":0") == std::string::npos);  // it kept what was there
  same_as_whole(dir / "resumed");  // no partial file left either: the listings are equal
}

TEST_CASE("film video: Ctrl-C removes the partial file being written; --resume then finishes") {
  test::TempDir dir;
  make_clip(dir / "in.mp4", 12, 2);
  const std::string in = dir / "in.mp4", out = dir / "out.mkv", work = dir / "out.mkv.film-work";
  // SIGINT once a chunk is being written (its partial file exists); the program (main() installs
  // the handler; the library installs none) removes it and ends as the signal ends it.
  auto r = test::run_command(
      "(" + film_cmd("video " + in + " -o " + out + " --factor 2 --chunk 0.25 --quiet") +
      " & pid=$!; for i in $(seq 600); do ls -a '" + work +
      "' 2>/dev/null | grep -q film-partial && break; sleep 0.02; done; kill -INT $pid; wait $pid; "
      "echo status=$?)");
  INFO(r.output);
  CHECK(r.output.find("status=130") != std::string::npos);
  for (auto& e : std::filesystem::recursive_directory_iterator(dir.path()))
    CHECK(e.path().filename().string().find("film-partial") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  film_ok("video " + in + " -o " + out + " --factor 2 --chunk 0.25 --quiet --resume");
  CHECK(video_times(out).size() == 48);
}

TEST_CASE("film video - -o -: YUV4MPEG2 and NUT pipes give the frames of the same file") {
  test::TempDir dir;
  // 8-bit and 10-bit YUV4MPEG2 from ffmpeg, through film as a pipe and as a file: the same frames
  // (ffv1 keeps them exactly for the comparison), at the rate and depth of the stream's header.
  for (const char* pix : {"yuv420p", "yuv420p10le"}) {
    CAPTURE(pix);
    const std::string y4m = dir / (std::string(pix) + ".y4m");
    auto r =
        test::run_command("ffmpeg -v error -y -f lavfi -i testsrc2=s=128x96:r=12:d=2 -pix_fmt " +
                          std::string(pix) + " -strict -1 -f yuv4mpegpipe '" + y4m + "' 2>&1");
    REQUIRE(r.exit_code == 0);
    const std::string file = dir / (std::string(pix) + "-file.mkv"),
                      piped = dir / (std::string(pix) + "-pipe.mkv");
    film_ok("video " + y4m + " --fps 24 -o " + file + " --codec ffv1 --quiet");
    r = test::run_command("ffmpeg -v error -i '" + y4m + "' -strict -1 -f yuv4mpegpipe - | " +
                          film_cmd("video - --fps 24 -o -") + " 2>'" + (dir / "err.txt") +
                          "' | ffmpeg -v error -i - -c:v ffv1 '" + piped + "' 2>&1");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(io::read_file(dir / "err.txt")
              .find("wrote standard output: 48 of 48 frames at 24.000 fps") != std::string::npos);
    CHECK(probe(piped, "-select_streams v:0 -show_entries stream=pix_fmt,r_frame_rate") ==
          std::string(pix) + ",24/1\n");
    auto digest = [&](const std::string& p) {
      return test::run_command("ffmpeg -v error -i '" + p + "' -f rawvideo - | sha256sum").output;
    };
    CHECK(digest(piped) == digest(file));
    CHECK(video_times(piped).size() == 48);
  }
  // NUT out, and a video file's frames in: the same again.
  const std::string y4m = dir / "yuv420p.y4m", nut = dir / "out.nut";
  auto r = test::run_command(film_cmd("video " + y4m + " --fps 24 -o - --pipe-format nut") +
                             " > '" + nut + "'");
  REQUIRE(r.exit_code == 0);
  CHECK(io::read_file(nut).rfind("nut/multimedia container", 0) == 0);
  CHECK(test::run_command("ffmpeg -v error -i '" + nut + "' -f rawvideo - | sha256sum").output ==
        test::run_command("ffmpeg -v error -i '" + (dir / "yuv420p-file.mkv") +
                          "' -f rawvideo - | sha256sum")
            .output);
  // Full range, as the stream's header says it (XCOLORRANGE), comes out said the same way.
  const std::string full = dir / "full.y4m";
  r = test::run_command("ffmpeg -v error -y -f lavfi -i testsrc2=s=128x96:r=12:d=1 -pix_fmt yuv420p "
                        "-color_range pc -f yuv4mpegpipe '" + full + "' 2>&1 && " +
                        film_cmd("video - --fps 24 -o - --quiet") + " < '" + full + "' | head -c 100");
  CHECK(r.output.find("F24:1") != std::string::npos);
  CHECK(r.output.find("XCOLORRANGE=FULL") != std::string::npos);
  // What a stream cannot do is refused before any work, naming it.
  for (auto [args, words] :
       {std::pair{"video - --fps 24 -o - --resume < " + y4m + " > /dev/null", "made in one go"},
        {"video - --fps 24 -o - --json < " + y4m, "--json writes to standard output"},
        {"video - --fps 24 -o '" + (dir / "f/%04d.png") + "' < " + y4m, "not a frame pattern"},
        {"video - --fps 24 -o - < /dev/null > /dev/null", "standard input"}}) {
    CAPTURE(args);
    r = test::run_command("(" + film_cmd(args) + ")");  // the message, not /dev/null, gets stderr
    CHECK(r.exit_code != 0);
    CHECK(r.output.find(words) != std::string::npos);
  }
}

TEST_CASE("natural order: numbers compare as numbers") {
  CHECK(natural_less("f2.png", "f10.png"));
  CHECK_FALSE(natural_less("f10.png", "f2.png"));
  CHECK(natural_less("a9/x", "a10/x"));
  CHECK(natural_less("shot1_9.png", "shot1_10.png"));
  CHECK(natural_less("f99999999999999999999.png", "f100000000000000000000.png"));  // no overflow
  CHECK(natural_less("b.png", "c.png"));
  CHECK(natural_less("f1.png", "f1.png.bak"));
  CHECK_FALSE(natural_less("f1.png", "f1.png"));
}

TEST_CASE("film video: a folder or glob of frames in natural order, in pieces, never into itself") {
  test::TempDir dir;
  make_frames(dir / "seq/f%d.png");  // f1.png ... f12.png: a plain sort puts f10 after f1
  io::write_file_atomic(dir / "seq/notes.txt", "not a frame");  // left alone
  auto r =
      film_ok("video " + (dir / "seq") + " -o '" + (dir / "out/%04d.png") + "' --factor 2 --json");
  CHECK(r.output.find("\"frames_in\":12") != std::string::npos);
  CHECK(r.output.find("\"frames_out\":24") != std::string::npos);
  for (int k : {0, 1, 9, 11}) {  // output 2k is the k-th frame in natural order
    CAPTURE(k);
    char name[32];
    std::snprintf(name, sizeof name, "out/%04d.png", 2 * k);
    CHECK(test::frame_bytes(dir / name, 0) ==
          test::frame_bytes(dir / ("seq/f" + std::to_string(k + 1) + ".png"), 0));
  }
  // A glob gives the same frames, and so do two pieces.
  r = film_ok("video '" + (dir / "seq/f*.png") + "' -o '" + (dir / "glob/%04d.png") +
              "' --factor 2 --quiet");
  for (const char* piece : {"0/2", "1/2"}) {
    r = film_ok("video " + (dir / "seq") + " -o '" + (dir / "pieces/%04d.png") +
                "' --factor 2 --quiet --segment " + piece);
  }
  for (int k = 0; k < 24; ++k) {
    CAPTURE(k);
    char name[32];
    std::snprintf(name, sizeof name, "/%04d.png", k);
    const std::string want = io::read_file(dir / ("out/" + std::string(name)));
    CHECK(io::read_file(dir / ("glob/" + std::string(name))) == want);
    CHECK(io::read_file(dir / ("pieces/" + std::string(name))) == want);
  }
  // Never into the input folder, nor over an input frame; a pattern that matches nothing.
  r = test::run_command(
      film_cmd("video " + (dir / "seq") + " -o '" + (dir / "seq/%04d.png") + "' --factor 2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("input folder") != std::string::npos);
  r = test::run_command(film_cmd("video '" + (dir / "seq/f1*.png") + "' -o '" +
                                 (dir / "seq/f%d.png") + "' --factor 2 --force"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("input") != std::string::npos);
  r = test::run_command(film_cmd("video '" + (dir / "none/*.png") + "' -o '" +
                                 (dir / "x/%04d.png") + "' --factor 2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("matches no files") != std::string::npos);
}

TEST_CASE("film video: memory does not grow with the video's length") {
  test::TempDir dir;
  auto peak = [&](double seconds) {
    const std::string in = dir / ("in" + std::to_string(static_cast<int>(seconds)) + ".mp4");
    make_clip(in, 12, seconds);
    auto r =
        test::run_command(film_cmd("video " + in + " -o " + in + ".out.mp4 --factor 2 --json"));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const size_t at = r.output.find("\"peak_rss_mib\":");
    REQUIRE(at != std::string::npos);
    return std::stod(r.output.substr(at + 15));
  };
  const double short_clip = peak(1), long_clip = peak(8);  // 12 and 96 input frames
  CAPTURE(short_clip);
  CAPTURE(long_clip);
  // Each output frame kept would add 144 KiB as floats: 168 more frames, over 23 MiB.
  CHECK(long_clip < short_clip * 1.05 + 4);
}

TEST_CASE("film video: a variable frame rate input gives frames at their exact times") {
  test::TempDir dir;
  // 1 s at 12 fps, then 1 s at 6 fps, timestamps kept as they are (-vsync vfr).
  auto r = test::run_command(
      "ffmpeg -v error -y -f lavfi -i testsrc2=s=128x96:r=12:d=1 -f lavfi -i "
      "testsrc2=s=128x96:r=6:d=1 -filter_complex "
      "\"[1:v]setpts=PTS-STARTPTS[b];[0:v][b]concat=n=2:v=1[v]\" -map \"[v]\" -vsync vfr "
      "-c:v libx264 -pix_fmt yuv420p '" +
      (dir / "vfr.mkv") + "'");
  REQUIRE(r.exit_code == 0);
  REQUIRE(video_times(dir / "vfr.mkv").size() == 18);
  r = film_ok("video " + (dir / "vfr.mkv") + " -o '" + (dir / "o/%04d.png") + "' --fps 24 --json");
  CHECK(r.output.find("\"frames_out\":48") != std::string::npos);  // 2 s at 24 fps
  auto out = [&](int k) {
    char name[32];
    std::snprintf(name, sizeof name, "o/%04d.png", k);
    return test::frame_bytes(dir / name, 0);
  };
  // Where an output time is an input frame's time, it is that frame: every other output in the
  // 12 fps second, every fourth in the 6 fps second.
  for (int k : {0, 2, 22}) CHECK(out(k) == test::frame_bytes(dir / "vfr.mkv", k / 2));
  for (int j : {0, 1, 5}) CHECK(out(24 + 4 * j) == test::frame_bytes(dir / "vfr.mkv", 12 + j));
  // In between, new frames: a quarter of the way from input 12 to 13 is neither.
  CHECK(out(25) != test::frame_bytes(dir / "vfr.mkv", 12));
  CHECK(out(25) != test::frame_bytes(dir / "vfr.mkv", 13));
  CHECK(out(25) != out(26));
}

TEST_CASE(
    "film video: video file pieces join into the whole run; a killed run resumes to the same "
    "bytes") {
  test::TempDir dir;
  make_clip(dir / "in.mp4", 12, 2);
  const std::string in = dir / "in.mp4";
  auto run = [&](const std::string& args) { return film_ok("video " + in + " " + args).output; };
  // Lossless pieces: the joined frames are the whole run's, the audio comes from the input.
  run("-o " + (dir / "whole.mkv") + " --factor 2 --codec ffv1 --quiet");
  run("-o " + (dir / "p1.mkv") + " --factor 2 --codec ffv1 --quiet --segment 1/2");
  run("-o " + (dir / "p0.mkv") + " --factor 2 --codec ffv1 --quiet --segment 0/2");
  auto r =
      test::run_command(film_cmd("video --join " + (dir / "p0.mkv") + " " + (dir / "p1.mkv") +
                                 " -o " + (dir / "joined.mkv") + " --source " + in + " --json"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("\"frames\":48") != std::string::npos);
  auto decoded = [&](const std::string& path) {
    auto d = test::run_command("ffmpeg -v error -i '" + path +
                               "' -vsync passthrough -f rawvideo -pix_fmt rgb24 - 2>/dev/null");
    REQUIRE(d.exit_code == 0);
    return d.output;
  };
  const std::string whole = decoded(dir / "whole.mkv");
  CHECK(whole.size() == size_t{48} * 128 * 96 * 3);
  CHECK(decoded(dir / "joined.mkv") == whole);
  CHECK(probe(dir / "joined.mkv", "-select_streams a:0 -show_entries stream=codec_name") ==
        "aac\n");
  const auto t = video_times(dir / "joined.mkv");
  REQUIRE(t.size() == 48);
  for (size_t i = 1; i < t.size(); ++i)
    CHECK(t[i] - t[i - 1] == doctest::Approx(1 / 24.0).epsilon(0.03));

  // Chunks of a quarter second; killed once 3 are done, then resumed: the same file, byte for
  // byte, as one uninterrupted run.
  run("-o " + (dir / "straight.mp4") + " --factor 2 --chunk 0.25 --quiet");
  const std::string out = dir / "resumed.mp4";
  r = test::run_command(
      "(" + film_cmd("video " + in + " -o " + out + " --factor 2 --chunk 0.25 --quiet") +
      " & pid=$!; for i in $(seq 1500); do [ \"$(ls '" + out +
      ".film-work' 2>/dev/null | grep -c chunk)\" -ge 3 ] && break; sleep 0.02; done; "
      "kill -KILL $pid; wait $pid; true)");
  CHECK_FALSE(std::filesystem::exists(out));
  // Not resumed by accident, nor with other options.
  r = test::run_command(film_cmd("video " + in + " -o " + out + " --factor 2 --chunk 0.25"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--resume continues it") != std::string::npos);
  r = test::run_command(
      film_cmd("video " + in + " -o " + out + " --factor 2 --chunk 0.25 --resume --quality 30"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("other options") != std::string::npos);
  const std::string summary = run("-o " + out + " --factor 2 --chunk 0.25 --resume --json");
  CHECK(summary.find("\"frames_kept\":0,") == std::string::npos);
  CHECK(io::read_file(out) == io::read_file(dir / "straight.mp4"));
  CHECK_FALSE(std::filesystem::exists(out + ".film-work"));  // cleaned up once joined
  check_rate(out, 48, 24, 2);
}

TEST_CASE("film video: a sequence into a video file") {
  test::TempDir dir;
  make_frames(dir / "seq/%03d.png");
  auto r = film_ok("video " + (dir / "seq") + " -o " + (dir / "o.mkv") +
                   " --input-fps 12 --fps 24 --codec ffv1 --quiet");
  const auto t = video_times(dir / "o.mkv");
  CHECK(t.size() == 24);
  // Frame 2k of the video is input frame k (lossless), as read by FFmpeg.
  auto d = test::run_command(
      "ffmpeg -v error -i '" + (dir / "o.mkv") +
      "' -vf 'select=eq(n\\,6)' -frames:v 1 -f rawvideo -pix_fmt rgb24 - 2>/dev/null");
  REQUIRE(d.exit_code == 0);
  auto png = test::run_command("ffmpeg -v error -i '" + (dir / "seq/004.png") +
                               "' -f rawvideo -pix_fmt rgb24 - 2>/dev/null");
  CHECK(d.output == png.output);
  // --input-fps is for sequences only.
  make_clip(dir / "in.mp4", 12, 1);
  r = test::run_command(film_cmd("video " + (dir / "in.mp4") + " -o " + (dir / "x.mp4") +
                                 " --input-fps 12 --factor 2"));
  CHECK(r.exit_code == 2);
}

TEST_CASE("a phone's rotation (display matrix) is kept in MP4, said where the container drops it") {
  test::TempDir dir;
  const std::string clip = dir / "clip.mp4", rotated = dir / "rotated.mp4";
  make_clip(clip, 12, 1);
  auto r = test::run_command("ffmpeg -v error -y -i '" + clip +
                             "' -c copy -metadata:s:v:0 rotate=90 '" + rotated + "'");
  REQUIRE(r.exit_code == 0);
  const std::string rotation = "-select_streams v:0 -show_entries stream_side_data=rotation";
  const std::string turned = probe(rotated, rotation);
  REQUIRE(turned.find("90") != std::string::npos);
  CHECK(probe(clip, rotation).find("90") == std::string::npos);
  // Through chunks and their join: the output turns as the input does.
  film_ok("video " + rotated + " --factor 2 --chunk 0.5 -o " + (dir / "out.mp4"));
  CHECK(probe(dir / "out.mp4", rotation) == turned);
  film_ok("video " + rotated + " --factor 2 -o " + (dir / "out.mov"));  // the docs name MOV too
  CHECK(probe(dir / "out.mov", rotation) == turned);
  // Matroska cannot hold it in this FFmpeg: the run says so (and does not pretend).
  r = film_ok("video " + rotated + " --factor 2 -o " + (dir / "out.mkv"));
  CHECK(r.output.find("turned by") != std::string::npos);
  CHECK(r.output.find("write .mp4 or .mov to keep it") != std::string::npos);
  // An input without rotation gets none, and no note.
  r = film_ok("video " + clip + " --factor 2 -o " + (dir / "plain.mp4"));
  CHECK(r.output.find("turned by") == std::string::npos);
  CHECK(probe(dir / "plain.mp4", rotation).find("90") == std::string::npos);
}

TEST_CASE(
    "colour: BT.709 and full-range input come out tagged as they went in, with their colours") {
  // SMPTE bars at 320x240 (SD, where untagged video means BT.601): one clip BT.709 limited range,
  // one BT.601 full range, both tagged. Read with the wrong matrix or range and written untagged
  // (before 2026-12-08), frame 0 came back 5.7 and 5.2 RGB levels off on average.
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> clips = {
      {"bt709",
       "-vf scale=out_color_matrix=bt709:out_range=tv -colorspace bt709 "
       "-color_primaries bt709 -color_trc bt709 -color_range tv"},
      {"full",
       "-vf scale=out_color_matrix=bt601:out_range=pc -colorspace smpte170m -color_range pc"}};
  const std::string tags =
      "-select_streams v:0 -show_entries stream=color_space,color_range,"
      "color_primaries,color_transfer";
  for (const auto& [name, args] : clips) {
    CAPTURE(name);
    const std::string in = dir / (name + ".mkv"), out = dir / (name + "-out.mkv");
    auto r = test::run_command("ffmpeg -v error -y -f lavfi -i smptebars=s=320x240:r=4 -t 1 " +
                               args + " -pix_fmt yuv420p -c:v ffv1 '" + in + "'");
    REQUIRE(r.exit_code == 0);
    film_ok("video " + in + " --factor 2 --codec ffv1 -o " + out);
    CHECK(probe(out, tags) == probe(in, tags));
    // Frame 0 of the output is input frame 0; FFmpeg decodes both by their tags.
    const std::string a = test::frame_bytes(in, 0), b = test::frame_bytes(out, 0);
    REQUIRE(a.size() == b.size());
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += std::abs(int(uint8_t(a[i])) - int(uint8_t(b[i])));
    const double mean = sum / static_cast<double>(a.size());
    CHECK(mean < 1.5);  // measured 0.9; the rest is 4:2:0 chroma resampled through RGB
  }
}
