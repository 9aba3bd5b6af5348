// The subcommands of the `film` tool and a small argument parser shared by them.
#pragma once

#include <functional>
#include <map>
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace film::cli {

struct Command {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>&)> run;
};

// All subcommands, in the order `film --help` lists them (defined in commands.cpp).
const std::vector<Command>& commands();

// Parses `--flag value`, `--flag=value`, boolean `--flag` and positionals. Options not declared
// are an error naming the option, so typos never pass silently.
class Args {
 public:
  // `valued`: options taking a value; `flags`: boolean options.
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& valued,
       const std::vector<std::string>& flags, const char* command);
  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& def) const;
  std::string require(const std::string& name) const;
  int get_int(const std::string& name, int def) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const char* command_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> flags_;
  std::vector<std::string> positional_;
};

// "HEIGHTxWIDTH" (e.g. "720x1280") -> {height, width}; throws naming `option` otherwise.
std::pair<int64_t, int64_t> parse_size(const std::string& text, const char* option);

}  // namespace film::cli
