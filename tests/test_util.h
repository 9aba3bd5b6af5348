// Shared helpers for the test suite: where the fixtures are, temporary folders, running the CLI.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/model.h"
#include "graph/base/error.h"

namespace film::test {

inline std::string source_dir() { return FILM_SOURCE_DIR; }
// A test fixture from outside the project, kept in tests/data/ (provenance in
// tests/data/README.md).
inline std::string fixture(const std::string& rel) { return source_dir() + "/tests/data/" + rel; }
// An evaluation set of triplet folders, kept in data/ ("ucf101-dev", "sintel-dev"; data/README.md).
inline std::string eval_data(const std::string& set) { return source_dir() + "/data/" + set; }
inline std::string film_binary() { return FILM_BINARY; }

// A fresh empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "film-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (tag + "-XXXXXX")).string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// The message of the film::Error that `f` throws, or "" when it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The largest |a - b| over all elements (the shapes must match: a failed REQUIRE otherwise).
double max_abs_diff(const Tensor& a, const Tensor& b);

// The FILM-port fixture model `name` ("a" or "b"): tests/data/film-port weights imported
// onto the FILM graph built from port-small.config.json.
std::shared_ptr<const Model> port_fixture_model(const std::string& name);

// Runs a shell command line, capturing its output.
CommandResult run_command(const std::string& cmdline);

// Frame `index` of a video (or an image) as rgb24 bytes, decoded by FFmpeg, converted to RGB
// with the swscale flags film uses (bicubic, accurate rounding, full chroma interpolation).
std::string frame_bytes(const std::string& path, int index);

// Whether create_backend(name) can work here; for doctest::skip(!backend_available("cpu")).
bool backend_available(const std::string& name);

// Whether Debian's /usr/bin/python3 runs here and imports `module` ("" for none: Python alone);
// for doctest::skip(!python_has("torch")).
bool python_has(const std::string& module);

// Runs `f` with the environment variable `name` set to `value`, restoring it afterwards.
template <class F>
void with_env(const char* name, const char* value, F&& f) {
  const char* old = std::getenv(name);
  const std::string saved = old ? old : "";
  setenv(name, value, 1);
  try {
    f();
  } catch (...) {
    old ? setenv(name, saved.c_str(), 1) : unsetenv(name);
    throw;
  }
  old ? setenv(name, saved.c_str(), 1) : unsetenv(name);
}

}  // namespace film::test
