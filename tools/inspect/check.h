// `film inspect --check`: every problem of a graph file (and, for a model folder, of its weights),
// each with its JSON pointer and line in the file, instead of the first one only.
// Usage:
//   nlohmann::ordered_json problems = film::check_graph_file("model");   // [] when valid
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace film {

// `path`: a model folder or a graph.json. Each problem: {"message", "pointer"?, "line"?}.
nlohmann::ordered_json check_graph_file(const std::string& path);
// The problems as text: "PATH: valid", or "PATH: N problems" and one line each.
std::string check_text(const std::string& path, const nlohmann::ordered_json& problems);

}  // namespace film
