// The `film` command-line program: dispatches to one subcommand per file (tools/cmd_*.cpp).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "graph/error.h"
#include "tools/commands.h"

namespace {

void usage(FILE* out) {
  std::fprintf(out, "usage: film <command> [options]       %s\ncommands:\n", film::cli::version());
  for (const auto& c : film::cli::commands()) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(
      out,
      "run 'film help <command>' (or 'film <command> --help') for a command's options; 'film "
      "--version' for the version.\n"
      "Exit status: 0 done, 1 an error (bad input, failed run), 2 a usage error, 3 an internal "
      "error.\n");
}

}  // namespace

// oneDNN (the cpu backend) runs on OpenMP, whose threads spin while waiting by default; next to
// TBB's workers, or on a machine shared with other work, spinning threads steal the cores the
// computation needs (measured: 2 threads 3x slower than 1). libgomp reads OMP_WAIT_POLICY only when
// it starts, so set it and re-execute once, unless the user chose a policy.
void prefer_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("FILM_NO_REEXEC")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
}

int main(int argc, char** argv) {
  prefer_passive_openmp(argv);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      (!std::strcmp(argv[1], "help") && argc == 2)) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("%s\n", film::cli::version());
    return 0;
  }
  std::string name = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (name == "help") {  // `film help interpolate` is `film interpolate --help`
    name = args.front();
    args = {"--help"};
  }
  for (const auto& c : film::cli::commands()) {
    if (name != c.name) continue;
    try {
      return c.run(args);
    } catch (const film::cli::UsageError& e) {
      std::fprintf(stderr, "film %s: usage error: %s\n", c.name, e.what());
      return 2;
    } catch (const film::Error& e) {
      std::fprintf(stderr, "film %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "film %s: error: out of memory\n", c.name);
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "film %s: internal error: %s\n", c.name, e.what());
      return 3;
    }
  }
  std::fprintf(stderr, "film: unknown command '%s'\n", name.c_str());
  usage(stderr);
  return 2;
}
