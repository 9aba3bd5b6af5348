// Where the bundled default model lives, for commands whose --model is optional.
#pragma once

#include <string>

namespace film {

// --model if given; else $FILM_MODEL; else the bundled models/film-default (next to the source
// tree the binary was built from, or installed beside the binary). Throws when none exists.
std::string resolve_model_dir(const std::string& given);

}  // namespace film
