// Running other programs (python3 for `film convert`, Slurm's commands for `film cluster`, ffmpeg
// for `film eval`'s mci row): with their arguments as given, no shell between them (any character
// may be in a path), their output captured.
#pragma once

#include <string>
#include <vector>

namespace film {

struct Ran {
  int status = -1;       // exit status (128 + signal when killed); -1 when it could not start
  std::string out, err;  // standard output and error (`err` also says why it could not start)
};

// Runs argv[0] (looked up on PATH unless it holds a '/') with argv and waits for it.
Ran run_program(const std::vector<std::string>& argv);

// Whether `program` is an executable file in one of PATH's folders.
bool on_path(const std::string& program);

}  // namespace film
