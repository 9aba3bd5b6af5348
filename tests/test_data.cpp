// The repository holds every file its tests and docs read (tests/data/, data/), each with its
// provenance; and the test runner fails a run that executes no test.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tools/eval/eval.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;
namespace fs = std::filesystem;

namespace {

// The relative paths that the SHA256SUMS file in `root` lists.
std::set<std::string> listed_files(const std::string& root) {
  std::set<std::string> out;
  std::istringstream in(io::read_file(root + "/SHA256SUMS"));
  std::string hash, path;
  while (in >> hash >> path) out.insert(path);
  return out;
}

// Every byte of the files a SHA256SUMS lists is as recorded, and every file under `folders` (but
// the READMEs that give their provenance) is listed: no external file without a record of where it
// came from.
void check_manifest(const std::string& root, const std::vector<std::string>& folders) {
  auto r = test::run_command("cd '" + root + "' && sha256sum --quiet --strict -c SHA256SUMS");
  INFO(root, ": ", r.output);
  CHECK(r.exit_code == 0);
  const auto listed = listed_files(root);
  size_t found = 0;
  for (const auto& folder : folders) {
    REQUIRE_MESSAGE(fs::is_regular_file(root + "/" + folder + "/README.md"), root, "/", folder,
                    " has no README.md");
    for (const auto& e : fs::recursive_directory_iterator(root + "/" + folder)) {
      if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
      const std::string rel = fs::relative(e.path(), root).string();
      CAPTURE(rel);
      CHECK_MESSAGE(listed.count(rel) == 1, rel, " is not in ", root, "/SHA256SUMS");
      ++found;
    }
  }
  CHECK(found == listed.size());
}

}  // namespace

TEST_CASE(
    "the external fixtures in tests/data are byte for byte the recorded ones, each with a README") {
  check_manifest(test::source_dir() + "/tests/data",
                 {"film-port", "film-official-output", "film-savedmodel", "tf-checkpoints"});
}

TEST_CASE("the evaluation sets in data/ are byte for byte the recorded ones, each with a README") {
  check_manifest(test::source_dir() + "/data", {"ucf101-dev", "sintel-dev", "video-content"});
  CHECK(list_triplets(test::eval_data("ucf101-dev")).size() == 95);
  CHECK(list_triplets(test::eval_data("sintel-dev")).size() == 8);
  CHECK(list_triplets(test::eval_data("video-content")).size() == 21);
}

// tests/main.cpp: a filter that matches nothing (or a build with no tests) must not pass as green.
TEST_CASE("the test runner fails a run that executes no test case") {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  auto r = test::run_command("'" + self + "' -tc='no test case is called this'");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("no test case ran") != std::string::npos);
  // Listing runs no test either, and is not a failure.
  r = test::run_command("'" + self + "' --list-test-cases");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("the test runner fails a run that executes no test case") !=
        std::string::npos);
}
