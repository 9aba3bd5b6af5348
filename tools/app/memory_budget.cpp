#include "tools/app/memory_budget.h"

#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "graph/base/error.h"

namespace film {

size_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<size_t>(u.ru_maxrss) * 1024;
}
namespace {

// The first number in a file ("max" and unreadable files: no number).
bool read_number(const std::string& path, size_t& out) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return false;
  try {
    out = static_cast<size_t>(std::stoull(word));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

MemoryBudget available_memory() {
  MemoryBudget m{SIZE_MAX, "nothing (no /proc/meminfo)"};
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  size_t kib;
  while (meminfo >> key >> kib) {
    if (key == "MemAvailable:") {
      m = {kib * 1024, "the machine's available memory"};
      break;
    }
    meminfo.ignore(1 << 10, '\n');
  }
  size_t limit = 0, used = 0;
  const bool v2 = read_number("/sys/fs/cgroup/memory.max", limit) &&
                  read_number("/sys/fs/cgroup/memory.current", used);
  const bool v1 = !v2 && read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes", limit) &&
                  read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes", used) &&
                  limit < (size_t{1} << 60);
  if ((v2 || v1) && limit > used && limit - used < m.bytes)
    m = {limit - used, cat("the container's memory limit of ", limit >> 20, " MiB (", used >> 20,
                           " MiB in use)")};
  return m;
}


}  // namespace film
