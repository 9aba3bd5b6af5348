// The `film` program's command line, on CLI11: every option is defined once, here or in its
// command's file, with its range or choices, and `film help CMD` is generated from the
// definitions. Option groups that several commands take (the model, the backend, memory, output
// safety, film video's options) are defined once below and attached to each command that takes
// them. Each command's file (cmd_*.cpp) defines its options and returns the function that runs it
// once the line is parsed; the commands themselves are thin callers of the libraries (film/*.h,
// tools/app, tools/inspect, tools/eval).
//
// Exit status: 0 done, 1 an error (film::Error: bad input, failed run), 2 a usage error (CLI11's
// parse errors and film::UsageError), 3 an internal error.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "film/interpolator.h"
#include "film/retime.h"

namespace film::cli {

using Runner = std::function<int()>;

struct Command {
  const char* name;
  const char* summary;
  // Adds the command's options to `sub` (bound to the command's own state) and returns what runs
  // it once the command line is parsed.
  Runner (*setup)(CLI::App& sub);
};

// Every command, in the order `film --help` lists them (commands.cpp).
const std::vector<Command>& commands();

// The option groups, each defined once.
void model_option(CLI::App& app, std::string& model);         // --model DIR
void backend_options(CLI::App& app, InterpolatorOptions& o);  // --backend --device --precision
                                                              // --threads
void padding_option(CLI::App& app, Padding& padding);         // --padding
void tta_option(CLI::App& app, int& tta);                     // --tta
void memory_option(CLI::App& app, std::uint64_t& bytes);      // --max-memory
void force_option(CLI::App& app, bool& force);                // --force
// Every option of film video that a piece of a run takes (film cluster passes them on).
void retime_options(CLI::App& app, RetimeOptions& o);

// Values as users write them; film::UsageError naming `option` otherwise.
// A rate: 60, 59.94 (60000/1001), 60000/1001.
// WIDTHxHEIGHT or 480p ... 2160p/4k; {height, width}.
std::pair<int64_t, int64_t> parse_size(const std::string& text, const std::string& option);
// 512M, 4G, 1.5G, 800000000 (bytes).
std::uint64_t parse_bytes(const std::string& text, const std::string& option);
// I/N with 0 <= I < N.
std::pair<int, int> parse_segment(const std::string& text);

// Whether standard error is a terminal (progress lines go there only then).
bool stderr_is_terminal();

}  // namespace film::cli
