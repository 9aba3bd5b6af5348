// Hostile and broken input (issue 29): every parser bounded, no device read, no injection. Each
// case is a file a user could be handed; each must end in a clear error naming the file and the
// limit, never a crash, a hang or a wrong result.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "graph/flatten.h"
#include "graph/graph.h"
#include "graph/json_text.h"
#include "tests/test_util.h"

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
