// The subcommands of the `film` tool and a small argument parser shared by them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/app/memory_budget.h"
#include "graph/error.h"

namespace film {
class FrameInterpolator;
}

namespace film::cli {

// A command line the tool cannot read (unknown option, missing or malformed value): exit code 2,
// where other errors (bad input files, failed runs) exit 1.
class UsageError : public Error {
 public:
  using Error::Error;
};
template <class... A>
[[noreturn]] void usage_fail(A&&... args) {
  throw UsageError(cat(std::forward<A>(args)...));
}

// The program's version (CMake's project version and the git commit it was built from).
const char* version();

struct Command {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>&)> run;
};

// All subcommands, in the order `film --help` lists them (defined in commands.cpp).
const std::vector<Command>& commands();

// Parses `--flag value`, `--flag=value`, boolean `--flag` and positionals; `--` ends the options
// (what follows is positional even if it starts with '-'), and `-h` means `--help`. Options not
// declared are a UsageError naming the option, so typos never pass silently.
class Args {
 public:
  // `valued`: options taking a value; `flags`: boolean options.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& valued,
       const std::vector<std::string>& flags, const char* command);
  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& def) const;
  std::string require(const std::string& name) const;
  // An integer in [min, max]; a UsageError naming the option and the range otherwise.
  int get_int(const std::string& name, int def, int min, int max) const;
  // A number in [min, max] (parse_real), `def` when the option is absent.
  double get_real(const std::string& name, double def, double min, double max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const char* command_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> flags_;
  std::vector<std::string> positional_;
};

// A number in [min, max] written whole ("0.25", "1e-4"; nothing after it); a UsageError naming
// `what` and the range otherwise.
double parse_real(const std::string& text, const std::string& what, double min, double max);

// A frame size as users write it, WIDTHxHEIGHT ("1280x720", as video tools do), or a name: 480p,
// 720p, 1080p, 1440p, 2160p/4k. Returns {height, width}; a UsageError naming `option` otherwise.
std::pair<int64_t, int64_t> parse_size(const std::string& text, const char* option);
// --padding replicate|zeros (FrameInterpolator's Padding).
int parse_padding(const std::string& text);  // 0 replicate, 1 zeros
// The backend the options name: --backend (default: default_backend()), with --device N
// choosing the Vulkan device ("vulkan:N") and --precision fp16 its half-float storage
// ("vulkan[:N]:fp16"); a UsageError with another backend.
std::string backend_option(const Args& a);
// "WIDTHxHEIGHT" for messages.
std::string size_str(int64_t height, int64_t width);

// --max-memory SIZE, else what the machine or its cgroup has available (`source` says which); a
// UsageError for a malformed size.
MemoryBudget max_memory_option(const Args& a);

// Before the first frame: gives `f` the budget less `frames` frames held beside its plan (the
// recursion's path, queues), so that a frame too large for it runs as overlapping tiles (and says
// so on stderr); film::Error saying how much it needs when not even tiles fit. The weights are
// loaded already and not counted again.
void check_frame_memory(FrameInterpolator& f, int64_t h, int64_t w, size_t frames,
                        const MemoryBudget& budget);

}  // namespace film::cli
