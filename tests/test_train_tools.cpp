// tools/train/remote_collect.sh: a checkpoint mirrored back from a lent machine in pieces is joined
// only when its sha256 matches, under the recorded name, and never over an existing file.
#include <doctest/doctest.h>

#include <string>

#include "engine/io/file.h"
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
