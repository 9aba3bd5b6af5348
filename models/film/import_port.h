// Weight import from the public PyTorch port of FILM (state-dict keys such as
// extract.extract_sublevels.convs.0.0.0.weight; OIHW kernels already). See docs/FILM.md for the
// port's reversed level order.
// Usage:
//   auto sd = film::io::read_safetensors("port.safetensors");
//   auto weights = film::model::import_pytorch_port(sd, options);   // engine names
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/io/safetensors.h"
#include "models/film/options.h"

namespace film::model {

// The engine name for a port key; throws film::Error naming the key if it is not a FILM weight
// for these options.
std::string port_key_to_engine(const std::string& key, const FilmOptions& o);

std::vector<std::pair<std::string, Tensor>> import_pytorch_port(const io::SafetensorsFile& state_dict,
                                                                const FilmOptions& o);

}  // namespace film::model
