#include "tools/app/memory_budget.h"

#include <malloc.h>
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

// Mapped after the budget is read: the scheduler's and oneDNN's thread stacks (8 MiB each) and
// the libraries a backend loads on first use.
constexpr size_t kAddressSpaceMargin = size_t{512} << 20;

// A size of this process now from /proc/self/status, in KiB: "VmSize:" (its address space) or
// "VmData:" (its data: what RLIMIT_DATA counts).
bool status_kib(const char* field, size_t& out) {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == field) return static_cast<bool>(status >> out);
    status.ignore(1 << 10, '\n');
  }
  return false;
}

// glibc gives each thread that allocates its own malloc arena, reserving 64 MiB of address space
// per arena (up to 8 per core): with the scheduler's, oneDNN's and the pipeline's threads that
// outgrew the margin above, and oneDNN then crashed (SIGSEGV) where its JIT could not map code
// for a convolution, instead of failing. Under an address-space or data-size limit, two arenas
// (measured: a 320x240 film video under ulimit -v 1160000 crashed with 8 and ran with 1 or 2).
void cap_malloc_arenas() {
  static const bool once = [] { return mallopt(M_ARENA_MAX, 2) == 1; }();
  (void)once;
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
  // An address-space limit (ulimit -v, which batch schedulers also set) counts every mapping, not
  // only resident memory; a data-size limit (ulimit -d) every private writable one: the room is
  // the limit less what is counted now, less a margin for what is mapped after the plan is checked
  // (thread stacks of the pools, libraries loaded on first use).
  const struct {
    int resource;
    const char *field, *name;
  } limits[] = {{RLIMIT_AS, "VmSize:", "the address-space limit (ulimit -v)"},
                {RLIMIT_DATA, "VmData:", "the data-size limit (ulimit -d)"}};
  for (const auto& l : limits) {
    rlimit lim{};
    size_t used_kib = 0;
    if (getrlimit(l.resource, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY ||
        !status_kib(l.field, used_kib))
      continue;
    cap_malloc_arenas();
    const size_t limit_b = static_cast<size_t>(lim.rlim_cur), in_use = used_kib * 1024;
    const size_t room =
        limit_b > in_use + kAddressSpaceMargin ? limit_b - in_use - kAddressSpaceMargin : 0;
    if (room < m.bytes)
      m = {room, cat(l.name, " of ", limit_b >> 20, " MiB (", in_use >> 20, " MiB ",
                     l.resource == RLIMIT_AS ? "mapped" : "in use", ", ", kAddressSpaceMargin >> 20,
                     " MiB kept spare)")};
  }
  return m;
}


}  // namespace film
