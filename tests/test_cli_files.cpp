// `film interpolate` with users' files, as a user runs it: inputs of every common kind made by an
// independent program (FFmpeg), outputs looked at by FFmpeg's ffprobe, and each way a run could
// lose or mix up files refused before any work, with the files left as they were.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tools/media/image.h"
#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;
namespace fs = std::filesystem;

namespace {

std::string film_cmd(const std::string& args) { return test::film_binary() + " " + args; }

test::CommandResult sh(const std::string& cmd) { return test::run_command(cmd); }

// The small FILM-port model (fixtures), converted once per test case into `dir`/model.
std::string port_model(const test::TempDir& dir) {
  const std::string out = dir / "model";
  auto r = sh(film_cmd("convert --from pytorch-port --config " +
                       test::fixture("film-port/port-small.config.json") + " " +
                       test::fixture("film-port/port-small-a.weights.safetensors") + " -o " + out));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return out;
}

// Two frames of FFmpeg's moving test pattern, 96x64 (the model pads to 128x64), as
// `stem`0`ext` and `stem`1`ext`, in `pix_fmt`, made by ffmpeg (an independent encoder).
void make_pair(const std::string& stem, const std::string& ext, const std::string& pix_fmt,
               const std::string& source = "testsrc2=s=96x64:r=5") {
  auto r = sh("ffmpeg -v error -y -f lavfi -i " + source + " -frames:v 2 -pix_fmt " + pix_fmt +
              " -start_number 0 '" + stem + "%d" + ext + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

// "codec,pix_fmt" of an image file as FFmpeg sees it (e.g. "png,rgb48be").
std::string probe(const std::string& path) {
  auto r = sh("ffprobe -v error -show_entries stream=codec_name,pix_fmt -of csv=p=0 '" + path +
              "' 2>/dev/null");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::string s = r.output;
  while (!s.empty() && (s.back() == '\n' || s.back() == ',')) s.pop_back();
  return s;
}

// The MD5 of the pixels FFmpeg decodes from `path`, converted to `pix_fmt`.
std::string pixels_md5(const std::string& path, const std::string& pix_fmt) {
  auto r = sh("ffmpeg -v error -i '" + path + "' -pix_fmt " + pix_fmt + " -f md5 -");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.output.rfind("MD5=", 0) == 0);
  return r.output;
}

std::string interpolate(const std::string& a, const std::string& b, const std::string& rest,
                        const std::string& model) {
  return film_cmd("interpolate '" + a + "' '" + b + "' " + rest + " --model " + model);
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fresh folder with the converted model and an RGB pair in it.
struct Pair {
  test::TempDir dir;
  const std::string model = port_model(dir);
  const std::string a = dir / "in0.png", b = dir / "in1.png";
  Pair() { make_pair(dir / "in", ".png", "rgb24"); }
};

}  // namespace

TEST_CASE("cli files: each output keeps its inputs' kind, in the format its extension names") {
  test::TempDir dir;
  const std::string model = port_model(dir);

  SUBCASE("16-bit PNG in, 16-bit PNG out; the ends of a sequence are the inputs, exactly") {
    make_pair(dir / "deep", ".png", "rgb48be");
    REQUIRE(probe(dir / "deep0.png") == "png,rgb48be");
    auto r =
        sh(interpolate(dir / "deep0.png", dir / "deep1.png", "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(probe(dir / "mid.png") == "png,rgb48be");
    r = sh(
        interpolate(dir / "deep0.png", dir / "deep1.png", "--times 1 -o " + (dir / "seq"), model));
    REQUIRE(r.exit_code == 0);
    CHECK(listing(dir / "seq") ==
          std::vector<std::string>{"frame_000.png", "frame_001.png", "frame_002.png"});
    CHECK(pixels_md5(dir / "seq/frame_000.png", "rgb48le") ==
          pixels_md5(dir / "deep0.png", "rgb48le"));
    CHECK(pixels_md5(dir / "seq/frame_002.png", "rgb48le") ==
          pixels_md5(dir / "deep1.png", "rgb48le"));
    CHECK(pixels_md5(dir / "seq/frame_001.png", "rgb48le") ==
          pixels_md5(dir / "mid.png", "rgb48le"));
    // 16 bits hold more than 8: the middle frame is not an 8-bit image in a 16-bit file.
    const io::Image mid = io::read_image(dir / "mid.png");
    int off_grid = 0;
    for (int64_t i = 0; i < mid.rgb.size(); ++i) {
      const double v = mid.rgb.data()[i] * 255.0;
      off_grid += std::abs(v - std::round(v)) > 1e-3;
    }
    CHECK(off_grid > mid.rgb.size() / 10);
  }

  SUBCASE("RGBA in: alpha is blended at the frame's time and kept; JPEG drops it") {
    const std::string rgba = "nullsrc=s=96x64:r=5,format=rgba,geq=r='X*2':g='Y*3':b='N*90':a=";
    make_pair(dir / "a", ".png", "rgba", rgba + "'50+N*200'");  // alpha 50, then 250
    REQUIRE(probe(dir / "a0.png") == "png,rgba");
    auto r = sh(interpolate(dir / "a0.png", dir / "a1.png", "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(probe(dir / "mid.png") == "png,rgba");
    auto alpha = sh("ffmpeg -v error -i '" + (dir / "mid.png") +
                    "' -vf alphaextract -pix_fmt gray -f rawvideo -");
    REQUIRE(alpha.exit_code == 0);
    REQUIRE(alpha.output.size() == 96 * 64);
    for (unsigned char v : alpha.output) REQUIRE(std::abs(int(v) - 150) <= 1);
    r = sh(interpolate(dir / "a0.png", dir / "a1.png", "-o " + (dir / "mid.jpg"), model));
    REQUIRE(r.exit_code == 0);
    CHECK(probe(dir / "mid.jpg").rfind("mjpeg,", 0) == 0);
  }

  SUBCASE("gray in, gray out (never tinted); flat and 1x1 identical inputs come back unchanged") {
    make_pair(dir / "g", ".png", "gray");
    auto r = sh(interpolate(dir / "g0.png", dir / "g1.png", "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(probe(dir / "mid.png") == "png,gray");
    // (FFmpeg's colour source makes nothing under 2x2 here: a 1x1 comes from scaling.)
    for (const std::string& source : std::vector<std::string>{"s=64x64", "s=16x16,scale=1:1"}) {
      CAPTURE(source);
      auto m = sh("ffmpeg -v error -y -f lavfi -i color=c=0x808080:" + source +
                  " -frames:v 1 -pix_fmt rgb24 '" + (dir / "flat.png") + "'");
      REQUIRE(m.exit_code == 0);
      r = sh(interpolate(dir / "flat.png", dir / "flat.png", "--force -o " + (dir / "same.png"),
                         model));
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
      CHECK(pixels_md5(dir / "same.png", "rgb24") == pixels_md5(dir / "flat.png", "rgb24"));
    }
  }

  SUBCASE("JPEG and WebP in; JPEG, TIFF, OpenEXR, WebP out") {
    make_pair(dir / "j", ".jpg", "yuvj420p");
    make_pair(dir / "w", ".webp",
              "yuv420p -c:v libwebp");  // a still, not FFmpeg's animated default
    REQUIRE(probe(dir / "w0.webp").rfind("webp", 0) == 0);
    // A JPEG and a WebP of one size make a pair too.
    auto r = sh(interpolate(dir / "j0.jpg", dir / "w1.webp", "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(probe(dir / "mid.png") == "png,rgb24");
    for (auto [ext, codec] : std::vector<std::pair<std::string, std::string>>{
             {".jpg", "mjpeg"}, {".tif", "tiff"}, {".exr", "exr"}, {".webp", "webp"}}) {
      CAPTURE(ext);
      r = sh(interpolate(dir / "j0.jpg", dir / "j1.jpg", "-o " + (dir / ("mid" + ext)), model));
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
      CHECK(probe(dir / ("mid" + ext)).rfind(codec, 0) == 0);
    }
    // The same frame in every format: the TIFF holds the PNG's pixels exactly.
    r = sh(interpolate(dir / "j0.jpg", dir / "j1.jpg", "-o " + (dir / "mid8.png"), model));
    REQUIRE(r.exit_code == 0);
    CHECK(pixels_md5(dir / "mid.tif", "rgb24") == pixels_md5(dir / "mid8.png", "rgb24"));
  }
}

TEST_CASE_FIXTURE(Pair,
                  "cli files: --times, --frames and --timestamps write each frame as it is made") {
  // On a terminal (script(1) gives one), a progress line names each frame as it is written.
  auto r = sh("script -qec \"" + interpolate(a, b, "--times 3 -o " + (dir / "t3"), model) +
              "\" /dev/null");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> want;
  for (int i = 0; i <= 8; ++i) want.push_back("frame_00" + std::to_string(i) + ".png");
  CHECK(listing(dir / "t3") == want);
  size_t at = 0;
  for (int i = 1; i <= 9; ++i) {  // "[1/9] .../frame_000.png" ... in order
    const std::string line = "[" + std::to_string(i) + "/9] " + (dir / "t3/") + want[i - 1];
    const size_t found = r.output.find(line, at);
    CHECK_MESSAGE(found != std::string::npos, line);
    if (found != std::string::npos) at = found;
  }
  CHECK(pixels_md5(dir / "t3/frame_000.png", "rgb24") == pixels_md5(a, "rgb24"));
  CHECK(pixels_md5(dir / "t3/frame_008.png", "rgb24") == pixels_md5(b, "rgb24"));
  // Written in time order: no frame is older than the one before it.
  for (int i = 1; i <= 8; ++i)
    CHECK(fs::last_write_time(dir / ("t3/" + want[i - 1])) <=
          fs::last_write_time(dir / ("t3/" + want[i])));
  // Not on a terminal: no progress line, one summary.
  r = sh(interpolate(a, b, "--times 2 -o " + (dir / "t2"), model));
  REQUIRE(r.exit_code == 0);
  CHECK(!contains(r.output, "[1/5]"));
  CHECK(contains(r.output, "wrote 5 frames to"));

  // --times 2, --frames 3 and --timestamps 0.25,0.5,0.75 are the same three in-betweens; the
  // midpoint recursion reaches 0.25 through 0.5, so --times 3's odd frames come from the same
  // run as --times 2's.
  r = sh(interpolate(a, b, "--frames 3 -o " + (dir / "f3"), model));
  REQUIRE(r.exit_code == 0);
  r = sh(interpolate(a, b, "--timestamps 0.25,0.5,0.75 -o '" + (dir / "ts/%05d.jpg") + "'", model));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(listing(dir / "ts") == std::vector<std::string>{"00000.jpg", "00001.jpg", "00002.jpg"});
  r = sh(interpolate(a, b, "--timestamps 0.25,0.5,0.75 -o '" + (dir / "tp/%d.png") + "'", model));
  REQUIRE(r.exit_code == 0);
  for (int i = 1; i <= 3; ++i) {
    CAPTURE(i);
    const std::string t2 = pixels_md5(dir / ("t2/frame_00" + std::to_string(i) + ".png"), "rgb24");
    CHECK(pixels_md5(dir / ("f3/frame_00" + std::to_string(i) + ".png"), "rgb24") == t2);
    CHECK(pixels_md5(dir / ("tp/" + std::to_string(i - 1) + ".png"), "rgb24") == t2);
    CHECK(pixels_md5(dir / ("t3/frame_00" + std::to_string(2 * i) + ".png"), "rgb24") == t2);
  }
  // A time between the reachable ones is rounded to the nearest multiple of 1/64.
  r = sh(interpolate(a, b, "--timestamps 0.2501 -o " + (dir / "near.png"), model));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(pixels_md5(dir / "near.png", "rgb24") == pixels_md5(dir / "t2/frame_001.png", "rgb24"));
  // --direct-time: one session of FILM's graph with the time as an input, one run per time: at
  // 0.5 the recursion's middle frame bit for bit, at 0.25 a frame of its own (not the
  // recursion's, and not the middle).
  r = sh(interpolate(a, b, "--direct-time --timestamps 0.25,0.5 -o '" + (dir / "dt/%d.png") + "'",
                     model));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string mid = pixels_md5(dir / "t2/frame_002.png", "rgb24");
  CHECK(pixels_md5(dir / "dt/1.png", "rgb24") == mid);
  const std::string quarter = pixels_md5(dir / "dt/0.png", "rgb24");
  CHECK(quarter != mid);
  CHECK(quarter != pixels_md5(dir / "t2/frame_001.png", "rgb24"));
}

TEST_CASE_FIXTURE(Pair,
                  "cli files: nothing is overwritten, mixed or written into the model unasked") {
  SUBCASE("inputs inside the output folder are never written over") {
    fs::create_directories(dir / "fr");
    make_pair(dir / "fr/deep", ".png", "rgb48be");
    fs::rename(dir / "fr/deep0.png", dir / "fr/frame_000.png");
    fs::rename(dir / "fr/deep1.png", dir / "fr/frame_004.png");
    const std::string before0 = io::read_file(dir / "fr/frame_000.png"),
                      before4 = io::read_file(dir / "fr/frame_004.png");
    for (const std::string& force : std::vector<std::string>{"", " --force"}) {
      CAPTURE(force);
      auto r = sh(interpolate(dir / "fr/frame_000.png", dir / "fr/frame_004.png",
                              "--times 2 -o " + (dir / "fr") + force, model));
      INFO(r.output);
      CHECK(r.exit_code == 1);
      CHECK(contains(r.output, "refusing to write the output over the input"));
      CHECK(io::read_file(dir / "fr/frame_000.png") == before0);
      CHECK(io::read_file(dir / "fr/frame_004.png") == before4);
      CHECK(listing(dir / "fr") == std::vector<std::string>{"frame_000.png", "frame_004.png"});
    }
  }

  SUBCASE("an existing output needs --force; a sequence never mixes with older frames") {
    auto r = sh(interpolate(a, b, "-o " + (dir / "mid.png"), model));
    REQUIRE(r.exit_code == 0);
    io::write_file_atomic(dir / "mid.png", "mine");
    r = sh(interpolate(a, b, "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "mid.png: exists; pass --force"));
    CHECK(io::read_file(dir / "mid.png") == "mine");
    r = sh(interpolate(a, b, "-o " + (dir / "mid.png") + " --force", model));
    CHECK(r.exit_code == 0);
    CHECK(probe(dir / "mid.png") == "png,rgb24");

    r = sh(interpolate(a, b, "--times 2 -o " + (dir / "seq"), model));
    REQUIRE(r.exit_code == 0);
    const std::string old4 = io::read_file(dir / "seq/frame_004.png");
    r = sh(interpolate(a, b, "--times 1 -o " + (dir / "seq"), model));
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "already holds 2 other frames of this pattern (frame_003.png"));
    r = sh(interpolate(a, b, "--times 1 -o " + (dir / "seq") + " --force", model));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "2 other frames of the pattern were already in"));
    // --force replaces only what this command writes.
    CHECK(io::read_file(dir / "seq/frame_004.png") == old4);
    CHECK(pixels_md5(dir / "seq/frame_002.png", "rgb24") == pixels_md5(b, "rgb24"));
  }

  SUBCASE("the model's folder is not an output folder") {
    const std::string graph = io::read_file(model + "/graph.json");
    for (const std::string& target :
         std::vector<std::string>{model + "/graph.json", model + "/mid.png"}) {
      CAPTURE(target);
      auto r = sh(interpolate(a, b, "--force -o " + target, model));
      INFO(r.output);
      CHECK(r.exit_code == 1);
      // A file of the model is named as such; a new file in its folder, by the folder.
      CHECK(contains(r.output, target.ends_with(".json")
                                   ? "refusing to write the output over the model file"
                                   : "refusing to write the output into the model folder"));
    }
    auto r = sh(interpolate(a, b, "--times 1 -o " + model, model));
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "refusing to write the output into the model folder"));
    CHECK(io::read_file(model + "/graph.json") == graph);
    CHECK(listing(model) == std::vector<std::string>{"graph.json", "weights.safetensors"});
  }

  SUBCASE("an output name must say its format; - is standard output") {
    for (const std::string& target : std::vector<std::string>{"noext", "mid.unknownext"}) {
      CAPTURE(target);
      auto r = sh(interpolate(a, b, "-o " + (dir / target), model));
      INFO(r.output);
      CHECK(r.exit_code == 1);
      CHECK(contains(r.output, target));
      CHECK(!fs::exists(dir / target));
    }
    // Standard output to the file, the messages (stderr) to the test.
    auto r = sh("{ " + interpolate(a, b, "-o -", model) + " > '" + (dir / "piped") + "'; }");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.output, "PNG to standard output"));
    r = sh(interpolate(a, b, "-o " + (dir / "file.png"), model));
    REQUIRE(r.exit_code == 0);
    CHECK(io::read_file(dir / "piped") == io::read_file(dir / "file.png"));
  }

  SUBCASE("a missing output folder is reported before the model is even read") {
    // The weights are broken: a run that loaded them would fail on them instead.
    io::write_file_atomic(model + "/weights.safetensors", "not safetensors");
    auto r = sh(interpolate(a, b, "-o " + (dir / "no/such/folder/mid.png"), model));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(
        contains(r.output, "the output folder '" + (dir / "no/such/folder") + "' does not exist"));
    CHECK(!contains(r.output, "weights.safetensors"));
  }
}

// Reported as skipped when run as root, who may write anywhere (CI runs as root).
TEST_CASE_FIXTURE(Pair, "cli files: a folder that is not writable is reported before any work" *
                            doctest::skip(::geteuid() == 0)) {
  fs::create_directories(dir / "ro");
  ::chmod((dir / "ro").c_str(), 0555);
  auto r = sh(interpolate(a, b, "-o " + (dir / "ro/mid.png"), model));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.output, "is not writable"));
}

TEST_CASE_FIXTURE(Pair, "cli files: bad models, bad values and bad usage fail clearly") {
  SUBCASE("one NaN in the weights is refused at load, naming the tensor") {
    auto w = io::read_safetensors(model + "/weights.safetensors");
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& name : w.order) tensors.push_back({name, w.get(name)});
    tensors[3].second.data()[0] = std::nanf("");
    io::write_safetensors(model + "/weights.safetensors", tensors);
    auto r = sh(interpolate(a, b, "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "weights.safetensors"));
    CHECK(contains(r.output, tensors[3].first));
    CHECK(!fs::exists(dir / "mid.png"));
  }

  SUBCASE("finite weights that overflow: the error names the first node that made an infinity") {
    auto w = io::read_safetensors(model + "/weights.safetensors");
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& name : w.order) tensors.push_back({name, w.get(name)});
    for (auto& [name, t] : tensors)
      if (t.shape().size() == 4) {  // the first conv kernel: every product overflows float
        for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = 3e38f;
        break;
      }
    io::write_safetensors(model + "/weights.safetensors", tensors);
    auto r = sh(interpolate(a, b, "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "not finite"));
    CHECK(std::regex_search(r.output, std::regex("node '[^']+' \\(conv2d\\) wrote [0-9]+ values")));
    CHECK(!fs::exists(dir / "mid.png"));
  }

  SUBCASE("film run refuses NaN inputs, naming them, and writes nothing") {
    auto golden = io::read_safetensors(test::fixture("film-port/port-small-a.safetensors"));
    Tensor x0 = golden.get("x0");
    x0.data()[17] = std::nanf("");
    io::write_safetensors(dir / "in.safetensors", {{"x0", x0}, {"x1", golden.get("x1")}});
    auto r = sh(film_cmd("run " + model + " --inputs " + (dir / "in.safetensors") + " --outputs " +
                         (dir / "out.safetensors")));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "'x0'"));
    CHECK(!fs::exists(dir / "out.safetensors"));
  }

  SUBCASE("a graph without an image output is refused by interpolate, and said why") {
    auto g = nlohmann::json::parse(io::read_file(model + "/graph.json"));
    for (auto& o : g["outputs"]) o["aux"] = true;
    io::write_file_atomic(model + "/graph.json", g.dump(1));
    auto r = sh(interpolate(a, b, "-o " + (dir / "mid.png"), model));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, model + ": not a frame interpolation model"));
    CHECK(contains(r.output, "expected 'image'"));
  }

  SUBCASE("a memory budget too small for the plan is refused before any work") {
    auto r = sh(interpolate(a, b, "--max-memory 1M -o " + (dir / "mid.png"), model));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "--max-memory 1M leaves 1 MiB"));
    CHECK(!fs::exists(dir / "mid.png"));
  }

  SUBCASE("usage errors exit 2 and name the option; -h, --version and -- work") {
    for (const std::string& args :
         std::vector<std::string>{"interpolate " + a + " " + b + " -o x.png --threads -1",
                                  "interpolate " + a + " " + b + " -o x.png --times 11",
                                  "interpolate " + a + " " + b + " -o x.png --timestamps 0.5,1.5",
                                  "interpolate " + a + " " + b + " -o x.png --times 2 --frames 3",
                                  "interpolate " + a + " -o x.png", "bench --runs 0",
                                  "inspect --size 0x64", "inspect --size 64x"}) {
      CAPTURE(args);
      auto r = sh("cd '" + dir.path() + "' && " + film_cmd(args));
      CHECK(r.exit_code == 2);
      CHECK(!fs::exists(dir / "x.png"));
    }
    auto r = sh(film_cmd("interpolate -h"));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "usage: film interpolate"));
    r = sh(film_cmd("--version"));
    CHECK(r.exit_code == 0);
    CHECK(std::regex_search(
        r.output,
        std::regex("^film [0-9]+\\.[0-9]+\\.[0-9]+ \\(commit ([0-9a-f]{7,}|unknown)\\)")));
    r = sh(film_cmd("help interpolate"));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "usage: film interpolate"));
    // After --, a name that starts with a dash is a file.
    fs::copy_file(a, dir / "-a.png");
    r = sh("cd '" + dir.path() + "' && " +
           film_cmd("interpolate --model " + model + " -o mid.png -- -a.png in1.png"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(dir / "mid.png"));
  }

  SUBCASE("inspect takes any size interpolate takes, WxH or a name") {
    for (const std::string& size : std::vector<std::string>{"1920x1080", "1080p", "97x65"}) {
      CAPTURE(size);
      auto r = sh(film_cmd("inspect " + model + " --size " + size));
      INFO(r.output);
      CHECK(r.exit_code == 0);
    }
    auto r = sh(film_cmd("inspect " + model + " --size 1920x1080"));
    CHECK(contains(r.output, "1920x1080"));
    CHECK(contains(r.output, "1920x1088"));  // padded to the model's multiple of 64
    CHECK(!contains(r.output, "note:"));
    // A portrait size is taken as written, and said so (sizes were HxW before 0.5.0).
    r = sh(film_cmd("inspect " + model + " --size 1080x1920"));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "note: --size 1080x1920 is 1080 wide and 1920 high"));
    CHECK(contains(r.output, "at 1080x1920 (runs at 1088x1920)"));
  }
}
