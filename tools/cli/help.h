// How `film help CMD` looks: CLI11's help, made from the options' definitions, in the program's
// style — "usage: film CMD [options] ARGS", options by group, each with its value's form
// (a range as (0..10), choices as a|b|c) and its description wrapped at 100 columns.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace film::cli {

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;
  std::string make_usage(const CLI::App* app, std::string name) const override;
  std::string make_option_usage(const CLI::Option* opt) const override;
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> opts) const override;
  std::string make_footer(const CLI::App* app) const override;
};

// The first argument that names an option `app` (with its option groups) does not have, before
// any "--" ("" when none): checked before CLI11's own checks, so that a typo is reported as the
// unknown option it is rather than as a missing argument.
std::string unknown_option(const CLI::App& app, const std::vector<std::string>& args);

// `film help --options`: every option of every command (and of cluster's commands), one JSON
// object per line: {"command", "option", "group", "value": whether it takes one, "type",
// "description"}. The options in group "Output" that take a value name files the command writes;
// tests/test_outputs.cpp drives each of them at inputs and model files.
std::string options_listing(const CLI::App& app);

}  // namespace film::cli
