// Hostile and broken input (issue 29): every parser bounded, no device read, no injection. Each
// case is a file a user could be handed; each must end in a clear error naming the file and the
// limit, never a crash, a hang or a wrong result.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "graph/flatten.h"
#include "graph/graph.h"
#include "graph/json_text.h"
#include "tests/test_util.h"
#include "tools/media/image.h"

using namespace film;
namespace fs = std::filesystem;

namespace {

std::string film_cmd(const std::string& args) { return test::film_binary() + " " + args + " 2>&1"; }

// A graph whose top level calls f0 once; f_i calls f_{i+1} `fanout` times in a chain; the last
// function adds its input to itself. It inlines to fanout^(levels-1) nodes, levels calls deep.
std::string expanding_graph(int levels, int fanout) {
  std::string fns;
  for (int i = 0; i < levels; ++i) {
    std::string nodes;
    if (i + 1 == levels) {
      nodes = R"({"name": "n", "op": "add", "inputs": ["a", "a"], "outputs": ["b"]})";
    } else {
      for (int k = 0; k < fanout; ++k) {
        const std::string in = k == 0 ? "a" : "m" + std::to_string(k - 1);
        const std::string out = k + 1 == fanout ? "b" : "m" + std::to_string(k);
        nodes += std::string(k ? ", " : "") + R"({"name": "c)" + std::to_string(k) +
                 R"(", "op": "call", "function": "f)" + std::to_string(i + 1) +
                 R"(", "inputs": [")" + in + R"("], "outputs": [")" + out + R"("]})";
      }
    }
    fns += std::string(i ? ", " : "") + R"({"name": "f)" + std::to_string(i) +
           R"(", "inputs": ["a"], "outputs": ["b"], "nodes": [)" + nodes + "]}";
  }
  return R"({"format": "film-graph", "version": 1, "inputs": [{"name": "x", "shape": ["N", 3, 8, 8]}],
  "outputs": [{"name": "y"}], "functions": [)" + fns +
         R"(], "nodes": [{"name": "top", "op": "call", "function": "f0", "inputs": ["x"], "outputs": ["y"]}]})";
}

}  // namespace

TEST_CASE("a graph nested 200,000 levels deep is refused by its depth, not a stack overflow") {
  std::string deep = R"({"format": "film-graph", "version": 1, "metadata": )";
  deep += std::string(200000, '[') + std::string(200000, ']') + "}";
  CHECK_THROWS_WITH_AS(graph::parse_graph(deep, "deep.json"),
                       doctest::Contains("deep.json: JSON nested more than 64 levels deep"), Error);
  // As a model's graph, through the program: exit 1 and the message, no crash.
  test::TempDir dir;
  fs::create_directories(dir / "m");
  io::write_file_atomic(dir / "m/graph.json", deep);
  auto r = test::run_command(film_cmd("inspect " + (dir / "m/graph.json")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("nested more than 64 levels deep") != std::string::npos);
  r = test::run_command(film_cmd("inspect " + (dir / "m") + " --check"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("nested more than 64 levels deep") != std::string::npos);
  // The same bound for every other JSON the program reads, e.g. FILM options.
  CHECK_THROWS_WITH_AS(graph::parse_json(std::string(100, '[') + std::string(100, ']'), "o.json"),
                       doctest::Contains("o.json: JSON nested more than 64 levels deep"), Error);
  // Nesting the format uses passes.
  CHECK(graph::parse_json(std::string(20, '[') + std::string(20, ']'), "ok.json").is_array());
}

TEST_CASE("a safetensors header nested deep is refused while parsing") {
  const std::string json = R"({"w": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  std::string bytes(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  test::TempDir dir;
  io::write_file_atomic(dir / "w.safetensors", bytes + json);
  CHECK_THROWS_WITH_AS(io::read_safetensors(dir / "w.safetensors"),
                       doctest::Contains("header nested more than 8 levels deep"), Error);
}

TEST_CASE("a small graph whose functions call each other is refused before it expands") {
  // 26 levels of two calls each: 2^25 (33 million) nodes from 6 KB of JSON.
  const std::string wide = expanding_graph(26, 2);
  CHECK(wide.size() < 8000);
  graph::Graph g = graph::parse_graph(wide, "wide.json");
  graph::validate(g, "wide.json");
  CHECK_THROWS_WITH_AS(graph::flatten(g, "wide.json"),
                       doctest::Contains("wide.json: inlining its functions would make more than 1000000 nodes"),
                       Error);
  // 40 calls deep, one call each (40 nodes, but a chain deeper than the limit).
  g = graph::parse_graph(expanding_graph(40, 1), "chain.json");
  CHECK_THROWS_WITH_AS(graph::flatten(g, "chain.json"),
                       doctest::Contains("chain.json: function calls nest more than 32 deep"), Error);
  // Within the limits it inlines as before: 2^9 adds.
  g = graph::parse_graph(expanding_graph(10, 2), "ok.json");
  CHECK(graph::flatten(g, "ok.json").nodes.size() == 512);
}

TEST_CASE("a device is never read as a file: /dev/zero as an image, a graph or a model") {
  CHECK_THROWS_WITH_AS(io::read_file("/dev/zero"),
                       doctest::Contains("/dev/zero: is a device or socket, not a file"), Error);
  test::TempDir dir;
  auto r = test::run_command(film_cmd("interpolate /dev/zero /dev/zero -o " + (dir / "m.png")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("/dev/zero: is a device or socket") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "m.png"));
  r = test::run_command(film_cmd("inspect /dev/zero"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("/dev/zero") != std::string::npos);
  // A bound names itself: more than max_bytes is refused, also from a pipe.
  io::write_file_atomic(dir / "big.json", std::string(100, ' '));
  CHECK_THROWS_WITH_AS(io::read_file(dir / "big.json", 10, "a test file"),
                       doctest::Contains("the limit for a test file"), Error);
}

TEST_CASE("a frame pattern wider than a frame number is refused, not truncated into one name") {
  test::TempDir dir;
  const std::string a = test::source_dir() + "/models/examples/one.png";
  const std::string b = test::source_dir() + "/models/examples/two.png";
  auto r = test::run_command(film_cmd("interpolate " + a + " " + b + " --frames 2 -o '" +
                                      (dir / "%040d.png") + "'"));
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("a frame pattern's width is at most 20 digits") != std::string::npos);
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("node names cannot inject DOT: quotes, backslashes, braces and newlines stay text" *
          doctest::skip(test::run_command("command -v dot >/dev/null").exit_code != 0)) {
  // Two nodes named to break out of a quoted DOT label and add a node that reads a local file.
  const std::string evil1 = R"(a\"]; evil [image=\"/etc/passwd\"]; x [label=\")";
  const std::string evil2 = "b}\n{<script>alert(1)</script>";
  nlohmann::json g = {
      {"format", "film-graph"}, {"version", 1},
      {"inputs", {{{"name", "x"}, {"shape", {1, 3, 8, 8}}}}},
      {"outputs", {{{"name", "z"}}}},
      {"nodes",
       {{{"name", evil1}, {"op", "add"}, {"inputs", {"x", "x"}}, {"outputs", {"y"}}},
        {{"name", evil2}, {"op", "add"}, {"inputs", {"y", "y"}}, {"outputs", {"z"}}}}}};
  test::TempDir dir;
  io::write_file_atomic(dir / "g.json", g.dump());
  auto r = test::run_command(film_cmd("inspect " + (dir / "g.json") + " --format dot -o " +
                                      (dir / "g.dot")));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string dot = io::read_file(dir / "g.dot");
  CHECK(dot.find("/etc/passwd") != std::string::npos);  // the name is there, as text
  // Graphviz reads exactly the graph's nodes (2 ops + input + output), no injected one, and
  // draws no image.
  r = test::run_command("dot -Tplain '" + (dir / "g.dot") + "'");
  REQUIRE(r.exit_code == 0);
  int nodes = 0;
  for (size_t at = 0; (at = r.output.find("\nnode ", at)) != std::string::npos; ++at) ++nodes;
  CHECK(nodes == 4);
  CHECK(r.output.find("\nnode evil ") == std::string::npos);
  // The HTML page carries the same names as inert text: no markup from them reaches the page
  // (its script shows names with textContent).
  r = test::run_command(film_cmd("inspect " + (dir / "g.json") + " --format html -o " +
                                 (dir / "g.html")));
  REQUIRE(r.exit_code == 0);
  const std::string html = io::read_file(dir / "g.html");
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e") != std::string::npos);
}

TEST_CASE("a truncated JPEG is refused, not read with half of it grey") {
  test::TempDir dir;
  const std::string one = test::source_dir() + "/models/examples/one.png";
  auto r = test::run_command("ffmpeg -v error -y -i '" + one + "' '" + (dir / "one.jpg") + "'");
  REQUIRE(r.exit_code == 0);
  const std::string whole = io::read_file(dir / "one.jpg");
  io::write_file_atomic(dir / "cut.jpg", whole.substr(0, whole.size() / 2));
  r = test::run_command(film_cmd("interpolate " + (dir / "cut.jpg") + " " + (dir / "one.jpg") +
                                 " -o " + (dir / "mid.png")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(dir / "cut.jpg") != std::string::npos);
  CHECK(r.output.find("damaged or truncated") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "mid.png"));
  // The whole file reads.
  r = test::run_command(film_cmd("interpolate " + (dir / "one.jpg") + " " + (dir / "one.jpg") +
                                 " -o " + (dir / "mid.png")));
  CHECK(r.exit_code == 0);
}

namespace {

// A little-endian baseline TIFF of `width`x`height` 8-bit gray whose one strip holds `bytes`
// bytes: a header that claims what the file does not have.
std::string tiff_claiming(uint32_t width, uint32_t height, uint32_t bytes) {
  std::string t = std::string("II*\0", 4);
  auto u16 = [&](uint32_t v) { t += static_cast<char>(v & 0xFF), t += static_cast<char>(v >> 8); };
  auto u32 = [&](uint32_t v) { u16(v & 0xFFFF), u16(v >> 16); };
  u32(8);  // the IFD right after the header
  const std::vector<std::pair<uint16_t, uint32_t>> tags = {
      {256, width}, {257, height}, {258, 8},     {259, 1}, {262, 1}, {273, 8 + 2 + 10 * 12 + 4},
      {277, 1},     {278, height}, {279, bytes}, {284, 1}};
  u16(static_cast<uint32_t>(tags.size()));
  for (const auto& [tag, value] : tags) {
    u16(tag);
    u16(tag == 273 || tag == 279 || tag == 256 || tag == 257 || tag == 278 ? 4 : 3);  // LONG, SHORT
    u32(1);
    u32(value);
  }
  u32(0);  // no next IFD
  t += std::string(bytes, '\x80');
  return t;
}

}  // namespace

TEST_CASE("a 200-byte TIFF claiming 30000x4000 is refused from its header, before decoding") {
  test::TempDir dir;
  const std::string bomb = dir / "bomb.tif", ok = dir / "ok.tif";
  io::write_file_atomic(bomb, tiff_claiming(30000, 4000, 64));
  CHECK(fs::file_size(bomb) < 300);
  auto r =
      test::run_command(film_cmd("interpolate " + bomb + " " + bomb + " -o " + (dir / "m.png")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(bomb + ": image is 30000x4000, expected at most 67108864 pixels "
                             "(FILM_MAX_IMAGE_PIXELS=N raises the limit)") != std::string::npos);
  // The limit is the variable's: an 8x6 image is refused under 47 pixels and read at 48.
  io::write_file_atomic(ok, tiff_claiming(8, 6, 48));
  const std::string run = film_cmd("interpolate " + ok + " " + ok + " -o " + (dir / "m.png"));
  r = test::run_command("FILM_MAX_IMAGE_PIXELS=47 " + run);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("expected at most 47 pixels") != std::string::npos);
  r = test::run_command("FILM_MAX_IMAGE_PIXELS=48 " + run);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  r = test::run_command("FILM_MAX_IMAGE_PIXELS=lots " + run + " --force");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("FILM_MAX_IMAGE_PIXELS: expected a whole number") != std::string::npos);
}

TEST_CASE("an image from a pipe is read as a stream: PNG and JPEG on standard input") {
  test::TempDir dir;
  const std::string one = test::source_dir() + "/models/examples/one.png",
                    two = test::source_dir() + "/models/examples/two.png";
  auto r =
      test::run_command("ffmpeg -v error -y -i '" + one + "' -q:v 2 '" + (dir / "one.jpg") + "'");
  REQUIRE(r.exit_code == 0);
  // From a file and from standard input, the same frame.
  for (const std::string& a : {one, dir / "one.jpg"}) {
    CAPTURE(a);
    r = test::run_command(
        film_cmd("interpolate " + a + " " + two + " -o " + (dir / "file.png") + " --force"));
    REQUIRE(r.exit_code == 0);
    r = test::run_command(
        "cat " + a + " | " +
        film_cmd("interpolate /dev/stdin " + two + " -o " + (dir / "pipe.png") + " --force"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(io::read_file(dir / "pipe.png") == io::read_file(dir / "file.png"));
  }
  // Bytes that are no image format: refused, naming the pipe.
  r = test::run_command("echo hello | " +
                        film_cmd("interpolate /dev/stdin " + two + " -o " + (dir / "x.png")));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("/dev/stdin: not an image format film reads from a pipe") !=
        std::string::npos);
}

TEST_CASE("under an address-space limit film video fails with a message or runs, never crashes") {
  // Limits around the one where the plan just fits: there oneDNN's JIT, short of address space
  // for its code, crashed (SIGSEGV) while glibc's per-thread malloc arenas held 64 MiB each.
  test::TempDir dir;
  const std::string in = dir / "in.mp4";
  const std::string make =
      "ffmpeg -v error -f lavfi -i testsrc2=s=320x240:r=8 -t 1 -pix_fmt yuv420p ";
  REQUIRE(test::run_command(make + in).exit_code == 0);
  int ran = 0, refused = 0;
  for (int kib = 1000000; kib <= 1400000; kib += 40000) {
    const auto r =
        test::run_command("ulimit -v " + std::to_string(kib) + "; " +
                          film_cmd("video " + in + " --factor 2 --force -o " + (dir / "out.mp4")));
    INFO("ulimit -v " << kib << "\n" << r.output);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    if (r.exit_code == 1) CHECK(r.output.find("address-space limit") != std::string::npos);
    ran += r.exit_code == 0;
    refused += r.exit_code == 1;
  }
  CHECK(ran > 0);      // the sweep spans the limit: some runs fit
  CHECK(refused > 0);  // and some are refused
}

TEST_CASE("a .pt file whose pickle would run code is refused without running it" *
          doctest::skip(!test::python_has("torch"))) {
  test::TempDir dir;
  const std::string evil = dir / "evil.pt", pwned = dir / "PWNED";
  const std::string script =
      "import os, sys, torch\n"
      "class Evil:\n"
      "    def __reduce__(self): return (os.system, ('touch " + pwned + "',))\n"
      "torch.save({'w': torch.zeros(1), 'x': Evil()}, sys.argv[1])\n";
  io::write_file_atomic(dir / "make.py", script);
  auto r = test::run_command("/usr/bin/python3 " + (dir / "make.py") + " " + evil + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  REQUIRE(!fs::exists(pwned));  // saving ran nothing
  r = test::run_command(film_cmd("convert --from pytorch-port --config " +
                                 test::fixture("film-port/port-small.config.json") + " " + evil +
                                 " -o " + (dir / "model")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(evil) != std::string::npos);
  CHECK(r.output.find("weights_only=True") != std::string::npos);
  CHECK(!fs::exists(pwned));
  CHECK(!fs::exists(dir / "model"));
}

TEST_CASE("numbers out of range are usage errors, not overflows: --max-memory 1e30, --size 1e11") {
  const std::string one = test::source_dir() + "/models/examples/one.png";
  auto r = test::run_command(
      film_cmd("interpolate " + one + " " + one + " --max-memory 1e30 -o /tmp/x.png"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--max-memory takes a size from 1 byte to 1P") != std::string::npos);
  r = test::run_command(
      film_cmd("inspect " + test::source_dir() + "/models/film-default --size 99999999999x9"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("whole numbers from 1 to 32768") != std::string::npos);
}

TEST_CASE("a NaN or an infinity in an OpenEXR input is refused, naming the file") {
  test::TempDir dir;
  io::Image img;
  img.rgb = Tensor::zeros({1, 3, 8, 8});
  img.bits = 32;
  io::write_image(dir / "fine.exr", img);
  for (const float bad : {std::nanf(""), INFINITY}) {
    img.rgb.data()[70] = bad;
    io::write_image(dir / "bad.exr", img);
    const auto r =
        test::run_command(film_cmd("interpolate " + (dir / "fine.exr") + " " + (dir / "bad.exr") +
                                   " -o " + (dir / "m.exr") + " --force"));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find(dir / "bad.exr") != std::string::npos);
    CHECK(r.output.find("not finite") != std::string::npos);
    CHECK(!fs::exists(dir / "m.exr"));
  }
}

TEST_CASE("a small JPEG whose header claims 30000x4000 is refused from its header") {
  test::TempDir dir;
  const std::string one = test::source_dir() + "/models/examples/one.png";
  REQUIRE(test::run_command("ffmpeg -v error -y -i '" + one + "' -vf scale=64:48 '" +
                            (dir / "small.jpg") + "'")
              .exit_code == 0);
  // The frame header (SOF0: FF C0, length, precision, height, width) rewritten to 30000x4000.
  std::string jpeg = io::read_file(dir / "small.jpg");
  const size_t sof = jpeg.find("\xFF\xC0");
  REQUIRE(sof != std::string::npos);
  jpeg[sof + 5] = static_cast<char>(4000 >> 8), jpeg[sof + 6] = static_cast<char>(4000 & 0xFF);
  jpeg[sof + 7] = static_cast<char>(30000 >> 8), jpeg[sof + 8] = static_cast<char>(30000 & 0xFF);
  io::write_file_atomic(dir / "bomb.jpg", jpeg);
  CHECK(jpeg.size() < 8000);
  const auto r = test::run_command(film_cmd("interpolate " + (dir / "bomb.jpg") + " " +
                                            (dir / "bomb.jpg") + " -o " + (dir / "m.png")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find((dir / "bomb.jpg") +
                      ": image is 30000x4000, expected at most 67108864 pixels") !=
        std::string::npos);
}
