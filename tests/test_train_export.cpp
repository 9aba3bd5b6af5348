// The training network and the engine are the same network: a model trained (briefly) by
// tools/train and exported is converted with `film convert --from pytorch-port` and must
// reproduce PyTorch's output on the exported sample to 1e-4.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

TEST_CASE(
    "train -> export -> film convert -> film run reproduces PyTorch's output (needs "
    "python3-torch)" *
    doctest::skip(!test::python_has("torch"))) {
  test::TempDir dir;
  const std::string py = "/usr/bin/python3 " + test::source_dir() + "/tools/train/";
  // Small options the trainer supports (specialized_levels == sub_levels - 1 == fusion levels - 2).
  io::write_file_atomic(
      dir / "tiny.json",
      R"({"pyramid_levels": 7, "fusion_pyramid_levels": 5, "specialized_levels": 3, "sub_levels": 4,
                            "filters": 4, "flow_convs": [2, 2, 2, 2], "flow_filters": [4, 4, 8, 8]})");
  auto r = test::run_command(py + "train.py --run " + (dir / "run") + " --options " +
                             (dir / "tiny.json") +
                             " --steps 3 --batch 1 --crop 64 --val-every 1000000 --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  r = test::run_command(py + "export.py " + (dir / "run") + " -o " + (dir / "export"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string film = test::film_binary();
  r = test::run_command(film + " convert --from pytorch-port --config " +
                        (dir / "export/options.json") + " " + (dir / "export/weights.safetensors") +
                        " -o " + (dir / "model"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  r = test::run_command(film + " run " + (dir / "model") + " --inputs " +
                        (dir / "export/sample.safetensors") + " --outputs " +
                        (dir / "out.safetensors"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto torch_out = io::read_safetensors(dir / "export/sample.safetensors");
  auto engine_out = io::read_safetensors(dir / "out.safetensors");
  const Tensor &a = torch_out.get("image"), &b = engine_out.get("image");
  REQUIRE(a.shape() == b.shape());
  double err = 0, mean_abs = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    err = std::max(err, double(std::abs(a.data()[i] - b.data()[i])));
    mean_abs += std::abs(a.data()[i]) / a.size();
  }
  MESSAGE("engine vs PyTorch on the exported sample: max abs error " << err);
  CHECK(mean_abs > 1e-3);  // a real image, not zeros
  CHECK(err <= 1e-4);

  // The way back: a new run started from the converted model directory (train.py --init MODEL_DIR;
  // lr 0, so its one step changes nothing) exports the very same weights under the same keys.
  r = test::run_command(py + "train.py --run " + (dir / "again") + " --init " + (dir / "model") +
                        " --options " + (dir / "tiny.json") +
                        " --steps 1 --lr 0 --batch 1 --crop 64 --val-every 1000000 --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  r = test::run_command(py + "export.py " + (dir / "again") + " -o " + (dir / "export-again"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto first = io::read_safetensors(dir / "export/weights.safetensors");
  auto second = io::read_safetensors(dir / "export-again/weights.safetensors");
  REQUIRE(first.order == second.order);
  for (auto& key : first.order) {
    CAPTURE(key);
    const Tensor &x = first.get(key), &y = second.get(key);
    REQUIRE(x.shape() == y.shape());
    CHECK(std::memcmp(x.data(), y.data(), sizeof(float) * x.size()) == 0);
  }
  // A model directory with other options is refused, naming it.
  r = test::run_command(py + "train.py --run " + (dir / "wrong") + " --init " + test::source_dir() +
                        "/models/film-default --options " + (dir / "tiny.json") +
                        " --steps 1 --threads 1");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("film-default: its FILM options differ") != std::string::npos);
}
