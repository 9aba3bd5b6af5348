// Glue between `film convert --from savedmodel` and the SavedModel importer.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "models/film/options.h"

namespace film::cli {

// Reads the SavedModel folder, returns engine-named weights and fills `options` from their shapes.
std::vector<std::pair<std::string, Tensor>> import_savedmodel_for_cli(const std::string& dir, int pyramid_levels,
                                                                      model::FilmOptions& options);

}  // namespace film::cli
