#include "tests/test_util.h"

#include "engine/backend.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace film::test {

bool backend_available(const std::string& name) {
  for (auto& b : list_backends())
    if (b.name == name) return b.available;
  return false;
}

CommandResult run_command(const std::string& cmdline) {
  CommandResult r{-1, ""};
  FILE* p = popen((cmdline + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace film::test
