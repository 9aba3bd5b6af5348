// `film inspect --format json|dot`: the numbers against independent counts, the JSON's own
// consistency, and Graphviz accepting the DOT.
#include <doctest/doctest.h>

#include <functional>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "backends/registry.h"
#include "tools/media/image.h"
#include "tools/inspect/inspect.h"
#include "tools/inspect/visualize.h"
#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;
using json = nlohmann::json;

namespace {

std::string film_cmd(const std::string& args) { return test::film_binary() + " " + args; }

json inspect_json(const std::string& args) {
  auto r = test::run_command(film_cmd("inspect " + args + " --format json 2>/dev/null"));
  INFO(r.output.substr(0, 2000));
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output);
}

std::string released_graph(const test::TempDir& dir) {
  auto r = test::run_command(film_cmd("graph --released -o " + (dir / "released.json")));
  REQUIRE(r.exit_code == 0);
  return dir / "released.json";
}

bool have(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE("inspect json: the released options' parameters and MACs equal independent counts") {
  test::TempDir dir;
  const json r = inspect_json(released_graph(dir) + " --size 256x256");
  CHECK(r["format"] == "film-inspect");
  CHECK(r["has_weights"] == false);
  // 34,436,667 parameters: the released SavedModel's variables (tests/data/film-savedmodel) and
  // tools/train/macs.py agree. 139,140,814,848 convolution MACs per 256x256 frame:
  // tools/train/macs.py --released --verify, counted by forward hooks on the PyTorch model.
  CHECK(r["parameters"].get<int64_t>() == 34436667);
  CHECK(r["macs"].get<double>() == doctest::Approx(139140814848.0).epsilon(1e-12));
  // Per-node MACs add up to the total, and so do the stages.
  double nodes = 0, stages = 0;
  for (const auto& n : r["nodes"]) nodes += n.value("macs", 0.0);
  for (const auto& [stage, m] : r["stage_macs"].items()) stages += m.get<double>();
  CHECK(nodes == doctest::Approx(r["macs"].get<double>()).epsilon(1e-12));
  CHECK(stages == doctest::Approx(r["macs"].get<double>()).epsilon(1e-12));
  // FILM's split (docs/film.md): features 26%, flow 31%, fusion 43% of the MACs; the warp stage
  // and the pyramids have no convolutions.
  const double total = r["macs"];
  CHECK(r["stage_macs"]["encoder"].get<double>() / total == doctest::Approx(0.256).epsilon(0.02));
  CHECK(r["stage_macs"]["flow"].get<double>() / total == doctest::Approx(0.311).epsilon(0.02));
  CHECK(r["stage_macs"]["fusion"].get<double>() / total == doctest::Approx(0.432).epsilon(0.02));
  CHECK(r["stage_macs"]["warp"].get<double>() == 0);
  CHECK(r["size"]["run_width"] == 256);
}

TEST_CASE("inspect json: every node has its stage, function instance, shape, step and memory") {
  const std::string model = test::source_dir() + "/models/film-default";
  const json r = inspect_json(model + " --size 97x65");  // padded: runs at 128x128
  CHECK(r["size"]["width"] == 97);
  CHECK(r["size"]["height"] == 65);
  CHECK(r["size"]["run_width"] == 128);
  CHECK(r["size"]["run_height"] == 128);
  CHECK(r["has_weights"] == true);
  std::set<std::string> stages, functions_seen;
  size_t with_step = 0, fused = 0, pruned = 0;
  for (const auto& n : r["nodes"]) {
    CAPTURE(n["name"].get<std::string>());
    stages.insert(n["stage"].get<std::string>());
    // Pruned: computed by the graph but needed by no output (the shared encoder's deepest
    // sub-levels at the coarsest pyramid levels); everything else has a shape and a step.
    if (n.value("pruned", false)) {
      ++pruned;
      CHECK(!n.contains("shape"));
      CHECK(n["stage"] == "encoder");
      continue;
    }
    CHECK(n.contains("shape"));
    CHECK(n.contains("step"));
    if (n.contains("function")) functions_seen.insert(n["function"].get<std::string>());
    if (n.contains("step")) ++with_step;
    if (n.contains("fused_into")) ++fused;
    if (n["op"] == "warp") CHECK((n["stage"] == "warp" || n["stage"] == "flow"));
    if (n.contains("memory") && n["memory"]["role"] == "intermediate" &&
        !n["memory"].contains("view_of"))
      CHECK(n["memory"]["arena_offset"].get<size_t>() + n["memory"]["bytes"].get<size_t>() <=
            r["plan"]["arena_bytes"].get<size_t>());
  }
  CHECK(stages == std::set<std::string>{"pyramid", "encoder", "flow", "warp", "fusion"});
  CHECK(with_step + pruned == r["nodes"].size());
  CHECK(pruned < r["nodes"].size() / 5);
  CHECK(fused > 0);  // cpu fuses conv + leaky_relu
  std::set<std::string> functions;
  for (const auto& f : r["functions"]) {
    functions.insert(f["name"].get<std::string>());
    CHECK(!f["instances"].empty());
  }
  CHECK(functions_seen == functions);
  // Every weight has statistics, and the bundled model's are finite.
  for (const auto& w : r["weights"]) {
    REQUIRE(w.contains("stats"));
    CHECK(w["stats"]["nan"] == 0);
    CHECK(w["stats"]["inf"] == 0);
  }
  // The memory timeline: live bytes never exceed the arena, and reach most of it.
  size_t peak = 0;
  for (const auto& s : r["steps"]) peak = std::max(peak, s["live_bytes"].get<size_t>());
  CHECK(peak <= r["plan"]["arena_bytes"].get<size_t>());
  CHECK(peak >= r["plan"]["arena_bytes"].get<size_t>() / 2);
}

TEST_CASE("tensor_stats counts NaN and infinities apart from the finite values") {
  Tensor t = Tensor::zeros({5});
  float v[] = {1, -3, std::nanf(""), INFINITY, 2};
  for (int i = 0; i < 5; ++i) t.data()[i] = v[i];
  const auto s = tensor_stats(t);
  CHECK(s["min"] == -3.0);
  CHECK(s["max"] == 2.0);
  CHECK(s["mean"].get<double>() == doctest::Approx(0.0));
  CHECK(s["std"].get<double>() == doctest::Approx(std::sqrt(14.0 / 3)));
  CHECK(s["nan"] == 1);
  CHECK(s["inf"] == 1);
}

TEST_CASE("inspect dot: Graphviz draws it, with a cluster per function instance (needs graphviz)" *
          doctest::skip(!have("dot"))) {
  test::TempDir dir;
  const std::string model = test::source_dir() + "/models/film-default";
  auto r = test::run_command(
      film_cmd("inspect " + model + " --size 256x256 --format dot -o " + (dir / "g.dot")));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  r = test::run_command("dot -Tsvg '" + (dir / "g.dot") + "' -o '" + (dir / "g.svg") + "'");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  const std::string svg = io::read_file(dir / "g.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  // One cluster per function instance of the JSON.
  const json j = inspect_json(model + " --size 256x256");
  size_t instances = 0;
  for (const auto& f : j["functions"]) instances += f["instances"].size();
  size_t clusters = 0;
  for (size_t at = 0; (at = svg.find("class=\"cluster\"", at)) != std::string::npos; ++at)
    ++clusters;
  CHECK(clusters == instances);
  // -o never replaces a file unasked.
  r = test::run_command(film_cmd("inspect " + model + " --format dot -o " + (dir / "g.dot")));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("exists; pass --force") != std::string::npos);
}

TEST_CASE("inspect --profile: per node, op and stage; shares add up; MACs as in the plan") {
  const std::string model = test::source_dir() + "/models/film-default";
  const json r = inspect_json(model + " --profile --size 128x64 --runs 2 --threads 2");
  REQUIRE(r.contains("profile"));
  const json& p = r["profile"];
  CHECK(p["runs"] == 2);
  CHECK(p["backend"] == "cpu");
  CHECK(p["size"]["run_width"] == 128);
  // One row per step that runs: the plan's steps less the elided ones.
  size_t steps = 0;
  for (const auto& n : r["nodes"])
    if (n.contains("step") && !n.contains("fused_into") && !n.value("elided", false)) ++steps;
  CHECK(p["nodes"].size() == steps + r["plan"]["reorders"].get<size_t>());
  double share = 0, seconds = 0, stage_seconds = 0, conv_macs = 0;
  double last = 1e30;
  for (const auto& n : p["nodes"]) {
    share += n["share"].get<double>();
    seconds += n["seconds"].get<double>();
    CHECK(n["seconds"].get<double>() <= last);  // slowest first
    last = n["seconds"].get<double>();
  }
  for (const auto& s : p["stages"]) stage_seconds += s["seconds"].get<double>();
  for (const auto& o : p["ops"])
    if (o["op"] == "conv2d") conv_macs = o["macs"].get<double>();
  CHECK(share == doctest::Approx(1.0));
  CHECK(seconds == doctest::Approx(p["step_seconds"].get<double>()));
  CHECK(stage_seconds == doctest::Approx(p["step_seconds"].get<double>()));
  CHECK(conv_macs == doctest::Approx(r["macs"].get<double>()));
  CHECK(p["step_seconds"].get<double>() > 0);
  // Text: the three tables.
  auto t =
      test::run_command(film_cmd("inspect " + model + " --profile --size 64x64 --runs 1 --top 3"));
  INFO(t.output);
  CHECK(t.exit_code == 0);
  for (const char* part : {"by stage:", "by op:", "slowest 3 nodes:", "conv2d ("})
    CHECK(t.output.find(part) != std::string::npos);
}

TEST_CASE("inspect --compare: a perturbed weight's first consumer is the first node that differs") {
  test::TempDir dir;
  const std::string model = test::source_dir() + "/models/film-default";
  // A copy of the model with one weight of the fusion decoder changed.
  std::filesystem::create_directories(dir / "perturbed");
  std::filesystem::copy_file(model + "/graph.json", dir / "perturbed/graph.json");
  auto w = io::read_safetensors(model + "/weights.safetensors");
  std::vector<std::pair<std::string, Tensor>> tensors;
  std::string changed;
  for (auto& name : w.order) {
    Tensor t = w.get(name).clone();
    if (changed.empty() && name.rfind("fusion/", 0) == 0 && t.shape().size() == 4) {
      for (int64_t i = 0; i < t.size(); ++i) t.data()[i] += 0.05f;
      changed = name;
    }
    tensors.push_back({name, t});
  }
  REQUIRE(!changed.empty());
  io::write_safetensors(dir / "perturbed/weights.safetensors", tensors);

  const json r =
      inspect_json(model + " --compare " + model + "," + (dir / "perturbed") + " --size 64x64");
  REQUIRE(r.contains("compare"));
  const json& c = r["compare"];
  REQUIRE(c.contains("first_differing"));
  // The expected node, found independently: the first row (execution order) whose node reads
  // the changed weight, by the graph's own node inputs.
  std::set<std::string> readers;
  for (const auto& n : r["nodes"])
    for (const auto& in : n["inputs"])
      if (in == changed) readers.insert(n["name"].get<std::string>());
  REQUIRE(!readers.empty());
  std::string expected;
  bool before_all_zero = true;
  for (const auto& row : c["nodes"]) {
    if (readers.count(row["node"].get<std::string>())) {
      expected = row["node"];
      break;
    }
    before_all_zero = before_all_zero && row["max_abs_error"].get<double>() == 0;
  }
  CAPTURE(changed);
  CHECK(c["first_differing"]["node"] == expected);
  CHECK(before_all_zero);  // same backend, same weights before it: bit-identical
  CHECK(c["first_differing"]["max_abs_error"].get<double>() > 1e-3);
  CHECK(c["first_differing"]["at"].size() == 4);
  // The same model on two backends agrees within the tolerance; text mode exits 0 then, 1 not.
  auto t = test::run_command(film_cmd("inspect " + model + " --compare ref,cpu --size 64x64"));
  INFO(t.output);
  CHECK(t.exit_code == 0);
  CHECK(t.output.find("every node agrees within the tolerance") != std::string::npos);
  t = test::run_command(film_cmd("inspect " + model + " --compare " + model + "," +
                                 (dir / "perturbed") + " --size 64x64"));
  CHECK(t.exit_code == 1);
  CHECK(t.output.find("first node beyond the tolerance: '" + expected + "'") != std::string::npos);
}

TEST_CASE("inspect --check lists every problem with its JSON pointer and line") {
  test::TempDir dir;
  auto g = json::parse(io::read_file(test::source_dir() + "/models/film-default/graph.json"));
  // Three unrelated mistakes: an unknown op inside a function, a dangling input at the top level,
  // an output nothing produces.
  g["functions"][1]["nodes"][2]["op"] = "frobnicate";
  g["nodes"][7]["inputs"][0] = "ghost";
  g["outputs"].push_back({{"name", "nowhere"}});
  io::write_file_atomic(dir / "graph.json", g.dump(1));
  auto r =
      test::run_command(film_cmd("inspect " + (dir / "graph.json") + " --check --format json"));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  const json c = json::parse(r.output);
  CHECK(c["valid"] == false);
  REQUIRE(c["problems"].size() == 3);
  const std::string text = io::read_file(dir / "graph.json");
  std::vector<std::string> lines;
  for (size_t at = 0, next; at <= text.size(); at = next + 1) {
    next = text.find('\n', at);
    if (next == std::string::npos) next = text.size();
    lines.push_back(text.substr(at, next - at));
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"/functions/1/nodes/2", "unknown op 'frobnicate'"},
      {"/nodes/7", "input 'ghost' is not a graph input"},
      {"", "output 'nowhere' is not produced by any node"}};
  for (const auto& [pointer, message] : expected) {
    CAPTURE(message);
    bool found = false;
    for (const auto& p : c["problems"]) {
      if (p["message"].get<std::string>().find(message) == std::string::npos) continue;
      found = true;
      if (pointer.empty()) {
        CHECK(!p.contains("pointer"));
        continue;
      }
      CHECK(p["pointer"] == pointer);
      // The pointer resolves to the node the message names, and the line shows its name.
      const json& node = g.at(json::json_pointer(pointer));
      const std::string name = node["name"];
      CHECK(p["message"].get<std::string>().find("'" + name + "'") != std::string::npos);
      REQUIRE(p.contains("line"));
      const size_t line = p["line"];
      REQUIRE(line >= 1);
      REQUIRE(line <= lines.size());
      CHECK(lines[line - 1].find("\"" + name + "\"") != std::string::npos);
    }
    CHECK(found);
  }
  // A valid model: exit 0; every broken graph of the corpus: exit 1 naming its problem.
  r = test::run_command(film_cmd("inspect " + test::source_dir() + "/models/film-default --check"));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find(": valid") != std::string::npos);
  for (const auto& e : std::filesystem::directory_iterator(test::fixture("broken-graphs"))) {
    if (e.path().extension() != ".json") continue;
    CAPTURE(e.path().string());
    r = test::run_command(film_cmd("inspect " + e.path().string() + " --check"));
    CHECK(r.exit_code == 1);
    std::istringstream expect(
        io::read_file(std::filesystem::path(e.path()).replace_extension(".expect")));
    for (std::string line; std::getline(expect, line);)
      if (!line.empty()) CHECK_MESSAGE(r.output.find(line) != std::string::npos, line);
  }
}

TEST_CASE("flow colours: a hand-made field gets the Middlebury wheel's colours") {
  // Four vectors of length 2 (the field's largest: the scale) and one of length 0.
  Tensor flow = Tensor::zeros({1, 2, 1, 5});
  const float u[] = {2, -2, 0, 0, 0}, v[] = {0, 0, 2, -2, 0};
  for (int i = 0; i < 5; ++i) {
    flow.data()[i] = u[i];
    flow.data()[5 + i] = v[i];
  }
  double scale = 0;
  const io::Image img = viz::flow_image(flow, 0, &scale);
  CHECK(scale == doctest::Approx(2.0));
  auto px = [&](int i) {
    std::array<int, 3> c{};
    for (int k = 0; k < 3; ++k)
      c[k] = static_cast<int>(std::lround(img.rgb.data()[k * 5 + i] * 255));
    return c;
  };
  // Right: red (the wheel's last magenta-red entry, blue a little); left: cyan; down
  // (y grows downwards): yellow; up: blue-violet; no motion: white.
  CHECK(px(0)[0] == 255);
  CHECK(px(0)[1] == 0);
  CHECK(px(0)[2] < 64);
  CHECK(px(1)[0] == 0);
  CHECK(px(1)[1] > 180);
  CHECK(px(1)[2] == 255);
  CHECK(px(2)[0] == 255);
  CHECK(px(2)[1] > 200);
  CHECK(px(2)[2] == 0);
  CHECK(px(3)[2] == 255);
  CHECK(px(3)[1] == 0);
  CHECK(px(3)[0] < 128);
  CHECK(px(4) == std::array<int, 3>{255, 255, 255});
  // Half the scale: halfway to white; beyond the scale: darkened to 75%.
  CHECK(viz::flow_colour(1, 0, 2)[1] == 128);
  CHECK(viz::flow_colour(4, 0, 2)[0] == 191);
  // The legend's centre is white and its right edge red.
  const io::Image legend = viz::flow_legend(65);
  CHECK(legend.rgb.data()[32 * 65 + 32] == 1.0f);
  CHECK(legend.rgb.data()[65 * 65 + 32 * 65 + 63] < 0.1f);  // green channel at the right edge
}

TEST_CASE("inspect --dump: values, their pictures and an index; flow pictures match the values") {
  test::TempDir dir;
  const std::string model = test::source_dir() + "/models/film-default";
  auto r = test::run_command(film_cmd("inspect " + model +
                                      " --dump 'forward_flow_pyramid/0,fusion/l0/warped0,image,"
                                      "encoder0/0/conv0*' --size 96x64 --format json -o " +
                                      (dir / "d")));
  INFO(r.output.substr(0, 3000));
  REQUIRE(r.exit_code == 0);
  const json index = json::parse(r.output);
  const auto values = io::read_safetensors(dir / "d/values.safetensors");
  std::set<std::string> names;
  for (const auto& e : index["values"]) {
    names.insert(e["value"].get<std::string>());
    CHECK(values.has(e["value"].get<std::string>()));
    for (const auto& pic : e["pictures"])
      CHECK(std::filesystem::exists(dir / ("d/" + pic.get<std::string>())));
  }
  CHECK(names.count("forward_flow_pyramid/0"));
  CHECK(names.count("fusion/l0/warped0"));
  CHECK(names.count("image"));
  CHECK(names.count("encoder0/0/conv0/relu"));  // the prefix matched the node and its activation
  // The flow picture is the flow value in the wheel's colours at the scale the index states.
  for (const auto& e : index["values"]) {
    if (e["value"] != "forward_flow_pyramid/0") continue;
    const Tensor& f = values.get("forward_flow_pyramid/0");
    const double scale = e["flow_scale_px"];
    double largest = 0;
    const int64_t plane = f.dim(2) * f.dim(3);
    for (int64_t i = 0; i < plane; ++i)
      largest = std::max(largest, std::hypot(double(f.data()[i]), double(f.data()[plane + i])));
    CHECK(scale == doctest::Approx(largest));
    const io::Image pic = io::read_image(dir / "d/forward_flow_pyramid~0.flow.png");
    REQUIRE(pic.rgb.dim(2) == f.dim(2));
    int mismatches = 0;
    for (int64_t i = 0; i < plane; ++i) {
      const auto c = viz::flow_colour(f.data()[i], f.data()[plane + i], scale);
      for (int k = 0; k < 3; ++k)
        mismatches += std::lround(pic.rgb.data()[k * plane + i] * 255) != c[k];
    }
    CHECK(mismatches == 0);
  }
  // The warped image before fusion is shown as an image too; the index page names every picture.
  CHECK(std::filesystem::exists(dir / "d/fusion~l0~warped0.rgb.png"));
  CHECK(std::filesystem::exists(dir / "d/flow_legend.png"));
  const std::string html = io::read_file(dir / "d/index.html");
  for (const auto& e : index["values"])
    for (const auto& pic : e["pictures"])
      CHECK(html.find(pic.get<std::string>()) != std::string::npos);
  // Not into a folder that holds something, unless --force; a name that matches nothing is named.
  r = test::run_command(
      film_cmd("inspect " + model + " --dump image --size 64x64 -o " + (dir / "d")));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("is not empty") != std::string::npos);
  r = test::run_command(
      film_cmd("inspect " + model + " --dump nosuch --size 64x64 -o " + (dir / "e")));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("'nosuch' names no value or node") != std::string::npos);
}

TEST_CASE("inspect html: one self-contained page") {
  test::TempDir dir;
  const std::string model = test::source_dir() + "/models/film-default";
  auto r = test::run_command(
      film_cmd("inspect " + model + " --size 256x256 --format html -o " + (dir / "p.html")));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string page = io::read_file(dir / "p.html");
  // Nothing to fetch: no external scripts, styles, images or fonts (the SVG namespace is a name).
  for (const char* bad : {"src=\"http", "href=\"http", "<link", "@import", "url(http"})
    CHECK_MESSAGE(page.find(bad) == std::string::npos, bad);
  // The embedded report is the JSON report.
  const std::string open = "<script type=\"application/json\" id=\"report\">";
  const size_t at = page.find(open);
  REQUIRE(at != std::string::npos);
  const size_t end = page.find("</script>", at);
  const json embedded = json::parse(page.substr(at + open.size(), end - at - open.size()));
  CHECK(embedded["nodes"].size() == inspect_json(model + " --size 256x256")["nodes"].size());
}

TEST_CASE(
    "inspect html in headless Chromium: every stage, and a node's details after a click "
    "(needs chromium)" *
    doctest::skip(!have("chromium"))) {
  test::TempDir dir;
  const std::string model = test::source_dir() + "/models/film-default";
  auto r = test::run_command(
      film_cmd("inspect " + model + " --size 256x256 --format html -o " + (dir / "p.html")));
  REQUIRE(r.exit_code == 0);
  // The page's click handler selects through the URL ("#node=NAME"), so loading that URL is the
  // click; --dump-dom prints the document after the script ran.
  const std::string node = "flow_forward/l1/predict/conv0";
  r = test::run_command("chromium --headless --no-sandbox --disable-gpu --dump-dom 'file://" +
                        (dir / "p.html") +
                        "#node=flow_forward%2Fl1%2Fpredict%2Fconv0' 2>/dev/null");
  INFO(r.output.substr(0, 500));
  REQUIRE(r.exit_code == 0);
  const std::string& dom = r.output;
  CHECK(dom.find("data-ready=\"1\"") != std::string::npos);  // the script ran to its end
  for (const char* stage : {"pyramid", "encoder", "flow", "warp", "fusion"})
    CHECK_MESSAGE(dom.find(std::string("id=\"stage-") + stage + "\"") != std::string::npos, stage);
  const size_t details = dom.find("id=\"node-details\" data-node=\"" + node + "\"");
  REQUIRE(details != std::string::npos);
  const std::string panel = dom.substr(details, 3000);
  CHECK(panel.find("conv2d") != std::string::npos);
  CHECK(panel.find("[1, 32, 128, 128]") != std::string::npos);  // its output shape
  CHECK(panel.find("flow_predictor") != std::string::npos);     // its function
  CHECK(panel.find("GMAC") != std::string::npos);
  CHECK(panel.find("arena offset") != std::string::npos);
  // Its function instance was opened, the node marked, and the timeline marks its step.
  CHECK(dom.find("data-instance=\"flow_forward/l1/predict\" open=\"\"") != std::string::npos);
  CHECK(dom.find("class=\"node selected\"") != std::string::npos);
  CHECK(dom.find("id=\"timeline-mark\"") != std::string::npos);
}

TEST_CASE(
    "compare_report names values that turn infinite or NaN on one side (JSON has no number "
    "for them)") {
  auto a = test::port_fixture_model("a");
  auto weights = a->weights;
  for (auto& [name, t] : weights)
    if (t.shape().size() == 4) {  // the first conv kernel overflows float
      t = t.clone();
      for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = 3e38f;
      break;
    }
  auto b = Model::from_parts(a->graph, weights, "overflowing");
  Session sa(with_every_value_as_output(*a), create_backend("ref"));
  Session sb(with_every_value_as_output(*b), create_backend("ref"));
  Tensor x = Tensor::zeros({1, 3, 64, 64});
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 17) / 17;
  const auto c = compare_report(sa, sb, {{"x0", x}, {"x1", x}}, 1e-4);
  REQUIRE(c.contains("first_differing"));
  CHECK(c["first_differing"]["error"].get<std::string>().find("differ by NaN or infinity") !=
        std::string::npos);
  // No NaN or infinity among its numbers (nlohmann would write them as null: checked before
  // dumping, where they would still be there).
  std::function<int(const json&)> not_finite = [&](const json& j) {
    int n = j.is_number_float() && !std::isfinite(j.get<double>());
    if (j.is_structured())
      for (const auto& e : j) n += not_finite(e);
    return n;
  };
  CHECK(not_finite(c) == 0);
  json poisoned = c;  // the check itself sees one
  poisoned["nodes"][0]["max_abs_error"] = std::nan("");
  CHECK(not_finite(poisoned) == 1);
  CHECK(compare_text(c, 5).find("first node beyond the tolerance") != std::string::npos);
}
