// The `film` command-line program: CLI11 parses the line into one command (tools/cli/cmd_*.cpp),
// which then runs; errors become the exit status (tools/cli/cli.h).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "film/film.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "tools/cli/cli.h"
#include "tools/cli/help.h"

namespace {

using film::cli::commands;

void usage(FILE* out) {
  std::fprintf(out, "usage: film <command> [options]       %s\ncommands:\n", film::version());
  for (const auto& c : commands()) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(
      out,
      "run 'film help <command>' (or 'film <command> --help') for a command's options; 'film "
      "--version' for the version.\n"
      "Exit status: 0 done, 1 an error (bad input, failed run), 2 a usage error, 3 an internal "
      "error.\n");
}

// CLI11's message for a line it could not parse, in the words the program has always used.
std::string usage_message(const CLI::ParseError& e, const std::string& command) {
  if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e)) {
    (void)extras;
    std::string what = e.what();
    const auto colon = what.find(": ");
    const std::string args = colon == std::string::npos ? what : what.substr(colon + 2);
    const std::string first = args.substr(0, args.find(' '));
    if (!first.empty() && first[0] == '-' && first != "-")
      return "unknown option '" + first.substr(0, first.find('=')) + "' (see 'film " + command +
             " --help')";
    return "unexpected argument '" + first + "' (see 'film " + command + " --help')";
  }
  return e.what();
}

// A command's help, and for one with commands of its own (cluster) each of theirs after it.
std::string help_text(const CLI::App& app) {
  std::string text = app.help();
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_name().empty()) text += "\n" + sub->help();
  return text;
}

// The command (or the command's own command, as `cluster submit`) that `args` name.
const CLI::App* named_command(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* at = &app;
  for (const std::string& a : args) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : at->get_subcommands({}))
      if (!sub->get_name().empty() && sub->get_name() == a) next = sub;
    if (!next) break;
    at = next;
  }
  return at;
}

int run(int argc, char** argv) {
  CLI::App app("film: frame interpolation for large motion", "film");
  app.set_help_flag();  // film --help and film help are handled below
  app.require_subcommand(1, 1);
  auto formatter = std::make_shared<film::cli::HelpFormatter>();
  formatter->column_width(28);
  app.formatter(formatter);
  std::map<CLI::App*, film::cli::Runner> runners;
  for (const auto& c : commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    sub->set_help_flag("-h,--help", "print this help and exit");
    runners[sub] = c.setup(*sub);
    for (CLI::App* own : sub->get_subcommands({}))
      if (!own->get_name().empty()) own->set_help_flag("-h,--help", "print this help and exit");
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
    usage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("%s\n", film::version());
    return 0;
  }
  if (args[0] == "help" && args[1] == "--options") {
    std::fputs(film::cli::options_listing(app).c_str(), stdout);
    return 0;
  }
  if (args[0] == "help") args = {args[1], "--help"};  // film help CMD is film CMD --help
  const std::string command = args[0];
  const auto subs = app.get_subcommands({});
  if (std::none_of(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->get_name() == command; })) {
    std::fprintf(stderr, "film: unknown command '%s'\n", command.c_str());
    usage(stderr);
    return 2;
  }
  const CLI::App* target = named_command(app, args);
  const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                    std::find(args.begin(), args.end(), "-h") != args.end();
  if (const std::string bad = film::cli::unknown_option(*target, args); !bad.empty() && !help) {
    std::fprintf(stderr, "film %s: usage error: unknown option '%s' (see 'film %s --help')\n",
                 command.c_str(), bad.c_str(), command.c_str());
    return 2;
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last to first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::fputs(help_text(target == &app ? *app.get_subcommand(command) : *target).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "film %s: usage error: %s\n", command.c_str(),
                 usage_message(e, command).c_str());
    return 2;
  }
  return runners.at(app.get_subcommand(command))();
}

// oneDNN (the cpu backend) runs on OpenMP, whose threads spin while waiting by default; next to
// TBB's workers, or on a machine shared with other work, spinning threads steal the cores the
// computation needs (docs/benchmarks.md). libgomp reads OMP_WAIT_POLICY only when it starts, so
// set it and re-execute once, unless the user chose a policy.
void prefer_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("FILM_NO_REEXEC")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
}

}  // namespace

int main(int argc, char** argv) {
  prefer_passive_openmp(argv);
  // Interrupted (Ctrl-C, SIGTERM, SIGHUP), the program removes the partial files it was writing
  // and ends as the signal ends it. The library installs no handler: a program embedding it (the
  // Python module) keeps its own.
  film::io::install_interrupt_cleanup();
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    return run(argc, argv);
  } catch (const film::UsageError& e) {
    std::fprintf(stderr, "film %s: usage error: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const film::Error& e) {
    std::fprintf(stderr, "film %s: error: %s\n", command.c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "film %s: error: out of memory\n", command.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "film %s: internal error: %s\n", command.c_str(), e.what());
    return 3;
  }
}
