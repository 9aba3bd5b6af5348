// The engine as a library: the public API (include/film/) called in-process gives the `film`
// program's frames bit for bit; an installed prefix is enough for an out-of-tree program
// (examples/embed); `film help CMD` and docs/cli.md list the same options; every usage error
// exits 2.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "film/film.h"
#include "graph/base/file.h"
#include "tests/test_util.h"
#include "tools/media/image.h"

namespace fs = std::filesystem;

namespace {

// Two small related frames (a crop of the demo photos), written as PNG into `dir`.
void write_pair(const film::test::TempDir& dir, int w, int h) {
  for (const char* name : {"one", "two"}) {
    const film::io::Image full =
        film::io::read_image(film::test::source_dir() + "/models/examples/" + name + ".png");
    film::io::Image crop;
    crop.rgb = film::Tensor::zeros({1, 3, h, w});
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          crop.rgb.data()[(c * h + y) * w + x] =
              full.rgb.data()[(c * full.height() + 100 + y) * full.width() + 150 + x];
    film::io::write_image(dir / (std::string(name) + ".png"), crop);
  }
}

std::string film_cmd(const std::string& args) { return film::test::film_binary() + " " + args; }

}  // namespace

TEST_CASE("public API: film::Interpolator gives film interpolate's frames bit for bit") {
  film::test::TempDir dir;
  write_pair(dir, 70, 50);  // not a multiple of the model's 64: padded and cropped back
  auto r = film::test::run_command(film_cmd("interpolate " + (dir / "one.png") + " " +
                                            (dir / "two.png") + " -o " + (dir / "cli.png")));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const film::Image a = film::read_image(dir / "one.png"), b = film::read_image(dir / "two.png");
  CHECK(a.channels() == 3);
  CHECK(a.type() == film::SampleType::u8);
  film::Interpolator f;
  film::write_image(dir / "api.png", f.interpolate(a.view(), b.view()).view());
  CHECK(film::io::read_file(dir / "api.png") == film::io::read_file(dir / "cli.png"));
  // The caller's own buffer, with padded rows, holds the same pixels.
  const int stride = 70 * 3 + 13;
  std::vector<unsigned char> mine(static_cast<size_t>(stride) * 50, 0xAB);
  f.interpolate_into(a.view(), b.view(), 0.5, {mine.data(), 70, 50, 3, film::SampleType::u8, stride});
  const film::Image api = film::read_image(dir / "api.png");
  for (int y = 0; y < 50; ++y)
    REQUIRE(std::memcmp(mine.data() + y * stride,
                        static_cast<const unsigned char*>(api.data()) + y * 70 * 3, 70 * 3) == 0);
  CHECK(mine[69 * 3 + 3] == 0xAB);  // the padding of a row is left alone
  // n evenly spaced frames are --frames n's in-betweens.
  r = film::test::run_command(film_cmd("interpolate " + (dir / "one.png") + " " + (dir / "two.png") +
                                       " --frames 3 -o " + (dir / "seq")));
  REQUIRE(r.exit_code == 0);
  const auto three = f.frames(a.view(), b.view(), 3);
  REQUIRE(three.size() == 3);
  for (int i = 0; i < 3; ++i) {
    film::write_image(dir / ("api-" + std::to_string(i) + ".png"), three[i].view());
    char cli[32];
    std::snprintf(cli, sizeof cli, "seq/frame_%03d.png", i + 1);
    CHECK(film::io::read_file(dir / ("api-" + std::to_string(i) + ".png")) ==
          film::io::read_file(dir / cli));
  }
}

TEST_CASE("public API: kinds are kept, bad input raises film::Error, never crashes") {
  film::Interpolator f({.backend = "ref", .threads = 2});
  // 16-bit gray + alpha in, 16-bit gray + alpha out, alpha blended at the frame's time.
  film::Image a(66, 40, 2, film::SampleType::u16), b(66, 40, 2, film::SampleType::u16);
  auto* pa = static_cast<uint16_t*>(a.data());
  auto* pb = static_cast<uint16_t*>(b.data());
  for (int i = 0; i < 66 * 40; ++i) {
    pa[2 * i] = static_cast<uint16_t>((i * 37) % 65536), pa[2 * i + 1] = 65535;
    pb[2 * i] = static_cast<uint16_t>((i * 37 + 999) % 65536), pb[2 * i + 1] = 0;
  }
  const film::Image q = f.interpolate(a.view(), b.view(), 0.25);
  CHECK(q.channels() == 2);
  CHECK(q.type() == film::SampleType::u16);
  CHECK(static_cast<const uint16_t*>(q.data())[1] == 49151);  // 0.75 * 65535, rounded
  CHECK(film::Interpolator::reachable_time(0.3) == 19.0 / 64);
  // Identical inputs are returned as they are.
  const film::Image same = f.interpolate(a.view(), a.view(), 0.5);
  CHECK(std::memcmp(same.data(), a.data(), a.size_bytes()) == 0);
  auto error = [&](auto&& call) { return film::test::error_of(call); };
  film::Image small(8, 8, 3, film::SampleType::f32);
  CHECK(error([&] { f.interpolate(a.view(), small.view()); }).find("differs from the first") !=
        std::string::npos);
  film::Image nan(8, 8, 3, film::SampleType::f32);
  static_cast<float*>(nan.data())[5] = NAN;
  CHECK(error([&] { f.interpolate(small.view(), nan.view()); }).find("not finite") !=
        std::string::npos);
  CHECK_THROWS_AS(f.interpolate(a.view(), b.view(), 1.5), film::UsageError);
  CHECK(error([&] { f.interpolate({nullptr, 8, 8, 3, film::SampleType::f32}, small.view()); })
            .find("data is null") !=
        std::string::npos);
  CHECK(error([&] { film::Image(0, 8, 3, film::SampleType::u8); }).find("outside 1..") !=
        std::string::npos);
  CHECK(error([&] { film::Interpolator({.backend = "cpu", .precision = "fp16"}); })
            .find("--precision fp16 runs on the vulkan backend") != std::string::npos);
  CHECK(error([&] { film::read_image("/nonexistent/x.png"); }).find("/nonexistent/x.png") !=
        std::string::npos);
  CHECK(!film::backends().empty());
  CHECK(std::string(film::version()).rfind("film ", 0) == 0);
}

TEST_CASE("install: an out-of-tree program built against the installed prefix matches film") {
  film::test::TempDir dir;
  const std::string build = fs::path(film::test::film_binary()).parent_path().string();
  const std::string prefix = dir / "prefix";
  auto r = film::test::run_command("cmake --install '" + build + "' --prefix '" + prefix + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"include/film/film.h", "lib/libfilm.so", "lib/cmake/film/filmConfig.cmake",
                        "lib/pkgconfig/film.pc", "bin/film",
                        "share/film/models/film-default/weights.safetensors"})
    CHECK_MESSAGE(fs::exists(prefix + "/" + f), f);
  // Only the public headers are installed: the example compiles against them alone.
  r = film::test::run_command("cmake -S '" + film::test::source_dir() + "/examples/embed' -B '" +
                              (dir / "embed") + "' -DCMAKE_PREFIX_PATH='" + prefix +
                              "' -DCMAKE_BUILD_TYPE=Release && cmake --build '" + (dir / "embed") +
                              "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  write_pair(dir, 64, 48);
  // The installed program and library find the installed model: not the source tree's.
  const std::string env = "env -u FILM_MODEL ";
  r = film::test::run_command(env + (dir / "embed/embed") + " " + (dir / "one.png") + " " +
                              (dir / "two.png") + " " + (dir / "embed.png"));
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find(prefix + "/share/film/models/film-default") != std::string::npos);
  r = film::test::run_command(env + prefix + "/bin/film interpolate " + (dir / "one.png") + " " +
                              (dir / "two.png") + " -o " + (dir / "film.png"));
  REQUIRE(r.exit_code == 0);
  CHECK(film::io::read_file(dir / "embed.png") == film::io::read_file(dir / "film.png"));
  fs::remove_all(prefix + "/share/film/models");
  r = film::test::run_command(env + prefix + "/bin/film interpolate " + (dir / "one.png") + " " +
                              (dir / "two.png") + " -o " + (dir / "none.png"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("no bundled default model found") != std::string::npos);
  // pkg-config names the library and the headers.
  r = film::test::run_command("PKG_CONFIG_PATH='" + prefix + "/lib/pkgconfig' pkg-config --libs --cflags film");
  CHECK(r.output.find("-lfilm") != std::string::npos);
}

namespace {

std::set<std::string> long_options(const std::string& text) {
  std::set<std::string> out;
  static const std::regex option("--[a-z][a-z0-9-]*");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  out.erase("--help");
  return out;
}

// The options `film help CMD` lists: the first word of each option line.
std::set<std::string> help_options(const std::string& help) {
  std::set<std::string> out;
  std::istringstream lines(help);
  static const std::regex line("^  (-[a-zA-Z],)?(--[a-z][a-z0-9-]*)");
  std::smatch m;
  for (std::string l; std::getline(lines, l);)
    if (std::regex_search(l, m, line)) out.insert(m[2].str());
  out.erase("--help");
  return out;
}

// docs/cli.md's section "## CMD": the options in its code blocks (the synopsis), and every option
// its prose names.
std::pair<std::set<std::string>, std::set<std::string>> doc_options(const std::string& doc,
                                                                    const std::string& command) {
  const auto start = doc.find("\n## " + command + "\n");
  REQUIRE_MESSAGE(start != std::string::npos, "docs/cli.md has no section ## ", command);
  const auto end = doc.find("\n## ", start + 4);
  const std::string section = doc.substr(start, end - start);
  std::string blocks;
  for (size_t at = section.find("```"); at != std::string::npos;) {
    const size_t close = section.find("```", at + 3);
    blocks += section.substr(at + 3, close - at - 3);
    at = section.find("```", close + 3);
  }
  return {long_options(blocks), long_options(section)};
}

}  // namespace

TEST_CASE("film help CMD and docs/cli.md's section for CMD list the same long options") {
  const std::string doc = film::io::read_file(film::test::source_dir() + "/docs/cli.md");
  std::set<std::string> every;
  std::map<std::string, std::set<std::string>> helps;
  for (const char* command : {"interpolate", "video", "cluster", "eval", "convert", "run",
                              "inspect", "bench", "graph", "devices"}) {
    const auto r = film::test::run_command(film_cmd(std::string("help ") + command));
    REQUIRE(r.exit_code == 0);
    helps[command] = help_options(r.output);
    every.insert(helps[command].begin(), helps[command].end());
  }
  // Options of other programs the prose names: sbatch's, and the training scripts'.
  const std::set<std::string> others = {"--requeue", "--flow"};
  for (auto& [command, help] : helps) {
    CAPTURE(command);
    const auto [synopsis, named] = doc_options(doc, command);
    CHECK(help == synopsis);
    for (const auto& o : named)
      CHECK_MESSAGE(every.count(o) + others.count(o) == 1, o, " is no option of film");
  }
}

TEST_CASE("every usage error exits 2, naming what is wrong") {
  film::test::TempDir dir;
  write_pair(dir, 8, 8);
  const std::string a = dir / "one.png", b = dir / "two.png";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"interpolate " + a, "A B: At least 2 required"},
      {"interpolate " + a + " " + b + " -o x.png --tta 3", "--tta"},
      {"interpolate " + a + " " + b + " -o x.png --backend cuda", "--backend"},
      {"interpolate " + a + " " + b + " -o x.png --threads -1", "--threads"},
      {"interpolate " + a + " " + b + " -o x.png --times 2 --frames 3", "excludes"},
      {"interpolate " + a + " " + b + " -o x.png --max-memory 1e30", "--max-memory"},
      {"interpolate " + a + " " + b + " -o x.png --timestamps 0.5,2", "--timestamps"},
      {"interpolate " + a + " " + b + " -o x.png --frobnicate", "unknown option '--frobnicate'"},
      {"video " + a + " -o x.mp4", "give one of --factor and --fps"},
      {"video " + a + " -o x.mp4 --fps 2147483647/1", "--fps"},
      {"video " + a + " -o x.mp4 --fps 0.0004", "--fps"},
      {"video " + a + " -o x.mp4 --factor 2 --segment 3/3", "--segment"},
      {"video " + a + " -o x.mp4 --factor 2 --force --resume", "one of --resume and --force"},
      {"bench --released --size 0x5", "--size"},
      {"bench --released --runs 0", "--runs"},
      {"bench", "one of MODEL_DIR"},
      {"convert " + a + " -o m", "--from"},
      {"convert --from nope " + a + " -o m", "--from"},
      {"convert --from pytorch-port " + a + " -o m", "--config"},
      {"inspect m --format pdf", "--format"},
      {"eval m", "DATA_DIR is required"},
      {"run m --inputs x", "--outputs"},
      {"cluster", "subcommand"},
      {"cluster submit " + a, "-o"},
      {"graph", "one of --options and --released"},
      {"devices extra", "unexpected argument 'extra'"},
      {"nonsense", "unknown command"},
  };
  for (const auto& [args, says] : cases) {
    const auto r = film::test::run_command(film_cmd(args));
    CAPTURE(args);
    CAPTURE(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(says) != std::string::npos);
  }
}
