// Rules of the repository that a build does not check by itself.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;
namespace fs = std::filesystem;

TEST_CASE("no function in tools/ is over 80 lines (and the checker finds one that is)" *
          doctest::skip(!test::python_has(""))) {
  const std::string checker = test::source_dir() + "/tools/check_function_length.py";
  std::string files;
  for (const auto& e : fs::recursive_directory_iterator(test::source_dir() + "/tools")) {
    const std::string p = e.path().string();
    if (p.find("/tools/train/") == std::string::npos &&
        (p.ends_with(".cpp") || p.ends_with(".h")))
      files += " '" + p + "'";
  }
  auto r = test::run_command("/usr/bin/python3 '" + checker + "' 80" + files);
  INFO(r.output);
  CHECK(r.exit_code == 0);
  test::TempDir dir;
  std::string body = "int long_one(int x) {\n";
  for (int i = 0; i < 85; ++i) body += "  x += " + std::to_string(i) + ";\n";
  io::write_file_atomic(dir / "long.cpp", body + "  return x;\n}\n");
  r = test::run_command("/usr/bin/python3 '" + checker + "' 80 '" + (dir / "long.cpp") + "'");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("long_one: 88 lines") != std::string::npos);
}

// The runner's own rule (tests/main.cpp): cases that cannot run here are reported as skipped
// (ctest's SKIP_RETURN_CODE 77), never as passed; a filter that chooses no case fails.
TEST_CASE("runner probe: a case that is always skipped" * doctest::skip(true)) {
  FAIL("a skipped case ran");
}

TEST_CASE("the test runner reports an all-skipped choice as skipped and an empty one as failed") {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  auto r = test::run_command("'" + self + "' '-tc=runner probe: a case that is always skipped'");
  INFO(r.output);
  CHECK(r.exit_code == 77);
  CHECK(r.output.find("every chosen test case was skipped") != std::string::npos);
  r = test::run_command("'" + self + "' '-tc=no case has this name'");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("every case filtered out") != std::string::npos);
}
