// How much memory this process may still use: the smallest of the machine's available memory
// (/proc/meminfo MemAvailable) and the room left under its cgroup's limit (v2 memory.max minus
// memory.current, or v1 memory.limit_in_bytes minus memory.usage_in_bytes) and the room under an
// address-space limit (RLIMIT_AS, `ulimit -v`: the limit less the address space mapped now, less
// 512 MiB for thread stacks and libraries mapped later): a container's limit kills a process with
// no message and an address-space limit fails an allocation, so the tool checks a plan against
// them before it starts.
// Usage:
//   film::MemoryBudget m = film::available_memory();
//   if (plan.planned_peak() > m.bytes) fail("needs ... but ", m.source, " leaves ", m.bytes >> 20,
//   " MiB");
#pragma once

#include <cstddef>
#include <string>

namespace film {

struct MemoryBudget {
  size_t bytes = 0;  // SIZE_MAX when nothing could be read
  std::string
      source;  // what set it: "the machine's available memory", "the cgroup limit of 4096 MiB"
};

MemoryBudget available_memory();

// The most resident memory this process has held so far (getrusage's ru_maxrss), in bytes.
size_t peak_rss_bytes();

}  // namespace film
