#include "tools/cli/convert_savedmodel.h"

#include <filesystem>

#include "graph/base/error.h"
#include "models/import/import_savedmodel.h"

namespace film::cli {

std::vector<std::pair<std::string, Tensor>> import_savedmodel_for_cli(const std::string& dir_in,
                                                                      int pyramid_levels,
                                                                      model::FilmOptions& options) {
  namespace fs = std::filesystem;
  // Accept the released layout's parent folder (Style/) as well as Style/saved_model/ itself.
  std::string dir = dir_in;
  if (!fs::exists(fs::path(dir) / "saved_model.pb") &&
      fs::exists(fs::path(dir) / "saved_model" / "saved_model.pb"))
    dir = (fs::path(dir) / "saved_model").string();
  if (!fs::exists(fs::path(dir) / "saved_model.pb"))
    fail(dir_in,
         ": not a TensorFlow SavedModel folder (no saved_model.pb in it or in saved_model/)");
  options = model::infer_film_shape(model::savedmodel_shapes(dir), pyramid_levels);
  options.check(dir_in + " (options inferred from the weights)");
  return model::import_film_savedmodel(dir);
}

}  // namespace film::cli
