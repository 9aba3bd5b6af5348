// JSON text read with bounds: every JSON file the program reads (graphs, FILM options, run
// settings, cluster state, frame-time lists) comes through here, so a hostile or broken file
// gets a clear error naming it and the limit, never a stack overflow or an unbounded read.
//   - at most kMaxJsonBytes of text (read_json; a device is refused, a pipe read to the bound);
//   - nesting at most kMaxJsonDepth arrays/objects deep (the graph format needs 7);
//   - syntax errors with their line and column.
// Usage: nlohmann::json j = film::graph::read_json("model/graph.json", "a graph");
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace film::graph {

constexpr std::uint64_t kMaxJsonBytes = std::uint64_t{64} << 20;  // 64 MiB
constexpr int kMaxJsonDepth = 64;

// `text` parsed; errors name `path`. `what` says what the file is ("a graph"). Json is
// nlohmann::json (keys sorted) or nlohmann::ordered_json (keys in the file's order).
template <class Json = nlohmann::json>
Json parse_json(std::string_view text, const std::string& path);
template <class Json = nlohmann::json>
Json read_json(const std::string& path, const char* what = "a JSON file");

// "line L, column C" of byte offset `byte` in `text`.
std::string line_col(std::string_view text, size_t byte);

}  // namespace film::graph
