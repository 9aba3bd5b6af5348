// Training tools outside the network itself.
// tools/train/remote_collect.sh: a checkpoint mirrored back from a lent machine in pieces is joined
// only when its sha256 matches, under the recorded name, and never over an existing file.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

TEST_CASE("remote_collect joins mirrored checkpoint pieces only when the sha256 matches") {
  test::TempDir dir;
  const std::string script = "bash " + test::source_dir() + "/tools/train/remote_collect.sh ";
  const std::string m = dir / "mirror";
  std::string whole;
  for (int i = 0; i < 3000; ++i) whole += std::to_string(i * 7919 % 104729) + ",";
  REQUIRE(test::run_command("mkdir -p " + m).exit_code == 0);
  io::write_file_atomic(m + "/ckpt.pt.part00", whole.substr(0, 5000));
  io::write_file_atomic(m + "/ckpt.pt.part01", whole.substr(5000));
  io::write_file_atomic(m + "/log.jsonl", "{\"kind\": \"train\", \"step\": 42}\n");
  io::write_file_atomic(dir / "whole", whole);
  auto r = test::run_command("cd " + dir.path() +
                             " && sha256sum whole | sed 's/whole/ckpt-00000042.pt/' > " + m +
                             "/ckpt.sha256");
  REQUIRE(r.exit_code == 0);

  r = test::run_command(script + m + " " + (dir / "run"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(io::read_file(dir / "run/ckpt-00000042.pt") == whole);
  CHECK(io::read_file(dir / "run/log.jsonl").find("\"step\": 42") != std::string::npos);

  // Never over an existing checkpoint.
  r = test::run_command(script + m + " " + (dir / "run"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("exists; not overwriting") != std::string::npos);

  // A damaged piece: refused, naming both hashes, and nothing left behind.
  io::write_file_atomic(m + "/ckpt.pt.part01", whole.substr(5000) + "x");
  r = test::run_command(script + m + " " + (dir / "run2"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("hash to") != std::string::npos);
  CHECK(test::run_command("test -z \"$(ls -A " + (dir / "run2") + ")\"").exit_code == 0);

  // Usage and a mirror without a checkpoint.
  CHECK(test::run_command(script + m).exit_code == 2);
  r = test::run_command(script + (dir / "empty") + " " + (dir / "run3"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("ckpt.sha256 is missing") != std::string::npos);
}

// tools/train/classical_baseline.py measures the classical flow warp with its own PSNR code: that
// code must agree with film eval's, checked on the averaging baseline both compute; and film
// eval's own flow-warp row (C++, the same OpenCV DIS flow) must agree with the script's.
TEST_CASE("classical_baseline.py's PSNR agrees with film eval's (needs python3-opencv)" *
          doctest::skip(!test::python_has("cv2"))) {
  test::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir / "data");
  for (const char* c : {"1", "2571"})
    fs::copy(test::eval_data("ucf101-dev") + "/" + c, dir / ("data/" + std::string(c)),
             fs::copy_options::recursive);
  auto r = test::run_command("/usr/bin/python3 " + test::source_dir() +
                             "/tools/train/classical_baseline.py " + (dir / "data") +
                             " --flow dis --json " + (dir / "classical.json"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto classical = nlohmann::json::parse(io::read_file(dir / "classical.json"));
  r = test::run_command(test::film_binary() + " eval " + test::source_dir() +
                        "/models/film-default " + (dir / "data") + " --json");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto eval = nlohmann::json::parse(r.output);
  REQUIRE(eval["methods"][2]["name"] == "average");
  REQUIRE(classical["cases"].size() == 2);
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(classical["cases"][i]["name"] == eval["methods"][2]["cases"][i]["name"]);
    CHECK(classical["cases"][i]["average"].get<double>() ==
          doctest::Approx(eval["methods"][2]["cases"][i]["psnr"].get<double>()).epsilon(1e-9));
    REQUIRE(eval["methods"][3]["name"] == "flow-warp");
    CHECK(std::abs(classical["cases"][i]["flow_warp"].get<double>() -
                   eval["methods"][3]["cases"][i]["psnr"].get<double>()) < 0.01);
  }
  // Case 2571 has fast motion: a flow warp must beat averaging there.
  CHECK(classical["cases"][1]["flow_warp"].get<double>() >
        classical["cases"][1]["average"].get<double>() + 1);
}

// tools/train/check_port_fixtures.py proves that the training network is FILM: it runs the
// independent port's random weights through film_torch and compares every output with the port's.
TEST_CASE(
    "check_port_fixtures.py: film_torch reproduces the port's golden outputs (needs "
    "python3-torch)" *
    doctest::skip(!test::python_has("torch"))) {
  auto r = test::run_command("/usr/bin/python3 " + test::source_dir() +
                             "/tools/train/check_port_fixtures.py");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("[a] OK") != std::string::npos);
  CHECK(r.output.find("[b] OK") != std::string::npos);
}

// tools/train/distill.py: the teacher flows follow FILM's conventions (a known shift gives the
// flows FILM would need, at full confidence), and a training run with --distill uses them.
TEST_CASE(
    "distill.py: teacher flows of a known shift, and training with --distill (needs "
    "python3-torch and python3-opencv)" *
    doctest::skip(!test::python_has("torch") || !test::python_has("cv2"))) {
  test::TempDir dir;
  const std::string train = test::source_dir() + "/tools/train";
  // x0, the middle (moved 3 px right, 1 down) and x1 (6 and 2) of a smooth texture.
  io::write_file_atomic(dir / "teacher.py", R"(import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, distill
h, w = 96, 128
yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
def tex(dx, dy):
    u, v = xx - dx, yy - dy
    return np.stack([0.5 + 0.2 * np.sin(0.31 * u + 0.7 * c) * np.cos(0.23 * v)
                     + 0.15 * np.sin(0.11 * u * (c + 1) + 0.17 * v) for c in range(3)], -1)
f, c = distill.teacher(np.stack([tex(0, 0), tex(3, 1), tex(6, 2)]))
inner = (slice(16, -16), slice(16, -16))
print(" ".join("%.3f" % np.median(f[i, k][inner]) for i in range(2) for k in range(2)),
      "%.3f" % np.median(c[:, 0][:, 16:-16, 16:-16]))
)");
  auto r = test::run_command("/usr/bin/python3 " + (dir / "teacher.py") + " " + train);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::istringstream s(r.output);
  double bx = 0, by = 0, fx = 0, fy = 0, conf = 0;
  s >> bx >> by >> fx >> fy >> conf;
  // Backward flow: 0.5 * b points from the middle to x0 (-3, -1); forward: to x1 (3, 1).
  CHECK(bx == doctest::Approx(-6).epsilon(0.05));
  CHECK(by == doctest::Approx(-2).epsilon(0.1));
  CHECK(fx == doctest::Approx(6).epsilon(0.05));
  CHECK(fy == doctest::Approx(2).epsilon(0.1));
  CHECK(conf > 0.8);

  io::write_file_atomic(
      dir / "tiny.json",
      R"({"pyramid_levels": 7, "fusion_pyramid_levels": 5, "specialized_levels": 3, "sub_levels": 4,
          "filters": 4, "flow_convs": [2, 2, 2, 2], "flow_filters": [4, 4, 8, 8]})");
  r = test::run_command("/usr/bin/python3 " + train + "/train.py --run " + (dir / "run") +
                        " --options " + (dir / "tiny.json") +
                        " --steps 2 --batch 1 --crop 64 --val-every 1000000 --log-every 1 "
                        "--threads 1 --distill 0.01 --distill-steps 100");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find(" distill ") != std::string::npos);
  CHECK(io::read_file(dir / "run/log.jsonl").find("\"distill\"") != std::string::npos);
}
