// film::Error (defined in the public include/film/error.h) and the helpers that build its
// messages: the one exception type library code throws for bad input or failed I/O.
//
// Contract: library code never aborts the process on bad input; it throws film::Error whose
// message names the place (file, node, tensor) and says what was expected versus what was found.
// Usage:
//   if (c != 3) film::fail("input '", name, "': expected 3 channels, got ", c);
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "film/error.h"

namespace film {


template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(cat(std::forward<Args>(args)...));
}

// UsageError: a request the program cannot read (an unknown option, a missing or malformed
// value, options that exclude each other): the command line's fault, not the input's. The CLI
// exits 2 for it, 1 for every other Error.
template <class... Args>
[[noreturn]] void usage_fail(Args&&... args) {
  throw UsageError(cat(std::forward<Args>(args)...));
}

}  // namespace film
