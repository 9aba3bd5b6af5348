// The one output rule (graph/base/output_rule.h; docs/cli.md, "What film will never do to your
// files"), as a hostile user tests it: every option of every command that names a file film
// writes — listed from the command line's own definitions (`film help --options`), so a new one
// cannot be missed — is driven, with --force, at the command's inputs, at the model's files and
// at links to each; every such run must fail and leave them byte for byte as they were. The same
// command with a fresh path must succeed (so the refusals come from the rule, not from a command
// line that could not have run).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "models/film/load.h"
#include "tests/test_util.h"

using namespace film;
namespace fs = std::filesystem;

namespace {

// Without the re-execution for OMP_WAIT_POLICY (half of each start-up; 68 runs here).
std::string film_cmd(const std::string& args) {
  return "FILM_NO_REEXEC=1 " + test::film_binary() + " " + args;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ok(const std::string& cmd) {
  const auto r = test::run_command(cmd);
  INFO(cmd << "\n" << r.output);
  REQUIRE(r.exit_code == 0);
}

// The files every command below reads, made once: a small model, two images, a short video, a
// tensor file, FILM options, and a state dict in a folder of its own.
struct Files {
  test::TempDir dir{"film-outputs"};
  std::string model = dir / "model", a = dir / "a.png", b = dir / "b.png", video = dir / "in.mp4",
              tensors = dir / "in.safetensors", options = dir / "options.json", port = dir / "port",
              state = dir / "port/weights.safetensors";

  Files() {
    fs::create_directories(port);
    fs::copy_file(test::fixture("film-port/port-small.config.json"), options);
    fs::copy_file(test::fixture("film-port/port-small-a.weights.safetensors"), state);
    ok(film_cmd("convert --from pytorch-port --config " + options + " " + state + " -o " + model));
    ok("ffmpeg -v error -f lavfi -i testsrc2=s=96x64:r=5 -frames:v 2 -start_number 0 " +
       (dir / "%d.png") + " && mv " + (dir / "0.png") + " " + a + " && mv " + (dir / "1.png") +
       " " + b);
    ok("ffmpeg -v error -f lavfi -i testsrc2=s=64x48:r=4 -t 1 -pix_fmt yuv420p " + video);
    const auto m = model::load_model(model);
    std::vector<std::pair<std::string, Tensor>> in;
    for (const auto& decl : m->graph.inputs)
      in.push_back({decl.name, Tensor::zeros({1, 3, 128, 128})});
    io::write_safetensors(tensors, in);
    fs::create_directories(dir / "links");
  }
};

// How to run the command that owns an output option: its line with {X} where the option's path
// goes, the files it reads (never to be written over), and the extension of a fresh path.
struct Template {
  std::string line, fresh_ext;
  std::vector<std::string> protect;
};

std::map<std::string, Template> templates(const Files& f) {
  const std::string m = "--model " + f.model, mf = f.model + "/weights.safetensors",
                    mg = f.model + "/graph.json";
  const std::string video = "video " + f.video + " --factor 2 " + m;
  const std::string cluster =
      "cluster submit " + f.video + " --factor 2 " + m + " --pieces 2 --dry-run";
  const std::string k8s = "cluster k8s " + f.video + " --factor 2 " + m +
                          " --pieces 2 --image i "
                          "--claim c --mount " +
                          f.dir.path();
  return {
      {"interpolate -o",
       {"interpolate " + f.a + " " + f.b + " " + m + " -o {X}", ".png", {f.a, f.b, mf, mg}}},
      {"video -o", {video + " -o {X}", ".mp4", {f.video, mf, mg}}},
      {"video --progress", {video + " -o {FRESH}.mp4 --progress {X}", ".json", {f.video, mf, mg}}},
      {"cluster submit -o", {cluster + " -o {X}", ".mp4", {f.video, mf, mg}}},
      {"cluster k8s -o", {k8s + " -o {X}", ".mp4", {f.video, mf, mg}}},
      {"cluster k8s -O", {k8s + " -o {FRESH}.mp4 -O {X}", ".json", {f.video, mf, mg}}},
      {"convert --output",
       {"convert --from pytorch-port --config " + f.options + " " + f.state + " -o {X}",
        "",
        {f.state, f.options, f.port}}},
      {"run --outputs",
       {"run " + f.model + " --inputs " + f.tensors + " --outputs {X}",
        ".safetensors",
        {f.tensors, mf, mg}}},
      {"inspect -o", {"inspect " + f.model + " --format json -o {X}", ".json", {mf, mg}}},
      {"graph -o", {"graph --options " + f.options + " -o {X}", ".json", {f.options, mg}}},
  };
}

std::string fill(std::string line, const std::string& x, const std::string& fresh) {
  line = std::regex_replace(line, std::regex("\\{FRESH\\}"), fresh);
  return std::regex_replace(line, std::regex("\\{X\\}"), x);
}

// Every option that takes a value, from `film help --options`.
std::vector<nlohmann::json> listed_options() {
  const auto r = test::run_command(film_cmd("help --options"));
  REQUIRE(r.exit_code == 0);
  std::vector<nlohmann::json> out;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  REQUIRE(out.size() > 50);
  return out;
}

}  // namespace

TEST_CASE("every output option of every command refuses inputs, model files and links to them") {
  Files f;
  const auto known = templates(f);
  std::set<std::string> outputs;
  for (const auto& o : listed_options()) {
    const std::string name = o["command"].get<std::string>() + " " + o["option"].get<std::string>();
    if (o["group"] == "Output" && o["value"]) {
      outputs.insert(name);
      CHECK_MESSAGE(known.count(name), "a new output option without a case here: " << name);
    } else if (o["value"]) {
      // An option outside "Output" that says it writes would escape this test: only --dump, whose
      // value is a list of names (its folder is -o).
      const std::string d = o["description"];
      if (std::regex_search(d, std::regex("\\bwrit")))
        CHECK_MESSAGE(name == "inspect --dump", name << " says it writes but is not in Output");
    }
  }
  CHECK(outputs.size() == known.size());
  int refused = 0, link = 0;
  for (const auto& [name, t] : known) {
    CAPTURE(name);
    // The line runs with a path nobody has: the command works as written.
    ok(film_cmd(fill(t.line, f.dir / ("fresh-" + std::to_string(refused) + t.fresh_ext),
                     f.dir / ("other-" + std::to_string(refused)))));
    std::map<std::string, std::string> before;
    for (const auto& p : t.protect)
      if (fs::is_regular_file(p)) before[p] = contents(p);
    std::vector<std::string> targets;
    for (const auto& p : t.protect) {
      targets.push_back(p);
      const std::string l = f.dir / ("links/" + std::to_string(link++) + t.fresh_ext);
      fs::create_symlink(p, l);
      targets.push_back(l);
    }
    for (const auto& target : targets) {
      const std::string cmd = film_cmd(
          fill(t.line, target, f.dir / ("other-" + std::to_string(++refused))) + " --force");
      const auto r = test::run_command(cmd);
      INFO(cmd << "\n" << r.output);
      CHECK(r.exit_code != 0);
      CHECK(r.output.find(target) != std::string::npos);  // the error names the path
      for (const auto& [p, bytes] : before) CHECK_MESSAGE(contents(p) == bytes, p << " changed");
    }
  }
  CHECK(refused >= 50);
}

TEST_CASE(
    "frames, work folders and globs: nothing written into an input folder or removed with it") {
  Files f;
  const std::string seq = f.dir / "seq";
  fs::create_directories(seq);
  fs::copy_file(f.a, seq + "/a.png");
  fs::copy_file(f.b, seq + "/b.png");
  const std::string m = " --model " + f.model + " --factor 2 --force";
  auto refused = [&](const std::string& args, const std::string& why) {
    const auto r = test::run_command(film_cmd(args));
    INFO(args << "\n" << r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find(why) != std::string::npos);
    CHECK(fs::exists(seq + "/a.png"));
    CHECK(fs::exists(seq + "/b.png"));
  };
  refused("video " + seq + m + " -o " + seq + "/x.mp4", "into the input folder");
  refused("video '" + seq + "/*.png'" + m + " -o '" + seq + "/%03d.png'", "into the input folder");
  // --dump's folder: pictures named after values would land beside (or over) the input photos.
  refused("inspect " + f.model + " --dump all --images " + seq + "/a.png," + seq + "/b.png -o " +
              seq + " --force",
          "refusing to write --dump's files into it: it holds the input");
  refused("interpolate " + seq + "/a.png " + seq + "/b.png --model " + f.model +
              " --frames 3 --force -o " + f.model,
          "into the model folder");
  // The input folder given as the run's own work folder: --force would have removed it.
  const std::string work = f.dir / "x.mp4.film-work";
  fs::rename(seq, work);
  const auto r = test::run_command(film_cmd("video " + work + m + " -o " + (f.dir / "x.mp4")));
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("refusing to remove it") != std::string::npos);
  CHECK(fs::exists(work + "/a.png"));
  // A glob's output beside it, outside its folder, works.
  fs::rename(work, seq);
  ok(film_cmd("video '" + seq + "/*.png'" + m + " -o " + (f.dir / "frames_%03d.png")));
  CHECK(fs::exists(f.dir / "frames_000.png"));
}

TEST_CASE("an output that appears while the command runs is not replaced without --force") {
  test::TempDir dir;
  const std::string out = dir / "out.json", input = dir / "in.json";
  io::write_file_atomic(input, "input");
  {
    io::OutputRule rule;
    rule.protect(input, "input");
    rule.claim(out, false);                 // nothing there yet
    std::ofstream(out) << "another run's";  // another process writes it meanwhile
    // This run's write, when it finishes: refused, and the other run's file kept.
    const std::string why = test::error_of([&] { io::write_file_atomic(out, "mine"); });
    CHECK(why.find("appeared while this command ran") != std::string::npos);
    CHECK(contents(out) == "another run's");
    // Refused at the last step too, not only when claimed: the input, and a link to it.
    fs::create_symlink(input, dir / "link");
    CHECK(test::error_of([&] {
            io::write_file_atomic(dir / "link", "x");
          }).find("over the input") != std::string::npos);
    CHECK(test::error_of([&] { io::write_file_atomic(input, "x"); }).find("over the input") !=
          std::string::npos);
    CHECK(contents(input) == "input");
    // No partial file is left behind by the refused writes.
    int partials = 0;
    for (const auto& e : fs::directory_iterator(dir.path()))
      partials += e.path().filename().string().find("film-partial") != std::string::npos;
    CHECK(partials == 0);
  }
  {
    io::OutputRule rule;  // with --force the same output is replaced, and is its own after that
    rule.claim(out, true);
    io::write_file_atomic(out, "mine");
    CHECK(contents(out) == "mine");
  }
  // The rule ends with the operation: the input is an ordinary file again.
  io::write_file_atomic(input, "new");
  CHECK(contents(input) == "new");
}
