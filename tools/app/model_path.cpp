#include "tools/app/model_path.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "graph/base/error.h"

#ifndef FILM_SOURCE_DIR_FOR_MODELS
#define FILM_SOURCE_DIR_FOR_MODELS ""
#endif
#ifndef FILM_BUILD_DIR
#define FILM_BUILD_DIR ""
#endif

namespace film {

namespace {

// The folder of the file this code was loaded from: libfilm.so, or a program linking the layers
// statically. Empty when the system cannot say.
std::filesystem::path own_folder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&own_folder), &info) && info.dli_fname &&
      *info.dli_fname) {
    std::error_code ec;
    const auto p = std::filesystem::canonical(info.dli_fname, ec);
    if (!ec) return p.parent_path();
  }
  return {};
}

}  // namespace

std::string resolve_model_dir(const std::string& given) {
  namespace fs = std::filesystem;
  if (!given.empty()) return given;
  if (const char* env = std::getenv("FILM_MODEL"); env && *env) return env;
  // Installed (PREFIX/lib/libfilm.so and PREFIX/share/film/models), then beside the program;
  // the source tree only for the library of the build tree itself, so that an installed copy
  // never depends on the sources it was built from.
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path lib = own_folder();
  if (!lib.empty()) candidates.push_back(lib / "../share/film/models/film-default");
  if (const fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec)
    candidates.push_back(exe.parent_path() / "../share/film/models/film-default");
  if (*FILM_SOURCE_DIR_FOR_MODELS && *FILM_BUILD_DIR && !lib.empty() &&
      fs::equivalent(lib, FILM_BUILD_DIR, ec))
    candidates.push_back(fs::path(FILM_SOURCE_DIR_FOR_MODELS) / "models/film-default");
  for (auto& c : candidates)
    if (fs::exists(c / "graph.json", ec)) return fs::weakly_canonical(c, ec).string();
  fail(
      "no model given and no bundled default model found (looked for models/film-default); "
      "pass --model MODEL_DIR (make one with 'film convert') or set FILM_MODEL");
}

}  // namespace film
