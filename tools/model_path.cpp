#include "tools/model_path.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "graph/error.h"

#ifndef FILM_SOURCE_DIR_FOR_MODELS
#define FILM_SOURCE_DIR_FOR_MODELS ""
#endif

namespace film::cli {

std::string resolve_model_dir(const std::string& given) {
  namespace fs = std::filesystem;
  if (!given.empty()) return given;
  if (const char* env = std::getenv("FILM_MODEL"); env && *env) return env;
  std::vector<fs::path> candidates;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "../models/film-default");
    candidates.push_back(exe.parent_path() / "../share/film/models/film-default");
  }
  if (*FILM_SOURCE_DIR_FOR_MODELS)
    candidates.push_back(fs::path(FILM_SOURCE_DIR_FOR_MODELS) / "models/film-default");
  for (auto& c : candidates)
    if (fs::exists(c / "graph.json", ec)) return fs::weakly_canonical(c, ec).string();
  fail(
      "no model given and no bundled default model found (looked for models/film-default); "
      "pass --model MODEL_DIR (make one with 'film convert') or set FILM_MODEL");
}

}  // namespace film::cli
